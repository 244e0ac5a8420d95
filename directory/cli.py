"""The `flask --app wsgi …` command groups of CONTRACTS.md. Each command calls services and commits once."""

from __future__ import annotations

import sys
from pathlib import Path

import click
from flask import Flask
from flask.cli import AppGroup

from directory.core.db import commit_or_rollback
from directory.extensions import db

seed_cli = AppGroup("seed", help="Load the standard classification or the demo data.")
users_cli = AppGroup("users", help="Manage accounts.")
import_cli = AppGroup("import", help="Bulk import from .xlsx or .csv.")
export_cli = AppGroup("export", help="Export the published records to .xlsx or .csv.")
db_cli = AppGroup("db", help="Database schema (Alembic).")
records_cli = AppGroup("records", help="Upkeep of the published records.")


def register(app: Flask) -> None:
    from directory.jobs.cli import jobs_cli
    from search.cli import search_cli

    for group in (seed_cli, users_cli, import_cli, export_cli, db_cli, records_cli, search_cli, events_cli,
                  evaluation_cli, jobs_cli, mail_cli):
        app.cli.add_command(group)


# -- db -----------------------------------------------------------------------------------------------
# Alembic's command set over the app's own database URL. Not Flask-Migrate: it binds to Flask-SQLAlchemy's
# `db`, and this app has its own engine (core/db.py) over SQLModel.metadata, which migrations/env.py reads.

def alembic_config(url: str | None = None) -> object:
    from alembic.config import Config
    from flask import current_app

    from directory.settings import PROJECT_ROOT

    # Alembic's default stdout is the one of import time; hand it today's (click's, under a test runner).
    config = Config(stdout=sys.stdout)
    # MIGRATIONS_PATH: a copy of migrations/ (tests write revisions there, not into the checkout).
    config.set_main_option("script_location", str(current_app.config.get("MIGRATIONS_PATH") or PROJECT_ROOT / "migrations"))
    config.set_main_option("sqlalchemy.url", (url or current_app.config["SETTINGS"].database_url).replace("%", "%%"))
    # New revisions are numbered like the existing ones: migrations/versions/0017_add_something.py
    config.set_main_option("file_template", "%%(rev)s_%%(slug)s")
    return config


def _alembic(name: str, *args: object, **kwargs: object) -> None:
    from alembic import command
    from alembic.util import CommandError

    try:
        getattr(command, name)(alembic_config(), *args, **kwargs)
    except CommandError as exc:
        raise click.ClickException(str(exc)) from None


def _next_revision_id() -> str:
    """One more than the highest numbered revision (``0016`` → ``0017``)."""
    from alembic.script import ScriptDirectory

    script = ScriptDirectory.from_config(alembic_config())  # type: ignore[arg-type]
    numbers = [int(rev.revision) for rev in script.walk_revisions() if rev.revision.isdigit()]
    return f"{max(numbers, default=0) + 1:04d}"


@db_cli.command("upgrade")
@click.argument("revision", default="head")
@click.option("--sql", is_flag=True, help="Print the SQL instead of running it (offline mode).")
def db_upgrade(revision: str, sql: bool) -> None:
    """Apply the Alembic migrations (the only way the schema is made outside tests).

    Run it once per release, from one machine, before the new code serves; not on every node."""
    _alembic("upgrade", revision, sql=sql)
    if not sql:
        click.echo(f"database upgraded to {revision}")


@db_cli.command("downgrade", context_settings={"ignore_unknown_options": True})  # so that -1 is a revision
@click.argument("revision")
@click.option("--sql", is_flag=True, help="Print the SQL instead of running it (offline mode).")
def db_downgrade(revision: str, sql: bool) -> None:
    """Revert to REVISION (an id, or -1 for one step back). Restore a backup rather than downgrade data."""
    _alembic("downgrade", revision, sql=sql)
    if not sql:
        click.echo(f"database downgraded to {revision}")


def _db_report(name: str, help_text: str) -> None:
    @db_cli.command(name, help=help_text)
    @click.option("--verbose", "-v", is_flag=True)
    def report(verbose: bool) -> None:
        _alembic(name, verbose=verbose)


_db_report("current", "Show the revision the database is at.")
_db_report("heads", "Show the newest revision(s); more than one means two branches added migrations: merge them.")


@db_cli.command("history")
@click.option("--rev-range", "-r", default=None, help="A range such as 0010:head.")
@click.option("--verbose", "-v", is_flag=True)
def db_history(rev_range: str | None, verbose: bool) -> None:
    """List the migrations, newest first."""
    _alembic("history", rev_range=rev_range, verbose=verbose)


@db_cli.command("revision")
@click.option("--message", "-m", required=True, help="What the migration does, e.g. 'job progress'.")
@click.option("--autogenerate", is_flag=True, help="Compare the models with the database and write the difference.")
@click.option("--rev-id", default=None, help="The new revision's id (default: the next number).")
def db_revision(message: str, autogenerate: bool, rev_id: str | None) -> None:
    """Write a new migration under migrations/versions/ (read and edit it before committing)."""
    _alembic("revision", message=message, autogenerate=autogenerate, rev_id=rev_id or _next_revision_id())


@db_cli.command("stamp")
@click.argument("revision")
def db_stamp(revision: str) -> None:
    """Record REVISION as applied without running anything (a database made some other way)."""
    _alembic("stamp", revision)
    click.echo(f"database stamped at {revision}")


@db_cli.command("check")
def db_check() -> None:
    """Fail when the models hold a change that no migration makes."""
    _alembic("check")


# -- seed ---------------------------------------------------------------------------------------------

@seed_cli.command("taxonomy")
def seed_taxonomy() -> None:
    """Load the standard classification (categories, industries, regions, tags); idempotent."""
    from directory.taxonomy.services import load_taxonomy
    from search.dictionary import load_defaults

    with commit_or_rollback(db.session):
        report = load_taxonomy()
        words = load_defaults()
    click.echo(f"taxonomy: {report.created} created, {report.updated} updated")
    click.echo(f"search synonyms and stop words: {words} added")


@seed_cli.command("demo")
def seed_demo() -> None:
    """Load the taxonomy and the demo directory through the services; running it twice changes nothing."""
    from directory.demo.accounts import DEMO_PASSWORD
    from directory.demo.seed import seed_demo

    with commit_or_rollback(db.session):
        report = seed_demo()
    click.echo(f"taxonomy: {report.taxonomy.created} created, {report.taxonomy.updated} updated")
    for name, r in (("institutions", report.institutions), ("experts", report.experts)):
        click.echo(f"{name}: {r.count('created')} created, {r.count('updated')} updated, "
                   f"{r.count('unchanged')} unchanged")
    click.echo(f"enterprises: {report.enterprises_created} created")
    for email in report.accounts_created:
        click.echo(f"account {email} (password {DEMO_PASSWORD})")


# -- users --------------------------------------------------------------------------------------------

@users_cli.command("create")
@click.option("--role", required=True, type=click.Choice(["admin", "staff", "institution", "expert", "enterprise"]))
@click.option("--email", default=None)
@click.option("--phone", default=None)
@click.option("--password", required=True)
@click.option("--name", "display_name", default="")
def users_create(role: str, email: str | None, phone: str | None, password: str, display_name: str) -> None:
    """Create an account (staff and admin accounts are made only here)."""
    from directory.accounts.services import create_user
    from directory.core.errors import DomainError

    try:
        with commit_or_rollback(db.session):
            user = create_user(role=role, email=email, phone=phone, password=password,
                               display_name=display_name or email or phone or "")
    except DomainError as exc:
        raise click.ClickException(str(exc.message)) from None
    click.echo(f"created {role} account #{user.id} {user.email or user.phone}")


def _set_active(email: str, active: bool) -> None:
    from directory.accounts.services import set_active
    from directory.core.errors import DomainError

    try:
        with commit_or_rollback(db.session):
            user = set_active(login=email, active=active)
    except DomainError as exc:
        raise click.ClickException(str(exc.message)) from None
    click.echo(f"account #{user.id} {user.email or user.phone} {'unlocked' if active else 'locked; its sessions ended'}")


@users_cli.command("deactivate")
@click.argument("email")
def users_deactivate(email: str) -> None:
    """Lock an account (e-mail or mobile number): it cannot log in, and every open session ends at once."""
    _set_active(email, False)


@users_cli.command("activate")
@click.argument("email")
def users_activate(email: str) -> None:
    """Unlock an account (its old sessions stay ended)."""
    _set_active(email, True)


# -- import / export ----------------------------------------------------------------------------------

def _run_import(kind: str, path: Path, admit: bool, skip_invalid: bool) -> None:
    from directory.imports.reading import ImportFileError
    from directory.imports.services import import_file

    try:
        with commit_or_rollback(db.session):
            report = import_file(kind, path, admit=admit, skip_invalid=skip_invalid)
    except ImportFileError as exc:
        raise click.ClickException(str(exc)) from None
    for warning in report.warnings:
        click.echo(f"warning: {warning}")
    for row in report.rows:
        status = row.action or ("error" if row.errors else "ok")
        click.echo(f"row {row.row}: {status} {row.name}")
        for error in row.errors:
            click.echo(f"    {error}")
        for note in row.notes:
            click.echo(f"    note: {note}")
    errors = len(report.errors)
    if not report.applied:
        raise click.ClickException(
            f"{errors} error(s) in {sum(1 for r in report.rows if r.errors)} row(s); nothing was imported "
            "(fix the file, or pass --skip-invalid to import the valid rows)")
    click.echo(f"{kind}: {report.count('created')} created, {report.count('updated')} updated, "
               f"{report.count('unchanged')} unchanged, {report.count('skipped')} skipped")


@import_cli.command("institutions")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--admit", is_flag=True, help="Admit (publish) the imported records.")
@click.option("--skip-invalid", is_flag=True, help="Import the valid rows even if some rows are invalid.")
def import_institutions(file: Path, admit: bool, skip_invalid: bool) -> None:
    """Import institutions (matched by credit code: re-importing updates)."""
    _run_import("institutions", file, admit, skip_invalid)


@import_cli.command("experts")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--admit", is_flag=True, help="Admit (publish) the imported records.")
@click.option("--skip-invalid", is_flag=True, help="Import the valid rows even if some rows are invalid.")
def import_experts(file: Path, admit: bool, skip_invalid: bool) -> None:
    """Import experts (matched by name + organization + phone: re-importing updates)."""
    _run_import("experts", file, admit, skip_invalid)


@export_cli.command("institutions")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
def export_institutions(file: Path) -> None:
    """Export the published institutions with the import columns."""
    from directory.audit.services import record_export
    from directory.imports.exports import export_file
    from directory.imports.reading import ImportFileError

    try:
        with commit_or_rollback(db.session):
            count = export_file("institutions", file)
            record_export(kind="institutions", rows=count, target=str(file.resolve()))
    except ImportFileError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"{count} institutions written to {file}")


@export_cli.command("open-data")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--base-url", default="", help="Public address of the site, for links in the data.")
def export_open_data(file: Path, base_url: str) -> None:
    """The published directory as an Open Referral HSDS 3.0 tabular data package (.zip)."""
    from directory.opendata.services import export_zip

    file.write_bytes(export_zip(base_url=base_url.rstrip("/")))
    click.echo(f"open data package written to {file}")


@export_cli.command("experts")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
def export_experts(file: Path) -> None:
    """Export the published experts with the import columns."""
    from directory.audit.services import record_export
    from directory.imports.exports import export_file
    from directory.imports.reading import ImportFileError

    try:
        with commit_or_rollback(db.session):
            count = export_file("experts", file)
            record_export(kind="experts", rows=count, target=str(file.resolve()))
    except ImportFileError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"{count} experts written to {file}")


@records_cli.command("remind-stale")
def remind_stale() -> None:
    """Remind the users of institutions not confirmed for twelve months (at most monthly); the job queue runs it daily."""
    from directory.admission.freshness import remind_stale as remind

    with commit_or_rollback(db.session):
        count = remind()
    click.echo(f"{count} institutions reminded")


@records_cli.command("remind-requests")
def remind_requests() -> None:
    """Remind providers of service requests unanswered for more than two working days; the job queue runs it daily."""
    from directory.engagements.services import remind_waiting

    with commit_or_rollback(db.session):
        count = remind_waiting()
    click.echo(f"{count} service requests reminded")


@records_cli.command("recompute-ratings")
def recompute_ratings() -> None:
    """Recompute every provider's dynamic rating: reviews lose weight as they age (the job queue runs it nightly)."""
    from directory.reviews.rating import recompute_all_ratings

    with commit_or_rollback(db.session):
        changed = recompute_all_ratings()
    click.echo(f"{changed} ratings changed")


events_cli = AppGroup("events", help="Matchmaking events.")


@events_cli.command("schedule")
@click.argument("event_id", type=int)
def events_schedule(event_id: int) -> None:
    """Schedule an event's accepted meeting requests; prints how many were placed and why the rest were not."""
    from directory.core.errors import DomainError
    from directory.events.models import Event
    from directory.events.participants import name_of
    from directory.events.planning import reason_label, run

    event = db.session.get(Event, event_id)
    if event is None:
        raise click.ClickException(f"no event {event_id}")
    try:
        with commit_or_rollback(db.session):
            report = run(event=event)
            lines = []
            for meeting, code in report.unscheduled:
                from directory.events.planning import _people

                a, b = _people(meeting)
                lines.append(f"  {name_of(a)} – {name_of(b)}: {reason_label(code)}")
    except DomainError as exc:
        raise click.ClickException(str(exc.message)) from None
    click.echo(f"{report.placed} of {report.requested} accepted meetings placed (upper bound {report.upper_bound})")
    for line in lines:
        click.echo(line)


@events_cli.command("followup")
def events_followup() -> None:
    """Ask participants how their meetings turned out, three months after each event (the job queue runs it daily)."""
    from directory.events.day import send_followups

    with commit_or_rollback(db.session):
        count = send_followups()
    click.echo(f"{count} events followed up")


evaluation_cli = AppGroup("evaluation", help="Periodic evaluation and screening.")


@evaluation_cli.command("run")
@click.argument("period")
def evaluation_run(period: str) -> None:
    """Compute the evaluation of every admitted institution for PERIOD (2026, 2026Q3) and propose screening
    actions; re-running replaces that period's unconfirmed results."""
    from directory.core.errors import DomainError
    from directory.evaluation.services import run

    try:
        with commit_or_rollback(db.session):
            report = run(code=period)
    except DomainError as exc:
        raise click.ClickException(str(exc.message)) from None
    grades = ", ".join(f"{g} {n}" for g, n in report.grades.items())
    proposals = ", ".join(f"{k} {n}" for k, n in sorted(report.proposals.items())) or "none"
    click.echo(f"{report.evaluated} institutions evaluated ({grades}); proposals: {proposals}; "
               f"nothing is public until `evaluation publish {period.strip().upper()}`")


@evaluation_cli.command("publish")
@click.argument("period")
def evaluation_publish(period: str) -> None:
    """Publish a computed PERIOD: only then do its grades, scores, badges and ranking effects become public;
    the period is frozen."""
    from directory.core.errors import DomainError
    from directory.evaluation.services import get_period, publish

    try:
        with commit_or_rollback(db.session):
            report = publish(period=get_period(period))
    except DomainError as exc:
        raise click.ClickException(str(exc.message)) from None
    click.echo(f"{period.strip().upper()} published: {report.evaluated} institutions evaluated, "
               f"{report.institutions_updated} public grades changed, {report.badges} badge decisions applied")


mail_cli = AppGroup("mail", help="The mail outbox.")


@mail_cli.command("deliver")
@click.option("--limit", type=click.IntRange(min=1), default=1000, show_default=True)
def mail_deliver(limit: int) -> None:
    """Send the mails that are due now (the job queue does this after each commit; this is for cron or by hand)."""
    from directory.notifications.mail import deliver_due

    click.echo(f"{deliver_due(limit=limit)} mails sent")


@mail_cli.command("status")
def mail_status() -> None:
    """The mail backlog: pending mails, the oldest, those given up and the last error."""
    from directory.notifications.mail import mail_status as status_of

    status = status_of()
    click.echo(f"backend: {status['backend']}")
    click.echo(f"mail pending: {status['pending']}; oldest: {status['oldest'] or '-'}; given up: {status['failed']}")
    if status["last_error"]:
        click.echo(f"last error: {status['last_error']}")
