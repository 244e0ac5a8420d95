"""`flask search …`: reindex, status, drain, and the managed local server."""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import AppGroup

search_cli = AppGroup("search", help="The Meilisearch indexes.")


def _backend():  # type: ignore[no-untyped-def]
    from search.client import backend

    search = backend()
    if search.managed:
        from search import server

        server.ensure_running(search.settings)
    search.resolve_keys()
    return search


@search_cli.command("reindex")
def reindex_command() -> None:
    """Rebuild every index into fresh ones and swap them in atomically, with a progress bar."""
    from search.reindex import reindex

    search = _backend()
    bars: dict[str, object] = {}

    def progress(kind: str, done: int, total: int) -> None:
        bar = bars.get(kind)
        if bar is None:
            bar = bars[kind] = click.progressbar(length=total, label=f"{kind:12}")
            bar.__enter__()  # type: ignore[attr-defined]
        bar.update(done - bar.pos)  # type: ignore[attr-defined]
        if done >= total:
            bar.__exit__(None, None, None)  # type: ignore[attr-defined]

    counts = reindex(search=search, progress=progress)
    for kind, count in counts.items():
        click.echo(f"{kind}: {count} documents")


@search_cli.command("drain")
def drain_command() -> None:
    """Push pending changes now (the running app does this by itself)."""
    from search.drain import run_drain

    search = _backend()
    result = run_drain(search=search)
    if result.busy:
        click.echo("another drainer is at work: nothing done here")
        return
    click.echo(f"upserted {result.upserted}, deleted {result.deleted}, failed {result.failed}")
    if result.errors:
        raise click.ClickException(result.errors[0])


@search_cli.command("status")
def status_command() -> None:
    """Index sizes, outbox backlog, oldest pending change, server health."""
    from search.client import SearchErrors, SearchUnavailable, backend
    from search.outbox import outbox_status

    search = backend()
    status = outbox_status()
    healthy = search.healthy()
    click.echo(f"server: {search.url or '-'} ({'available' if healthy else 'unavailable'})")
    click.echo(f"outbox pending: {status['pending']}; oldest: {status['oldest'] or '-'}")
    if status["failing"]:
        click.echo(f"failing: {status['failing']} change(s) retried with a backoff")
        for row in status["failing_rows"]:
            click.echo(f"  {row['type']} {row['id']} (attempt {row['attempts']}): {row['error']}")
    if healthy:
        try:
            search.resolve_keys()
            client = search.admin_client()
            for kind, uid in search.index_uids().items():
                try:
                    stats = client.index(uid).get_stats()
                    click.echo(f"{kind}: {stats.number_of_documents} documents in {uid}")
                except SearchErrors:
                    click.echo(f"{kind}: no index {uid} yet")
        except (SearchUnavailable, *SearchErrors) as exc:
            click.echo(f"cannot read index stats: {exc}")


@search_cli.command("start")
def start_command() -> None:
    """Start the managed local Meilisearch (when MEILI_URL is unset) and print its URL."""
    from search import server

    settings = current_app.config["SETTINGS"]
    if settings.meili_url:
        raise click.ClickException("MEILI_URL is set: the server is managed elsewhere")
    click.echo(server.ensure_running(settings))


@search_cli.command("stop")
def stop_command() -> None:
    """Stop the managed local Meilisearch."""
    from search import server

    click.echo("stopped" if server.stop(current_app.config["SETTINGS"]) else "not running")
