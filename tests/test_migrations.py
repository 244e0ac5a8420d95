"""The Alembic migrations make exactly the schema the models describe, on SQLite and PostgreSQL."""

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlmodel import SQLModel


def test_migrations_match_the_models(app, db_session):
    connection = db_session.connection()
    context = MigrationContext.configure(connection, opts={"compare_type": True})
    diff = compare_metadata(context, SQLModel.metadata)
    assert diff == []


# -- the `flask db` command set (issue 13, item 6) ----------------------------------------------------------

def test_flask_db_runs_alembics_command_set(tmp_path, meili):
    import dataclasses
    import re
    import shutil

    from directory import create_app
    from directory.settings import PROJECT_ROOT, Settings

    shutil.copytree(PROJECT_ROOT / "migrations", tmp_path / "migrations",
                    ignore=shutil.ignore_patterns("__pycache__"))
    settings = Settings.from_env({"SECRET_KEY": "k", "MEILI_URL": meili["url"]}, instance_path=tmp_path)
    settings = dataclasses.replace(settings, database_url=f"sqlite:///{tmp_path / 'fresh.sqlite3'}",
                                   jobs_embedded=False)
    app = create_app(settings, MIGRATIONS_PATH=str(tmp_path / "migrations"))
    runner = app.test_cli_runner()

    def db(*args: str) -> str:
        result = runner.invoke(args=["db", *args])
        assert result.exit_code == 0, result.output
        return result.stdout  # alembic's log lines go to stderr

    heads = db("heads")
    head = re.match(r"(\w+) \(head\)", heads).group(1)
    assert db("current") == ""  # an empty database is at no revision
    assert db("upgrade") == "database upgraded to head\n"  # what `make run` and the README rely on
    assert db("current").strip() == f"{head} (head)"
    assert "No new upgrade operations detected" in db("check")
    history = db("history")
    # The head's parent is read, not computed: revisions made on two branches at once keep the ids they were
    # given when merged (0024 after 0022), so the numbers need not be consecutive.
    parent = re.match(rf"(\w+) -> {head} \(head\)", history.splitlines()[0])
    assert parent is not None and int(parent.group(1)) < int(head), history
    assert "<base> -> 0001" in history
    db("downgrade", "-1")
    previous = db("current").strip()
    assert previous == parent.group(1)
    db("upgrade")
    db("stamp", previous)  # records a revision, runs nothing
    assert db("current").strip() == previous
    db("stamp", "head")
    assert db("current").strip() == f"{head} (head)"
    written = db("revision", "-m", "probe of the command", "--autogenerate")
    new = tmp_path / "migrations" / "versions" / f"{int(head) + 1:04d}_probe_of_the_command.py"
    assert new.exists(), written
    text = new.read_text()
    assert f"down_revision: str | None = '{head}'" in text
    # The models match the migrations, so autogenerate found nothing to write.
    assert re.search(r"def upgrade\(\) -> None:\n(    #[^\n]*\n)?    pass\n", text), text
    refused = runner.invoke(args=["db", "downgrade", "no-such-revision"])
    assert refused.exit_code != 0 and "no-such-revision" in refused.output
    app.extensions["database_engine"].dispose()
