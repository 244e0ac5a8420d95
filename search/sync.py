"""Index sync without loss (the outbox pattern): the design; the parts are modules of their own.

1. Capture (:mod:`search.outbox`): every flush that touches an indexed record writes ``search_outbox`` rows on the same
   connection, so the change and its outbox row commit or roll back together.
2. Drain (:func:`search.drain.run_drain`, called by ``flask search drain``, the queue's drain job (directory/jobs:
   enqueued after each commit that wrote outbox rows, and polled every minute) and the tests): turns
   outbox rows into document upserts/deletes, batch by batch, each batch in three steps so that no database
   write transaction is ever open while Meilisearch is called (on SQLite a hung Meilisearch would otherwise
   hold the one write lock, and every request that writes would wait):

   a. claim: a short write transaction sets ``claimed_by``/``claimed_until`` (a lease) on the next due rows;
   b. build the documents from the database (reads only; the transaction ends before any call), then push
      them and wait for Meilisearch to confirm, with no transaction open;
   c. a short write transaction marks the rows processed, only those this drainer still claims.

   An outage puts the whole batch back with a backoff (1 s, 2 s … 5 min) and ends the drain; nothing is lost
   while Meilisearch is down, and the backlog drains by itself when it returns. A poison record (its document
   cannot be built, or Meilisearch refuses it: the batch is halved until the refused document stands alone)
   is put back alone with its error and a backoff while the rest of the batch goes in; ``search status``
   lists it. A crashed or hung drainer's claims run out with its lease and the rows are due again.
3. Reindex (:mod:`search.reindex`): build fresh indexes from the database and swap them in atomically, then replay the changes
   made during the build.

Never backwards: one drainer at a time, under a leased lock (the ``search_sync_lock`` row), rather than
versioned documents (:mod:`search.lock`). Documents are built from the database at drain time, so the danger is two drainers
at once: A reads the old state, B reads the new one and pushes first, A pushes the stale document after.
Meilisearch applies tasks in the order it received them but has no conditional write ("only if newer"), so
versions would need a read-before-write on every document, racy in itself; a single drainer makes the
order of pushes the order of reads. The lock is a table row (the same on SQLite and PostgreSQL, and it needs
no connection held open, unlike an advisory lock): taken in a short transaction when free or expired,
renewed before every call that changes an index, released at the end. Its lease (``SEARCH_SYNC_LEASE``, four times
the admin client's HTTP timeout, which is derived from it) outlasts any one such call, so a drainer that finds its lease renewed knows
no other drainer can push before its call returns; one that finds the lock taken over (it hung longer than
the lease) stops without pushing (:class:`search.lock.LostLock`). A second drainer finds the lock held and returns at
once (``busy``); the holder keeps draining until the queue is empty (a change committed in the instant
between its last look and its release waits for the next wake-up or poll of a worker). The one case
left: a request Meilisearch received but answered after the client gave up (a server paused for longer
than the timeout) may be applied late, after a newer push. Its rows failed, so they are retried; a retried
batch is pushed twice, the second time after Meilisearch confirmed the first: the late request sat in the
server's socket before the retry was sent, so in practice it has been taken in by then (not a proof: a
fencing token Meilisearch would check does not exist).

Many changes to one record coalesce into one push and replays are harmless (upserts are idempotent).
"""

from __future__ import annotations

from flask import Flask

from directory.settings import Settings
from search import outbox as _outbox  # noqa: F401  (importing it registers the flush capture)
from search.client import SearchBackend


def init_app(app: Flask, settings: Settings) -> None:
    app.extensions["search"] = SearchBackend(settings)
