"""Locust users for bench/searchload.py (run by the ``locust`` command in a process of its own: Locust patches
the standard library with gevent). BENCH_LOCUST_TARGET chooses the side: ``app`` requests the search page,
``meili`` posts to Meilisearch directly the very multi-search requests the app sent for the same page, one after
the other as the app does, and records them together as one ``page``; BENCH_LOCUST_CASES is the JSON file of
those cases, written by the bench."""

import json
import os
import random
import time

from locust import FastHttpUser, constant, task

CASES = json.loads(open(os.environ["BENCH_LOCUST_CASES"], encoding="utf-8").read())
TARGET = os.environ["BENCH_LOCUST_TARGET"]


class Searcher(FastHttpUser):
    wait_time = constant(0)  # closed loop: each user sends its next search as soon as the last one is answered

    @task
    def search(self) -> None:
        case = random.choice(CASES)
        if TARGET == "app":
            self.client.get("/search", params=case["args"], name="/search")
            return
        started, error, length = time.perf_counter(), None, 0
        for i, body in enumerate(case["bodies"]):
            with self.client.post("/multi-search", json=body, name=f"/multi-search {i + 1}", catch_response=True,
                                  headers={"Authorization": f"Bearer {case['key']}"}) as response:
                length += len(response.content or b"")
                if not response.ok:
                    error = RuntimeError(f"HTTP {response.status_code}")
        self.environment.events.request.fire(request_type="PAGE", name="page", context={}, exception=error,
                                             response_time=1000 * (time.perf_counter() - started),
                                             response_length=length)
