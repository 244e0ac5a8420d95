"""Open data: the published directory as an Open Referral HSDS 3.0 tabular data package.

The tables, their file names and their columns are those of the official HSDS 3.0 tabular descriptor, kept
unchanged beside this module (``hsds-3.0-datapackage.json``, from openreferral/specification); the package's
``datapackage.json`` is that descriptor under our name. Every table the descriptor lists is in the archive,
header-only where the platform has no data (programs, schedules, funding …). Values meet the descriptor's
types and constraints: required fields are never empty (an organization without a description is described
by its service categories), web addresses carry a scheme, e-mail addresses are valid, and an institution's
location gets an address only when its street address and postal code are both known (HSDS requires the
postal code). Identifiers are UUIDs derived from our ids (uuid5), so they stay stable between exports. Only
published institutions and their active offerings are included; experts are people, not organizations, and
are left out.
"""

from __future__ import annotations

import io
import json
import uuid
import zipfile
from collections.abc import Iterable
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from email_validator import EmailNotValidError, validate_email
from sqlalchemy.orm import selectinload
from sqlmodel import col, select

from directory.core.spreadsheets import SafeDictWriter
from directory.extensions import db
from directory.institutions.models import FeeModel, Institution, Offering, RecordStatus
from directory.taxonomy.models import Category, Industry

DESCRIPTOR = Path(__file__).with_name("hsds-3.0-datapackage.json")
NAMESPACE = uuid.UUID("6c1f0b9e-5d1f-4c2b-9a51-3f6c8a0e7d21")  # fixed: the same record keeps the same UUID
FEES = {FeeModel.FREE: "免费", FeeModel.FIXED: "固定价格", FeeModel.NEGOTIABLE: "价格面议"}
TAXONOMIES = {
    "category": ("yingkou-service-category", "营口企业公共服务平台 服务类别",
                 "Service categories of the Yingkou SME public service platform (服务类别)."),
    "industry": ("yingkou-industry", "营口企业公共服务平台 服务行业",
                 "Industries served, after Yingkou's industrial structure (服务行业)."),
}
CITY, PROVINCE, COUNTRY = "营口市", "辽宁省", "CN"


@cache
def official_descriptor() -> dict[str, Any]:
    """The HSDS 3.0 tabular descriptor as published by Open Referral (read once; do not mutate)."""
    return json.loads(DESCRIPTOR.read_text(encoding="utf-8"))  # type: ignore[no-any-return]


def tables_layout() -> dict[str, tuple[str, list[str]]]:
    """Resource name → (file name, column names in the descriptor's order)."""
    return {r["name"]: (r["path"], [f["name"] for f in r["schema"]["fields"]])
            for r in official_descriptor()["resources"]}


def uid(kind: str, key: Any) -> str:
    return str(uuid.uuid5(NAMESPACE, f"{kind}:{key}"))


def _uri(value: str) -> str:
    """A web address with its scheme (``www.x.cn`` → ``http://www.x.cn``), or "" when it is not one."""
    value = value.strip()
    if not value:
        return ""
    if "://" not in value:
        value = f"http://{value}"
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.netloc or any(c.isspace() for c in value):
        return ""
    return value


def _email(value: str) -> str:
    try:
        return validate_email(value, check_deliverability=False).normalized if value else ""
    except EmailNotValidError:
        return ""


def _timestamp(value: Any) -> str:
    return value.strftime("%Y-%m-%dT%H:%M:%SZ") if value else ""


def _price(offering: Offering) -> tuple[Any, str]:
    """(amount, amount description) of an offering's cost option."""
    if offering.fee_model == FeeModel.FREE:
        return 0, ""
    low, high = offering.price_min, offering.price_max
    if low is not None and (high is None or high == low):
        return low, ""
    if low is not None and high is not None:
        return "", f"{low}–{high} 元"
    return "", ""


def build_tables(*, base_url: str = "") -> dict[str, list[dict[str, Any]]]:
    """Every HSDS table as a list of rows (dicts keyed by the HSDS field names)."""
    tables: dict[str, list[dict[str, Any]]] = {name: [] for name in tables_layout()}
    for kind, (code, name, description) in TAXONOMIES.items():
        tables["taxonomy"].append({"id": uid("taxonomy", kind), "name": name, "description": description,
                                   "version": code})
    for c in db.session.exec(select(Category).order_by(col(Category.id))).all():
        tables["taxonomy_term"].append({
            "id": uid("category", c.id), "code": c.code, "name": c.name, "description": c.name_en or c.name,
            "parent_id": uid("category", c.parent_id) if c.parent_id else "",
            "taxonomy": TAXONOMIES["category"][0], "taxonomy_id": uid("taxonomy", "category"), "language": "zh"})
    for i in db.session.exec(select(Industry).order_by(col(Industry.id))).all():
        tables["taxonomy_term"].append({
            "id": uid("industry", i.id), "code": i.code, "name": i.name, "description": i.name_en or i.name,
            "taxonomy": TAXONOMIES["industry"][0], "taxonomy_id": uid("taxonomy", "industry"), "language": "zh"})
    institutions = db.session.exec(
        select(Institution).where(Institution.status == RecordStatus.ADMITTED).order_by(col(Institution.id))
        .options(selectinload(Institution.categories), selectinload(Institution.industries),  # type: ignore[arg-type]
                 selectinload(Institution.coverage),  # type: ignore[arg-type]
                 selectinload(Institution.offerings).selectinload(Offering.category),  # type: ignore[arg-type]
                 selectinload(Institution.region))).all()  # type: ignore[arg-type]
    for inst in institutions:
        _add_institution(tables, inst, base_url)
    return tables


def _add_institution(tables: dict[str, list[dict[str, Any]]], inst: Institution, base_url: str) -> None:
    org = uid("institution", inst.id)
    page = f"{base_url}/institutions/{inst.id}" if base_url else ""
    email = _email(inst.email)
    tables["organization"].append({
        "id": org, "name": inst.name,
        "description": inst.description.strip() or "服务类别：" + "、".join(c.name for c in inst.categories),
        "email": email, "website": _uri(inst.website), "tax_id": inst.credit_code,
        "year_incorporated": inst.founded_year or "", "uri": _uri(page)})
    tables["organization_identifier"].append({
        "id": uid("credit_code", inst.id), "organization_id": org, "identifier_scheme": "CN-USCC",
        "identifier_type": "统一社会信用代码", "identifier": inst.credit_code})
    location = uid("location", inst.id)
    tables["location"].append({"id": location, "location_type": "physical", "organization_id": org,
                               "name": inst.name, "description": f"{CITY}{inst.region.name}"})
    if inst.address.strip() and inst.postal_code:
        tables["address"].append({
            "id": uid("address", inst.id), "location_id": location, "address_1": inst.address.strip(),
            "city": CITY, "region": inst.region.name, "state_province": PROVINCE, "postal_code": inst.postal_code,
            "country": COUNTRY, "address_type": "physical"})
    if inst.contact_name or inst.contact_phone:
        contact = uid("contact", inst.id)
        tables["contact"].append({"id": contact, "organization_id": org, "name": inst.contact_name, "email": email})
        if inst.contact_phone:
            tables["phone"].append({"id": uid("phone", inst.id), "organization_id": org, "contact_id": contact,
                                    "number": inst.contact_phone, "type": "voice"})
    for term_kind, terms in (("category", inst.categories), ("industry", inst.industries)):
        for term in terms:
            tables["attribute"].append({
                "id": uid("attribute", f"organization:{inst.id}:{term_kind}:{term.id}"), "link_id": org,
                "taxonomy_term_id": uid(term_kind, term.id), "link_type": term_kind,
                "link_entity": "organization", "value": term.name})
    areas = [inst.region, *(r for r in inst.coverage if r.id != inst.region_id)]
    for offering in inst.offerings:
        if offering.active:
            _add_offering(tables, inst, offering, org=org, location=location, page=page, areas=areas)


def _add_offering(tables: dict[str, list[dict[str, Any]]], inst: Institution, offering: Offering, *, org: str,
                  location: str, page: str, areas: list[Any]) -> None:
    service = uid("offering", offering.id)
    amount, amount_description = _price(offering)
    fees = " ".join(x for x in (FEES.get(offering.fee_model, ""), str(amount) + " 元" if amount else "",  # type: ignore[call-overload]
                                amount_description) if x)
    tables["service"].append({
        "id": service, "organization_id": org, "name": offering.title, "description": offering.description,
        "status": "active", "fees_description": fees, "url": _uri(f"{page}#offering-{offering.id}" if page else ""),
        "last_modified": _timestamp(offering.updated_at)})
    tables["service_at_location"].append({"id": uid("service_at_location", offering.id), "service_id": service,
                                          "location_id": location})
    tables["cost_option"].append({"id": uid("cost_option", offering.id), "service_id": service,
                                  "option": FEES.get(offering.fee_model, ""),  # type: ignore[call-overload]
                                  "currency": "CNY", "amount": amount, "amount_description": amount_description})
    for region in areas:
        tables["service_area"].append({"id": uid("service_area", f"{offering.id}:{region.id}"),
                                       "service_id": service, "name": region.name, "extent_type": "text",
                                       "extent": region.name})
    if offering.category is not None:
        tables["attribute"].append({
            "id": uid("attribute", f"service:{offering.id}:category"), "link_id": service,
            "taxonomy_term_id": uid("category", offering.category.id), "link_type": "category",
            "link_entity": "service", "value": offering.category.name})


def datapackage() -> dict[str, Any]:
    """The package descriptor: the official HSDS 3.0 resources and schemas, under this platform's name."""
    official = official_descriptor()
    return {"name": "yingkou-sme-service-directory", "title": "营口企业公共服务平台 服务机构库",
            "description": "Published service institutions and their services, in the Open Referral HSDS 3.0 "
                           "tabular layout.", "profile": official["profile"], "version": official["version"],
            "resources": official["resources"]}


def _csv(fields: list[str], rows: Iterable[dict[str, Any]]) -> str:
    out = io.StringIO()
    writer = SafeDictWriter(out, fieldnames=fields, extrasaction="raise")  # text cells that would run as formulas get a quote
    writer.writeheader()
    for row in rows:
        writer.writerow({f: row.get(f, "") for f in fields})
    return out.getvalue()


def export_zip(*, base_url: str = "") -> bytes:
    """The data package as a zip archive (one CSV file per HSDS table, and datapackage.json)."""
    tables = build_tables(base_url=base_url)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("datapackage.json", json.dumps(datapackage(), ensure_ascii=False, indent=2))
        for name, (path, fields) in tables_layout().items():
            archive.writestr(path, _csv(fields, tables[name]))
    return buffer.getvalue()


def package_path() -> Path:
    """Where the built package is served from: ``instance/opendata/hsds.zip``."""
    from flask import current_app

    return Path(current_app.instance_path) / "opendata" / "hsds.zip"


def build_package(*, base_url: str) -> Path:
    """Build the package into :func:`package_path`: written beside it and renamed over it, so a download
    never sees half a file and concurrent builds leave one whole package. Read-only on the database (its
    transaction is ended so a job holds nothing open). Returns the path."""
    import os
    import secrets

    path = package_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    data = export_zip(base_url=base_url)
    db.session.rollback()
    partial = path.with_name(f".{path.name}.{secrets.token_hex(6)}")
    partial.write_bytes(data)
    os.replace(partial, path)
    return path
