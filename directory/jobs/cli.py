"""`flask jobs worker` (the `worker` process of CONTRACTS.md) and `flask jobs status`."""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import AppGroup

jobs_cli = AppGroup("jobs", help="The job queue: index sync, reminders and other periodic work.")


@jobs_cli.command("worker")
@click.option("--workers", default=2, show_default=True, type=click.IntRange(1, 64),
              help="Worker threads (jobs run at the same time in this process).")
def worker_command(workers: int) -> None:
    """Run the job queue until stopped (SIGINT: finish running jobs; SIGTERM: stop now; SIGHUP: restart).
    Start as many as you like on as many machines: periodic jobs still fire once per tick."""
    from directory.jobs.staff import ensure_vocabulary

    engine = current_app.extensions["jobs"]
    click.echo(f"jobs worker: {engine.storage}, {workers} thread(s)")
    # First start, or a release that changed their format: build them before web requests would have to
    # (the deployment guide restarts the workers before the web processes).
    if (built := ensure_vocabulary(engine)) is not None:
        click.echo(f"jobs worker: vocabulary missing or of an older format: {built}")
    engine.consumer(workers=workers).run()


@jobs_cli.command("status")
def status_command() -> None:
    """Pending and scheduled jobs, and the last run of every periodic job."""
    from collections import Counter

    from directory.jobs.periodic import last_runs

    engine = current_app.extensions["jobs"]
    huey = engine.huey
    click.echo(f"queue: {engine.storage}")
    pending = huey.pending()
    click.echo(f"pending: {len(pending)}")
    for name, count in sorted(Counter(task.name for task in pending if task.eta is None).items()):
        click.echo(f"  {name}: {count}")
    # A job enqueued for later waits in the queue until a worker sees it, then in the schedule.
    later = [task for task in pending if task.eta is not None] + huey.scheduled()
    click.echo(f"scheduled: {len(later)}")
    for task in sorted(later, key=lambda t: t.eta):
        click.echo(f"  {task.name} at {task.eta:%Y-%m-%d %H:%M:%S} UTC")
    click.echo("periodic (last run):")
    runs = last_runs([name for name in engine.periodic if name != "search.poll"])
    click.echo("  search.poll: every minute on every worker (not recorded)")
    for name, run in runs.items():
        if run is None:
            click.echo(f"  {name}: never")
        else:
            finished = f"{run.finished_at:%Y-%m-%d %H:%M:%S}" if run.finished_at else "-"
            click.echo(f"  {name}: tick {run.tick:%Y-%m-%d %H:%M} UTC, finished {finished}: {run.result}")
