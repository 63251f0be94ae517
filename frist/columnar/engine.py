"""The columnar engine: a whole population checked against a rule book at once.

:func:`compile_book` lowers a rule book to tables (:mod:`frist.columnar.program`);
:func:`check_population` runs the compiled evaluators (:mod:`frist.columnar.kernel`) over a
:class:`~frist.columnar.layout.Population` and returns one batch record a person, the records
:func:`frist.batch.check_person` makes (``detail`` brief); :func:`instances` gives every instance of
every rule, for comparing the two engines.
"""

from __future__ import annotations

import datetime as _dt
from collections import namedtuple
from dataclasses import dataclass

from .. import ir
from ..dates import AmbiguousDate
from ..report import STATUSES
from ..rulebook import RuleBook, load_text
from ..runtime.engine import RuleInfo, ambiguous_date, missing_fact, version_on
from . import cdates
from . import kernel as K
from . import program
from .layout import NA_DAY, Population, np

STATUS_NAMES = {K.FULFILLED: "fulfilled", K.VIOLATED: "violated", K.PENDING: "pending", K.WAIVED: "waived",
                K.NOT_APPLICABLE: "not_applicable", K.IN_FORCE: "in_force", K.NOT_IN_FORCE: "not_in_force"}
STATUS_ORDER = [next(k for k, v in STATUS_NAMES.items() if v == s) for s in STATUSES]

Events = namedtuple("Events", ["date", "end", "fields", "toff", "facts", "skip"])
State = namedtuple("State", ["n", "R", "X", "C", "L", "xd", "sn", "D", "Dc", "Z", "oz", "ms", "ck_ms", "SP", "M",
                             "W1", "W2", "W3", "W4", "BM", "PS", "ES", "KEPT", "LED", "SN2", "UB"])
Output = namedtuple("Output", ["n", "counts", "unpaid", "err", "o_person", "o_rule", "o_status", "o_nk", "o_a",
                               "o_b", "o_c", "o_deadline", "o_vsince", "o_from"])


@dataclass
class Compiled:
    """A rule book ready for the columnar engine: its tables and what naming its results needs."""

    book: RuleBook
    G: program.Program
    packed: program.Packed
    rule_ids: list
    rule_info: list
    types: list
    state_names: list
    within: dict  # rule index -> its ``within`` duration (names "X within D up to ...")


def compile_book(book: RuleBook | str, name: str = "rules.yaml") -> Compiled:
    """The columnar form of a rule book (a loaded :class:`RuleBook` or its text); the rules are
    evaluated in the compiled module's order (:func:`frist.ir.lower`'s, see :mod:`frist.order`)."""
    if isinstance(book, str):
        book = load_text(book, name)
    rules = ir.lower(book)
    G = program.build(book)
    infos = {r.index: r for r in rules}
    n = max(infos, default=-1) + 1
    within = {r.index: program.plain(dict(r.call.kwargs).get("within")) for r in rules}
    return Compiled(book, G, program.pack(G), [infos[i].id if i in infos else None for i in range(n)],
                    [infos[i].info if i in infos else None for i in range(n)], list(book.vocabulary["events"]),
                    _state_names(book, G), within)


def _state_names(book: RuleBook, G) -> list:
    types = list(book.vocabulary["events"])
    names = []
    for kind, a, b, _ in G.st:
        if kind == 1:
            names.append(types[a])
        else:
            names.append(next(s for s, spec in book.vocabulary["states"].items()
                              if spec["starts"] == types[a] and spec["ends"] == types[b]))
    return names


# ---------------------------------------------------------------------------- columns for the kernel
def events_table(compiled: Compiled, population: Population) -> Events:
    """The population's events in one table sorted by person, type, date and place in the file."""
    vocab = compiled.book.vocabulary
    types = compiled.types
    n = population.n
    width = max([len(vocab["events"][t].get("fields", {})) for t in types] + [1])
    counts = np.zeros((n, len(types)), np.int64)
    parts_person, parts_date, parts_end, parts_fields = [], [], [], []
    for t, name in enumerate(types):
        col = population.events.get(name)
        if col is None or not len(col.date):
            continue
        per = np.diff(col.offsets)
        counts[:, t] = per
        parts_person.append(np.repeat(np.arange(n, dtype=np.int64), per))
        parts_date.append(col.date.astype(np.int64))
        period = vocab["events"][name].get("kind") == "period"
        parts_end.append(col.end.astype(np.int64) if period else np.full(len(col.date), K.NA, np.int64))
        fields = np.full((len(col.date), width), np.nan)
        for j, fname in enumerate(vocab["events"][name].get("fields", {})):
            values = col.fields.get(fname)
            if values is None or values.dtype == object:
                continue
            column = values.astype(np.float64)
            if values.dtype == np.int16:
                column[values < 0] = np.nan
            elif values.dtype == np.int32:
                column[values == NA_DAY] = np.nan
            fields[:, j] = column
        parts_fields.append(fields)
    if parts_person:
        person = np.concatenate(parts_person)
        order = np.argsort(person, kind="stable")  # types were appended in order, each sorted by date
        date = np.concatenate(parts_date)[order]
        end = np.concatenate(parts_end)[order]
        fields = np.concatenate(parts_fields)[order]
    else:
        date = end = np.zeros(0, np.int64)
        fields = np.zeros((0, width))
    toff = np.zeros((n, len(types) + 1), np.int64)
    starts = np.concatenate([[0], np.cumsum(counts.sum(axis=1))[:-1]]) if n else np.zeros(0, np.int64)
    toff[:, 0] = starts
    toff[:, 1:] = starts[:, None] + np.cumsum(counts, axis=1)
    facts = np.full((n, max(len(vocab["person"]), 1)), np.nan)
    for f, (fname, spec) in enumerate(vocab["person"].items()):
        values = population.facts.get(fname)
        if values is None or values.dtype == object:
            continue
        column = values.astype(np.float64)
        if values.dtype == np.int16:
            column[values < 0] = np.nan
        elif values.dtype == np.int32:
            column[values == NA_DAY] = np.nan
        facts[:, f] = column
    return Events(date, end, fields, toff, facts, np.zeros(n, np.int8))  # skip: none (every person is valid)


def _state(G, E: Events, scale: int = 1) -> State:
    """Working arrays for one person at a time, big enough for the largest person of ``E`` (``scale``
    times more, after a person needed more)."""
    T = G.t_derived.shape[0]
    most = int(np.diff(E.toff, axis=1).max()) if E.toff.size and T else 0
    derived = max(int((G.t_derived >= 0).sum()), 1)
    events = most + 64 * scale
    rules, states = G.rp.shape[0], G.st.shape[0]
    slots = T + G.pred_off.shape[0] - 1
    # the small per-person arrays, one after the other (kernel: S.Z[S.oz[k] + i])
    preds = G.pred_off.shape[0] - 1
    sizes = [T, T, derived, rules, 8, rules, states, states, slots, slots, 1, preds]
    oz = np.cumsum([0] + sizes).astype(np.int64)
    days = (1 << 17) * scale  # a person's days from the first registration to the check date, at most
    work = max(days, 2 * events)
    i64 = np.int64
    return State(
        np.zeros(32, i64), np.zeros((4096 * scale, 9), i64), np.zeros((512 * scale, 9), i64),
        np.zeros((256 * scale, 11), i64), np.zeros((512 * scale, 7), i64), np.zeros(4096 * scale, i64),
        np.zeros(64 * scale, i64), np.zeros((derived, events, 2), i64), np.zeros((derived, events)),
        np.zeros(int(oz[-1]), i64), oz, np.zeros((rules, 64 * scale), i64), np.zeros((rules, 64 * scale), i64),
        np.zeros((states, 2 * events, 2), i64), np.zeros((slots, events, 3), i64),
        # scratch: lists of events, weeks and days; a bitmap of days; the predicates' stacks
        *(np.zeros(work, i64) for _ in range(4)), np.zeros(days, np.int8), np.zeros(16), np.zeros(16),
        np.zeros(64 * scale + 1, i64), np.zeros(rules, i64), np.zeros(64 * scale, i64), np.zeros(days, np.int8))


def _output(n: int, rows: int) -> Output:
    i64 = np.int64
    return Output(np.zeros(1, i64), np.zeros((n, 7), i64), np.zeros(n, i64), np.zeros((n, 4), i64),
                  *(np.zeros(rows, i64) for _ in range(10)))


def _grow(O: Output, rows: int) -> Output:
    keep = int(O.n[0])
    fresh = _output(O.counts.shape[0], rows)
    for name in Output._fields[4:]:
        getattr(fresh, name)[:keep] = getattr(O, name)[:keep]
    fresh.n[0] = keep
    return Output(fresh.n, O.counts, O.unpaid, O.err, *(getattr(fresh, f) for f in Output._fields[4:]))


def run(compiled: Compiled, E: Events, as_of: _dt.date, full: bool = False) -> Output:
    """Evaluate every person of ``E``; the raw output arrays."""
    G = compiled.G
    n = E.toff.shape[0]
    O = _output(n, max(64, n * (40 if full else 2)))
    scale = 1
    S = _state(G, E, scale)
    day = cdates.day_number(as_of)
    start = 0
    while start < n:
        start, why = K.check_partition(compiled.packed, E, S, O, start, day, full)
        if why == 1:
            scale *= 2
            S = _state(G, E, scale)
        elif why == 2:
            O = _grow(O, 2 * len(O.o_person) + 1024)
    return O


def warm(compiled: Compiled) -> None:
    """Compile (or load from numba's cache) the evaluators now, before worker processes are forked."""
    n = 0
    T = len(compiled.types)
    E = Events(np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros((0, 1)), np.zeros((n, T + 1), np.int64),
               np.zeros((n, max(len(compiled.book.vocabulary["person"]), 1))), np.zeros(n, np.int8))
    K.check_partition(compiled.packed, E, _state(compiled.G, E), _output(n, 1), 0, 0, False)


# ---------------------------------------------------------------------------- results as the reports name them
def _iso(day) -> str | None:
    return None if day == K.NA else cdates.from_day_number(day).isoformat()


def _iso_week(day) -> str:
    year, week, _ = cdates.from_day_number(day).isocalendar()
    return f"{year}-W{week:02d}"


def instance_name(compiled: Compiled, rule: int, nk: int, a: int, b: int, c: int, as_of: _dt.date) -> str:
    types, states = compiled.types, compiled.state_names
    if nk == K.NK_DASH:
        return "-"
    if nk == K.NK_EVENT:
        return f"{types[a]} {_iso(b)}"
    if nk == K.NK_RECUR:
        return f"{states[a]} {_iso(b)} period {_iso(c)}"
    if nk == K.NK_WEEK:
        return f"week {_iso_week(a)}"
    if nk == K.NK_WEEKS:
        return f"weeks {_iso_week(a)}..{_iso_week(b)}"
    if nk == K.NK_WEEKS_FROM:
        return f"weeks from {_iso_week(a)}"
    if nk == K.NK_STATE_FROM:
        return f"{states[a]} from {_iso(b)}"
    if nk == K.NK_NO:
        return f"no {types[a]} up to {as_of.isoformat()}"
    if nk == K.NK_PERIOD:
        return f"{types[a]} {_iso(b)} period {c}"
    spec = compiled.within[rule]
    if spec[0] == "$":
        spec = version_on(compiled.book.parameters[spec[1]], as_of)
    parts = spec if isinstance(spec[0], (tuple, list)) else (spec,)
    written = " and ".join(f"{n} {u.replace('_', ' ')}s" for n, u in parts)
    return f"{types[a]} within {written} up to {as_of.isoformat()}"


def _error_text(compiled: Compiled, err) -> str:
    """The error the per-timeline engine raises for what stopped a person's evaluation."""
    code, rule, arg, months = (int(x) for x in err)
    info = compiled.rule_info[rule] if 0 <= rule < len(compiled.rule_info) else None
    where = RuleInfo(**info) if info else None
    if code == K.ERR_AMBIGUOUS:
        return ambiguous_date(where, AmbiguousDate(cdates.from_day_number(arg), months)).format()
    return missing_fact(where, list(compiled.book.vocabulary["person"])[arg]).format()


def records(compiled: Compiled, population: Population, O: Output, as_of: _dt.date) -> list:
    """One brief batch record a person (``check_person``'s, ``detail`` brief)."""
    out = []
    iso = as_of.isoformat()
    names = _Names(compiled, as_of)
    counts = O.counts[:, STATUS_ORDER].tolist()
    unpaid = O.unpaid.tolist()
    failed = O.err[:, 0].tolist()
    rows = int(O.n[0])
    person, rule, status = O.o_person[:rows].tolist(), O.o_rule[:rows].tolist(), O.o_status[:rows].tolist()
    nk, a, b, c = (x[:rows].tolist() for x in (O.o_nk, O.o_a, O.o_b, O.o_c))
    vsince, first = O.o_vsince[:rows].tolist(), O.o_from[:rows].tolist()
    j = 0
    for p, pid in enumerate(population.ids):
        if failed[p]:
            out.append({"id": pid, "status": "error", "error": _error_text(compiled, O.err[p])})
            continue
        violations, in_force = [], []
        while j < rows and person[j] == p:
            name = names(rule[j], nk[j], a[j], b[j], c[j])
            if status[j] == K.VIOLATED:
                violations.append({"rule": compiled.rule_ids[rule[j]], "instance": name,
                                   "violated_since": names.iso(vsince[j])})
            else:
                in_force.append({"rule": compiled.rule_ids[rule[j]], "instance": name, "from": names.iso(first[j])})
            j += 1
        out.append({"id": pid, "as_of": iso, "status": "ok", "summary": dict(zip(STATUSES, counts[p])),
                    "violations": violations, "in_force": in_force, "unpaid_days": unpaid[p]})
    return out


class _Names:
    """Instance names and ISO days, each made once (persons share many)."""

    def __init__(self, compiled: Compiled, as_of: _dt.date):
        self.compiled, self.as_of = compiled, as_of
        self.days, self.found = {}, {}

    def iso(self, day: int) -> str | None:
        text = self.days.get(day)
        if text is None and day != K.NA:
            text = self.days[day] = cdates.from_day_number(day).isoformat()
        return text

    def __call__(self, rule, nk, a, b, c) -> str:
        key = (rule, nk, a, b, c)
        name = self.found.get(key)
        if name is None:
            name = self.found[key] = instance_name(self.compiled, rule, nk, a, b, c, self.as_of)
        return name


def _rows_by_person(O: Output, n: int) -> list:
    rows = [[] for _ in range(n)]
    for j in range(int(O.n[0])):
        rows[int(O.o_person[j])].append(j)
    return rows


def check_population(compiled: Compiled, population: Population, as_of: _dt.date) -> list:
    """The brief batch records of a population."""
    E = events_table(compiled, population)
    return records(compiled, population, run(compiled, E, as_of), as_of)


def instances(compiled: Compiled, population: Population, as_of: _dt.date) -> list:
    """Every instance of every rule, per person: ``[(rule id, instance, status, deadline, violated_since)]``
    in evaluation order, or the error text."""
    E = events_table(compiled, population)
    O = run(compiled, E, as_of, full=True)
    rows_of = _rows_by_person(O, population.n)
    out = []
    for p in range(population.n):
        if O.err[p, 0]:
            out.append(_error_text(compiled, O.err[p]))
            continue
        found = []
        for j in rows_of[p]:
            rule = int(O.o_rule[j])
            found.append((compiled.rule_ids[rule],
                          instance_name(compiled, rule, int(O.o_nk[j]), int(O.o_a[j]), int(O.o_b[j]), int(O.o_c[j]),
                                        as_of),
                          STATUS_NAMES[int(O.o_status[j])], _iso(int(O.o_deadline[j])), _iso(int(O.o_vsince[j]))))
        out.append((found, int(O.unpaid[p])))
    return out
