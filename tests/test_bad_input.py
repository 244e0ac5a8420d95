"""Bad input never answers 5xx (issue 14, item 6): every route of the URL map, as several roles, gets ids beyond
64 bits, non-ASCII digits, NaN/sNaN/inf, CR/LF and oversized values in its path, its query string and every form
field any form of the app declares."""

from __future__ import annotations

import re

import pytest
from flask_wtf import FlaskForm
from wtforms.fields.core import UnboundField

from tests.test_access import login_as, records  # noqa: F401  (the matrix's records serve here too)

BIG_IDS = [str(2**31), str(2**32), str(2**63), str(2**64), "9" * 40]  # PostgreSQL's INTEGER ids end at 2**31-1
# One of each kind: beyond 64 bits, non-ASCII digits (Arabic-Indic; a superscript that isdigit() but int() refuses),
# a signalling NaN, infinity, a mail-header injection, NUL (PostgreSQL refuses it in text), an oversized value.
BAD_VALUES = ["18446744073709551616", "4294967296", "١٢٣", "²", "sNaN", "-inf", "a\r\nBcc: evil@example.com", "\x00", "x" * 3000]
FEW_VALUES = ["18446744073709551616", "²", "\x00"]  # for the roles that reach fewer forms
QUERY_NAMES = ["q", "type", "sort", "page", "per_page", "category", "industry", "region", "grade", "tag", "period",
               "role", "status", "provider", "overdue", "unanswered", "side", "older_than", "next", "kind"]
SKIP = {"static", "accounts.logout"}


def form_field_names() -> set[str]:
    """Every field name of every form the app declares (the forms are imported with the views)."""
    names: set[str] = set()
    stack = list(FlaskForm.__subclasses__())
    while stack:
        cls = stack.pop()
        stack.extend(cls.__subclasses__())
        for klass in cls.__mro__:
            names.update(k for k, v in vars(klass).items() if isinstance(v, UnboundField))
    return names


def urls(app, values, *, int_value=None, str_value=None):
    """(method, url) for every route, path values from ``values``; with ``int_value`` (``str_value``) only the
    routes with an int (a free text) segment, every such segment set to it."""
    out = []
    for rule in app.url_map.iter_rules():
        if rule.endpoint in SKIP:
            continue
        path = rule.rule
        ints = re.findall(r"<int:(\w+)>", path)
        texts = re.findall(r"<(\w+)>", path)
        if (int_value is not None and not ints) or (str_value is not None and not texts):
            continue
        segment = {**values, **dict.fromkeys(texts, str_value)} if str_value is not None else values
        for name in ints:
            path = path.replace(f"<int:{name}>", int_value or str(segment.get(name, 1)))
        for options, name in re.findall(r"<any\(([^)]*)\):(\w+)>", path):
            path = path.replace(f"<any({options}):{name}>", options.split(",")[0].strip())
        path = re.sub(r"<(?:\w+:)?(\w+)>", lambda m, s=segment: str(s.get(m.group(1), "2026Q1")), path)
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            out.append((method, path))
    return out


def _status(client, method, url, **kwargs):
    """The status code; an exception the app let through (TESTING propagates them) counts as the 500 it is."""
    try:
        return client.open(url, method=method, **kwargs).status_code
    except Exception as exc:  # noqa: BLE001
        return 500 if not isinstance(exc, AssertionError) else 599


def _path_values(records):  # noqa: F811
    return {"institution_id": records["published"], "expert_id": records["expert"], "event_id": records["event"],
            "meeting_id": records["meeting"], "request_id": records["meeting_request"],
            "review_id": records["review"], "engagement_id": records["engagement"], "demand_id": records["demand"],
            "offering_id": records["offering"], "application_id": records["application"],
            "attachment_id": records["attachment"], "user_id": records["other_user"], "term_id": records["tag"],
            "group_id": records["synonyms"], "word_id": records["stop_word"], "action_id": records["screening_action"],
            "code": records["period"], "token": records["checkin_token"]}


@pytest.mark.parametrize(("role", "values"), [("admin", BAD_VALUES), ("owner", FEW_VALUES),
                                             ("enterprise", FEW_VALUES)], ids=["admin", "owner", "enterprise"])
def test_no_route_answers_5xx_to_bad_values(client, auth, records, search_backend, role, values):  # noqa: F811
    login_as(auth, role, records)
    fields = sorted(form_field_names())
    failures = []
    for value in values:
        query = dict.fromkeys(QUERY_NAMES, value)
        form = dict.fromkeys(fields, value)
        for method, url in urls(client.application, _path_values(records)):
            status = _status(client, method, url, query_string=query, data=form if method == "POST" else None)
            if status >= 500:
                failures.append(f"{method} {url} with {value[:30]!r}: {status}")
    assert not failures, "\n".join(failures)


@pytest.mark.parametrize("value", [*BIG_IDS, "١٢٣", "１２"])
def test_ids_that_cannot_exist_are_404(client, auth, records, value):  # noqa: F811
    login_as(auth, "admin", records)
    failures = []
    for method, url in urls(client.application, _path_values(records), int_value=value):
        status = _status(client, method, url)
        if status != 404:
            failures.append(f"{method} {url}: {status}")
    assert not failures, "\n".join(failures)


@pytest.mark.parametrize("value", ["%00", "x" * 500, "١٢٣", "a%0D%0Ab", "%E2%80%AE"])
def test_strange_text_in_paths_is_never_5xx(client, auth, records, value):  # noqa: F811
    login_as(auth, "admin", records)
    failures = []
    for method, url in urls(client.application, _path_values(records), str_value=value):
        status = _status(client, method, url)
        if status >= 500:
            failures.append(f"{method} {url}: {status}")
    assert not failures, "\n".join(failures)
