"""The bulk writes of a large import (directory.core.bulk): on PostgreSQL COPY with ids taken from the sequence,
elsewhere executemany INSERTs. The COPY path must store exactly what the INSERT path stores (values, JSON text,
defaults, id order, audit and outbox rows), and keep the import's guarantees: a preview writes nothing, a
rolled-back import leaves nothing behind. On SQLite both runs take the INSERT path (the same assertions hold)."""

from datetime import UTC, datetime

import pytest
from sqlalchemy import String, cast, select, text

from directory.audit.models import AuditLog
from directory.core import bulk
from directory.core.creditcode import CREDIT_CHARSET, make_credit_code
from directory.imports.services import import_file
from directory.institutions.models import (
    Institution,
    InstitutionCategory,
    InstitutionCoverage,
    InstitutionIndustry,
    Offering,
)
from search.models import SearchOutbox
from tests.imports.files import ZH_HEADER, count, write_csv, write_xlsx

N = 3 * bulk.COPY_MIN_ROWS  # enough rows for every table of the import to go through COPY on PostgreSQL


def _rows(n):
    out = []
    for i in range(n):
        body = "MA" + "".join(CREDIT_CHARSET[(i // 31 ** k) % 31] for k in range(6))
        out.append([f"营口第{i}检测技术有限公司", make_credit_code("91", "210802", body),
                    "专利代理；商标代理" if i % 2 else "检验检测认证", "镁质材料、钢铁" if i % 3 else "",
                    "站前区" if i % 2 else "营口经济技术开发区", f"简介 \"{i}\"\t带制表符\\和反斜杠\n第二行",
                    "；".join(f"服务{i}-{k}" for k in range(i % 4)), "0417-2800001", f"a{i}@example.cn",
                    2000 + i % 20 if i % 5 else ""])
    return out


def _stored(session, started):
    """What the import stored, ids replaced by what they stand for (credit codes, titles), every timestamp
    checked to be this run's and aware, then dropped; JSON columns also as their stored text."""
    conn = session.connection()
    now = datetime.now(UTC)

    def plain(row, table):
        out = {}
        for column in table.columns:
            value = row[column.key]
            if isinstance(value, datetime):
                assert value.tzinfo is not None and started <= value <= now, (column.key, value)
                value = "this run"
            out[column.key] = value
        return out

    inst_table = Institution.__table__
    insts = {r.id: r for r in conn.execute(select(inst_table, cast(inst_table.c.qualifications, String).label("q_text"),
                                                  cast(inst_table.c.honors, String).label("h_text")))}
    code = {i: r.credit_code for i, r in insts.items()}
    offer_table = Offering.__table__
    offers = {r.id: r for r in conn.execute(select(offer_table))}
    offer_key = {i: (code[r.institution_id], r.title) for i, r in offers.items()}
    stored = {
        "institution": sorted(({**plain(r._mapping, inst_table), "id": code[i], "q_text": r.q_text, "h_text": r.h_text}
                               for i, r in insts.items()), key=lambda d: d["id"]),
        # the offerings of each institution in id order: the order the pages and documents list them in
        "offering": sorted(({**plain(r._mapping, offer_table), "id": offer_key[i], "institution_id": code[r.institution_id]}
                            for i, r in sorted(offers.items())), key=lambda d: d["institution_id"]),
        "institution_order": [code[i] for i in sorted(insts)],
    }
    for model, other in ((InstitutionCategory, "category_id"), (InstitutionIndustry, "industry_id"),
                         (InstitutionCoverage, "region_id")):
        stored[model.__tablename__] = sorted((code[r.institution_id], r._mapping[other])
                                             for r in conn.execute(select(model.__table__)))
    audit_table = AuditLog.__table__
    stored["audit"] = sorted(
        (r.action, r.entity_type, code[r.entity_id], r.actor_id, r.client_address, r.changes_text,
         plain(r._mapping, audit_table)["created_at"])
        for r in conn.execute(select(audit_table, cast(audit_table.c.changes, String).label("changes_text"))))
    keys = {"institution": code, "offering": offer_key}
    outbox = SearchOutbox.__table__
    stored["outbox"] = sorted(
        (r.entity_type, keys[r.entity_type][r.entity_id], r.attempts, r.last_error, r.processed_at, r.claimed_by,
         plain(r._mapping, outbox)["created_at"], plain(r._mapping, outbox)["available_at"])
        for r in conn.execute(select(outbox)))
    return stored


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_copy_stores_exactly_what_the_inserts_store(db_session, tmp_path, monkeypatch, fmt):
    writer = write_csv if fmt == "csv" else write_xlsx
    path = writer(tmp_path / f"i.{fmt}", ZH_HEADER, _rows(N))
    stored = {}
    for copy in (False, True):
        monkeypatch.setattr(bulk, "COPY_ON_POSTGRESQL", copy)
        savepoint = db_session.begin_nested()
        started = datetime.now(UTC)
        report = import_file("institutions", path, admit=True)
        assert report.count("created") == N and not report.errors
        stored[copy] = _stored(db_session, started)
        savepoint.rollback()
    assert stored[True]["institution_order"] == [row[1] for row in _rows(N)]  # ids in the file's order
    assert len(stored[True]["offering"]) == sum(i % 4 for i in range(N))
    assert len(stored[True]["audit"]) == N and len(stored[True]["outbox"]) == N + len(stored[True]["offering"])
    assert stored[True] == stored[False]


def test_defaults_the_rows_leave_out_are_applied_as_by_the_insert(db_session, monkeypatch):
    rows = [{"entity_type": "institution", "entity_id": 1000 + i} for i in range(bulk.COPY_MIN_ROWS)]
    stored = {}
    for copy in (False, True):
        monkeypatch.setattr(bulk, "COPY_ON_POSTGRESQL", copy)
        savepoint = db_session.begin_nested()
        started = datetime.now(UTC)
        bulk.bulk_insert(db_session.connection(), SearchOutbox, rows)
        stored[copy] = [(r.entity_id, r.attempts, r.last_error, r.processed_at, started <= r.created_at, r.available_at.tzinfo is not None)
                        for r in db_session.connection().execute(select(SearchOutbox.__table__).order_by(SearchOutbox.__table__.c.id))]
        savepoint.rollback()
    assert stored[True] == stored[False]
    assert stored[True][0] == (1000, 0, "", None, True, True)


def test_ids_come_in_the_rows_order(db_session):
    conn = db_session.connection()
    region_id = conn.execute(text("SELECT id FROM region ORDER BY id LIMIT 1")).scalar_one()
    now = datetime.now(UTC)
    rows = [{"name": f"机构{i}", "credit_code": f"C{i:017d}", "region_id": region_id, "status": "draft",
             "qualifications": [], "honors": [], "created_at": now, "updated_at": now}
            for i in range(bulk.COPY_MIN_ROWS + 5)]
    ids = bulk.insert_with_ids(conn, Institution, rows, lambda: [int(i) for i in conn.execute(
        select(Institution.__table__.c.id).where(Institution.__table__.c.credit_code.like("C%"))
        .order_by(Institution.__table__.c.credit_code)).scalars()])
    assert ids == sorted(ids) and len(set(ids)) == len(rows)
    assert [conn.execute(select(Institution.__table__.c.credit_code).where(Institution.__table__.c.id == i)).scalar_one()
            for i in ids] == [r["credit_code"] for r in rows]


def test_a_large_preview_writes_nothing_and_the_import_then_writes_all(db_session, tmp_path):
    path = write_csv(tmp_path / "i.csv", ZH_HEADER, _rows(N))
    preview = import_file("institutions", path, admit=True, dry_run=True)
    assert preview.count("would_create") == N and not preview.applied
    assert count(db_session, Institution) == count(db_session, Offering) == count(db_session, AuditLog) == 0
    assert count(db_session, SearchOutbox) == 0
    report = import_file("institutions", path, admit=True)
    assert report.applied and report.count("created") == N
    assert count(db_session, Institution) == N and count(db_session, AuditLog) == N
    again = import_file("institutions", path, admit=True, dry_run=True)  # matched now: nothing would change
    assert again.count("unchanged") == N


def test_a_large_import_rolled_back_leaves_nothing(db_session, tmp_path):
    path = write_csv(tmp_path / "i.csv", ZH_HEADER, _rows(N))
    savepoint = db_session.begin_nested()
    import_file("institutions", path, admit=True)
    assert count(db_session, Institution) == N
    savepoint.rollback()
    for model in (Institution, Offering, InstitutionCategory, AuditLog, SearchOutbox):
        assert count(db_session, model) == 0


def test_a_key_that_is_no_column_is_refused(db_session):
    rows = [{"entity_type": "institution", "entity_id": i, "entity": "typo"} for i in range(bulk.COPY_MIN_ROWS)]
    with pytest.raises(Exception, match="entity"):
        bulk.bulk_insert(db_session.connection(), SearchOutbox, rows)


def test_a_bulk_import_keeps_the_category_counts_exact(db_session, tmp_path):
    """The links go in by COPY on PostgreSQL, where migration 0025 counts them with statement triggers over
    the transition table: the home page's counts per top-level category still equal the raw count."""
    from directory.institutions.services import published_by_top_category

    import_file("institutions", write_csv(tmp_path / "i.csv", ZH_HEADER, _rows(N)), admit=True)
    counts = published_by_top_category(region_id=None)
    assert counts == published_by_top_category(region_id=None, summary=False)
    assert sum(counts.values()) >= N  # every row has a category (half have two, under one top-level one)
