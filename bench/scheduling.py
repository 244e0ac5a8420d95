"""Meeting scheduler for matchmaking events (issue: schedule accepted meeting requests into slots and tables).

For each instance: the number of requests, the max-flow upper bound (a maximum b-matching computed here,
independently of the scheduler, with capacity = min(cap, available slots) per participant, capped by
slots × tables), what ``schedule_meetings`` places, what a first-come-first-served baseline places (requests
in input order, each in the first slot where both are free and available and a table is left), both as a
share of the bound, and the scheduler's run time. Target: 10,000 requests in under 5 s.
BENCH_SCALE=0.1 shrinks the instances for a quick look.
"""

from __future__ import annotations

import random
import time
from collections import deque
from collections.abc import Hashable

from bench.common import scale
from directory.events.solver import schedule_meetings

Pair = tuple[Hashable, Hashable]


def random_requests(rng: random.Random, smes: int, providers: int, per_sme: int) -> list[Pair]:
    requests = [(f"sme{i}", f"pro{p}") for i in range(smes) for p in rng.sample(range(providers), per_sme)]
    rng.shuffle(requests)
    return requests


def hidden_instance(rng: random.Random, n: int, slots: int, density: float,
                    fraction: float) -> tuple[list[Pair], dict[Hashable, set[int]]]:
    """Requests read off a random valid schedule; then, for ``fraction`` of the participants, every other
    slot they do not use in that schedule is marked unavailable (so all requests remain schedulable)."""
    schedule: dict[Pair, int] = {}
    used: dict[Hashable, set[int]] = {}
    for slot in range(slots):
        providers = list(range(n))
        rng.shuffle(providers)
        for i in range(n):
            pair = (f"sme{i}", f"pro{providers[i]}")
            if rng.random() < density and pair not in schedule:
                schedule[pair] = slot
                for x in pair:
                    used.setdefault(x, set()).add(slot)
    unavailable: dict[Hashable, set[int]] = {}
    for x in sorted(used):
        if rng.random() < fraction:
            parity = rng.randrange(2)
            unavailable[x] = {s for s in range(slots) if s % 2 == parity and s not in used[x]}
    requests = list(schedule)
    rng.shuffle(requests)
    return requests, unavailable


def flow_bound(requests: list[Pair], slots: int, tables: int, unavailable: dict[Hashable, set[int]],
               cap: int | None) -> int:
    """Maximum b-matching by greedy start plus BFS augmenting paths (SMEs and providers are disjoint)."""
    edges = list(dict.fromkeys(requests))
    capacity: dict[Hashable, int] = {}
    for a, b in edges:
        for x in (a, b):
            free = slots - len(unavailable.get(x, ()))
            capacity[x] = free if cap is None else min(cap, free)
    matched: set[Pair] = set()
    load: dict[Hashable, int] = dict.fromkeys(capacity, 0)
    adjacency: dict[Hashable, list[Pair]] = {}
    for a, b in edges:
        adjacency.setdefault(a, []).append((a, b))
        adjacency.setdefault(b, []).append((a, b))
        if load[a] < capacity[a] and load[b] < capacity[b]:
            matched.add((a, b))
            load[a] += 1
            load[b] += 1
    for start in sorted({a for a, _ in edges}):
        while load[start] < capacity[start]:
            # alternate: SME --unmatched--> provider --matched--> SME ... until a provider with room
            parent: dict[Hashable, tuple[Hashable, Pair] | None] = {start: None}
            queue = deque([start])
            end = None
            while queue and end is None:
                x = queue.popleft()
                for a, b in adjacency[x]:
                    if x == a and (a, b) not in matched and b not in parent:
                        parent[b] = (a, (a, b))
                        if load[b] < capacity[b]:
                            end = b
                            break
                        for a2, b2 in adjacency[b]:
                            if (a2, b2) in matched and a2 not in parent:
                                parent[a2] = (b, (a2, b2))
                                queue.append(a2)
            if end is None:
                break
            load[start] += 1
            load[end] += 1
            y: Hashable = end
            while parent[y] is not None:
                x, edge = parent[y]  # type: ignore[misc]
                matched.symmetric_difference_update({edge})
                y = x
    return min(len(matched), slots * tables)


def first_come_first_served(requests: list[Pair], slots: int, tables: int,
                            unavailable: dict[Hashable, set[int]], cap: int | None) -> int:
    busy: set[tuple[Hashable, int]] = set()
    load = [0] * slots
    count: dict[Hashable, int] = {}
    placed = 0
    for a, b in dict.fromkeys(requests):
        if cap is not None and (count.get(a, 0) >= cap or count.get(b, 0) >= cap):
            continue
        for s in range(slots):
            if (load[s] < tables and (a, s) not in busy and (b, s) not in busy
                    and s not in unavailable.get(a, ()) and s not in unavailable.get(b, ())):
                busy |= {(a, s), (b, s)}
                load[s] += 1
                count[a] = count.get(a, 0) + 1
                count[b] = count.get(b, 0) + 1
                placed += 1
                break
    return placed


def run(name: str, requests: list[Pair], *, slots: int, tables: int,
        unavailable: dict[Hashable, set[int]] | None = None, cap: int | None = None) -> None:
    unavailable = unavailable or {}
    started = time.perf_counter()
    result = schedule_meetings(requests, slots=slots, tables=tables, unavailable=unavailable,
                               max_per_participant=cap)
    elapsed = time.perf_counter() - started
    bound = flow_bound(requests, slots, tables, unavailable, cap)
    baseline = first_come_first_served(requests, slots, tables, unavailable, cap)
    placed = len(result.assigned)
    codes: dict[str, int] = {}
    for why in result.unscheduled.values():
        codes[why.code] = codes.get(why.code, 0) + 1
    print(f"{name:<46} {len(requests):>7} {bound:>7} {placed:>7} {baseline:>7} {placed / bound:>8.2%} "
          f"{baseline / bound:>8.2%} {elapsed:>7.2f}s")
    if result.upper_bound != bound:
        print(f"    note: scheduler's own bound {result.upper_bound} (refined: pairs with no shared slot excluded)")
    print("    unscheduled: " + (", ".join(f"{c} {n}" for c, n in sorted(codes.items())) or "none"))


def main() -> None:
    k = scale()
    small, large = max(10, round(200 * k)), max(20, round(1000 * k))
    print(f"== scheduling bench (BENCH_SCALE={k})")
    print(f"{'instance':<46} {'requests':>7} {'bound':>7} {'placed':>7} {'FCFS':>7} {'placed/b':>8} "
          f"{'FCFS/b':>8} {'time':>8}")
    rng = random.Random(2026)
    run(f"{small}x{small}, 12 each, 12 slots", random_requests(rng, small, small, 12), slots=12, tables=small)
    run(f"{large}x{large}, 10 each, 12 slots", random_requests(rng, large, large, 10), slots=12, tables=large)
    table_bound = random_requests(rng, large, large, 10)
    tables = large * 78 // 100
    run(f"{large}x{large}, 10 each, 12 slots, {tables} tables", table_bound, slots=12, tables=tables)
    run(f"{large}x{large}, 10 each, 12 slots, cap 8", random_requests(rng, large, large, 10), slots=12,
        tables=large, cap=8)
    requests, unavailable = hidden_instance(rng, large, 12, 0.8, 0.5)
    run(f"{large}x{large} hidden schedule, alternate slots off", requests, slots=12, tables=large,
        unavailable=unavailable)
    for n in (small, large):
        requests = random_requests(rng, n, n, 10)
        participants = sorted({x for pair in requests for x in pair})
        unavailable = {x: {s for s in range(12) if rng.random() < 0.3} for x in participants}
        run(f"{n}x{n}, 10 each, 30% random slots off", requests, slots=12, tables=n, unavailable=unavailable)

if __name__ == "__main__":
    main()
