"""Import files for the tests: two valid institution rows with their headers, written as .csv or .xlsx."""

import csv

from openpyxl import Workbook
from sqlmodel import func, select

from directory.core.creditcode import make_credit_code

CODE_A = make_credit_code("91", "210802", "MA0A1B2C")
CODE_B = make_credit_code("91", "210804", "MA0D3E4F")
ZH_HEADER = ["机构名称", "统一社会信用代码", "服务类别", "服务行业", "所在区域", "机构简介", "服务产品", "联系电话", "电子邮箱", "成立年份"]
EN_HEADER = ["name", "credit_code", "categories", "industries", "region", "description", "offerings", "contact_phone", "email", "founded_year"]


def write_csv(path, header, rows, bom=True):
    with path.open("w", encoding="utf-8-sig" if bom else "utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def write_xlsx(path, header, rows):
    wb = Workbook()
    ws = wb.active
    ws.append(header)
    for row in rows:
        ws.append(row)
    wb.save(path)
    return path


ROW_A = ["营口恒信知识产权代理有限公司", CODE_A, "专利代理；商标代理", "镁质材料、钢铁", "站前区", "专利商标代理。", "发明专利申请；商标注册", "0417-2800001", "a@example.cn", 2012]
ROW_B = ["辽宁鲅鱼圈检测技术有限公司", CODE_B, "检验检测认证", "石油化工", "营口经济技术开发区", "CMA检测。", "", "13800000000", "", "2018"]


def count(session, model):
    return session.exec(select(func.count()).select_from(model)).one()
