"""The shipped demo directory itself (seeds/demo, loaded by `flask seed demo`) is data the import and the open
data must take as they are: every record survives export → import unchanged, and the whole directory is valid
HSDS. The code paths have factory-built twins in tests/imports/test_roundtrip.py and tests/opendata/test_hsds.py;
these catch what a hand-made directory would not think of."""

import pytest

from directory.extensions import db
from directory.imports.exports import export_file
from directory.imports.services import import_file
from directory.opendata.services import export_zip
from tests.imports.test_roundtrip import state
from tests.opendata.test_hsds import hsds_errors


@pytest.mark.parametrize("kind", ["institutions", "experts"])
def test_demo_directory_round_trips(demo_app, tmp_path, kind):
    """Every demo record (lists, long texts, offerings with prices) survives export → import unchanged."""
    with demo_app.app_context():
        try:
            out = tmp_path / f"{kind}.xlsx"
            exported = export_file(kind, out)
            before = state(db.session)
            report = import_file(kind, out, admit=True)
            assert not report.errors and report.count("unchanged") == exported > 100
            assert state(db.session) == before
        finally:
            db.session.rollback()  # the demo database is shared by the session's other tests


def test_demo_directory_open_data_validates(demo_app, tmp_path):
    """The whole demo directory (real-looking names, sites, e-mails, offerings) conforms too."""
    with demo_app.app_context():
        data = export_zip(base_url="https://sme.example.cn")
        db.session.rollback()
    errors = hsds_errors(data, tmp_path)
    assert errors == [], "\n".join(errors[:30])
