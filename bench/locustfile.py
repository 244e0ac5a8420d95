"""Locust users for bench/searchload.py (run by the ``locust`` command in a process of its own: Locust patches
the standard library with gevent). BENCH_LOCUST_TARGET chooses the side: ``app`` requests the search page,
``meili`` posts the very multi-search bodies the app sends for the same queries to Meilisearch directly;
BENCH_LOCUST_CASES is the JSON file of those cases, written by the bench."""

import json
import os
import random

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
        else:
            self.client.post("/multi-search", json=case["body"], name="/multi-search",
                             headers={"Authorization": f"Bearer {case['key']}"})
