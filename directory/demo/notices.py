"""Demo notices (通知公告) and policies (惠企政策) for `flask seed demo`: written and published through the
notices services by the demo staff account, policies tagged with the service categories they concern (so a
need of that category shows them). Written once: nothing happens when any notice exists. The texts are
illustrative, not real documents."""

from __future__ import annotations

from datetime import date

from sqlmodel import select

from directory.accounts import services as accounts
from directory.extensions import db
from directory.notices import services
from directory.notices.models import Notice, NoticeKind
from directory.taxonomy.services import Vocabulary

NOTICES = [
    ("关于开展2027年度中小企业服务机构入库申报工作的通知",
     "符合条件的服务机构可在平台在线提交入库申请，材料齐全的将在10个工作日内完成审核。",
     "各有关单位：\n为进一步壮大全市中小企业公共服务供给，现开展年度服务机构入库申报。\n"
     "一、申报对象：在营口市依法登记、具备相应服务能力的服务机构。\n"
     "二、申报方式：登录本平台“申请入库”，按提示填写机构信息并上传资质证书。\n"
     "三、咨询方式：请拨打平台服务热线或在工作日到服务中心咨询。"),
    ("营口市第二届中小企业融资对接会报名启动",
     "银行、担保与投资机构现场对接，企业可在平台“活动”栏目在线报名并预约洽谈。",
     "为缓解中小企业融资难题，服务中心将举办融资专场对接会。报名企业可在平台预约与金融机构一对一洽谈，"
     "名额有限，先到先得。"),
    ("平台系统升级维护公告",
     "平台将于周六凌晨进行系统升级，期间部分功能暂停使用。",
     "为提供更稳定的服务，平台将于本周六 00:00—06:00 进行升级维护，期间检索与申请功能暂停，给您带来不便，敬请谅解。"),
]

POLICIES = [
    ("营口市支持中小企业创新发展若干措施", "营口市人民政府办公室", "营政办发〔2026〕12号", date(2026, 3, 1),
     date(2028, 12, 31), ("融资服务", "知识产权", "技术转移与科技成果转化"),
     "对获得发明专利授权、开展产学研合作和首次贷款的中小企业给予奖补。",
     "第一条 对当年新获发明专利授权的中小企业，每件给予奖励。\n"
     "第二条 对与高校院所开展技术合作并实现成果转化的企业，按技术合同成交额给予补助。\n"
     "第三条 对首次获得银行贷款的小微企业，给予贷款贴息。"),
    ("营口市中小企业数字化转型专项资金管理办法", "营口市工业和信息化局", "营工信发〔2026〕8号", date(2026, 5, 10),
     None, ("数字化转型与工业互联网",),
     "支持中小企业上云用云、设备联网和智能化改造，按投入给予一定比例补助。",
     "一、支持范围：企业上云、工业互联网平台应用、智能化改造项目。\n二、支持方式：按项目实际投入给予补助。\n"
     "三、申报程序：企业通过本平台发布需求，由服务中心协助对接服务商并组织申报。"),
    ("关于落实小微企业税费优惠政策的公告", "国家税务总局营口市税务局", "", date(2026, 1, 15), date(2027, 12, 31),
     ("财税服务", "政策咨询"),
     "小微企业和个体工商户可享受增值税、所得税等多项减免政策。",
     "符合条件的小型微利企业减按规定比例计入应纳税所得额，并按优惠税率缴纳企业所得税。详情可咨询平台财税服务机构。"),
]


def seed_notices() -> None:
    """The demo notices and policies, published by the demo staff account; nothing when any notice exists or
    staff@demo.yk is missing. Flushes."""
    if db.session.exec(select(Notice.id)).first() is not None:
        return
    staff = accounts.find_by_login("staff@demo.yk")
    if staff is None:
        return
    vocab = Vocabulary()
    for title, summary, body in NOTICES:
        notice = services.create(user=staff, data=services.NoticeInput(
            kind=NoticeKind.NOTICE, title=title, summary=summary, body=body, issuer="营口市中小企业服务中心"))
        services.publish(user=staff, notice=notice)
    for title, issuer, number, issued, expires, categories, summary, body in POLICIES:
        policy = services.create(user=staff, data=services.NoticeInput(
            kind=NoticeKind.POLICY, title=title, summary=summary, body=body, issuer=issuer,
            document_number=number, issued_on=issued, expires_on=expires,
            categories=[c for name in categories if (c := vocab.category(name)) is not None]))
        services.publish(user=staff, notice=policy)
