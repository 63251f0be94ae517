"""The rule book as tables for the columnar engine: the IR (:mod:`frist.ir`) lowered to arrays.

:func:`build` turns each rule's :class:`frist.ir.Call` into one row of integer slots
(:data:`frist.columnar.kernel.R_FN` ...), with its durations, amounts, predicates, exceptions,
effects and ends of effects in tables of their own, and returns them as one named tuple ``G`` that
the compiled evaluators (:mod:`frist.columnar.kernel`) read.  Predicates become a small stack code;
constants are encoded as the columns store values (:func:`frist.columnar.layout.encode`).

A construct the columnar engine cannot evaluate is a :class:`ColumnarError` naming the rule and the
construct, never a silent difference.
"""

from __future__ import annotations

import datetime as _dt
from collections import namedtuple

from .. import ir
from ..errors import Diagnostic, FristError, Span
from ..rulebook import RuleBook
from . import cdates
from . import kernel as K
from .layout import np

FNS = {"window_duty": K.FN_WINDOW_DUTY, "window_quota": K.FN_WINDOW_QUOTA, "recurring": K.FN_RECURRING,
       "quota": K.FN_QUOTA, "time_budget": K.FN_TIME_BUDGET, "count_budget": K.FN_COUNT_BUDGET,
       "each_event": K.FN_EACH_EVENT, "never": K.FN_NEVER, "each_ends": K.FN_EACH_ENDS,
       "each_lasts": K.FN_EACH_LASTS, "weekly_hours": K.FN_WEEKLY_HOURS, "periodic_hours": K.FN_PERIODIC_HOURS,
       "consumption": K.FN_CONSUMPTION}
EFFECTS = {"none": K.EF_NONE, "reminder": K.EF_REMINDER, "assessment": K.EF_ASSESSMENT,
           "deregistration": K.EF_DEREG, "suspension": K.EF_SUSPENSION, "anchor_day": K.EF_ANCHOR_DAY,
           "week": K.EF_WEEK, "days_off": K.EF_DAYS_OFF, "quarantine": K.EF_QUARANTINE,
           "hours_off": K.EF_HOURS_OFF, "loss_of_right": K.EF_LOSS, "ladder": K.EF_LADDER}
CMP = {"eq": K.OP_EQ, "ne": K.OP_NE, "lt": K.OP_LT, "le": K.OP_LE, "gt": K.OP_GT, "ge": K.OP_GE}
STACK = 16  # the depth of the predicates' stack (kernel.pred)
RULE_SLOTS = 32

Program = namedtuple("Program", [
    "gi", "hol", "t_derived", "t_hours", "slot", "par_off", "par_start", "par_num", "par_dur", "dur",
    "amt_kind", "amt_val", "amt_ref", "amt_ref2", "code", "kconst", "pred_off", "set_off", "set_vals", "tests",
    "st", "clock_state", "rp", "eff", "until", "until_items", "lad", "lad_off", "sh", "sh_off", "exq", "exq_off",
    "exc_off", "exc_q", "q_slot", "t_slot", "skip_types", "cause_code", "derived_types", "order", "pred_dayfree"])


Packed = namedtuple("Packed", ["I", "V", "F", "hol", "o2", "o1", "of"])
TABLES_2D = ["rp", "eff", "until", "lad", "sh", "tests", "st", "dur", "code", "par_dur", "slot"]
TABLES_1D = ["gi", "t_derived", "t_hours", "par_off", "par_start", "amt_kind", "amt_ref", "amt_ref2", "pred_off",
             "set_off", "clock_state", "until_items", "lad_off", "sh_off", "exq", "exq_off", "exc_off", "exc_q",
             "q_slot", "t_slot", "skip_types", "derived_types", "order", "pred_dayfree"]
TABLES_F = ["par_num", "amt_val", "kconst", "set_vals", "cause_code"]


def pack(P: Program) -> Packed:
    """The tables in three arrays with offsets (``G.I[G.o2[k] + row, col]`` is row ``row`` of table
    ``TABLES_2D[k]``): compiled functions then take seven arguments' worth of arrays, not forty."""
    width = max(getattr(P, name).shape[1] for name in TABLES_2D)
    o2 = np.cumsum([0] + [getattr(P, name).shape[0] for name in TABLES_2D]).astype(np.int64)
    I = np.full((int(o2[-1]), width), -1, np.int64)
    for k, name in enumerate(TABLES_2D):
        table = getattr(P, name)
        I[o2[k]:o2[k + 1], :table.shape[1]] = table
    ones = [np.asarray(getattr(P, name), np.int64).ravel() for name in TABLES_1D]
    o1 = np.cumsum([0] + [len(a) for a in ones]).astype(np.int64)
    floats = [np.asarray(getattr(P, name), np.float64).ravel() for name in TABLES_F]
    of = np.cumsum([0] + [len(a) for a in floats]).astype(np.int64)
    return Packed(I, np.concatenate(ones), np.concatenate(floats), P.hol, o2, o1, of)


class ColumnarError(FristError):
    """A rule the columnar engine cannot evaluate."""


def plain(value):
    """IR constants and tuples as Python values; predicates stay :class:`frist.ir.Pred`."""
    if isinstance(value, ir.Const):
        return value.value
    if isinstance(value, ir.Tuple):
        return tuple(plain(v) for v in value.items)
    return value


class _Builder:
    def __init__(self, book: RuleBook):
        self.book = book
        vocab = book.vocabulary
        self.types = list(vocab["events"])
        self.type_id = {t: i for i, t in enumerate(self.types)}
        self.facts = list(vocab["person"])
        self.fact_id = {f: i for i, f in enumerate(self.facts)}
        self.field_names = ["end", "start", "date"]  # what Event.get reads besides the fields
        for spec in vocab["events"].values():
            for name in spec.get("fields", {}):
                if name not in self.field_names:
                    self.field_names.append(name)
        self.field_id = {f: i for i, f in enumerate(self.field_names)}
        self.params = list(book.parameters)
        self.param_id = {p: i for i, p in enumerate(self.params)}
        self.states, self.state_id = [], {}
        self.clocks = list(vocab.get("clocks", {}))
        self.durs, self.amts, self.code, self.kconst, self.pred_off = [], [], [], [], [0]
        self.sets, self.tests, self.untils, self.until_items = [], [], [], []
        self.pred_type = []  # the event type a predicate reads (-1: a person condition)
        self.buf = []  # the code of the predicate being compiled
        self.skip_types, self.lad, self.lad_rule = [], [], {}  # hours-off skip types; ladder steps by rule
        self.rule = None

    # ---------------------------------------------------------------- names
    def fail(self, what: str):
        rule = self.rule
        span = rule.span if rule is not None and rule.span else Span(self.book.path, 1, 1)
        raise ColumnarError(Diagnostic(f"the columnar engine cannot evaluate {what}", span,
                                       hint="check this rule book with `--engine local`",
                                       rule=rule.id if rule is not None else None))

    def etype(self, name) -> int:
        if name is None:
            return -1
        if name not in self.type_id:
            self.fail(f"the event type `{name}`")
        return self.type_id[name]

    def state(self, name) -> int:
        if name is None:
            return -1
        if name not in self.state_id:
            states = self.book.vocabulary["states"]
            if name in states:
                row = (0, self.etype(states[name]["starts"]), self.etype(states[name]["ends"]),
                       1 if name == "registered" else 0)
            elif name in self.type_id:
                row = (1, self.type_id[name], -1, 0)
            else:
                self.fail(f"the state `{name}`")
            self.state_id[name] = len(self.states)
            self.states.append(row)
        return self.state_id[name]

    def clock(self, name) -> int:
        if name is None:
            return -1
        return self.clocks.index(name)

    # ---------------------------------------------------------------- durations and amounts
    def duration(self, spec) -> int:
        spec = plain(spec)
        if spec is None:
            return -1
        if spec[0] == "$":
            row = (1, self.param_id[spec[1]], 0, 0, 0)
        else:
            row = (0, *self._parts(spec))
        self.durs.append(row)
        return len(self.durs) - 1

    def _parts(self, spec) -> tuple:
        parts = spec if isinstance(spec[0], (tuple, list)) else (spec,)
        if len(parts) > 2:
            self.fail("a duration of more than two parts")
        (a1, u1), (a2, u2) = parts[0], parts[1] if len(parts) == 2 else (0, None)
        return (int(a1), cdates.UNIT_CODES[u1], int(a2), cdates.UNIT_CODES[u2] if u2 else -1)

    def amount(self, spec) -> int:
        spec = plain(spec)
        if spec is None:
            return -1
        if isinstance(spec, tuple) and spec[0] == "$":
            row = (1, 0.0, self.param_id[spec[1]], -1)
        elif isinstance(spec, tuple) and spec[0] == "*":
            share, fact = spec[1], self.fact_id[spec[2]]
            if isinstance(share, tuple):
                row = (3, 0.0, fact, self.param_id[share[1]])
            else:
                row = (2, float(share), fact, -1)
        elif isinstance(spec, tuple) and spec[0] == "field":
            row = (4, 0.0, self.field_id[spec[1]], -1)
        else:
            row = (0, float(spec), -1, -1)
        self.amts.append(row)
        return len(self.amts) - 1

    # ---------------------------------------------------------------- predicates
    def pred(self, node, etype: int = -1) -> int:
        """A predicate on an event of ``etype`` (or, ``etype`` -1, on a day) as stack code; -1: none."""
        node = plain(node)
        if node is None:
            return -1
        if not isinstance(node, ir.Pred):
            self.fail(f"the condition {node!r}")
        return self._compiled(node.body, etype, node.on)

    def _compiled(self, body, etype, on) -> int:
        """Compile one predicate into its own run of code (predicates it holds come before it)."""
        outer, self.buf = self.buf, []
        depth = self._emit(body, etype, on)
        if depth > STACK:
            self.fail("a condition nested this deep")
        self.code.extend(self.buf)
        self.buf = outer
        self.pred_off.append(len(self.code))
        self.pred_type.append(etype)
        return len(self.pred_off) - 2

    def _emit(self, node, etype, on) -> int:
        """Emit ``node``'s code; the stack depth it needs."""
        if isinstance(node, ir.Op) and node.op in ("and", "or"):
            depth = max(i + self._emit(a, etype, on) for i, a in enumerate(node.args))
            self.buf.append((K.OP_AND if node.op == "and" else K.OP_OR, len(node.args)))
            return depth
        if isinstance(node, ir.Op) and node.op == "not":
            depth = self._emit(node.args[0], etype, on)
            self.buf.append((K.OP_NOT, 0))
            return depth
        if isinstance(node, ir.Test):
            self.buf.append((K.OP_TEST, self.test(node, etype)))
            return 1
        if isinstance(node, ir.Op) and node.op == "in":
            subject, values = node.args
            spec = self._subject(subject, etype)
            self.sets.append([self._encode(v, spec) for v in plain(values)])
            self.buf.append((K.OP_IN, len(self.sets) - 1))
            return 1
        if isinstance(node, ir.Op) and node.op in CMP:
            left, right = node.args
            spec = self._subject(left, etype)
            if isinstance(right, ir.Const):
                self._const(self._encode(right.value, spec))
            else:
                self._subject(right, etype)
            self.buf.append((CMP[node.op], 0))
            return 2
        self.fail(f"the condition {node!r}")

    def _const(self, value: float) -> None:
        self.kconst.append(value)
        self.buf.append((K.OP_CONST, len(self.kconst) - 1))

    def _subject(self, node, etype) -> dict:
        """Emit the code that pushes ``node``'s value; its vocabulary spec (for encoding constants)."""
        vocab = self.book.vocabulary
        if isinstance(node, ir.EventField):
            spec = vocab["events"][self.types[etype]].get("fields", {}).get(node.name) if etype >= 0 else None
            if node.name in ("end", "start", "date"):
                spec = {"type": "date"}
            if spec is None:
                spec = {"type": "number"}  # a field the type lacks: always absent
            if spec["type"] not in ("date", "enum", "boolean", "integer", "number"):
                self.fail(f"a condition on the {spec['type']} field `{node.name}`")
            self.buf.append((K.OP_FIELD, self.field_id.get(node.name, len(self.field_names))))
            return spec
        if isinstance(node, ir.Fact):
            spec = vocab["person"][node.name]
            if spec["type"] not in ("date", "enum", "boolean", "integer", "number"):
                self.fail(f"a condition on the {spec['type']} fact `{node.name}`")
            self.buf.append((K.OP_FACT, self.fact_id[node.name]))
            return spec
        if isinstance(node, ir.Age):
            self.buf.append((K.OP_AGE, self.etype(node.event)))
            return {"type": "number"}
        if isinstance(node, ir.ParamValue):
            self.buf.append((K.OP_PARAM, self.param_id[node.name]))
            return {"type": "number"}
        self.fail(f"the value {node!r}")

    @staticmethod
    def _encode(value, spec) -> float:
        if value is None:
            return np.nan
        kind = spec["type"]
        if kind == "enum":
            return float(spec["values"].index(value)) if value in spec["values"] else -2.0
        if isinstance(value, bool):
            return 1.0 if value else 0.0
        if isinstance(value, _dt.date):
            return float(cdates.day_number(value))
        if isinstance(value, str):
            try:
                return float(cdates.day_number(_dt.date.fromisoformat(value)))
            except ValueError:
                return -2.0
        return float(value)

    def test(self, node: ir.Test, etype: int) -> int:
        args = [plain(a) for a in node.args]
        if node.fn == "occurs":
            t, pred, lo, hi, direction, strict = args
            ot = self.etype(t)
            row = (K.TEST_OCCURS, ot, self.pred(pred, ot), self.duration(lo), self.duration(hi),
                   1 if direction == "after" else 0, 1 if strict else 0, 0)
        elif node.fn == "lasts_at_most":
            row = (K.TEST_LASTS, self.duration(args[0]), 0, 0, 0, 0, 0, 0)
        elif node.fn == "during":
            t, pred, by_anchor = args
            if t in self.book.vocabulary["states"]:
                row = (K.TEST_DURING, -1, -1, 0, self.state(t), 0, 0, 0)
            else:
                dt = self.etype(t)
                row = (K.TEST_DURING, dt, self.pred(pred, dt), 1 if by_anchor else 0, -1, 0, 0, 0)
        elif node.fn == "field_before":
            name, spec, other = args
            row = (K.TEST_FIELD_BEFORE, self.field_id[name], self.duration(spec),
                   -1 if other == "anchor" else self.field_id[other], 0, 0, 0, 0)
        else:
            self.fail(f"the test `{node.fn}`")
        self.tests.append(row)
        return len(self.tests) - 1

    # ---------------------------------------------------------------- ends of effects
    def until(self, spec) -> int:
        spec = plain(spec)
        kind = spec[0]
        index = len(self.untils)
        self.untils.append(None)
        if kind == "earliest":
            if any(item[0] == "earliest" for item in spec[1]):
                self.fail("an `earliest of` inside another")
            items = [self.until(item) for item in spec[1]]
            start = len(self.until_items)
            self.until_items.extend(items)
            row = (K.U_EARLIEST, start, len(items), 0, 0, 0, 0, 0)
        elif kind in ("end", "open", "fulfilled"):
            row = ({"end": K.U_END, "open": K.U_OPEN, "fulfilled": K.U_FULFILLED}[kind], 0, 0, 0, 0, 0, 0, 0)
        elif kind == "offset":
            row = (K.U_OFFSET, self.duration(spec[1]), self.etype(spec[2]), 0, 0, 0, 0, 0)
        elif kind == "event":
            t = self.etype(spec[1])
            row = (K.U_EVENT, t, self.pred(spec[2], t), 0, 0, 0, 0, 0)
        elif kind in ("hours", "count"):
            _, amount, etype, pred, within, op, since = spec
            t = self.etype(etype)
            since_kind = 0 if since is None else 1 if since == "anchor" else 2
            row = (K.U_HOURS if kind == "hours" else K.U_COUNT, self.amount(amount), t, self.pred(pred, t),
                   self.duration(within), 1 if op == "gt" else 0, since_kind,
                   self.etype(since) if since_kind == 2 else -1)
            if row[4] < 0:
                self.fail("an amount within no duration")
        else:
            self.fail(f"the end of an effect `{kind}`")
        self.untils[index] = row
        return index

    # ---------------------------------------------------------------- rules
    def effect(self, spec, row: list, rule_index: int) -> None:
        spec = plain(spec)
        kind = spec[0]
        if kind not in EFFECTS:
            self.fail(f"the consequence `{kind}`")
        row[0] = EFFECTS[kind]
        if kind == "suspension":
            _, during, start, until = spec
            row[1] = self.state(during)
            row[2] = {"anchor": 1, "deadline": 2}.get(start, 0)
            row[3] = self.until(until)
        elif kind == "days_off":
            row[1] = self.amount(spec[1])
        elif kind in ("quarantine", "hours_off"):
            row[1] = self.amount(spec[1])
            lapse = spec[2]
            if lapse is not None:
                after, hours, etype, pred = lapse
                t = self.etype(etype)
                row[2], row[3], row[4], row[5] = self.duration(after), self.amount(hours), t, self.pred(pred, t)
                if row[2] < 0:
                    self.fail("a lapse without a duration")
            else:
                row[2] = -1
            if kind == "hours_off":
                row[6] = self.amount(spec[3])
                skip = [self.etype(t) for t in spec[4] or ()]
                row[7], row[8] = len(self.skip_types), len(skip)
                self.skip_types.extend(skip)
        elif kind == "loss_of_right":
            row[3] = self.until(spec[1])
        elif kind == "ladder":
            self.ladder(spec[1], rule_index)

    def ladder(self, steps, rule_index: int) -> None:
        if self.lad_rule.get(rule_index) is not None:
            return
        start = len(self.lad)
        for miss, action, within, after, _grace_action, grace in plain(steps):
            self.lad.append((int(miss), 1 if action == "deregistration" else 0, self.duration(within),
                             -1 if after is None else int(after), 0, self.duration(grace)))
        self.lad_rule[rule_index] = (start, len(self.lad))

    def anchor(self, spec, row: list) -> None:
        etype, field, first, pred = plain(spec)
        t = self.etype(etype)
        row[K.R_ATYPE], row[K.R_AFIELD], row[K.R_AFIRST] = t, self.field_id[field] if field else -1, int(bool(first))
        row[K.R_APRED] = self.pred(pred, t)

    def target(self, spec, row: list) -> None:
        spec = plain(spec)
        if spec[0] == "field":
            row[K.R_TKIND], row[K.R_TTYPE], row[K.R_TPRED] = K.TK_FIELD, self.field_id[spec[1]], -1
            return
        t = self.etype(spec[1])
        row[K.R_TKIND] = K.TK_LATER if spec[0] == "later" else K.TK_EVENT
        row[K.R_TTYPE], row[K.R_TPRED] = t, self.pred(spec[2], t)

    def lower_rule(self, r: ir.RuleIR, book: RuleBook) -> tuple:
        self.rule = r
        kw = dict(r.call.kwargs)
        fn = r.call.fn
        if fn not in FNS:
            self.fail(f"the duty `{fn}`")
        row = [-1] * RULE_SLOTS
        row[K.R_FN] = FNS[fn]
        row[K.R_APPLIES] = self.pred(kw.get("applies"), -1)
        for key in ("before", "by_field", "first_after"):
            row[{"before": K.R_BEFORE, "by_field": K.R_BYFIELD, "first_after": K.R_FIRST_AFTER}[key]] = 0
        if "anchor" in kw:
            self.anchor(kw["anchor"], row)
        if "first_after" in kw:
            self.anchor(kw["first_after"], row)
            row[K.R_FIRST_AFTER] = 1
        if "target" in kw:
            self.target(kw["target"], row)
        for key, slot in (("lo_spec", K.R_LO), ("hi_spec", K.R_HI), ("every", K.R_LO), ("offset", K.R_LO),
                          ("at_most", K.R_LO), ("within", K.R_WITHIN)):
            if key in kw:
                row[slot] = self.duration(kw[key])
        if fn == "periodic_hours":
            every = plain(kw["every"])
            if every[0] != "$" and isinstance(every[0], (tuple, list)):
                self.fail("a period of more than one part")
        for key in ("count", "limit", "hours"):
            if key in kw:
                row[K.R_COUNT] = self.amount(kw[key])
        row[K.R_CLOCK] = self.clock(plain(kw.get("clock")))
        row[K.R_BEFORE] = int(bool(plain(kw.get("before"))))
        row[K.R_BYFIELD] = int(bool(plain(kw.get("by_field"))))
        op = plain(kw.get("op"))
        row[K.R_OP] = 1 if op in ("gt", "lt") else 0
        if "state" in kw:
            row[K.R_STATE] = self.state(plain(kw["state"]))
        if "weeks" in kw:
            row[K.R_WEEKS] = int(plain(kw["weeks"]))
        unit = plain(kw.get("unit"))
        row[K.R_UNIT] = 1 if unit == "week" else 0
        if "condition" in kw:
            row[K.R_COND] = self.pred(kw["condition"], row[K.R_TTYPE])
        row[K.R_WHICH] = 1 if plain(kw.get("which")) == "starts" else 0
        less = plain(kw.get("less"))
        if less is not None:
            t = self.etype(less[1])
            row[K.R_LTYPE], row[K.R_LPRED] = t, self.pred(less[2], t)
        info = r.info
        row[K.R_SETTLE] = {"fixpoint": 1, "ledger": 2}.get(info.get("settle"), 0)
        row[K.R_EFFECT_RULE] = 1 if info.get("kind") == "effect" else 0
        row[K.R_EMITS] = self.etype(info.get("emits"))
        start, until, on = info["valid"]
        row[K.R_VFROM] = _day(start)
        row[K.R_VUNTIL] = _day(until)
        row[K.R_VON] = 1 if on == "registration" else 0
        eff = [-1] * 10
        self.effect(kw["effect"], eff, r.index)
        if plain(kw.get("ladder")) is not None:
            self.ladder(kw["ladder"], r.index)
        excs = [self.exception(test) for test, _reason in plain(kw.get("exceptions")) or ()]
        shares = [self.share(s, row[K.R_TTYPE]) for s in plain(kw.get("shares")) or ()]
        excluded = [self.etype(t) for t in plain(kw.get("excluded")) or ()]
        self.rule = None
        return row, eff, excs, shares, excluded

    def exception(self, test) -> int:
        if not isinstance(test, ir.Pred):
            self.fail("an exception that is not a test")
        return self._compiled(test.body, -1, "anchor")

    def share(self, spec, ttype: int) -> tuple:
        count, pred, _text, since = spec
        row = [self.amount(count), self.pred(pred, ttype), -1, -1, -1, 0, -1, 0]
        if since is not None:
            offset, clock, anchor = since
            etype, _field, first, apred = anchor
            t = self.etype(etype)
            row[2], row[3], row[4], row[5], row[6] = self.duration(offset), self.clock(clock), t, int(bool(first)), \
                self.pred(apred, t)
        return tuple(row)


def _day(iso) -> int:
    return int(K.NA) if iso is None else cdates.day_number(_dt.date.fromisoformat(iso))


def build(book: RuleBook, order: tuple | None = None) -> Program:
    """The tables of ``book`` (see the module's docstring); ``order``: the rules' evaluation order,
    the compiled module's ``ORDER`` (default: as :func:`frist.ir.lower` gives them)."""
    b = _Builder(book)
    rules = ir.lower(book)
    nr = max((r.index for r in rules), default=-1) + 1
    rp = np.full((max(nr, 1), RULE_SLOTS), -1, np.int64)
    eff = np.full((max(nr, 1), 10), -1, np.int64)
    exc, sh, exq = [[] for _ in range(nr)], [[] for _ in range(nr)], [[] for _ in range(nr)]
    for r in rules:
        row, e, excs, shares, excluded = b.lower_rule(r, book)
        rp[r.index], eff[r.index] = row, e
        exc[r.index], sh[r.index], exq[r.index] = excs, shares, excluded
    registered = b.state("registered") if "registered" in book.vocabulary["states"] else -1
    vocab = book.vocabulary
    types = b.types
    derived = [t for t in types if vocab["events"][t].get("derived")]
    t_derived = np.array([derived.index(t) if t in derived else -1 for t in types], np.int64)
    slot = np.full((len(types), len(b.field_names) + 1), -1, np.int64)
    for i, t in enumerate(types):
        names = list(vocab["events"][t].get("fields", {}))
        if t in derived and [n for n in names if n != "cause"]:
            b.fail(f"the derived event `{t}` with fields other than `cause`")
        for j, name in enumerate(names):
            slot[i, b.field_id[name]] = 0 if t in derived else j
    t_hours = np.array([list(vocab["events"][t].get("fields", {})).index("hours")
                        if "hours" in vocab["events"][t].get("fields", {}) and t not in derived else -1
                        for t in types], np.int64)
    cause_code = np.full((max(len(derived), 1), len(types)), np.nan)
    for k, t in enumerate(derived):
        values = vocab["events"][t].get("fields", {}).get("cause", {}).get("values", [])
        for i, name in enumerate(types):
            cause_code[k, i] = values.index(name) if name in values else -2.0
    par_off, par_start, par_num, par_dur = [0], [], [], []
    for name in b.params:
        for start, value in book.parameters[name]:
            par_start.append(cdates.day_number(_dt.date.fromisoformat(str(start))))
            if isinstance(value, (int, float)) and not isinstance(value, bool):
                par_num.append(float(value))
                par_dur.append((0, -1, 0, -1))
            elif isinstance(value, (tuple, list)):
                par_num.append(np.nan)
                par_dur.append(b._parts(tuple(tuple(v) if isinstance(v, list) else v for v in value)))
            else:
                par_num.append(np.nan)
                par_dur.append((0, -1, 0, -1))
        par_off.append(len(par_start))
    clock_state = np.array([b.state(vocab["clocks"][c]["runs_while"]) for c in b.clocks] or [0], np.int64)
    n_matching = len(types) + len(b.pred_off) - 1
    first, table = cdates.holiday_table()
    benefit = b.fact_id.get("benefit", -1)
    dagpenge = vocab["person"].get("benefit", {}).get("values", [])
    gi = np.array([cdates.ROUNDING_CODES[book.month_rounding], first, registered,
                   b.type_id.get("registered", -1), b.fact_id.get("birth_date", -1), b.field_id["end"],
                   b.param_id.get("hours_per_day", -1), benefit,
                   dagpenge.index("dagpenge") if "dagpenge" in dagpenge else -3, b.field_id["start"],
                   b.field_id["date"], len(types), 0], np.int64)
    lad_off = np.zeros(nr + 1, np.int64)
    lad_rows = []
    for r in range(nr):
        lo, hi = b.lad_rule.get(r, (0, 0))
        lad_rows.extend(b.lad[lo:hi])
        lad_off[r + 1] = len(lad_rows)
    order = np.array(order if order is not None else [r.index for r in rules], np.int64)
    gi[12] = len(order)

    def table2(rows, width, dtype=np.int64):
        return np.array(rows, dtype).reshape(-1, width) if rows else np.zeros((1, width), dtype)

    def offsets(lists):
        return np.cumsum([0] + [len(x) for x in lists]).astype(np.int64)

    sets = b.sets or [[]]
    return Program(
        gi=gi, hol=table, t_derived=t_derived, t_hours=t_hours, slot=slot,
        par_off=np.array(par_off, np.int64), par_start=np.array(par_start or [0], np.int64),
        par_num=np.array(par_num or [0.0], np.float64), par_dur=table2(par_dur, 4),
        dur=table2(b.durs, 5),
        amt_kind=np.array([a[0] for a in b.amts] or [0], np.int64),
        amt_val=np.array([a[1] for a in b.amts] or [0.0], np.float64),
        amt_ref=np.array([a[2] for a in b.amts] or [0], np.int64),
        amt_ref2=np.array([a[3] for a in b.amts] or [0], np.int64),
        code=table2(b.code, 2), kconst=np.array(b.kconst or [0.0], np.float64),
        pred_off=np.array(b.pred_off, np.int64),
        set_off=offsets(sets), set_vals=np.array([v for s in sets for v in s] or [0.0], np.float64),
        tests=table2(b.tests, 8), st=table2(b.states, 4),
        clock_state=clock_state,
        rp=rp, eff=eff, until=table2(b.untils, 8), until_items=np.array(b.until_items or [0], np.int64),
        lad=table2(lad_rows, 6), lad_off=lad_off,
        sh=table2([s for x in sh for s in x], 8), sh_off=offsets(sh),
        exq=np.array([t for x in exq for t in x] or [0], np.int64), exq_off=offsets(exq),
        exc_off=offsets(exc), exc_q=np.array([q for x in exc for q in x] or [0], np.int64),
        q_slot=np.arange(len(types), n_matching, dtype=np.int64), t_slot=np.arange(len(types), dtype=np.int64),
        skip_types=np.array(b.skip_types or [0], np.int64), cause_code=cause_code,
        derived_types=np.array([b.type_id[t] for t in derived] or [0], np.int64), order=order,
        pred_dayfree=_dayfree(b))


def _dayfree(b: _Builder):
    """For each predicate: 1 when it reads only person facts and constants (its answer is the same on
    every day, so a person's is asked once), else 0."""
    out = []
    for q in range(len(b.pred_off) - 1):
        ops = {op for op, _ in b.code[b.pred_off[q]:b.pred_off[q + 1]]}
        out.append(int(b.pred_type[q] < 0 and not ops & {K.OP_PARAM, K.OP_AGE, K.OP_TEST, K.OP_FIELD}))
    return np.array(out or [0], np.int64)
