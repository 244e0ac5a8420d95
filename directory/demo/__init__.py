"""Demo data for `flask seed demo`: a fictional Yingkou directory, its accounts, activity and events.

Not part of the app's areas: nothing in the app imports this package; only the `seed demo` command (and the
labelled relevance sets in the tests) load it, and a real deployment never runs it. The production seed, the
standard classification, stays with the vocabulary (``directory.taxonomy.services.load_taxonomy``).

- :mod:`.seed` — ``seed_demo``: everything below, in order, idempotently;
- :mod:`.records` — institutions, experts and enterprises from ``seeds/demo/*.json``, through the import's
  validation;
- :mod:`.accounts` — the demo accounts and their published password;
- :mod:`.activity` — needs, engagements in every state and reviews;
- :mod:`.events` — a past brokerage day and an upcoming event.
"""
