"""Open data: the published directory as an Open Referral HSDS 3.0 tabular data package.

CSV files (organizations, services, locations, addresses, service_at_locations, contacts, phones,
organization_identifiers, taxonomy_terms, attributes) and a ``datapackage.json`` describing them, in the file
and field names of HSDS 3.0. Identifiers are UUIDs derived from our ids (uuid5), so they stay stable between
exports. Only published institutions are included; experts are people, not organizations, and are left out.
"""

from __future__ import annotations

import csv
import io
import json
import uuid
import zipfile
from collections.abc import Iterable
from typing import Any

from sqlalchemy.orm import selectinload
from sqlmodel import col, select

from directory.extensions import db
from directory.institutions.models import Institution, RecordStatus
from directory.taxonomy.models import Category, Industry

NAMESPACE = uuid.UUID("6c1f0b9e-5d1f-4c2b-9a51-3f6c8a0e7d21")  # fixed: the same record keeps the same UUID

# resource name → (file, fields); field lists follow HSDS 3.0 (every field, empty where we have no data).
TABLES: dict[str, tuple[str, list[str]]] = {
    "organization": ("organizations.csv", ["id", "name", "alternate_name", "description", "email", "website",
                                           "year_incorporated", "legal_status", "logo", "uri",
                                           "parent_organization_id"]),
    "organization_identifier": ("organization_identifiers.csv", ["id", "organization_id", "identifier_scheme",
                                                                 "identifier_type", "identifier"]),
    "service": ("services.csv", ["id", "organization_id", "program_id", "name", "alternate_name", "description",
                                 "url", "email", "status", "interpretation_services", "application_process",
                                 "fees_description", "accreditations", "eligibility_description", "minimum_age",
                                 "maximum_age", "assured_date", "assurer_email", "alert", "last_modified"]),
    "location": ("locations.csv", ["id", "location_type", "url", "organization_id", "name", "alternate_name",
                                   "description", "transportation", "latitude", "longitude", "external_identifier",
                                   "external_identifier_type"]),
    "address": ("addresss.csv", ["id", "location_id", "attention", "address_1", "address_2", "city", "region",
                                 "state_province", "postal_code", "country", "address_type"]),
    "service_at_location": ("service_at_locations.csv", ["id", "service_id", "location_id", "description"]),
    "contact": ("contacts.csv", ["id", "organization_id", "service_id", "service_at_location_id", "location_id",
                                 "name", "title", "department", "email"]),
    "phone": ("phones.csv", ["id", "location_id", "service_id", "organization_id", "contact_id",
                             "service_at_location_id", "number", "extension", "type", "description"]),
    "taxonomy_term": ("taxonomy_terms.csv", ["id", "code", "name", "description", "parent_id", "taxonomy",
                                             "language", "taxonomy_id", "term_uri"]),
    "attribute": ("attributes.csv", ["id", "link_id", "taxonomy_term_id", "link_type", "link_entity", "value",
                                     "label"]),
}
FOREIGN_KEYS = {
    "organization_identifier": {"organization_id": "organization"},
    "service": {"organization_id": "organization"},
    "location": {"organization_id": "organization"},
    "address": {"location_id": "location"},
    "service_at_location": {"service_id": "service", "location_id": "location"},
    "contact": {"organization_id": "organization"},
    "phone": {"organization_id": "organization", "contact_id": "contact"},
    "taxonomy_term": {"parent_id": "taxonomy_term"},
    "attribute": {"taxonomy_term_id": "taxonomy_term"},
}
FEES = {"free": "免费", "fixed": "固定价格", "negotiable": "价格面议"}


def uid(kind: str, key: Any) -> str:
    return str(uuid.uuid5(NAMESPACE, f"{kind}:{key}"))


def build_tables(*, base_url: str = "") -> dict[str, list[dict[str, Any]]]:
    """Every HSDS table as a list of rows (dicts keyed by the HSDS field names)."""
    tables: dict[str, list[dict[str, Any]]] = {name: [] for name in TABLES}
    for c in db.session.exec(select(Category).order_by(col(Category.id))).all():
        tables["taxonomy_term"].append({
            "id": uid("category", c.id), "code": c.code, "name": c.name, "description": c.name_en,
            "parent_id": uid("category", c.parent_id) if c.parent_id else "", "taxonomy": "yingkou-service-category",
            "language": "zh"})
    for i in db.session.exec(select(Industry).order_by(col(Industry.id))).all():
        tables["taxonomy_term"].append({
            "id": uid("industry", i.id), "code": i.code, "name": i.name, "description": i.name_en, "parent_id": "",
            "taxonomy": "yingkou-industry", "language": "zh"})
    institutions = db.session.exec(
        select(Institution).where(Institution.status == RecordStatus.ADMITTED).order_by(col(Institution.id))
        .options(selectinload(Institution.categories), selectinload(Institution.industries),  # type: ignore[arg-type]
                 selectinload(Institution.offerings), selectinload(Institution.region))).all()  # type: ignore[arg-type]
    for inst in institutions:
        org = uid("institution", inst.id)
        tables["organization"].append({
            "id": org, "name": inst.name, "description": inst.description, "email": inst.email,
            "website": inst.website, "year_incorporated": inst.founded_year or "",
            "uri": f"{base_url}/institutions/{inst.id}" if base_url else ""})
        tables["organization_identifier"].append({
            "id": uid("credit_code", inst.id), "organization_id": org, "identifier_scheme": "CN-USCC",
            "identifier_type": "统一社会信用代码", "identifier": inst.credit_code})
        location = uid("location", inst.id)
        tables["location"].append({"id": location, "location_type": "physical", "organization_id": org,
                                   "name": inst.name})
        tables["address"].append({"id": uid("address", inst.id), "location_id": location,
                                  "address_1": inst.region.name, "city": "营口市", "region": inst.region.name,
                                  "state_province": "辽宁省", "postal_code": "", "country": "CN",
                                  "address_type": "physical"})
        if inst.contact_name or inst.contact_phone:
            contact = uid("contact", inst.id)
            tables["contact"].append({"id": contact, "organization_id": org, "name": inst.contact_name,
                                      "email": inst.email})
            if inst.contact_phone:
                tables["phone"].append({"id": uid("phone", inst.id), "organization_id": org, "contact_id": contact,
                                        "number": inst.contact_phone, "type": "voice"})
        for term_kind, terms in (("category", inst.categories), ("industry", inst.industries)):
            for term in terms:
                tables["attribute"].append({
                    "id": uid("attribute", f"organization:{inst.id}:{term_kind}:{term.id}"), "link_id": org,
                    "taxonomy_term_id": uid(term_kind, term.id), "link_type": term_kind,
                    "link_entity": "organization", "value": term.name})
        for offering in inst.offerings:
            if not offering.active:
                continue
            service = uid("offering", offering.id)
            price = ""
            if offering.price_min is not None:
                price = f"{offering.price_min}" + (f"–{offering.price_max}" if offering.price_max else "") + " 元"
            tables["service"].append({
                "id": service, "organization_id": org, "name": offering.title, "description": offering.description,
                "status": "active", "fees_description": " ".join(x for x in (FEES.get(offering.fee_model, ""), price) if x),
                "url": f"{base_url}/institutions/{inst.id}#offering-{offering.id}" if base_url else "",
                "last_modified": offering.updated_at.isoformat() if offering.updated_at else ""})
            tables["service_at_location"].append({"id": uid("service_at_location", offering.id),
                                                  "service_id": service, "location_id": location})
            if offering.category_id:
                tables["attribute"].append({
                    "id": uid("attribute", f"service:{offering.id}:category"), "link_id": service,
                    "taxonomy_term_id": uid("category", offering.category_id), "link_type": "category",
                    "link_entity": "service", "value": offering.category.name if offering.category else ""})
    return tables


def datapackage() -> dict[str, Any]:
    """The package descriptor: one tabular resource per file, with its fields and keys."""
    resources = []
    for name, (path, fields) in TABLES.items():
        schema: dict[str, Any] = {"primaryKey": "id",
                                  "fields": [{"name": f, "type": "number" if f == "year_incorporated" else "string"}
                                             for f in fields]}
        if name in FOREIGN_KEYS:
            schema["foreignKeys"] = [{"fields": field, "reference": {"resource": ref, "fields": "id"}}
                                     for field, ref in FOREIGN_KEYS[name].items()]
        resources.append({"name": name, "path": path, "format": "csv", "mediatype": "text/csv",
                          "encoding": "utf-8", "profile": "tabular-data-resource", "schema": schema})
    return {"name": "yingkou-sme-service-directory", "title": "营口企业公共服务平台 服务机构库",
            "profile": "tabular-data-package", "version": "3.0.0",
            "description": "Published service institutions and their services, in the Open Referral HSDS 3.0 "
                           "tabular layout.", "resources": resources}


def _csv(fields: list[str], rows: Iterable[dict[str, Any]]) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=fields, extrasaction="raise")
    writer.writeheader()
    for row in rows:
        writer.writerow({f: row.get(f, "") for f in fields})
    return out.getvalue()


def export_zip(*, base_url: str = "") -> bytes:
    """The data package as a zip archive (CSV files and datapackage.json)."""
    tables = build_tables(base_url=base_url)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("datapackage.json", json.dumps(datapackage(), ensure_ascii=False, indent=2))
        for name, (path, fields) in TABLES.items():
            archive.writestr(path, _csv(fields, tables[name]))
    return buffer.getvalue()
