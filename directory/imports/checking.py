"""Validating import rows: every cell checked by the rules of the admission forms, taxonomy names resolved
(unknown ones are errors naming the row and column, never silently created), rows turned into the inputs
of :func:`directory.institutions.services.upsert_institution` and :func:`directory.experts.services.upsert_expert`."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from directory.core.creditcode import InvalidCreditCode, validate_credit_code
from directory.core.emails import is_email
from directory.core.time import utcnow
from directory.experts import services as experts
from directory.imports.columns import split_list
from directory.institutions import services as institutions
from directory.institutions.models import FeeModel
from directory.taxonomy.services import Vocabulary


@dataclass
class RowError:
    row: int
    column: str
    message: str

    def __str__(self) -> str:
        return _("Row %(row)s, column %(column)s: %(message)s", row=self.row, column=self.column,
                 message=self.message)



PHONE_RE = re.compile(r"^[\d\s\-+()（）转]{5,30}$")
POSTAL_CODE_RE = re.compile(r"^\d{6}$")
WEBSITE_RE = re.compile(r"^https?://")


class _RowChecker:
    def __init__(self, row: dict[str, Any], headers: dict[str, str], vocab: Vocabulary):
        self.row = row
        self.headers = headers
        self.vocab = vocab
        self.errors: list[RowError] = []
        self.number = int(row.get("__row__", 0))

    def error(self, key: str, message: str) -> None:
        self.errors.append(RowError(self.number, self.headers.get(key, key), message))

    def text(self, key: str, *, required: bool = False, max_length: int = 200) -> str:
        value = self.row.get(key, "")
        value = "" if value is None else str(value).strip()
        if isinstance(self.row.get(key), float) and value.endswith(".0"):
            value = value[:-2]  # Excel turns 2015 into 2015.0
        if required and not value:
            self.error(key, _("This value is required."))
        elif len(value) > max_length:
            self.error(key, _("At most %(n)s characters.", n=max_length))
        return value

    def items(self, key: str, *, required: bool = False) -> list[str]:
        value = self.row.get(key, "")
        items = [str(v).strip() for v in value if str(v).strip()] if isinstance(value, list) else split_list(str(value or ""))
        if required and not items:
            self.error(key, _("This value is required."))
        return items

    def integer(self, key: str, *, low: int, high: int) -> int | None:
        raw = self.text(key)
        if not raw:
            return None
        try:
            value = int(float(raw))
        except ValueError:
            self.error(key, _("Enter a whole number."))
            return None
        if not low <= value <= high:
            self.error(key, _("Enter a number from %(low)s to %(high)s.", low=low, high=high))
            return None
        return value

    def website(self, key: str) -> str:
        value = self.text(key, max_length=300)
        if value and not WEBSITE_RE.match(value):  # the rule of the admission form: no javascript: links
            self.error(key, _("Start the address with http:// or https://."))
        return value

    def email(self, key: str) -> str:
        value = self.text(key, max_length=254)
        if value and not is_email(value):
            self.error(key, _("This is not a valid e-mail address."))
        return value.lower()

    def phone(self, key: str) -> str:
        value = self.text(key, max_length=30)
        if value and not PHONE_RE.match(value):
            self.error(key, _("This is not a valid phone number."))
        return value

    def postal_code(self, key: str) -> str:
        value = self.text(key, max_length=6)
        if value and not POSTAL_CODE_RE.match(value):
            self.error(key, _("A postal code has six digits."))
        return value

    def names(self, key: str, lookup: Any, message: Any, *, required: bool = False) -> list[Any]:
        out: list[Any] = []
        for name in self.items(key, required=required):
            record = lookup(name)
            if record is None:
                self.error(key, str(message % {"name": name}))
            elif all(r is not record for r in out):  # one object per term (Vocabulary): no field-by-field ==
                out.append(record)
        return out


def _offerings(check: _RowChecker, categories: list[Any]) -> list[institutions.OfferingInput]:
    raw = check.row.get("offerings", "")
    out = []
    if isinstance(raw, list) and raw and isinstance(raw[0], dict):
        for item in raw:
            category = check.vocab.category(item["category"]) if item.get("category") else None
            if item.get("category") and category is None:
                check.error("offerings", _("Unknown service category: %(name)s") % {"name": item["category"]})
            fee = item.get("fee_model") or FeeModel.NEGOTIABLE
            if fee not in set(FeeModel):
                check.error("offerings", _("Unknown fee model: %(name)s") % {"name": fee})
            out.append(institutions.OfferingInput(
                title=str(item["title"])[:200], category=category, description=item.get("description", ""),
                fee_model=fee, price_min=item.get("price_min"), price_max=item.get("price_max"),
                delivery_days=item.get("delivery_days"), public_interest=bool(item.get("public_interest"))))
        return out
    for title in check.items("offerings"):
        if len(title) > 200:
            check.error("offerings", _("At most %(n)s characters.", n=200))
        out.append(institutions.OfferingInput(title=title[:200], category=categories[0] if categories else None,
                                              details=False))
    return out


def check_institution(row: dict[str, Any], headers: dict[str, str], vocab: Vocabulary) -> tuple[institutions.InstitutionInput | None, list[RowError]]:
    """Validate one institution row; returns the input or the errors naming row and column."""
    c = _RowChecker(row, headers, vocab)
    name = c.text("name", required=True)
    code_text = c.text("credit_code", required=True, max_length=40)
    code = ""
    if code_text:
        try:
            code = validate_credit_code(code_text)
        except InvalidCreditCode:
            c.error("credit_code", _("%(code)s is not a valid unified social credit code (统一社会信用代码).",
                                     code=code_text))
    # The messages are lazy: translated only for a row that has the error (most rows have none).
    categories = c.names("categories", vocab.category, _l("Unknown service category: %(name)s"), required=True)
    industries = c.names("industries", vocab.industry, _l("Unknown industry: %(name)s"))
    region_name = c.text("region", required=True)
    region = vocab.region(region_name) if region_name else None
    if region_name and region is None:
        c.error("region", _("Unknown region: %(name)s") % {"name": region_name})
    coverage = c.names("coverage", vocab.region, _l("Unknown region: %(name)s"))
    data = institutions.InstitutionInput(
        name=name, credit_code=code, categories=categories, region=region,  # type: ignore[arg-type]
        industries=industries, coverage=coverage, description=c.text("description", max_length=5000),
        contact_name=c.text("contact_name", max_length=60), contact_phone=c.phone("contact_phone"),
        email=c.email("email"), website=c.website("website"),
        address=c.text("address", max_length=200), postal_code=c.postal_code("postal_code"),
        founded_year=c.integer("founded_year", low=1900, high=utcnow().year),
        staff_count=c.integer("staff_count", low=0, high=1_000_000),
        qualifications=c.items("qualifications"), honors=c.items("honors"),
        offerings=_offerings(c, categories),
    )
    return (None if c.errors else data), c.errors


def check_expert(row: dict[str, Any], headers: dict[str, str], vocab: Vocabulary) -> tuple[experts.ExpertInput | None, list[RowError]]:
    """Validate one expert row; returns the input or the errors naming row and column."""
    c = _RowChecker(row, headers, vocab)
    region_name = c.text("region")
    region = vocab.region(region_name) if region_name else None
    if region_name and region is None:
        c.error("region", _("Unknown region: %(name)s") % {"name": region_name})
    data = experts.ExpertInput(
        name=c.text("name", required=True, max_length=60), title=c.text("title", max_length=60),
        organization=c.text("organization"), expertise=c.items("expertise", required=True),
        categories=c.names("categories", vocab.category, _("Unknown service category: %(name)s")),
        industries=c.names("industries", vocab.industry, _("Unknown industry: %(name)s")),
        region=region, bio=c.text("bio", max_length=5000), phone=c.phone("phone"), email=c.email("email"),
    )
    return (None if c.errors else data), c.errors


