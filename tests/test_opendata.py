"""The HSDS 3.0 data package: every file the descriptor names, with its fields, and resolvable keys."""

import csv
import io
import json
import zipfile

from tests import factories


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
    response = client.get("/opendata/hsds.zip")
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
    assert read_package(client.get("/opendata/hsds.zip").data)[1]["organization"][0]["id"] == tables["organization"][0]["id"]


def test_open_data_cli(runner, db_session, tmp_path):
    factories.institution()
    out = tmp_path / "hsds.zip"
    result = runner.invoke(args=["export", "open-data", str(out), "--base-url", "https://sme.example.cn/"])
    assert result.exit_code == 0, result.output
    _package, tables = read_package(out.read_bytes())
    assert tables["organization"][0]["uri"].startswith("https://sme.example.cn/institutions/")
