"""Meeting scheduler for matchmaking events (服务对接活动的洽谈排期).

Accepted meeting requests are edges between participants (in practice SMEs on one side, institutions and
experts on the other); a schedule gives each edge a time slot and a table so that nobody is in two meetings
at once, no slot uses more than ``tables`` tables, nobody meets in a slot they marked unavailable, and
meetings that staff locked stay where they are.

Method
------
1. Intake. Participants are numbered in order of first appearance, so every decision below is independent
   of hash randomisation. Self pairs and repeated pairs are set aside with a reason. Locked meetings are
   checked one by one (slot in range, both free and available, a table left); those that pass take the
   lowest table numbers of their slot and are removed from the problem, those that do not are reported as
   ``locked_conflict`` (they are never moved silently). A kept lock makes its slot unusable for both of its
   participants and takes one table of that slot.
2. Bound. The participants are 2-coloured by breadth-first search (this recovers the two sides even if an id
   appears as ``a`` in one pair and ``b`` in another; edges closing an odd cycle are set aside and only
   placed at the end, with no optimality claim). On the two-sided edges, a maximum b-matching is computed
   with Dinic's max-flow, a participant's capacity being ``min(max_per_participant - its locks, its usable
   slots)``, where usable slots are those it shares with at least one person it is to meet (pairs sharing
   none are left out). The flow is seeded greedily in input order, so among maximum solutions earlier
   requests tend to be kept. ``min(flow + odd edges, free tables)`` bounds what any schedule can place; it
   is returned (plus the kept locks) as ``Schedule.upper_bound``.
3. Exact case (no unavailability and no locks). By König's theorem a bipartite multigraph of maximum degree
   Δ ≤ slots can be edge-coloured with ``slots`` colours; the kept edges are coloured in input order, and
   when the two ends have no common free colour an alternating (Kempe) path is flipped, which in a
   bipartite graph never reaches the other end. Colour classes are then made equitable (sizes differ by at
   most one) by flipping alternating paths that start and end in the larger class: there are at least as
   many of those as the difference in size. If the b-matching is larger than ``slots × tables`` the latest
   requests are dropped first; equitable classes of at most ``slots × tables`` edges hold at most
   ``tables`` each, so the schedule places exactly ``min(b-matching, slots × tables)``: the optimum.
4. General case (unavailable slots or locks; list edge colouring, NP-hard). Kept edges first, then the
   others, are placed most-constrained-first (fewest feasible slots, re-evaluated lazily as the board
   fills); each goes to the feasible slot that its neighbours' pending requests need least. An edge with
   no feasible slot is repaired at once by Kempe-path flips (checked against availability and tables) and
   by bounded ejection chains (move the meetings in the way to other slots, recursively). What remains
   gets a min-conflicts local search (see `_local_search`): force a meeting into the usable slot that
   evicts least, re-insert the evicted ones, keep the move unless the count drops. It is seeded
   (``LOCAL_SEARCH_SEED``) and bounded by iteration counts, so results are reproducible;
   ``LOCAL_SEARCH_SECONDS`` is only a safety net for very slow machines. It stops once the bound is
   reached. Measured: instances built from a hidden feasible schedule get every request placed; random
   unavailability (where the bound is loose) gets 98.5–100 % of the bound.
5. Reasons. Every request that is not placed gets an :class:`Unscheduled` whose code (see
   ``REASON_MESSAGES``) describes the final board, checked in this order: a participant at the cap, a
   participant unavailable in every slot, a participant with every usable slot taken, every table of the
   event taken, no free slot in common, no free table in the common free slots.

Guarantees: no participant has two meetings in one slot; each slot has at most ``tables`` meetings with
distinct table numbers ``0..tables-1``; nobody is booked in a slot they marked unavailable; kept locks stay
in their slot; each distinct request is in exactly one of ``assigned`` and ``unscheduled``; meetings added by
the scheduler never push a participant above ``max_per_participant`` (locks count towards the cap but are
kept even above it: staff decided them). Without unavailability and locks, and when the requests form a
two-sided graph, the number placed is optimal (``Schedule.optimal`` reports whether the bound was reached).
"""

from __future__ import annotations

import heapq
import random
import time
from collections import deque
from collections.abc import Collection, Hashable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field

__all__ = ["REASON_MESSAGES", "Schedule", "Unscheduled", "schedule_meetings"]

Pair = tuple[Hashable, Hashable]

REASON_MESSAGES: dict[str, str] = {
    "self_meeting": "A participant cannot meet themselves.",
    "duplicate": "The same meeting was requested more than once.",
    "locked_conflict": "The locked time slot for this meeting cannot be kept.",
    "no_capacity": "The event has no time slots or no tables.",
    "participant_cap": "A participant has reached the maximum number of meetings.",
    "participant_unavailable": "A participant is unavailable in every time slot.",
    "participant_fully_booked": "A participant already has a meeting in every time slot they are available.",
    "no_common_free_slot": "The two participants have no free time slot in common.",
    "slots_full": "All tables are taken in every time slot that both participants have free.",
}

LOCAL_SEARCH_SEED = 20260
# Iteration budget = min(base, 100 × unplaced) + per_missing × (upper bound − placed before the search); the
# search also stops after `patience` iterations without a gain (the bound is not always reachable). These
# budgets, not the clock, end the search on any ordinary machine, so results are reproducible; the seconds
# are only a safety net. Measured on a 2-core machine: ~30,000 iterations per second.
LOCAL_SEARCH_BASE_ITERATIONS = 10_000
LOCAL_SEARCH_ITERATIONS_PER_MISSING = 200
LOCAL_SEARCH_PATIENCE = 20_000
LOCAL_SEARCH_SECONDS = 4.0
_NOISE = 0.25
_FOCUS = 0.9
_TABU_TENURE = 7
_KEMPE_MAX_PATH = 400


@dataclass(frozen=True)
class Unscheduled:
    """Why a request got no slot: a machine ``code`` from ``REASON_MESSAGES`` and an optional detail."""

    code: str
    detail: str = ""

    @property
    def message(self) -> str:
        return REASON_MESSAGES.get(self.code, self.code)

    def __str__(self) -> str:
        return f"{self.message} ({self.detail})" if self.detail else self.message


@dataclass
class Schedule:
    """``assigned`` maps a request to ``(slot, table)``; ``unscheduled`` maps it to an :class:`Unscheduled`.

    ``upper_bound`` is the max-flow bound on how many meetings (locks included) any schedule could hold;
    ``duplicates`` lists the input positions of requests that repeated an earlier one (an exact repeat has
    the same key as the first, so it is only visible here; a reversed repeat ``(b, a)`` is also in
    ``unscheduled`` as ``duplicate``).
    """

    assigned: dict[Pair, tuple[int, int]] = field(default_factory=dict)
    unscheduled: dict[Pair, Unscheduled] = field(default_factory=dict)
    upper_bound: int = 0
    duplicates: list[int] = field(default_factory=list)

    @property
    def optimal(self) -> bool:
        """True when the schedule reaches the upper bound, i.e. it is provably as large as possible."""
        return len(self.assigned) >= self.upper_bound


def _bits(mask: int) -> Iterator[int]:
    while mask:
        low = mask & -mask
        yield low.bit_length() - 1
        mask ^= low


def _popcount(mask: int) -> int:
    return mask.bit_count()


# --------------------------------------------------------------------------------------------- max flow


def _b_matching(n: int, left: list[int], right: list[int], order: list[int], cap: list[int]) -> list[int]:
    """A maximum b-matching of the bipartite edges ``order`` (left[e] – right[e]) under vertex capacities.

    Returns the kept edges in the order given. Dinic's algorithm on source → left → right → sink; a greedy
    pass in ``order`` seeds the flow, so augmentations only repair what the greedy pass got wrong.
    """
    src, sink = n, n + 1
    to: list[int] = []
    res: list[int] = []
    adj: list[list[int]] = [[] for _ in range(n + 2)]

    def arc(a: int, b: int, c: int) -> int:
        i = len(to)
        adj[a].append(i)
        to.append(b)
        res.append(c)
        adj[b].append(i + 1)
        to.append(a)
        res.append(0)
        return i

    rem = list(cap)
    edge_arc: dict[int, int] = {}
    for e in order:
        a, b = left[e], right[e]
        i = arc(a, b, 1)
        edge_arc[e] = i
        if rem[a] > 0 and rem[b] > 0:
            rem[a] -= 1
            rem[b] -= 1
            res[i], res[i + 1] = 0, 1
    lefts = {left[e] for e in order}
    rights = {right[e] for e in order}
    for v in sorted(lefts):
        i = arc(src, v, cap[v])
        res[i], res[i + 1] = rem[v], cap[v] - rem[v]
    for v in sorted(rights):
        i = arc(v, sink, cap[v])
        res[i], res[i + 1] = rem[v], cap[v] - rem[v]

    size = n + 2
    while True:
        level = [-1] * size
        level[src] = 0
        queue = deque([src])
        while queue:
            x = queue.popleft()
            for i in adj[x]:
                if res[i] > 0 and level[to[i]] < 0:
                    level[to[i]] = level[x] + 1
                    queue.append(to[i])
        if level[sink] < 0:
            break
        it = [0] * size
        while True:
            # Iterative DFS in the level graph with current-arc pointers (paths can be long).
            stack = [src]
            path: list[int] = []
            found = False
            while stack:
                x = stack[-1]
                if x == sink:
                    found = True
                    break
                arcs = adj[x]
                advanced = False
                while it[x] < len(arcs):
                    i = arcs[it[x]]
                    y = to[i]
                    if res[i] > 0 and level[y] == level[x] + 1:
                        stack.append(y)
                        path.append(i)
                        advanced = True
                        break
                    it[x] += 1
                if not advanced:
                    level[x] = -1
                    stack.pop()
                    if path:
                        path.pop()
                        it[stack[-1]] += 1
            if not found:
                break
            push = min(res[i] for i in path)
            for i in path:
                res[i] -= push
                res[i ^ 1] += push
    return [e for e in order if res[edge_arc[e]] == 0]


# ------------------------------------------------------------------------------------------------ board


class _Board:
    """Slot assignment of the schedulable edges, kept as bitmasks per participant, with an undo journal."""

    def __init__(self, n: int, slots: int, eu: list[int], ev: list[int], avail: list[int], caps: list[int],
                 slot_cap: list[int]) -> None:
        self.slots = slots
        self.full = (1 << slots) - 1
        self.eu, self.ev = eu, ev
        self.avail, self.caps = avail, caps
        self.slot_cap = slot_cap
        self.used = [0] * n
        self.at: list[dict[int, int]] = [{} for _ in range(n)]
        self.count = [0] * n
        self.load = [0] * slots
        self.members: list[list[int]] = [[] for _ in range(slots)]
        self.pos = [-1] * len(eu)
        self.colour = [-1] * len(eu)
        self.placed = 0
        self.open = 0
        self.set_slot_cap(slot_cap)
        self.journal: list[tuple[bool, int, int]] = []

    def set_slot_cap(self, slot_cap: list[int]) -> None:
        self.slot_cap = slot_cap
        self.open = 0
        for s in range(self.slots):
            if self.load[s] < slot_cap[s]:
                self.open |= 1 << s

    # -- primitive moves; `place`/`unplace` are journaled so a failed repair can be rolled back

    def _place(self, e: int, s: int) -> None:
        u, v = self.eu[e], self.ev[e]
        bit = 1 << s
        self.used[u] |= bit
        self.used[v] |= bit
        self.at[u][s] = e
        self.at[v][s] = e
        self.count[u] += 1
        self.count[v] += 1
        self.colour[e] = s
        self.load[s] += 1
        if self.load[s] >= self.slot_cap[s]:
            self.open &= ~bit
        self.pos[e] = len(self.members[s])
        self.members[s].append(e)
        self.placed += 1

    def _unplace(self, e: int) -> int:
        s = self.colour[e]
        u, v = self.eu[e], self.ev[e]
        bit = 1 << s
        self.used[u] &= ~bit
        self.used[v] &= ~bit
        del self.at[u][s]
        del self.at[v][s]
        self.count[u] -= 1
        self.count[v] -= 1
        self.colour[e] = -1
        self.load[s] -= 1
        if self.load[s] < self.slot_cap[s]:
            self.open |= bit
        members = self.members[s]
        last = members.pop()
        if last != e:
            members[self.pos[e]] = last
            self.pos[last] = self.pos[e]
        self.pos[e] = -1
        self.placed -= 1
        return s

    def place(self, e: int, s: int) -> None:
        self._place(e, s)
        self.journal.append((True, e, s))

    def unplace(self, e: int) -> None:
        self.journal.append((False, e, self._unplace(e)))

    def rollback(self, mark: int) -> None:
        journal = self.journal
        while len(journal) > mark:
            was_place, e, s = journal.pop()
            if was_place:
                self._unplace(e)
            else:
                self._place(e, s)

    # -- queries

    def feasible(self, e: int) -> int:
        """Slots where unplaced edge ``e`` could go right now (both free and available, a table left)."""
        u, v = self.eu[e], self.ev[e]
        if self.count[u] >= self.caps[u] or self.count[v] >= self.caps[v]:
            return 0
        return self.avail[u] & self.avail[v] & ~(self.used[u] | self.used[v]) & self.open

    def _movable(self, e: int) -> int:
        """Other slots placed edge ``e`` could move to (its cap is unaffected by a move)."""
        u, v = self.eu[e], self.ev[e]
        return self.avail[u] & self.avail[v] & ~(self.used[u] | self.used[v]) & self.open

    def _least_loaded(self, mask: int) -> int:
        best, best_load = -1, -1
        for k, s in enumerate(_bits(mask)):
            if best < 0 or self.load[s] < best_load:
                best, best_load = s, self.load[s]
            if k >= 15:  # with very many slots a near-least slot is as good; balancing happens elsewhere
                break
        return best

    # -- alternating paths

    def _path(self, x: int, a: int, b: int) -> tuple[list[int], int, int]:
        """The a/b-alternating path from ``x`` (starting with its a-edge); also its far end and the colour
        that end's last edge would take after a flip."""
        return self._chain(x, a, b, avoid=None, max_length=None)

    def _flip(self, path: list[int], a: int, b: int) -> None:
        old = [self.colour[f] for f in path]
        for f in path:
            self.unplace(f)
        for f, c in zip(path, old, strict=True):
            self.place(f, b if c == a else a)

    def _kempe(self, e: int) -> bool:
        """Place ``e`` by flipping one alternating path, checked against availability and tables."""
        u, v = self.eu[e], self.ev[e]
        if self.count[u] >= self.caps[u] or self.count[v] >= self.caps[v]:
            return False
        avail, used = self.avail, self.used
        for x, y in ((v, u), (u, v)):
            free_x = avail[x] & ~used[x]
            free_y = avail[y] & ~used[y]
            for a in _bits(free_y & avail[x] & used[x]):
                for b in _bits(free_x & avail[y]):
                    path, end, end_col = self._chain(x, a, b, y)
                    if not path:
                        continue
                    if not (avail[end] >> end_col) & 1:
                        continue
                    if len(path) % 2:  # a loses one meeting, b gains one
                        if self.load[b] >= self.slot_cap[b]:
                            continue
                    elif self.load[a] >= self.slot_cap[a]:
                        continue
                    self._flip(path, a, b)
                    self.place(e, a)
                    return True
        return False

    def _chain(self, x: int, a: int, b: int, avoid: int | None,
               max_length: int | None = _KEMPE_MAX_PATH) -> tuple[list[int], int, int]:
        """Like `_path`, but empty when the path reaches ``avoid`` (possible only off a bipartite graph) or is
        longer than ``max_length`` (too long to be worth flipping)."""
        path: list[int] = []
        cur, col = x, a
        at, eu, ev = self.at, self.eu, self.ev
        while True:
            f = at[cur].get(col)
            if f is None:
                return path, cur, col
            path.append(f)
            cur = eu[f] if ev[f] == cur else ev[f]
            if cur == avoid or (max_length is not None and len(path) > max_length):
                return [], cur, col
            col = b if col == a else a

    # -- exact colouring for the case without unavailability and locks

    def colour_bipartite(self, edges: list[int]) -> None:
        """König edge colouring: every edge gets a slot as long as each degree is at most ``slots``."""
        full, used = self.full, self.used
        for e in edges:
            u, v = self.eu[e], self.ev[e]
            free_u, free_v = full & ~used[u], full & ~used[v]
            common = free_u & free_v
            if common:
                self._place(e, self._least_loaded(common))
                continue
            a = self._least_loaded(free_u)
            b = self._least_loaded(free_v)
            # In a bipartite graph the a/b path from v cannot end at u, so after the flip a is free at both.
            path, _, _ = self._path(v, a, b)
            old = [self.colour[f] for f in path]
            for f in path:
                self._unplace(f)
            for f, c in zip(path, old, strict=True):
                self._place(f, b if c == a else a)
            self._place(e, a)

    def equalize(self) -> None:
        """Make colour classes differ by at most one by flipping alternating paths with both ends in the
        larger class (#such paths − #paths with both ends in the smaller class = the size difference)."""
        load = self.load
        rng = range(self.slots)
        while True:
            hi = max(rng, key=load.__getitem__)
            lo = min(rng, key=load.__getitem__)
            need = (load[hi] - load[lo]) // 2
            if need == 0:
                return
            seen: set[int] = set()
            for e in list(self.members[hi]):
                if need == 0:
                    break
                if e in seen:
                    continue
                for x in (self.eu[e], self.ev[e]):
                    if lo in self.at[x]:
                        continue
                    path, _, _ = self._path(x, hi, lo)
                    seen.update(path)
                    if len(path) % 2:
                        old = [self.colour[f] for f in path]
                        for f in path:
                            self._unplace(f)
                        for f, c in zip(path, old, strict=True):
                            self._place(f, lo if c == hi else hi)
                        need -= 1
                    break

    def drop_overflow(self) -> None:
        """Unplace meetings beyond a slot's tables. Equitable classes never overflow; this only makes the
        table guarantee independent of that argument."""
        for s in range(self.slots):
            while self.load[s] > self.slot_cap[s]:
                self._unplace(self.members[s][-1])

    # -- heuristic placement for the general case

    def place_scored(self, e: int, mask: int, pending: list[bool], inc: list[list[int]]) -> None:
        """Put ``e`` in the feasible slot that the pending requests of its two participants need least."""
        if mask & (mask - 1) == 0:
            self.place(e, mask.bit_length() - 1)
            return
        needs: list[tuple[int, float]] = []
        for x in (self.eu[e], self.ev[e]):
            for f in inc[x]:
                if f != e and pending[f]:
                    fm = self.feasible(f) & mask
                    if fm:
                        needs.append((fm, 1.0 / _popcount(self.feasible(f))))
        best, best_key = -1, (0.0, 0)
        for k, s in enumerate(_bits(mask)):
            if k >= 32:  # only reached with unusually many slots, where scoring them all would be slow
                break
            pressure = 0.0
            for fm, w in needs:
                if (fm >> s) & 1:
                    pressure += w
            key = (pressure, self.load[s])
            if best < 0 or key < best_key:
                best, best_key = s, key
        self.place(e, best)

    def make_room(self, e: int, s: int, protected: Collection[int], pick: random.Random | None,
                  for_caps: bool) -> list[int] | None:
        """Evict what keeps unplaced ``e`` out of slot ``s`` and return the evicted meetings, or None if a
        protected meeting is in the way (the caller rolls back). A meeting that only holds a table is moved
        to another slot when it can be, rather than evicted."""
        u, v = self.eu[e], self.ev[e]
        evicted: list[int] = []
        for x in (u, v):
            f = self.at[x].get(s)
            if f is not None and f not in evicted:
                if f in protected:
                    return None
                evicted.append(f)
        for f in evicted:
            self.unplace(f)
        if for_caps:
            for x in (u, v):
                if self.count[x] >= self.caps[x]:
                    options = [f for f in self.at[x].values() if f not in protected]
                    if not options:
                        return None
                    f = pick.choice(options) if pick else options[0]
                    self.unplace(f)
                    evicted.append(f)
        elif self.count[u] >= self.caps[u] or self.count[v] >= self.caps[v]:
            return None
        if self.load[s] >= self.slot_cap[s]:
            members = self.members[s]
            for g in members:
                if g not in protected:
                    target = self._movable(g)
                    if target:
                        self.unplace(g)
                        self.place(g, self._least_loaded(target))
                        break
            else:
                options = [g for g in members if g not in protected]
                if not options:
                    return None
                g = pick.choice(options) if pick else options[0]
                self.unplace(g)
                evicted.append(g)
        return evicted

    def insert(self, e: int, depth: int, protected: frozenset[int], kempe: bool) -> bool:
        """Place unplaced ``e``, if need be by Kempe flips and by an ejection chain of at most ``depth``
        levels. On failure the board is unchanged."""
        mask = self.feasible(e)
        if mask:
            self.place(e, self._least_loaded(mask))
            return True
        u, v = self.eu[e], self.ev[e]
        if (self.count[u] >= self.caps[u] or self.count[v] >= self.caps[v]
                or not self.avail[u] & ~self.used[u] or not self.avail[v] & ~self.used[v] or not self.open):
            # A participant at the cap or with every usable slot taken would need one of its own meetings
            # evicted, and that one could not come back; with every table taken, the same holds for the
            # meeting moved off a table. No net gain is possible.
            return False
        if kempe and self._kempe(e):
            return True
        if depth <= 0:
            return False
        options: list[tuple[int, int, int]] = []
        for s in _bits(self.avail[u] & self.avail[v]):
            blockers = {self.at[u].get(s), self.at[v].get(s)} - {None}
            if blockers & protected:
                continue
            extra = 1 if self.load[s] - len(blockers) >= self.slot_cap[s] else 0
            options.append((len(blockers) + extra, self.load[s], s))
        options.sort()
        inner = protected | {e}
        for _, _, s in options:
            mark = len(self.journal)
            evicted = self.make_room(e, s, inner, None, for_caps=False)
            if evicted is None:
                self.rollback(mark)
                continue
            self.place(e, s)
            if all(self.insert(f, depth - 1, inner, False) for f in evicted):
                return True
            self.rollback(mark)
        return False


# ----------------------------------------------------------------------------------------------- driver


@dataclass
class _Problem:
    ids: list[Hashable] = field(default_factory=list)
    index: dict[Hashable, int] = field(default_factory=dict)
    keys: list[Pair] = field(default_factory=list)
    eu: list[int] = field(default_factory=list)
    ev: list[int] = field(default_factory=list)
    by_pair: dict[frozenset[Hashable], int] = field(default_factory=dict)

    def participant(self, x: Hashable) -> int:
        i = self.index.get(x)
        if i is None:
            i = self.index[x] = len(self.ids)
            self.ids.append(x)
        return i

    def edge(self, key: Pair) -> int:
        e = len(self.keys)
        self.keys.append(key)
        self.eu.append(self.participant(key[0]))
        self.ev.append(self.participant(key[1]))
        self.by_pair[frozenset(key)] = e
        return e


def schedule_meetings(
    requests: Iterable[Pair],
    *,
    slots: int,
    tables: int,
    unavailable: Mapping[Hashable, Collection[int]] | None = None,
    max_per_participant: int | None = None,
    locked: Mapping[Pair, int] | None = None,
) -> Schedule:
    """Give each accepted meeting request a ``(slot, table)``, or a reason why it cannot have one.

    ``requests`` are ``(a, b)`` pairs of hashable participant ids; ``slots`` time slots ``0..slots-1`` each
    seat ``tables`` meetings; ``unavailable`` maps a participant to the slots they cannot attend;
    ``max_per_participant`` caps each participant's meetings (locks included); ``locked`` maps a pair to the
    slot staff fixed for it (a locked pair need not also be in ``requests``). The result's ``assigned`` and
    ``unscheduled`` together hold every distinct request exactly once (see the module docstring for the
    guarantees, the method, and when the result is optimal).
    """
    if slots < 0 or tables < 0:
        raise ValueError("slots and tables must not be negative")
    if max_per_participant is not None and max_per_participant < 0:
        raise ValueError("max_per_participant must not be negative")
    result = Schedule()
    prob = _Problem()
    seen_keys: set[Pair] = set()
    for position, pair in enumerate(requests):
        a, b = pair
        key = (a, b)
        if key in seen_keys:
            result.duplicates.append(position)
            continue
        seen_keys.add(key)
        if a == b:
            result.unscheduled[key] = Unscheduled("self_meeting", f"participant {a!r}")
            continue
        first = prob.by_pair.get(frozenset(key))
        if first is not None:
            result.duplicates.append(position)
            result.unscheduled[key] = Unscheduled("duplicate", f"same meeting as {prob.keys[first]!r}")
            continue
        prob.edge(key)

    full = (1 << slots) - 1
    lock_slot: dict[int, int] = {}  # edge → slot of the kept lock
    conflicts: dict[int, Unscheduled] = {}
    lock_tables = [0] * slots
    locks_of: dict[int, dict[int, int]] = {}  # participant → {slot: edge}
    unav = unavailable or {}
    for pair, slot in (locked or {}).items():
        a, b = pair
        key = (a, b)
        if a == b:
            if key not in result.unscheduled:
                result.unscheduled[key] = Unscheduled("self_meeting", f"participant {a!r}")
            continue
        e = prob.by_pair.get(frozenset(key))
        if e is None:
            e = prob.edge(key)
        elif e in lock_slot or e in conflicts:
            if key != prob.keys[e]:
                result.unscheduled[key] = Unscheduled("duplicate", f"same meeting as {prob.keys[e]!r}")
            continue
        reason = None
        if isinstance(slot, bool) or not isinstance(slot, int) or not 0 <= slot < slots:
            reason = f"slot {slot!r} is outside 0..{slots - 1}"
        else:
            for x in (a, b):
                if slot in unav.get(x, ()):
                    reason = f"participant {x!r} is unavailable in slot {slot}"
                    break
                if slot in locks_of.get(prob.index[x], {}):
                    reason = f"participant {x!r} already has a locked meeting in slot {slot}"
                    break
            else:
                if lock_tables[slot] >= tables:
                    reason = f"slot {slot} has no free table"
        if reason is not None:
            conflicts[e] = Unscheduled("locked_conflict", reason)
            continue
        lock_slot[e] = slot
        result.assigned[prob.keys[e]] = (slot, lock_tables[slot])
        lock_tables[slot] += 1
        for x in (prob.eu[e], prob.ev[e]):
            locks_of.setdefault(x, {})[slot] = e
    for e, why in conflicts.items():
        result.unscheduled[prob.keys[e]] = why

    n, m = len(prob.ids), len(prob.keys)
    active = [e for e in range(m) if e not in lock_slot and e not in conflicts]
    if slots == 0 or tables == 0:
        for e in active:
            result.unscheduled[prob.keys[e]] = Unscheduled("no_capacity", f"slots={slots}, tables={tables}")
        result.upper_bound = len(lock_slot)
        return result

    avail0 = [full] * n  # availability as declared
    for x, blocked in unav.items():
        i = prob.index.get(x)
        if i is not None:
            for s in blocked:
                if isinstance(s, int) and 0 <= s < slots:
                    avail0[i] &= ~(1 << s)
    avail = list(avail0)
    lock_count = [0] * n
    for x, held in locks_of.items():
        lock_count[x] = len(held)
        for s in held:
            avail[x] &= ~(1 << s)
    caps = [slots if max_per_participant is None else max_per_participant - lock_count[x] for x in range(n)]
    slot_cap = [tables - lock_tables[s] for s in range(slots)]
    exact = not lock_slot and all(avail[prob.eu[e]] == full and avail[prob.ev[e]] == full for e in active)

    # Two-colour the participants so that the b-matching sees the real sides even if ids switch sides.
    inc: list[list[int]] = [[] for _ in range(n)]
    for e in active:
        inc[prob.eu[e]].append(e)
        inc[prob.ev[e]].append(e)
    side = [-1] * n
    for root in range(n):
        if side[root] >= 0 or not inc[root]:
            continue
        side[root] = 0
        queue = deque([root])
        while queue:
            x = queue.popleft()
            for e in inc[x]:
                y = prob.ev[e] if prob.eu[e] == x else prob.eu[e]
                if side[y] < 0:
                    side[y] = 1 - side[x]
                    queue.append(y)
    bipartite = [e for e in active if side[prob.eu[e]] != side[prob.ev[e]]]
    odd = [e for e in active if side[prob.eu[e]] == side[prob.ev[e]]]
    left = [0] * m
    right = [0] * m
    for e in bipartite:
        u, v = prob.eu[e], prob.ev[e]
        left[e], right[e] = (u, v) if side[u] == 0 else (v, u)
    # A participant can only use slots it shares with someone it meets, and a pair with no shared slot can
    # never meet; both refinements tighten the bound for free (they change nothing without unavailability).
    reach = [0] * n
    usable = []
    for e in bipartite:
        u, v = prob.eu[e], prob.ev[e]
        shared = avail[u] & avail[v]
        if shared:
            usable.append(e)
            reach[u] |= shared
            reach[v] |= shared
    capacity = [max(0, min(caps[x], _popcount(reach[x]))) for x in range(n)]
    kept = _b_matching(n, left, right, usable, capacity)
    room = sum(slot_cap)
    bound = min(len(kept) + len(odd), room)
    result.upper_bound = len(lock_slot) + bound

    board = _Board(n, slots, prob.eu, prob.ev, avail, caps, slot_cap)
    if exact:
        kept = kept[:room]
        board.set_slot_cap([m + 1] * slots)
        board.colour_bipartite(kept)
        board.equalize()
        board.set_slot_cap(slot_cap)
        board.drop_overflow()
        kept_set = set(kept)
        rest = [e for e in odd if e not in kept_set]
    else:
        _place_general(board, kept, active, inc, bound)
        rest = [e for e in active if board.colour[e] < 0]
    for e in rest:  # last chance for whatever is left (odd edges, mostly); cheap when nothing fits
        if board.placed >= bound:
            break
        if board.colour[e] < 0:
            board.insert(e, 1, frozenset(), True)
            board.journal.clear()

    next_table = list(lock_tables)
    for e in active:
        s = board.colour[e]
        if s >= 0:
            result.assigned[prob.keys[e]] = (s, next_table[s])
            next_table[s] += 1
        else:
            result.unscheduled[prob.keys[e]] = _reason(board, prob, e, avail0, max_per_participant)
    return result


def _place_general(board: _Board, kept: list[int], active: list[int], inc: list[list[int]], bound: int) -> None:
    """Most-constrained-first greedy with immediate repair, then a deeper repair, then local search."""
    m = len(board.colour)
    kept_set = set(kept)
    pending = [False] * m
    rank = [0] * m
    for r, e in enumerate(kept + [e for e in active if e not in kept_set]):
        pending[e] = True
        rank[e] = r
    group = [0 if e in kept_set else 1 for e in range(m)]
    heap = [(group[e], _popcount(board.feasible(e)), rank[e], e) for e in range(m) if pending[e]]
    heapq.heapify(heap)
    failed: list[int] = []
    eu, ev = board.eu, board.ev
    while heap:
        g, k, r, e = heapq.heappop(heap)
        if not pending[e]:
            continue
        mask = board.feasible(e)
        actual = _popcount(mask)
        if actual > k:  # repairs freed slots since this entry was pushed: it is less urgent than it looked
            heapq.heappush(heap, (g, actual, r, e))
            continue
        pending[e] = False
        if mask:
            board.place_scored(e, mask, pending, inc)
        elif board.placed >= bound or not board.insert(e, 2, frozenset(), True):
            failed.append(e)
        board.journal.clear()
        if board.colour[e] >= 0:
            for x in (eu[e], ev[e]):
                for f in inc[x]:
                    if pending[f]:
                        heapq.heappush(heap, (group[f], _popcount(board.feasible(f)), rank[f], f))
    left = []
    for e in failed:
        if board.placed >= bound:
            break
        if not board.insert(e, 3, frozenset(), True):
            left.append(e)
        board.journal.clear()
    if left and board.placed < bound:
        _local_search(board, left, bound)


def _local_search(board: _Board, pool: list[int], bound: int) -> int:
    """Seeded min-conflicts ejection search; returns the number of iterations run.

    Each step forces a random unplaced meeting into the usable slot that evicts fewest meetings (a random
    usable slot with probability ``_NOISE``, to escape local minima), re-inserts the evicted ones where they
    fit directly or by a Kempe flip, and keeps the step unless fewer meetings are placed: equal counts are
    kept so the search walks across plateaus, and a short tabu list stops it from undoing the last steps.
    Meetings whose two participants both still have a usable free slot are sampled preferentially
    (``_FOCUS``): only they can raise the count, the others can only swap (measured: ~4× faster progress).
    """
    rng = random.Random(LOCAL_SEARCH_SEED)
    eu, ev, avail, at = board.eu, board.ev, board.avail, board.at
    unplaced = [e for e in pool if avail[eu[e]] & avail[ev[e]] and board.caps[eu[e]] > 0
                and board.caps[ev[e]] > 0]
    budget = (min(LOCAL_SEARCH_BASE_ITERATIONS, 100 * len(unplaced))
              + LOCAL_SEARCH_ITERATIONS_PER_MISSING * (bound - board.placed))
    deadline = time.perf_counter() + LOCAL_SEARCH_SECONDS
    tabu: dict[int, int] = {}
    it = 0
    last_gain = 0
    for it in range(budget):
        if not unplaced or board.placed >= bound or it - last_gain > LOCAL_SEARCH_PATIENCE:
            break
        if it % 64 == 63 and time.perf_counter() > deadline:
            break
        i = rng.randrange(len(unplaced))
        if rng.random() < _FOCUS:
            for _ in range(8):
                j = rng.randrange(len(unplaced))
                f = unplaced[j]
                if avail[eu[f]] & ~board.used[eu[f]] and avail[ev[f]] & ~board.used[ev[f]]:
                    i = j
                    break
        e = unplaced[i]
        if board.colour[e] >= 0:
            unplaced[i] = unplaced[-1]
            unplaced.pop()
            continue
        u, v = eu[e], ev[e]
        protected = {f for f, until in tabu.items() if until > it}
        slots = list(_bits(avail[u] & avail[v]))
        if rng.random() < _NOISE:
            s = rng.choice(slots)
        else:
            best: list[int] = []
            best_cost = 1 << 30
            for s in slots:
                bu, bv = at[u].get(s), at[v].get(s)
                if bu in protected or bv in protected:
                    continue
                cost = (bu is not None) + (bv is not None and bv != bu)
                if board.load[s] - cost >= board.slot_cap[s]:
                    cost += 1
                if board.count[u] - (bu is not None) >= board.caps[u]:
                    cost += 1
                if board.count[v] - (bv is not None) >= board.caps[v]:
                    cost += 1
                if cost < best_cost:
                    best, best_cost = [s], cost
                elif cost == best_cost:
                    best.append(s)
            if not best:
                continue
            s = rng.choice(best)
        board.journal.clear()
        before = board.placed
        evicted = board.make_room(e, s, protected, rng, for_caps=True)
        if evicted is None:
            board.rollback(0)
            continue
        board.place(e, s)
        inner = frozenset(protected | {e})
        lost = [f for f in evicted if not board.insert(f, 0, inner, True)]
        if board.placed < before:
            board.rollback(0)
            continue
        board.journal.clear()
        if board.placed > before:
            last_gain = it
        tabu[e] = it + _TABU_TENURE
        if len(tabu) > 4 * _TABU_TENURE:
            tabu = {f: until for f, until in tabu.items() if until > it}
        unplaced[i] = unplaced[-1]
        unplaced.pop()
        unplaced.extend(lost)
    board.journal.clear()
    return it


def _reason(board: _Board, prob: _Problem, e: int, avail0: list[int], cap: int | None) -> Unscheduled:
    """Describe, from the final board, what keeps request ``e`` out."""
    u, v = prob.eu[e], prob.ev[e]
    for x in (u, v):
        if board.count[x] >= board.caps[x] and cap is not None:
            return Unscheduled("participant_cap", f"participant {prob.ids[x]!r}")
    for x in (u, v):
        if not avail0[x]:
            return Unscheduled("participant_unavailable", f"participant {prob.ids[x]!r}")
    for x in (u, v):
        if not board.avail[x] & ~board.used[x]:
            return Unscheduled("participant_fully_booked", f"participant {prob.ids[x]!r}")
    if not board.open:
        return Unscheduled("slots_full", "every slot")
    common = board.avail[u] & board.avail[v] & ~(board.used[u] | board.used[v])
    if not common:
        return Unscheduled("no_common_free_slot")
    return Unscheduled("slots_full", "slots " + ", ".join(str(s) for s in _bits(common)))
