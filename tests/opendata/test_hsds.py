"""The HSDS 3.0 data package: every file the descriptor names, with its fields, and resolvable keys."""

import csv
import io
import json
import zipfile
from pathlib import Path

from tests import factories
from tests.opendata import download_fresh


def read_package(data):
    archive = zipfile.ZipFile(io.BytesIO(data))
    package = json.loads(archive.read("datapackage.json"))
    tables = {}
    for resource in package["resources"]:
        rows = list(csv.DictReader(io.StringIO(archive.read(resource["path"]).decode("utf-8"))))
        header = next(csv.reader(io.StringIO(archive.read(resource["path"]).decode("utf-8"))))
        assert header == [f["name"] for f in resource["schema"]["fields"]], resource["name"]
        tables[resource["name"]] = rows
    return package, tables


def test_open_data_package(client, db_session):
    inst = factories.institution(name="营口开放数据测试有限公司", categories=("专利代理",), offerings=("发明专利申请代理", "商标注册"),
                                 contact_phone="0417-2800000", contact_name="王经理")
    factories.institution(name="未公开机构", admit=False)
    response = download_fresh(client)
    assert response.status_code == 200 and response.mimetype == "application/zip"
    package, tables = read_package(response.data)
    assert package["profile"] == "tabular-data-package"
    assert [o["name"] for o in tables["organization"]] == ["营口开放数据测试有限公司"]
    assert tables["organization_identifier"][0]["identifier"] == inst.credit_code
    assert sorted(s["name"] for s in tables["service"]) == ["发明专利申请代理", "商标注册"]
    assert tables["phone"][0]["number"] == "0417-2800000"
    assert {"专利代理", "知识产权", "镁质材料"} <= {t["name"] for t in tables["taxonomy_term"]}
    # every foreign key resolves
    for resource in package["resources"]:
        for fk in resource["schema"].get("foreignKeys", []):
            targets = {row["id"] for row in tables[fk["reference"]["resource"]]}
            for row in tables[resource["name"]]:
                if row[fk["fields"]]:
                    assert row[fk["fields"]] in targets, (resource["name"], fk)
    # ids are stable between exports
    assert read_package(download_fresh(client).data)[1]["organization"][0]["id"] == tables["organization"][0]["id"]
    # links are on SITE_URL, whatever Host header the request carried
    spoofed = read_package(download_fresh(client, headers={"Host": "evil.example"}).data)[1]
    assert spoofed["organization"][0]["uri"].startswith("http://127.0.0.1:5000/institutions/")


def test_open_data_cli(runner, db_session, tmp_path):
    factories.institution()
    out = tmp_path / "hsds.zip"
    result = runner.invoke(args=["export", "open-data", str(out), "--base-url", "https://sme.example.cn/"])
    assert result.exit_code == 0, result.output
    _package, tables = read_package(out.read_bytes())
    assert tables["organization"][0]["uri"].startswith("https://sme.example.cn/institutions/")


# -- conformance to the official HSDS 3.0 descriptor ------------------------------------------------------

SHARED_DESCRIPTOR = Path(__file__).resolve().parents[2].parent / "shared" / "hsds" / "datapackage.json"


def official_descriptor():
    """The official descriptor from ../shared/hsds (as in CI); the app's unchanged copy where it is absent."""
    from directory.opendata.services import DESCRIPTOR

    return json.loads((SHARED_DESCRIPTOR if SHARED_DESCRIPTOR.is_file() else DESCRIPTOR).read_text(encoding="utf-8"))


def hsds_errors(data: bytes, folder: Path) -> list[str]:
    """Every frictionless error of the zip validated against the official descriptor (schemas matched to our
    files by path, columns matched by name), plus any file or column the descriptor names that is missing."""
    from frictionless import Package

    official = official_descriptor()
    zipfile.ZipFile(io.BytesIO(data)).extractall(folder)
    problems = []
    for resource in official["resources"]:
        path = folder / resource["path"]
        if not path.is_file():
            problems.append(f"{resource['path']}: missing")
            continue
        header = next(csv.reader(io.StringIO(path.read_text(encoding="utf-8"))), [])
        absent = [f["name"] for f in resource["schema"]["fields"] if f["name"] not in header]
        if absent:
            problems.append(f"{resource['path']}: no column {', '.join(absent)}")
    if problems:
        return problems
    for resource in official["resources"]:
        resource["schema"]["fieldsMatch"] = "equal"  # columns matched by name (datapackage v2; was --schema-sync)
    package = Package(official, basepath=str(folder))
    report = package.validate()
    return [f"{task.name} row {getattr(e, 'row_number', '-')}: {e.type}: {e.note}"
            for task in report.tasks for e in task.errors] + [f"{e.type}: {e.note}" for e in report.errors]


def test_the_apps_descriptor_is_the_official_one():
    from directory.opendata.services import DESCRIPTOR

    assert json.loads(DESCRIPTOR.read_text(encoding="utf-8")) == official_descriptor()


def test_open_data_validates_against_official_hsds(client, db_session, tmp_path):
    from frictionless import Package

    from directory.institutions.models import FeeModel
    from directory.taxonomy.services import Vocabulary

    vocab = Vocabulary()
    placed = factories.institution(
        name="营口有地址服务有限公司", offerings=("发明专利申请代理", "商标注册", "专利年费代缴"),
        coverage=[vocab.region("全市")], contact_name="王经理", contact_phone="0417-2800000",
        email="wang@example.cn", website="https://www.example.cn", founded_year=2010,
        address="站前区建设街1号", postal_code="115002")
    fixed, ranged, free = placed.offerings
    fixed.fee_model, fixed.price_min = FeeModel.FIXED, 3000
    ranged.fee_model, ranged.price_min, ranged.price_max, ranged.delivery_days = FeeModel.FIXED, 800, 1500, 10
    free.fee_model, free.active = FeeModel.FREE, False
    bare = factories.institution(name="营口无地址服务有限公司", offerings=(), website="www.example.cn",
                                 contact_phone="13800000000", address="西市区", postal_code="")
    bare.description = ""  # HSDS requires an organization description
    factories.institution(name="未公开机构", admit=False, address="老边区1号", postal_code="115005")
    factories.expert(name="专家甲不公开", email="private@example.cn", phone="13911112222")
    db_session.flush()
    response = download_fresh(client)
    errors = hsds_errors(response.data, tmp_path)
    assert errors == [], "\n".join(errors)
    # the archive's own descriptor validates too, and says what the files hold
    own = Package(str(tmp_path / "datapackage.json")).validate()
    assert own.valid, own.flatten(["type", "note"])[:5]
    _package, tables = read_package(response.data)
    assert [(a["address_1"], a["postal_code"], a["address_type"]) for a in tables["address"]] == [
        ("站前区建设街1号", "115002", "physical")]
    assert len(tables["service_at_location"]) == 2 and len(tables["cost_option"]) == 2
    assert sorted(c["amount"] or c["amount_description"] for c in tables["cost_option"]) == ["3000", "800–1500 元"]
    assert {a["name"] for a in tables["service_area"]} == {"站前区", "全市"}
    assert tables["program"] == [] and tables["schedule"] == []
    assert {o["website"] for o in tables["organization"]} == {"https://www.example.cn", "http://www.example.cn"}
    text = "".join(zipfile.ZipFile(io.BytesIO(response.data)).read(n).decode("utf-8")
                   for n in zipfile.ZipFile(io.BytesIO(response.data)).namelist())
    assert "专家甲不公开" not in text and "13911112222" not in text and "未公开机构" not in text
