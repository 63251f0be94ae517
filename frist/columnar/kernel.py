"""The columnar engine's compiled evaluation: one person's rules, in the per-timeline engine's order.

Every function here is a numba ``njit`` function over three bundles of arrays:

* ``G``, the rule book as tables (:mod:`frist.columnar.program`): parameters with their versions,
  durations, amounts, predicates as a small stack code, and one row of slots per rule;
* ``E``, a partition's events in one table, sorted by person, type, date and place in the file, with
  each person's rows per type in ``E.toff``;
* ``S``, one person's working state: results, effects, claims, sanctions, derived events, and caches,
  in arrays reused from person to person (the counters are in ``S.n``).

Each evaluator mirrors its namesake in :mod:`frist.runtime.engine` step for step, on day numbers;
the differential test (``tests/test_columnar_engine.py``) holds the two equal instance by instance.
Dates are int64 day numbers (:mod:`frist.columnar.cdates`); ``NA`` is "no day" (Python's None).
"""

from __future__ import annotations

from ..optional import require
from . import cdates
from .cdates import NA as _NA32, AMBIGUOUS as _AMB32

np = require("numpy", "the columnar engine")
numba = require("numba", "the columnar engine")
# Without numba's reference counting: nothing here allocates (the working arrays are in ``S``), and
# counting the references of every array of the three bundles on every call would cost more than
# most of these functions do; without it, LLVM inlines the small ones.
njit = numba.njit(cache=True, nogil=True, _nrt=False)

NA = np.int64(_NA32)
AMBIGUOUS = np.int64(_AMB32)
FAR = np.int64(2 ** 40)  # an unbounded window's far end
SCALE = 1_000_000_000  # hours are added as whole billionths, exactly as the engine's decimals

# result statuses
FULFILLED, VIOLATED, PENDING, WAIVED, NOT_APPLICABLE, IN_FORCE, NOT_IN_FORCE = 0, 1, 2, 3, 4, 5, 6
# instance names (formatted in Python: frist.columnar.engine.instance_name)
NK_DASH, NK_EVENT, NK_RECUR, NK_WEEK, NK_WEEKS, NK_WEEKS_FROM, NK_STATE_FROM, NK_WITHIN, NK_NO, NK_PERIOD = range(10)
# evaluators
(FN_WINDOW_DUTY, FN_WINDOW_QUOTA, FN_RECURRING, FN_QUOTA, FN_TIME_BUDGET, FN_COUNT_BUDGET, FN_EACH_EVENT,
 FN_NEVER, FN_EACH_ENDS, FN_EACH_LASTS, FN_WEEKLY_HOURS, FN_PERIODIC_HOURS, FN_CONSUMPTION) = range(13)
# rule slots (G.I[G.o2[0] + rule, slot])
R_FN, R_APPLIES, R_ATYPE, R_AFIELD, R_AFIRST, R_APRED, R_LO, R_HI, R_CLOCK, R_BEFORE, R_BYFIELD = range(11)
R_TKIND, R_TTYPE, R_TPRED, R_COUNT, R_OP, R_STATE, R_WEEKS, R_WITHIN, R_UNIT, R_COND, R_FIRST_AFTER = range(11, 22)
R_WHICH, R_LTYPE, R_LPRED, R_SETTLE, R_EFFECT_RULE, R_EMITS, R_VFROM, R_VUNTIL, R_VON = range(22, 31)
TK_EVENT, TK_LATER, TK_FIELD = 0, 1, 2
# effects (G.I[G.o2[1] + rule, slot 0])
(EF_NONE, EF_REMINDER, EF_ASSESSMENT, EF_DEREG, EF_SUSPENSION, EF_ANCHOR_DAY, EF_WEEK, EF_DAYS_OFF, EF_QUARANTINE,
 EF_HOURS_OFF, EF_LOSS, EF_LADDER) = range(12)
# benefit effects (S.X)
X_SUSPENSION, X_DEREG, X_QUARANTINE, X_LOSS, X_DAYS_OFF = range(5)
# untils (G.I[G.o2[2] + u, slot 0])
U_EARLIEST, U_END, U_OPEN, U_OFFSET, U_FULFILLED, U_EVENT, U_HOURS, U_COUNT = range(8)
# predicate code
(OP_CONST, OP_FIELD, OP_FACT, OP_PARAM, OP_AGE, OP_EQ, OP_NE, OP_LT, OP_LE, OP_GT, OP_GE, OP_IN, OP_AND, OP_OR,
 OP_NOT, OP_TEST) = range(16)
TEST_OCCURS, TEST_LASTS, TEST_DURING, TEST_FIELD_BEFORE = range(4)
# counters (S.n)
N_RESULTS, N_EFFECTS, N_CLAIMS, N_SANCTIONS, N_SEQ, N_DAYS, N_ERR, N_ERR_RULE, N_ERR_ARG, N_ASOF, N_PERSON = range(11)
N_ANCHOR_DAY, N_RULE, N_OVERFLOW, N_ERR_ARG2 = 11, 12, 13, 14
N_EVER, N_UB_LO, N_UB_STAMP = 15, 16, 17  # the effects' version; the days-used bitmap's first day and version
# errors
ERR_AMBIGUOUS, ERR_FACT, ERR_OVERFLOW = 1, 2, 3
# reasons of benefit effects, for telling effects apart as the engine's reason texts do
RS_WHY, RS_WEEK, RS_DEREG_WHY, RS_DEREG_MISS, RS_DEREG_GRACE, RS_LOSS, RS_QUARANTINE, RS_HOURS, RS_DAY_OFF = range(9)
M1, I0, I1, I2 = -1, 0, 1, 2  # the small numbers passed to compiled functions

# Compiled code sees these as int64 values, not Python literals: a function called with a literal
# would be compiled once for each value (and such variants do not survive numba's cache).
for _name, _value in list(globals().items()):
    if _name.isupper() and type(_value) is int:
        globals()[_name] = np.int64(_value)


# ============================================================================ errors and buffers
@njit
def fail(S, code, arg):
    if S.n[N_ERR] == 0:
        S.n[N_ERR] = code
        S.n[N_ERR_RULE] = S.n[N_RULE]
        S.n[N_ERR_ARG] = arg


@njit
def failed(S):
    return S.n[N_ERR] != 0


# ============================================================================ parameters, amounts, durations
@njit
def param_version(G, p, at):
    """The index of the version of parameter ``p`` in force on ``at`` (the first when none is yet)."""
    lo, hi = G.V[G.o1[3] + p], G.V[G.o1[3] + p + 1]
    chosen = lo
    for v in range(lo, hi):
        if G.V[G.o1[4] + v] <= at:
            chosen = v
    return chosen


@njit
def param_num(G, p, at):
    return G.F[G.of[0] + param_version(G, p, at)]


@njit
def fact(G, E, S, f):
    return E.facts[S.n[N_PERSON], f]


@njit
def amount(G, E, S, a, at):
    kind = G.V[G.o1[5] + a]
    if kind == 0:
        return G.F[G.of[1] + a]
    if kind == 1:
        return param_num(G, G.V[G.o1[6] + a], at)
    share = G.F[G.of[1] + a] if kind == 2 else param_num(G, G.V[G.o1[7] + a], at)
    value = fact(G, E, S, G.V[G.o1[6] + a])
    if value != value:
        fail(S, ERR_FACT, G.V[G.o1[6] + a])
        return 0.0
    return round(share * value, 9)


@njit
def _shift1(G, S, day, amount_, unit, sign):
    if amount_ == 0 and unit < 0:
        return day
    got = cdates.shift(day, sign * amount_, unit, G.V[G.o1[0] + 0], G.V[G.o1[0] + 1], G.hol)
    if got == AMBIGUOUS:
        if S.n[N_ERR] == 0:
            S.n[N_ERR_ARG2] = sign * amount_ * (12 if unit == cdates.YEAR else 1)
        fail(S, ERR_AMBIGUOUS, day)
        return day
    return np.int64(got)


@njit
def duration_parts(G, d, at):
    """(a1, u1, a2, u2) of duration ``d`` on ``at`` (u2 < 0: one part)."""
    if G.I[G.o2[7] + d, 0] == 0:
        return G.I[G.o2[7] + d, 1], G.I[G.o2[7] + d, 2], G.I[G.o2[7] + d, 3], G.I[G.o2[7] + d, 4]
    v = param_version(G, G.I[G.o2[7] + d, 1], at)
    return G.I[G.o2[9] + v, 0], G.I[G.o2[9] + v, 1], G.I[G.o2[9] + v, 2], G.I[G.o2[9] + v, 3]


@njit
def shift_parts(G, S, day, a1, u1, a2, u2, sign):
    day = _shift1(G, S, day, a1, u1, sign)
    if u2 >= 0:
        day = _shift1(G, S, day, a2, u2, sign)
    return day


@njit
def shift_by(G, S, day, d, sign, at):
    """``ctx.shift(day, spec, at, sign)``: the parts in turn; parameters read on ``at``."""
    a1, u1, a2, u2 = duration_parts(G, d, at)
    return shift_parts(G, S, day, a1, u1, a2, u2, sign)


@njit
def shift(G, S, day, d, sign):
    return shift_by(G, S, day, d, sign, day)


# ============================================================================ events
@njit
def n_events(G, E, S, t):
    """The events of type ``t`` known on the check date (a derived type: those the rules made)."""
    if G.V[G.o1[1] + t] >= 0:
        return S.Z[S.oz[2] + G.V[G.o1[1] + t]]
    return S.Z[S.oz[0] + t]


@njit
def ev_date(G, E, S, t, i):
    k = G.V[G.o1[1] + t]
    if k >= 0:
        return S.D[k, i, 0]
    return np.int64(E.date[E.toff[S.n[N_PERSON], t] + i])


@njit
def ev_end(G, E, S, t, i):
    """The event's end day; NA for an event of one day (``Event.end`` None)."""
    if G.V[G.o1[1] + t] >= 0:
        return NA
    return np.int64(E.end[E.toff[S.n[N_PERSON], t] + i])


@njit
def ev_last(G, E, S, t, i):
    """``e.end or e.date``."""
    end = ev_end(G, E, S, t, i)
    return ev_date(G, E, S, t, i) if end == NA else end


@njit
def ev_field(G, E, S, t, i, fid):
    """``e.get(name)`` as a number (NaN: absent)."""
    if fid == G.V[G.o1[0] + 5]:  # `end`
        end = ev_end(G, E, S, t, i)
        return np.nan if end == NA else float(end)
    if fid == G.V[G.o1[0] + 9] or fid == G.V[G.o1[0] + 10]:  # `start`, `date`
        return float(ev_date(G, E, S, t, i))
    slot = G.I[G.o2[10] + t, fid]
    if slot < 0:
        return np.nan
    k = G.V[G.o1[1] + t]
    if k >= 0:
        return S.Dc[k, i] if slot == 0 else np.nan
    return E.fields[E.toff[S.n[N_PERSON], t] + i, slot]


@njit
def ev_day_field(G, E, S, t, i, fid):
    """A date field as a day number, NA when absent."""
    value = ev_field(G, E, S, t, i, fid)
    return NA if value != value else np.int64(value)


@njit
def ev_hours(G, E, S, t, i):
    """The event's ``hours`` in billionths (0 when it has none)."""
    if G.V[G.o1[1] + t] >= 0 or G.V[G.o1[2] + t] < 0:
        return np.int64(0)
    value = E.fields[E.toff[S.n[N_PERSON], t] + i, G.V[G.o1[2] + t]]
    if value != value:
        return np.int64(0)
    return np.int64(np.rint(value * SCALE))


@njit
def emit(G, E, S, t, day, rule, cause):
    """A derived event, after those of the same day (``ctx.emit``)."""
    k = G.V[G.o1[1] + t]
    n = S.Z[S.oz[2] + k]
    if n >= S.D.shape[1]:
        S.n[N_OVERFLOW] = 1
        return
    at = n
    while at > 0 and S.D[k, at - 1, 0] > day:
        at -= 1
    for j in range(n, at, -1):
        S.D[k, j, 0] = S.D[k, j - 1, 0]
        S.Dc[k, j] = S.Dc[k, j - 1]
        S.D[k, j, 1] = S.D[k, j - 1, 1]
    S.D[k, at, 0] = day
    S.Dc[k, at] = cause
    S.D[k, at, 1] = S.n[N_SEQ]
    S.n[N_SEQ] += 1
    S.Z[S.oz[2] + k] = n + 1
    S.Z[S.oz[1] + t] += 1


# ============================================================================ predicates
@njit
def _cmp(op, a, b):
    if op == OP_EQ:
        return a == b
    if op == OP_NE:
        return a != b
    if op == OP_LT:
        return a < b
    if op == OP_LE:
        return a <= b
    if op == OP_GT:
        return a > b
    return a >= b


@njit
def age_at(G, E, S, t, day):
    """``ctx.age_at``: age on the date of the last event of ``t`` on or before ``day`` (else its first,
    else ``day``)."""
    n = n_events(G, E, S, t)
    on = day
    if n > 0:
        i = upper(G, E, S, t, day) - 1
        on = ev_date(G, E, S, t, i if i >= 0 else 0)
    birth = fact(G, E, S, G.V[G.o1[0] + 4])
    if birth != birth:
        fail(S, ERR_FACT, G.V[G.o1[0] + 4])
        return 0
    return cdates.age_on(np.int64(birth), on)


@njit
def pred(G, E, S, q, t, i, day):
    """Predicate ``q`` on event ``i`` of type ``t`` (``t`` < 0: on ``day``, for person conditions)."""
    stack = S.PS
    sp = 0
    at = day if t < 0 else ev_date(G, E, S, t, i)
    for pc in range(G.V[G.o1[8] + q], G.V[G.o1[8] + q + 1]):
        op, arg = G.I[G.o2[8] + pc, 0], G.I[G.o2[8] + pc, 1]
        if op == OP_CONST:
            stack[sp] = G.F[G.of[2] + arg]
            sp += 1
        elif op == OP_FIELD:
            stack[sp] = ev_field(G, E, S, t, i, arg)
            sp += 1
        elif op == OP_FACT:
            stack[sp] = fact(G, E, S, arg)
            sp += 1
        elif op == OP_PARAM:
            stack[sp] = param_num(G, arg, at)
            sp += 1
        elif op == OP_AGE:
            stack[sp] = age_at(G, E, S, arg, day)
            sp += 1
        elif op <= OP_GE:
            sp -= 1
            stack[sp - 1] = 1.0 if _cmp(op, stack[sp - 1], stack[sp]) else 0.0
        elif op == OP_IN:
            value, found = stack[sp - 1], 0.0
            for j in range(G.V[G.o1[9] + arg], G.V[G.o1[9] + arg + 1]):
                if G.F[G.of[3] + j] == value:
                    found = 1.0
            stack[sp - 1] = found
        elif op == OP_AND or op == OP_OR:
            result = 1.0 if op == OP_AND else 0.0
            for _ in range(arg):
                sp -= 1
                if op == OP_AND and stack[sp] == 0.0:
                    result = 0.0
                if op == OP_OR and stack[sp] != 0.0:
                    result = 1.0
            stack[sp] = result
            sp += 1
        elif op == OP_NOT:
            stack[sp - 1] = 1.0 if stack[sp - 1] == 0.0 else 0.0
        else:  # OP_TEST: only field_before reaches an event's predicate
            stack[sp] = 1.0 if field_before(G, E, S, arg, t, i) else 0.0
            sp += 1
    return stack[0] != 0.0


@njit
def field_before(G, E, S, test, t, i):
    first = ev_day_field(G, E, S, t, i, G.I[G.o2[5] + test, 1])
    other = G.I[G.o2[5] + test, 3]
    second = S.n[N_ANCHOR_DAY] if other < 0 else ev_day_field(G, E, S, t, i, other)
    if first == NA or second == NA:
        return False
    return first <= shift(G, S, second, G.I[G.o2[5] + test, 2], M1)


@njit
def matches(G, E, S, t, q, i):
    return q < 0 or pred(G, E, S, q, t, i, I0)


# ============================================================================ matching events, searched by date
@njit
def _matching(G, E, S, t, q):
    """The slot of ``S.M`` listing the events of ``t`` that match ``q`` (``ctx.matching``), made once
    per version of the type's events (a derived event changes it)."""
    slot = G.V[G.o1[18] + q] if q >= 0 else G.V[G.o1[19] + t]
    if S.Z[S.oz[9] + slot] == S.Z[S.oz[1] + t]:
        return slot
    n = n_events(G, E, S, t)
    if n > S.M.shape[1]:
        S.n[N_OVERFLOW] = 1
        n = S.M.shape[1]
    k = 0
    reach = NA
    for i in range(n):
        if q < 0 or pred(G, E, S, q, t, i, I0):
            S.M[slot, k, 0] = i
            S.M[slot, k, 1] = ev_date(G, E, S, t, i)
            last = ev_last(G, E, S, t, i)
            reach = last if reach == NA or last > reach else reach
            S.M[slot, k, 2] = reach
            k += 1
    S.Z[S.oz[8] + slot] = k
    S.Z[S.oz[9] + slot] = S.Z[S.oz[1] + t]
    return slot


@njit
def _lower(S, slot, day):
    """The first position in a matching list dated on or after ``day``."""
    lo, hi = 0, S.Z[S.oz[8] + slot]
    while lo < hi:
        mid = (lo + hi) // 2
        if S.M[slot, mid, 1] < day:
            lo = mid + 1
        else:
            hi = mid
    return lo


@njit
def _upper(S, slot, day):
    """The first position in a matching list dated after ``day``."""
    lo, hi = 0, S.Z[S.oz[8] + slot]
    while lo < hi:
        mid = (lo + hi) // 2
        if S.M[slot, mid, 1] <= day:
            lo = mid + 1
        else:
            hi = mid
    return lo


@njit
def upper(G, E, S, t, day):
    """The number of events of ``t`` dated on or before ``day`` (searched in the events themselves:
    predicates read this, so it must not go through :func:`_matching`, which reads predicates)."""
    lo, hi = 0, n_events(G, E, S, t)
    while lo < hi:
        mid = (lo + hi) // 2
        if ev_date(G, E, S, t, mid) <= day:
            lo = mid + 1
        else:
            hi = mid
    return lo


@njit
def first_between(G, E, S, t, q, lo, hi):
    """The first event of ``t`` matching ``q`` dated in [lo, hi] (NA: unbounded), or -1."""
    slot = _matching(G, E, S, t, q)
    j = 0 if lo == NA else _lower(S, slot, lo)
    if j < S.Z[S.oz[8] + slot] and (hi == NA or S.M[slot, j, 1] <= hi):
        return S.M[slot, j, 0]
    return -1


@njit
def first_other(G, E, S, t, q, lo, hi, skip):
    slot = _matching(G, E, S, t, q)
    j = 0 if lo == NA else _lower(S, slot, lo)
    while j < S.Z[S.oz[8] + slot] and (hi == NA or S.M[slot, j, 1] <= hi):
        if S.M[slot, j, 0] != skip:
            return S.M[slot, j, 0]
        j += 1
    return -1


@njit
def count_between(G, E, S, t, q, lo, hi):
    slot = _matching(G, E, S, t, q)
    i = 0 if lo == NA else _lower(S, slot, lo)
    j = S.Z[S.oz[8] + slot] if hi == NA else _upper(S, slot, hi)
    return max(j - i, 0)


@njit
def range_between(G, E, S, t, q, lo, hi):
    """(slot, i, j): the matching events in [lo, hi] are ``S.M[slot, i:j, 0]``."""
    slot = _matching(G, E, S, t, q)
    i = 0 if lo == NA else _lower(S, slot, lo)
    j = S.Z[S.oz[8] + slot] if hi == NA else _upper(S, slot, hi)
    return slot, i, max(i, j)


@njit
def hours_between(G, E, S, t, q, lo, hi):
    """``hours_of(ctx.between(...))`` in billionths."""
    slot, i, j = range_between(G, E, S, t, q, lo, hi)
    total = np.int64(0)
    for k in range(i, j):
        total += ev_hours(G, E, S, t, S.M[slot, k, 0])
    return total


@njit
def covered(G, E, S, t, q, day):
    slot = _matching(G, E, S, t, q)
    i = _upper(S, slot, day)
    return i > 0 and S.M[slot, i - 1, 2] >= day


@njit
def last_before(G, E, S, t, day):
    """The last event of ``t`` dated on or before ``day``, or -1."""
    return upper(G, E, S, t, day) - 1


@njit
def anchor_on(G, E, S, atype, afirst, apred, day):
    slot = _matching(G, E, S, atype, apred)
    if afirst:
        return S.M[slot, 0, 0] if S.Z[S.oz[8] + slot] > 0 else -1
    i = _upper(S, slot, day)
    return S.M[slot, i - 1, 0] if i else -1


@njit
def anchors(G, E, S, atype, afirst, apred):
    """(slot, count) of the anchor events (``anchor_events``): the first only, or all."""
    slot = _matching(G, E, S, atype, apred)
    n = S.Z[S.oz[8] + slot]
    return slot, (min(n, 1) if afirst else n)


# ============================================================================ states, spells and clocks
@njit
def spells(G, E, S, s):
    """Make the spells of state ``s`` (``ctx.spells``) if they are not made; they are
    ``S.SP[s, :S.Z[S.oz[6] + s], 0]`` and ``S.SP`` (NA: open)."""
    if S.Z[S.oz[7] + s]:
        return
    p = S.n[N_PERSON]
    cap = S.SP.shape[1]
    k = 0
    if G.I[G.o2[6] + s, 0] == 1:  # a period event type: every event in the timeline, merged where they touch
        t = G.I[G.o2[6] + s, 1]
        for r in range(E.toff[p, t], E.toff[p, t + 1]):
            day, end = np.int64(E.date[r]), np.int64(E.end[r])
            if k > 0 and S.SP[s, k - 1, 1] != NA and day <= S.SP[s, k - 1, 1] + 1:
                S.SP[s, k - 1, 1] = max(S.SP[s, k - 1, 1], end)
            elif k < cap:
                S.SP[s, k, 0] = day
                S.SP[s, k, 1] = end
                k += 1
            else:
                S.n[N_OVERFLOW] = 1
    else:
        ta, tb = G.I[G.o2[6] + s, 1], G.I[G.o2[6] + s, 2]
        ia, ib = E.toff[p, ta], E.toff[p, tb]
        na, nb = E.toff[p, ta + 1], E.toff[p, tb + 1]
        sanctioned = G.I[G.o2[6] + s, 3] == 1
        ns = S.n[N_SANCTIONS] if sanctioned else 0
        # the sanctions, sorted (few): merged as ends with the ends of the timeline
        _sort_sanctions(S, ns)
        order = S.SN2
        isn = 0
        open_at = NA
        while ia < na or ib < nb or isn < ns:
            # marks sorted by (day, is_start): ends of a day come before its starts
            day_a = np.int64(E.date[ia]) if ia < na else FAR
            day_b = np.int64(E.date[ib]) if ib < nb else FAR
            day_s = order[isn] if isn < ns else FAR
            end_day = min(day_b, day_s)
            if end_day <= day_a:
                day = end_day
                if day_b == end_day and ib < nb:
                    ib += 1
                else:
                    isn += 1
                if open_at != NA:
                    if day > open_at:
                        if k < cap:
                            S.SP[s, k, 0] = open_at
                            S.SP[s, k, 1] = day - 1
                            k += 1
                        else:
                            S.n[N_OVERFLOW] = 1
                    open_at = NA
            else:
                day = day_a
                ia += 1
                if open_at != NA and open_at < day:
                    if k < cap:
                        S.SP[s, k, 0] = open_at
                        S.SP[s, k, 1] = day - 1
                        k += 1
                    else:
                        S.n[N_OVERFLOW] = 1
                if open_at == NA or open_at < day:
                    open_at = day
        if open_at != NA:
            if k < cap:
                S.SP[s, k, 0] = open_at
                S.SP[s, k, 1] = NA
                k += 1
            else:
                S.n[N_OVERFLOW] = 1
    S.Z[S.oz[6] + s] = k
    S.Z[S.oz[7] + s] = 1


@njit
def _sort_sanctions(S, ns):
    """The sanction days in order into ``S.SN2`` (few: an insertion sort)."""
    out = S.SN2
    for k in range(ns):
        day = S.sn[k]
        j = k
        while j > 0 and out[j - 1] > day:
            out[j] = out[j - 1]
            j -= 1
        out[j] = day


@njit
def spell_index(G, E, S, s, day):
    """The last spell of ``s`` starting on or before ``day``, or -1."""
    spells(G, E, S, s)
    lo, hi = 0, S.Z[S.oz[6] + s]
    while lo < hi:
        mid = (lo + hi) // 2
        if S.SP[s, mid, 0] <= day:
            lo = mid + 1
        else:
            hi = mid
    return lo - 1


@njit
def in_state(G, E, S, s, day):
    i = spell_index(G, E, S, s, day)
    return i >= 0 and (S.SP[s, i, 1] == NA or day <= S.SP[s, i, 1])


@njit
def clock_shift(G, E, S, c, day, d):
    """``ctx.clock_shift``: the day on which ``d`` of the clock has run since ``day``, NA until then."""
    a1, u1, a2, u2 = duration_parts(G, d, day)
    return clock_shift_parts(G, E, S, c, day, a1, u1, a2, u2)


@njit
def clock_shift_parts(G, E, S, c, day, a1, u1, a2, u2):
    needed = shift_parts(G, S, day, a1, u1, a2, u2, I1) - day
    s = G.V[G.o1[10] + c]
    spells(G, E, S, s)
    for k in range(S.Z[S.oz[6] + s]):
        start, end = S.SP[s, k, 0], S.SP[s, k, 1]
        if end != NA and end < day:
            continue
        start = max(start, day)
        if end == NA or needed <= end - start + 1:
            return start + needed
        needed -= end - start + 1
    return NA


@njit
def offset(G, E, S, day, d, c):
    if c < 0:
        return shift(G, S, day, d, I1)
    return clock_shift(G, E, S, c, day, d)


@njit
def sanction(G, E, S, day):
    """A rule deregistered the person from ``day``: ``registered`` ends there for every rule."""
    n = S.n[N_SANCTIONS]
    for k in range(n):
        if S.sn[k] == day:
            return
    if n >= S.sn.shape[0]:
        S.n[N_OVERFLOW] = 1
        return
    S.sn[n] = day
    S.n[N_SANCTIONS] = n + 1
    S.n[N_EVER] += 1
    S.Z[S.oz[7] + G.V[G.o1[0] + 2]] = 0


# ============================================================================ validity and applicability
@njit
def valid(G, E, S, r, day):
    start, until, on = G.I[G.o2[0] + r, R_VFROM], G.I[G.o2[0] + r, R_VUNTIL], G.I[G.o2[0] + r, R_VON]
    if start == NA and until == NA:
        return True
    if on == 1:
        i = last_before(G, E, S, G.V[G.o1[0] + 3], day)
        if i >= 0:
            day = ev_date(G, E, S, G.V[G.o1[0] + 3], i)
    return (start == NA or start <= day) and (until == NA or day < until)


@njit
def applies(G, E, S, r, day):
    """``applies`` on ``day``; a condition on facts alone is asked once a person."""
    q = G.I[G.o2[0] + r, R_APPLIES]
    if q < 0:
        return True
    if G.V[G.o1[23] + q] == 0:
        return pred(G, E, S, q, M1, I0, day)
    known = S.Z[S.oz[11] + q]
    if known < 0:
        known = 1 if pred(G, E, S, q, M1, I0, day) else 0
        S.Z[S.oz[11] + q] = known
    return known == 1


@njit
def covers(G, E, S, r, day):
    return valid(G, E, S, r, day) and applies(G, E, S, r, day)


# ============================================================================ results
@njit
def add_result(S, r, status, nk, a, b, c, deadline):
    """Append an instance of rule ``r``; its index (all writes go to a spare row when full)."""
    k = S.n[N_RESULTS]
    if k >= S.R.shape[0] - 1:
        S.n[N_OVERFLOW] = 1
        k = S.R.shape[0] - 1
    else:
        S.n[N_RESULTS] = k + 1
    S.R[k, 0] = r
    S.R[k, 1] = status
    S.R[k, 2] = nk
    S.R[k, 3] = a
    S.R[k, 4] = b
    S.R[k, 5] = c
    S.R[k, 6] = deadline
    S.R[k, 7] = NA
    S.R[k, 8] = NA
    return k


@njit
def action_from(S, k, day):
    """An action of result ``k`` starting on ``day`` (``in_force_from`` takes the first)."""
    if day != NA and (S.R[k, 8] == NA or day < S.R[k, 8]):
        S.R[k, 8] = day


@njit
def not_applicable(S, r):
    add_result(S, r, NOT_APPLICABLE, NK_DASH, I0, I0, I0, NA)


# ============================================================================ benefit effects and claims
@njit
def add_effect(S, kind, start, end, r, rs, rn, during):
    S.n[N_EVER] += 1
    k = S.n[N_EFFECTS]
    if k >= S.X.shape[0]:
        S.n[N_OVERFLOW] = 1
        return -1
    S.X[k, 0] = kind
    S.X[k, 1] = start
    S.X[k, 2] = end
    S.X[k, 3] = r
    S.X[k, 4] = rs
    S.X[k, 5] = rn
    S.X[k, 6] = during
    S.X[k, 7] = -1
    S.X[k, 8] = 0
    S.n[N_EFFECTS] = k + 1
    return k


@njit
def add_claim(S, kind, start, needed, limit, r, result, lapsed, skip_off, skip_n, rs):
    k = S.n[N_CLAIMS]
    if k >= S.C.shape[0]:
        S.n[N_OVERFLOW] = 1
        return
    S.C[k, 0] = kind
    S.C[k, 1] = start
    S.C[k, 2] = needed
    S.C[k, 3] = limit
    S.C[k, 4] = r
    S.C[k, 5] = result
    S.C[k, 6] = lapsed
    S.C[k, 7] = skip_off
    S.C[k, 8] = skip_n
    S.C[k, 9] = rs
    S.C[k, 10] = NA
    S.n[N_CLAIMS] = k + 1


@njit
def deregister(G, E, S, r, k, day, rs, rn):
    """``deregister``: until the next registration on or after ``day``."""
    back = first_between(G, E, S, G.V[G.o1[0] + 3], M1, day, NA)
    end = ev_date(G, E, S, G.V[G.o1[0] + 3], back) - 1 if back >= 0 else NA
    action_from(S, k, day)
    add_effect(S, X_DEREG, day, end, r, rs, rn, M1)
    sanction(G, E, S, day)


# ============================================================================ exceptions
@njit
def occurs(G, E, S, test, t, i):
    """``occurs``: a matching event in the window before or after the anchor (``t``, ``i``)."""
    day = ev_date(G, E, S, t, i)
    ot, oq, lo_d, hi_d, after, strict = (G.I[G.o2[5] + test, 1], G.I[G.o2[5] + test, 2], G.I[G.o2[5] + test, 3], G.I[G.o2[5] + test, 4],
                                         G.I[G.o2[5] + test, 5], G.I[G.o2[5] + test, 6])
    if after == 0:
        far = NA if hi_d < 0 else shift(G, S, day, hi_d, M1)
        near = day if lo_d < 0 else shift(G, S, day, lo_d, M1)
        lo = far + 1 if (strict and far != NA) else far
        hi = near
    else:
        far = NA if hi_d < 0 else shift(G, S, day, hi_d, I1)
        near = day if lo_d < 0 else shift(G, S, day, lo_d, I1)
        lo = near
        hi = far - 1 if (strict and far != NA) else far
    slot, a, b = range_between(G, E, S, ot, oq, lo, hi)
    for j in range(a, b):
        if ot != t or S.M[slot, j, 0] != i:
            return True
    return False


@njit
def during(G, E, S, test, t, i):
    day = ev_date(G, E, S, t, i)
    dt, dq, by_anchor = G.I[G.o2[5] + test, 1], G.I[G.o2[5] + test, 2], G.I[G.o2[5] + test, 3]
    if dt < 0:  # a state: it holds on the anchor's day
        return in_state(G, E, S, G.I[G.o2[5] + test, 4], day)
    if not by_anchor:
        return covered(G, E, S, dt, dq, day)
    slot = _matching(G, E, S, dt, M1)
    S.n[N_ANCHOR_DAY] = day
    for j in range(_upper(S, slot, day) - 1, -1, -1):
        if S.M[slot, j, 2] < day:
            return False
        e = S.M[slot, j, 0]
        if ev_last(G, E, S, dt, e) >= day and pred(G, E, S, dq, dt, e, I0):
            return True
    return False


@njit
def exception_holds(G, E, S, q, t, i):
    """An exception (a predicate on the anchor: and / or / not of tests)."""
    stack = S.ES
    sp = 0
    for pc in range(G.V[G.o1[8] + q], G.V[G.o1[8] + q + 1]):
        op, arg = G.I[G.o2[8] + pc, 0], G.I[G.o2[8] + pc, 1]
        if op == OP_TEST:
            kind = G.I[G.o2[5] + arg, 0]
            if kind == TEST_OCCURS:
                held = occurs(G, E, S, arg, t, i)
            elif kind == TEST_DURING:
                held = during(G, E, S, arg, t, i)
            else:  # lasts at most
                end = ev_last(G, E, S, t, i)
                held = end <= shift(G, S, ev_date(G, E, S, t, i), G.I[G.o2[5] + arg, 1], I1) - 1
            stack[sp] = 1.0 if held else 0.0
            sp += 1
        elif op == OP_NOT:
            stack[sp - 1] = 1.0 - stack[sp - 1]
        else:  # and / or of the last ``arg``
            result = 1.0 if op == OP_AND else 0.0
            for _ in range(arg):
                sp -= 1
                if op == OP_AND and stack[sp] == 0.0:
                    result = 0.0
                if op == OP_OR and stack[sp] != 0.0:
                    result = 1.0
            stack[sp] = result
            sp += 1
    return stack[0] != 0.0


@njit
def waived(G, E, S, r, t, i):
    for j in range(G.V[G.o1[16] + r], G.V[G.o1[16] + r + 1]):
        if exception_holds(G, E, S, G.V[G.o1[17] + j], t, i):
            return True
    return False


# ============================================================================ the end of an effect
@njit
def trailing_first(G, E, S, t, slot, i, within):
    """The first position (of a matching list) inside the ``within`` ending on position ``i``'s day."""
    horizon = shift(G, S, S.M[slot, i, 1], within, M1)
    return _upper(S, slot, horizon)


@njit
def first_reached(G, E, S, u, count_from, not_before):
    """``Accumulation.first_reached``: the day before the first X (on or after ``not_before``) at which
    the hours (or the number) of Xs within D ending with it, counted from ``count_from``, reach N."""
    a, t, q, within, op, hours = (G.I[G.o2[2] + u, 1], G.I[G.o2[2] + u, 2], G.I[G.o2[2] + u, 3], G.I[G.o2[2] + u, 4], G.I[G.o2[2] + u, 5],
                                  G.I[G.o2[2] + u, 0] == U_HOURS)
    slot = _matching(G, E, S, t, q)
    n = S.Z[S.oz[8] + slot]
    s = _lower(S, slot, count_from)
    i = max(s, _lower(S, slot, not_before))
    while i < n:
        first = max(trailing_first(G, E, S, t, slot, i, within), s)
        total = np.int64(0)
        for j in range(first, i + 1):
            total += ev_hours(G, E, S, t, S.M[slot, j, 0]) if hours else SCALE
        need = np.int64(np.rint(amount(G, E, S, a, S.M[slot, i, 1]) * SCALE))
        if (total > need) if op == 1 else (total >= need):
            return S.M[slot, i, 1] - 1
        i += 1
    return NA


@njit
def until(G, E, S, u, start, late, anchor_end, anchor_date):
    """``_until``: the last day of an effect (NA: not over by the check date); ``earliest`` of
    several is one level deep (:mod:`frist.columnar.program` refuses more)."""
    if G.I[G.o2[2] + u, 0] != U_EARLIEST:
        return _until_one(G, E, S, u, start, late, anchor_end, anchor_date)
    best = NA
    for j in range(G.I[G.o2[2] + u, 1], G.I[G.o2[2] + u, 1] + G.I[G.o2[2] + u, 2]):
        end = _until_one(G, E, S, G.V[G.o1[11] + j], start, late, anchor_end, anchor_date)
        if end != NA and (best == NA or end < best):
            best = end
    return best


@njit
def _until_one(G, E, S, u, start, late, anchor_end, anchor_date):
    kind = G.I[G.o2[2] + u, 0]
    if kind == U_END:
        return anchor_end
    if kind == U_OPEN:
        return NA
    if kind == U_OFFSET:
        t = G.I[G.o2[2] + u, 2]
        e = last_before(G, E, S, t, start)
        if e < 0:
            e = first_between(G, E, S, t, M1, start, NA)
        return NA if e < 0 else shift(G, S, ev_date(G, E, S, t, e), G.I[G.o2[2] + u, 1], I1) - 1
    if kind == U_FULFILLED:
        return late - 1 if late != NA else NA
    if kind == U_EVENT:
        hit = first_between(G, E, S, G.I[G.o2[2] + u, 1], G.I[G.o2[2] + u, 2], start, NA)
        return ev_date(G, E, S, G.I[G.o2[2] + u, 1], hit) - 1 if hit >= 0 else NA
    since = G.I[G.o2[2] + u, 6]
    if since == 0:
        count_from = start
    elif since == 1:
        count_from = anchor_date if anchor_date != NA else start
    else:
        st = G.I[G.o2[2] + u, 7]
        e = last_before(G, E, S, st, start)
        count_from = ev_date(G, E, S, st, e) if e >= 0 else start
    return first_reached(G, E, S, u, count_from, start)


@njit
def lapse(G, E, S, r, anchor_date, imposed):
    """``_lapse``: the day a quarantine lapses."""
    day = shift(G, S, anchor_date, G.I[G.o2[1] + r, 2], I1)
    t = G.I[G.o2[1] + r, 4]
    if t >= 0:
        need = np.int64(np.rint(amount(G, E, S, G.I[G.o2[1] + r, 3], imposed) * SCALE))
        slot, i, j = range_between(G, E, S, t, G.I[G.o2[1] + r, 5], imposed, day)
        total = np.int64(0)
        for k in range(i, j):
            total += ev_hours(G, E, S, t, S.M[slot, k, 0])
            if total >= need:
                day = min(day, S.M[slot, k, 1] + 1)
                break
    return day


# ============================================================================ consequences
@njit
def apply_ladder(G, E, S, r, k, violated, tt, tq):
    """``apply_ladder``: the step of the ladder for this miss; the day the chain goes on from, or NA
    when the spell's duty ends."""
    lo, hi = G.V[G.o1[12] + r], G.V[G.o1[12] + r + 1]
    n = S.Z[S.oz[3] + r]
    number = n + 1
    step = -1
    for j in range(lo, hi):
        if G.I[G.o2[3] + j, 0] <= number:
            step = j
    if step >= 0 and G.I[G.o2[3] + step, 2] >= 0:
        after = G.I[G.o2[3] + step, 3]
        if n >= after and violated > shift(G, S, S.ms[r, after - 1], G.I[G.o2[3] + step, 2], I1):
            n = 0
            number, step = 1, lo
    if n < S.ms.shape[1]:
        S.ms[r, n] = violated
        S.Z[S.oz[3] + r] = n + 1
    else:
        S.n[N_OVERFLOW] = 1
    if G.I[G.o2[3] + step, 1] == 1:
        deregister(G, E, S, r, k, violated, RS_DEREG_MISS, number)
        return NA
    if G.I[G.o2[3] + step, 5] < 0:
        return violated - 1
    grace_end = shift(G, S, violated - 1, G.I[G.o2[3] + step, 5], I1)
    hit = first_between(G, E, S, tt, tq, violated, grace_end) if tt >= 0 else -1
    if hit >= 0:
        return ev_date(G, E, S, tt, hit)
    if S.n[N_ASOF] <= grace_end:
        return NA
    deregister(G, E, S, r, k, grace_end + 1, RS_DEREG_GRACE, number)
    return NA


@njit
def apply_effect(G, E, S, r, k, anchor_date, late, violation, anchor_end, at, ai):
    """``apply_effect``: rule ``r``'s consequence for its broken result ``k``; (``at``, ``ai``) the
    event that anchors it (``at`` < 0: none)."""
    kind = G.I[G.o2[1] + r, 0]
    day = violation if violation != NA else S.R[k, 7]
    if kind == EF_NONE or kind == EF_REMINDER or kind == EF_ASSESSMENT:
        return
    if kind == EF_DEREG:
        deregister(G, E, S, r, k, day, RS_DEREG_WHY, I0)
        return
    if kind == EF_SUSPENSION:
        start_at = G.I[G.o2[1] + r, 2]
        start = day
        if start_at == 1 and anchor_date != NA:
            start = anchor_date
        elif start_at == 2 and S.R[k, 6] != NA:
            start = S.R[k, 6]
        end = until(G, E, S, G.I[G.o2[1] + r, 3], start, late, anchor_end, anchor_date)
        add_effect(S, X_SUSPENSION, start, end, r, RS_WHY, I0, G.I[G.o2[1] + r, 1])
        action_from(S, k, start)
        return
    if kind == EF_ANCHOR_DAY:
        add_effect(S, X_SUSPENSION, anchor_date, anchor_date, r, RS_WHY, I0, M1)
        action_from(S, k, anchor_date)
        return
    if kind == EF_WEEK:
        start = cdates.week_start(day)
        add_effect(S, X_SUSPENSION, start, start + 6, r, RS_WEEK, I0, M1)
        action_from(S, k, start)
        return
    if kind == EF_DAYS_OFF:
        needed = amount(G, E, S, G.I[G.o2[1] + r, 1], day)
        add_claim(S, X_DAYS_OFF, day, np.int64(np.ceil(needed)), S.n[N_ASOF], r, k, NA, I0, I0, RS_DAY_OFF)
        return
    if kind == EF_QUARANTINE or kind == EF_HOURS_OFF:
        a = G.I[G.o2[1] + r, 1]
        if G.V[G.o1[5] + a] == 4:  # hours the anchoring event carries
            hours = ev_field(G, E, S, at, ai, G.V[G.o1[6] + a]) if at >= 0 else np.nan
            if hours != hours or hours == 0:
                hours = 0.0
        else:
            hours = amount(G, E, S, a, day)
        per_day = param_num(G, G.V[G.o1[0] + 6], day)
        limit, lapsed = S.n[N_ASOF], NA
        if G.I[G.o2[1] + r, 2] >= 0:
            lapsed = lapse(G, E, S, r, anchor_date, day)
            limit = min(limit, lapsed - 1)
        if kind == EF_HOURS_OFF:
            if G.I[G.o2[1] + r, 6] >= 0:
                hours = min(hours, amount(G, E, S, G.I[G.o2[1] + r, 6], day))
            needed = np.int64(np.floor(hours / per_day + 1e-9))
            add_claim(S, X_DAYS_OFF, day, needed, limit, r, k, lapsed, G.I[G.o2[1] + r, 7], G.I[G.o2[1] + r, 8], RS_HOURS)
            return
        needed = np.int64(np.ceil(hours / per_day - 1e-9))
        t = G.I[G.o2[0] + r, R_EMITS]
        cause = G.F[G.of[4] + (G.V[G.o1[1] + t]) * G.V[G.o1[0] + 11] + at] if at >= 0 else np.nan
        emit(G, E, S, t, day, r, cause)
        add_claim(S, X_QUARANTINE, day, needed, limit, r, k, lapsed, I0, I0, RS_QUARANTINE)
        return
    if kind == EF_LOSS:
        end = until(G, E, S, G.I[G.o2[1] + r, 3], day, late, anchor_end, anchor_date)
        add_effect(S, X_LOSS, day, end, r, RS_LOSS, I0, M1)
        action_from(S, k, day)
        return
    # EF_LADDER
    apply_ladder(G, E, S, r, k, day, M1, M1)


@njit
def judge(G, E, S, r, k, hi, late, anchor_date, anchor_end):
    """``_judge``: pending while the deadline is to come (or unknown), violated after it."""
    if hi == NA or S.n[N_ASOF] <= hi:
        S.R[k, 1] = PENDING
        return
    S.R[k, 1] = VIOLATED
    S.R[k, 7] = hi + 1
    apply_effect(G, E, S, r, k, anchor_date, late, NA, anchor_end, M1, I0)


# ============================================================================ evaluators
@njit
def _anchor_list(G, E, S, r, out):
    """The rule's anchor events (``anchor_events``) copied into ``out`` (a derived event may change the
    matching list while they are judged); their number."""
    slot, n = anchors(G, E, S, G.I[G.o2[0] + r, R_ATYPE], G.I[G.o2[0] + r, R_AFIRST], G.I[G.o2[0] + r, R_APRED])
    for j in range(n):
        out[j] = S.M[slot, j, 0]
    return n


@njit
def _event_list(G, E, S, t, q, out):
    slot = _matching(G, E, S, t, q)
    n = S.Z[S.oz[8] + slot]
    for j in range(n):
        out[j] = S.M[slot, j, 0]
    return n


@njit
def window_duty(G, E, S, r):
    at, af, lo_d, hi_d, c = G.I[G.o2[0] + r, R_ATYPE], G.I[G.o2[0] + r, R_AFIELD], G.I[G.o2[0] + r, R_LO], G.I[G.o2[0] + r, R_HI], G.I[G.o2[0] + r, R_CLOCK]
    before, by_field = G.I[G.o2[0] + r, R_BEFORE] == 1, G.I[G.o2[0] + r, R_BYFIELD] == 1
    tk, tt, tq = G.I[G.o2[0] + r, R_TKIND], G.I[G.o2[0] + r, R_TTYPE], G.I[G.o2[0] + r, R_TPRED]
    as_of = S.n[N_ASOF]
    found = False
    for ja in range(_anchor_list(G, E, S, r, S.W1)):
        ai = S.W1[ja]
        day = ev_date(G, E, S, at, ai)
        if af >= 0 and ev_day_field(G, E, S, at, ai, af) == NA:
            continue
        if not covers(G, E, S, r, day):
            continue
        found = True
        if by_field:
            lo = day
            hi = ev_day_field(G, E, S, at, ai, af) if af >= 0 else day
        elif before:
            lo = NA
            hi = shift(G, S, day, hi_d, M1)
        else:
            base = ev_day_field(G, E, S, at, ai, af) if af >= 0 else day
            lo = base if lo_d < 0 else offset(G, E, S, base, lo_d, c)
            hi = offset(G, E, S, base, hi_d, c)
        k = add_result(S, r, PENDING, NK_EVENT, at, day, I0, hi)
        if waived(G, E, S, r, at, ai):
            S.R[k, 1] = WAIVED
            continue
        late = NA
        if tk == TK_FIELD:
            value = ev_day_field(G, E, S, at, ai, tt)
            floor = NA if (before or by_field or lo_d < 0) else lo
            if value != NA and value <= as_of:
                if (hi == NA or value <= hi) and (floor == NA or value >= floor):
                    S.R[k, 1] = FULFILLED
                else:
                    late = value
        elif before or lo != NA:
            skip = first_between(G, E, S, tt, tq, day, NA) if tk == TK_LATER else -1
            hit = first_other(G, E, S, tt, tq, lo, hi, skip)
            if hit >= 0:
                S.R[k, 1] = FULFILLED
            elif hi != NA:
                after = first_other(G, E, S, tt, tq, hi + 1, NA, skip)
                late = ev_date(G, E, S, tt, after) if after >= 0 else NA
        if S.R[k, 1] != FULFILLED:
            judge(G, E, S, r, k, hi, late, day, ev_end(G, E, S, at, ai))
        if failed(S):
            return
    if not found:
        not_applicable(S, r)


@njit
def reaches(count, need, op):
    return count > need if op == 1 else count >= need


@njit
def exceeds(count, cap, op):
    return count >= cap if op == 1 else count > cap


@njit
def window_quota(G, E, S, r):
    at, lo_d, hi_d, c = G.I[G.o2[0] + r, R_ATYPE], G.I[G.o2[0] + r, R_LO], G.I[G.o2[0] + r, R_HI], G.I[G.o2[0] + r, R_CLOCK]
    tt, tq, op = G.I[G.o2[0] + r, R_TTYPE], G.I[G.o2[0] + r, R_TPRED], G.I[G.o2[0] + r, R_OP]
    found = False
    for ja in range(_anchor_list(G, E, S, r, S.W1)):
        ai = S.W1[ja]
        day = ev_date(G, E, S, at, ai)
        if not covers(G, E, S, r, day):
            continue
        found = True
        lo = day if lo_d < 0 else offset(G, E, S, day, lo_d, c)
        hi = offset(G, E, S, day, hi_d, c)
        need = amount(G, E, S, G.I[G.o2[0] + r, R_COUNT], day)
        k = add_result(S, r, PENDING, NK_EVENT, at, day, I0, hi)
        if waived(G, E, S, r, at, ai):
            S.R[k, 1] = WAIVED
            continue
        hits = count_between(G, E, S, tt, tq, lo, hi) if lo != NA else 0
        if reaches(hits, need, op):
            S.R[k, 1] = FULFILLED
        else:
            judge(G, E, S, r, k, hi, NA, day, NA)
        if failed(S):
            return
    if not found:
        not_applicable(S, r)


@njit
def recurring(G, E, S, r):
    s, every = G.I[G.o2[0] + r, R_STATE], G.I[G.o2[0] + r, R_LO]
    tt, tq = G.I[G.o2[0] + r, R_TTYPE], G.I[G.o2[0] + r, R_TPRED]
    has_ladder = G.V[G.o1[12] + r + 1] > G.V[G.o1[12] + r]
    as_of = S.n[N_ASOF]
    spells(G, E, S, s)
    nsp = S.Z[S.oz[6] + s]  # the spells as they were: a deregistration recomputes them
    starts, ends = S.W2, S.W3
    for j in range(nsp):
        starts[j] = S.SP[s, j, 0]
        ends[j] = S.SP[s, j, 1]
    any_spell = False
    for j in range(nsp):
        start, end = starts[j], ends[j]
        if start > as_of:
            break
        if not covers(G, E, S, r, start):
            continue
        any_spell = True
        last_day = min(end, as_of) if end != NA else as_of
        prev, lo = start, start
        while lo <= last_day:
            hi = shift(G, S, prev, every, I1)
            if failed(S) or not valid(G, E, S, r, hi):
                break
            if end != NA and hi > end:
                break
            k = add_result(S, r, PENDING, NK_RECUR, s, start, lo, hi)
            hit = first_between(G, E, S, tt, tq, lo, hi)
            if hit >= 0:
                S.R[k, 1] = FULFILLED
                prev = ev_date(G, E, S, tt, hit)
                lo = prev + 1
                continue
            if as_of <= hi:
                break
            S.R[k, 1] = VIOLATED
            S.R[k, 7] = hi + 1
            if not has_ladder:
                apply_effect(G, E, S, r, k, lo, NA, NA, NA, M1, I0)
                prev, lo = hi, hi + 1
                continue
            outcome = apply_ladder(G, E, S, r, k, hi + 1, tt, tq)
            if outcome == NA or failed(S):
                break
            prev, lo = outcome, outcome + 1
    if not any_spell:
        not_applicable(S, r)


@njit
def _excluded(G, E, S, r, monday):
    """Does a period of an excluded type have a day in the week of ``monday``?"""
    for j in range(G.V[G.o1[15] + r], G.V[G.o1[15] + r + 1]):
        t = G.V[G.o1[14] + j]
        slot = _matching(G, E, S, t, M1)
        i = _upper(S, slot, monday + 6)
        if i > 0 and S.M[slot, i - 1, 2] >= monday:
            return True
    return False


@njit
def _judge_block(G, E, S, r, block, nb, complete):
    tt, tq, op = G.I[G.o2[0] + r, R_TTYPE], G.I[G.o2[0] + r, R_TPRED], G.I[G.o2[0] + r, R_OP]
    lo, hi = block[0], block[nb - 1] + 6
    if nb == 1 and complete:
        k = add_result(S, r, PENDING, NK_WEEK, lo, I0, I0, hi)
    else:
        k = add_result(S, r, PENDING, NK_WEEKS, lo, block[nb - 1], I0, hi)
    need = amount(G, E, S, G.I[G.o2[0] + r, R_COUNT], lo)
    slot, i, j = range_between(G, E, S, tt, tq, lo, hi)
    hits = S.W4
    nh = 0
    for x in range(i, j):
        week = cdates.week_start(S.M[slot, x, 1])
        for b in range(nb):
            if block[b] == week:
                hits[nh] = S.M[slot, x, 0]
                nh += 1
                break
    short = False
    for sh in range(G.V[G.o1[13] + r], G.V[G.o1[13] + r + 1]):
        if G.I[G.o2[4] + sh, 2] >= 0:  # a dated share: from D after an anchor
            base = anchor_on(G, E, S, G.I[G.o2[4] + sh, 4], G.I[G.o2[4] + sh, 5], G.I[G.o2[4] + sh, 6], lo)
            if base < 0:
                continue
            start = offset(G, E, S, ev_date(G, E, S, G.I[G.o2[4] + sh, 4], base), G.I[G.o2[4] + sh, 2], G.I[G.o2[4] + sh, 3])
            if start == NA or lo < start:
                continue
        share_need = amount(G, E, S, G.I[G.o2[4] + sh, 0], lo)
        got = 0
        for x in range(nh):
            if matches(G, E, S, tt, G.I[G.o2[4] + sh, 1], hits[x]):
                got += 1
        if got < share_need:
            short = True
    if reaches(nh, need, op) and not short:
        S.R[k, 1] = FULFILLED
    elif not complete or S.n[N_ASOF] <= hi:
        S.R[k, 1] = PENDING
    else:
        S.R[k, 1] = VIOLATED
        S.R[k, 7] = hi + 1
        apply_effect(G, E, S, r, k, lo, NA, NA, NA, M1, I0)


@njit
def quota(G, E, S, r):
    s, weeks = G.I[G.o2[0] + r, R_STATE], G.I[G.o2[0] + r, R_WEEKS]
    as_of = S.n[N_ASOF]
    spells(G, E, S, s)
    nsp = S.Z[S.oz[6] + s]
    starts, ends, block = S.W1, S.W2, S.W3
    for j in range(nsp):
        starts[j] = S.SP[s, j, 0]
        ends[j] = S.SP[s, j, 1]
    if weeks > block.shape[0]:
        S.n[N_OVERFLOW] = 1
        return
    any_week = False
    for j in range(nsp):
        start, end = starts[j], ends[j]
        monday = cdates.week_start(start)
        if monday < start:
            monday += 7
        nb = 0
        while True:
            sunday = monday + 6
            if end != NA and sunday > end:
                break
            if monday > as_of:
                break
            if not covers(G, E, S, r, monday):
                if nb:
                    add_result(S, r, NOT_APPLICABLE, NK_WEEKS_FROM, block[0], I0, I0, NA)
                    nb = 0
                monday += 7
                continue
            any_week = True
            if _excluded(G, E, S, r, monday):
                add_result(S, r, WAIVED, NK_WEEK, monday, I0, I0, NA)
            else:
                block[nb] = monday
                nb += 1
                if nb == weeks or sunday >= as_of:
                    _judge_block(G, E, S, r, block, nb, nb == weeks)
                    if failed(S):
                        return
                    if nb == weeks:
                        nb = 0
                    else:
                        break
            monday += 7
        if nb and end != NA:
            add_result(S, r, NOT_APPLICABLE, NK_WEEKS_FROM, block[0], I0, I0, NA)
    if not any_week:
        not_applicable(S, r)


@njit
def time_budget(G, E, S, r):
    s, within, op = G.I[G.o2[0] + r, R_STATE], G.I[G.o2[0] + r, R_WITHIN], G.I[G.o2[0] + r, R_OP]
    as_of = S.n[N_ASOF]
    spells(G, E, S, s)
    n = S.Z[S.oz[6] + s]
    size = 0
    for j in range(n):
        if S.SP[s, j, 0] > as_of:
            break
        last = min(S.SP[s, j, 1], as_of) if S.SP[s, j, 1] != NA else as_of
        size += (last - cdates.week_start(S.SP[s, j, 0])) // 7 + 1
    weeks = S.W1
    if size > weeks.shape[0]:
        S.n[N_OVERFLOW] = 1
        return
    nw = 0
    for j in range(n):
        start, end = S.SP[s, j, 0], S.SP[s, j, 1]
        if start > as_of:
            break
        day = cdates.week_start(start)
        last = min(end, as_of) if end != NA else as_of
        while day <= last:
            if nw == 0 or weeks[nw - 1] != day:
                weeks[nw] = day
                nw += 1
            day += 7
    if nw == 0:
        not_applicable(S, r)
        return
    if not applies(G, E, S, r, weeks[0]):
        not_applicable(S, r)
        return
    lo_index = 0
    broken = NA
    for i in range(nw):
        monday = weeks[i]
        if within >= 0:
            horizon = shift(G, S, monday + 7, within, M1)
            while weeks[lo_index] < horizon:
                lo_index += 1
        used = i - lo_index + 1
        cap = amount(G, E, S, G.I[G.o2[0] + r, R_COUNT], monday)
        if exceeds(used, cap, op):
            broken = monday
            break
    amount(G, E, S, G.I[G.o2[0] + r, R_COUNT], weeks[nw - 1])
    k = add_result(S, r, FULFILLED, NK_STATE_FROM, s, weeks[0], I0, NA)
    if broken != NA:
        first_day = broken
        for j in range(n):
            if S.SP[s, j, 1] == NA or S.SP[s, j, 1] >= broken:
                first_day = max(broken, S.SP[s, j, 0])
                break
        S.R[k, 1] = VIOLATED
        S.R[k, 7] = first_day
        apply_effect(G, E, S, r, k, first_day, NA, NA, NA, M1, I0)


@njit
def count_budget(G, E, S, r):
    tt, tq, within, op = G.I[G.o2[0] + r, R_TTYPE], G.I[G.o2[0] + r, R_TPRED], G.I[G.o2[0] + r, R_WITHIN], G.I[G.o2[0] + r, R_OP]
    as_of = S.n[N_ASOF]
    n = _event_list(G, E, S, tt, tq, S.W1)
    events = S.W1
    if not applies(G, E, S, r, as_of):
        not_applicable(S, r)
        return
    dates = S.W2
    for i in range(n):
        dates[i] = ev_date(G, E, S, tt, events[i])
    broke = False
    first = 0
    for i in range(n):
        horizon = shift(G, S, dates[i], within, M1)
        while dates[first] <= horizon:
            first += 1
        cap = amount(G, E, S, G.I[G.o2[0] + r, R_COUNT], dates[i])
        if exceeds(i - first + 1, cap, op):
            broke = True
            k = add_result(S, r, VIOLATED, NK_EVENT, tt, dates[i], I0, NA)
            S.R[k, 7] = dates[i]
            apply_effect(G, E, S, r, k, dates[i], NA, NA, NA, M1, I0)
            if failed(S):
                return
    if not broke:
        shift(G, S, as_of, within, M1)
        amount(G, E, S, G.I[G.o2[0] + r, R_COUNT], as_of)
        add_result(S, r, FULFILLED, NK_WITHIN, tt, I0, I0, NA)


@njit
def each_event(G, E, S, r):
    tt, tq, cond = G.I[G.o2[0] + r, R_TTYPE], G.I[G.o2[0] + r, R_TPRED], G.I[G.o2[0] + r, R_COND]
    with_anchor = G.I[G.o2[0] + r, R_FIRST_AFTER] == 1
    at = G.I[G.o2[0] + r, R_ATYPE] if with_anchor else tt
    na = _anchor_list(G, E, S, r, S.W1) if with_anchor else _event_list(G, E, S, tt, tq, S.W1)
    found = False
    for ja in range(na):
        ai = S.W1[ja]
        day = ev_date(G, E, S, at, ai)
        ei = first_between(G, E, S, tt, tq, day, NA) if with_anchor else ai
        if not covers(G, E, S, r, day):
            continue
        found = True
        k = add_result(S, r, PENDING, NK_EVENT, at, day, I0, NA)
        if ei >= 0:
            S.R[k, 6] = ev_date(G, E, S, tt, ei)
        if waived(G, E, S, r, at, ai):
            S.R[k, 1] = WAIVED
        elif ei < 0:
            pass
        elif pred(G, E, S, cond, tt, ei, I0):
            S.R[k, 1] = FULFILLED
        else:
            edate = ev_date(G, E, S, tt, ei)
            S.R[k, 1] = VIOLATED
            S.R[k, 7] = edate
            apply_effect(G, E, S, r, k, edate, NA, edate, ev_end(G, E, S, tt, ei), tt, ei)
        if failed(S):
            return
    if not found:
        not_applicable(S, r)


@njit
def never(G, E, S, r):
    tt, tq = G.I[G.o2[0] + r, R_TTYPE], G.I[G.o2[0] + r, R_TPRED]
    found = False
    for je in range(_event_list(G, E, S, tt, M1, S.W1)):
        ei = S.W1[je]
        day = ev_date(G, E, S, tt, ei)
        if not matches(G, E, S, tt, tq, ei) or not covers(G, E, S, r, day):
            continue
        found = True
        if waived(G, E, S, r, tt, ei):
            add_result(S, r, WAIVED, NK_EVENT, tt, day, I0, day)
            continue
        k = add_result(S, r, VIOLATED, NK_EVENT, tt, day, I0, day)
        S.R[k, 7] = day
        apply_effect(G, E, S, r, k, day, NA, day, ev_end(G, E, S, tt, ei), tt, ei)
        if failed(S):
            return
    if not found:
        if not applies(G, E, S, r, S.n[N_ASOF]):
            not_applicable(S, r)
        else:
            add_result(S, r, FULFILLED, NK_NO, tt, I0, I0, NA)


@njit
def each_ends(G, E, S, r):
    tt, tq, off, c = G.I[G.o2[0] + r, R_TTYPE], G.I[G.o2[0] + r, R_TPRED], G.I[G.o2[0] + r, R_LO], G.I[G.o2[0] + r, R_CLOCK]
    starts_ = G.I[G.o2[0] + r, R_WHICH] == 1
    as_of = S.n[N_ASOF]
    found = False
    for je in range(_event_list(G, E, S, tt, tq, S.W1)):
        ei = S.W1[je]
        day = ev_date(G, E, S, tt, ei)
        if not covers(G, E, S, r, day):
            continue
        base = anchor_on(G, E, S, G.I[G.o2[0] + r, R_ATYPE], G.I[G.o2[0] + r, R_AFIRST], G.I[G.o2[0] + r, R_APRED], day)
        if base < 0:
            continue
        found = True
        deadline = offset(G, E, S, ev_date(G, E, S, G.I[G.o2[0] + r, R_ATYPE], base), off, c)
        end = ev_last(G, E, S, tt, ei)
        if starts_:
            k = add_result(S, r, PENDING, NK_EVENT, tt, day, I0, NA)
            if waived(G, E, S, r, tt, ei):
                S.R[k, 1] = WAIVED
            elif deadline != NA and day >= deadline:
                S.R[k, 1] = FULFILLED if day <= as_of else PENDING
            elif day > as_of:
                pass
            else:
                S.R[k, 1] = VIOLATED
                S.R[k, 7] = day
                apply_effect(G, E, S, r, k, day, NA, day, ev_end(G, E, S, tt, ei), M1, I0)
            continue
        k = add_result(S, r, PENDING, NK_EVENT, tt, day, I0, deadline)
        if waived(G, E, S, r, tt, ei):
            S.R[k, 1] = WAIVED
        elif deadline == NA:
            pass
        elif end <= deadline:
            S.R[k, 1] = FULFILLED if end <= as_of else PENDING
        elif as_of > deadline:
            violation = max(deadline + 1, day)
            S.R[k, 1] = VIOLATED
            S.R[k, 7] = violation
            apply_effect(G, E, S, r, k, day, NA, violation, ev_end(G, E, S, tt, ei), M1, I0)
        if failed(S):
            return
    if not found:
        not_applicable(S, r)


@njit
def each_lasts(G, E, S, r):
    tt, tq, at_most, op = G.I[G.o2[0] + r, R_TTYPE], G.I[G.o2[0] + r, R_TPRED], G.I[G.o2[0] + r, R_LO], G.I[G.o2[0] + r, R_OP]
    as_of = S.n[N_ASOF]
    found = False
    for je in range(_event_list(G, E, S, tt, tq, S.W1)):
        ei = S.W1[je]
        day = ev_date(G, E, S, tt, ei)
        if not covers(G, E, S, r, day):
            continue
        found = True
        last_ok = shift(G, S, day, at_most, I1) - (2 if op == 1 else 1)
        end = ev_last(G, E, S, tt, ei)
        k = add_result(S, r, PENDING, NK_EVENT, tt, day, I0, last_ok)
        if waived(G, E, S, r, tt, ei):
            S.R[k, 1] = WAIVED
        elif end <= last_ok:
            S.R[k, 1] = FULFILLED if end <= as_of else PENDING
        elif as_of <= last_ok:
            pass
        else:
            S.R[k, 1] = VIOLATED
            S.R[k, 7] = last_ok + 1
            apply_effect(G, E, S, r, k, day, NA, last_ok + 1, ev_end(G, E, S, tt, ei), M1, I0)
        if failed(S):
            return
    if not found:
        not_applicable(S, r)


@njit
def weekly_hours(G, E, S, r):
    tt, tq, s, op = G.I[G.o2[0] + r, R_TTYPE], G.I[G.o2[0] + r, R_TPRED], G.I[G.o2[0] + r, R_STATE], G.I[G.o2[0] + r, R_OP]
    as_of = S.n[N_ASOF]
    n = _event_list(G, E, S, tt, M1, S.W1)
    events, mondays, totals = S.W1, S.W2, S.W3
    nw = 0
    for i in range(n):  # the weeks are gathered before any is judged: a consequence changes the state
        ei = events[i]
        day = ev_date(G, E, S, tt, ei)
        if matches(G, E, S, tt, tq, ei) and in_state(G, E, S, s, day):
            monday = cdates.week_start(day)
            if nw == 0 or mondays[nw - 1] != monday:
                mondays[nw] = monday
                totals[nw] = 0
                nw += 1
            totals[nw - 1] += ev_hours(G, E, S, tt, ei)
    judged = False
    for w in range(nw):
        monday = mondays[w]
        if not covers(G, E, S, r, monday):
            continue
        judged = True
        hours = totals[w] / SCALE
        cap = amount(G, E, S, G.I[G.o2[0] + r, R_COUNT], monday)
        sunday = monday + 6
        k = add_result(S, r, FULFILLED, NK_WEEK, monday, I0, I0, sunday)
        if exceeds(hours, cap, op):
            S.R[k, 1] = VIOLATED
            S.R[k, 7] = monday
            apply_effect(G, E, S, r, k, monday, NA, monday, NA, M1, I0)
        elif sunday >= as_of:
            S.R[k, 1] = PENDING
        if failed(S):
            return
    if not judged:
        not_applicable(S, r)


@njit
def periodic_hours(G, E, S, r):
    at, every, c = G.I[G.o2[0] + r, R_ATYPE], G.I[G.o2[0] + r, R_LO], G.I[G.o2[0] + r, R_CLOCK]
    tt, tq, op = G.I[G.o2[0] + r, R_TTYPE], G.I[G.o2[0] + r, R_TPRED], G.I[G.o2[0] + r, R_OP]
    as_of = S.n[N_ASOF]
    found = False
    for ja in range(_anchor_list(G, E, S, r, S.W1)):
        ai = S.W1[ja]
        day = ev_date(G, E, S, at, ai)
        if not covers(G, E, S, r, day):
            continue
        found = True
        a1, u1, _, _ = duration_parts(G, every, day)
        start, k_ = day, 1
        while start <= as_of:
            if c < 0:
                end = shift_parts(G, S, day, a1 * k_, u1, I0, M1, I1)
            else:
                end = clock_shift_parts(G, E, S, c, day, a1 * k_, u1, I0, M1)
            end = NA if end == NA else end - 1
            worked = hours_between(G, E, S, tt, tq, start, end) / SCALE
            need = amount(G, E, S, G.I[G.o2[0] + r, R_COUNT], start)
            k = add_result(S, r, PENDING, NK_PERIOD, at, day, k_, end)
            if reaches(worked, need, op):
                S.R[k, 1] = FULFILLED
            elif end != NA and end < as_of:
                S.R[k, 1] = VIOLATED
                S.R[k, 7] = end + 1
                apply_effect(G, E, S, r, k, start, NA, end + 1, NA, M1, I0)
            if failed(S) or end == NA or end >= as_of:
                break
            start, k_ = end + 1, k_ + 1
    if not found:
        not_applicable(S, r)


# ============================================================================ days on which something stops dagpenge
@njit
def _paint(G, E, S, lo, hi, out, interval_only, skip_quarantine):
    """``out[d - lo]`` = 1 on the days of [lo, hi] on which one of the effects (only those over spans
    of days, or all but quarantines) is in force."""
    out[:] = 0
    for x in range(S.n[N_EFFECTS]):
        if interval_only and S.X[x, 7] >= 0:
            continue
        if skip_quarantine and S.X[x, 0] == X_QUARANTINE:
            continue
        if S.X[x, 7] >= 0:
            for j in range(S.X[x, 7], S.X[x, 7] + S.X[x, 8]):
                d = S.xd[j]
                if lo <= d <= hi:
                    out[d - lo] = 1
            continue
        a = max(S.X[x, 1], lo)
        b = hi if S.X[x, 2] == NA else min(S.X[x, 2], hi)
        _paint_during(G, E, S, S.X[x, 6], a, b, lo, out)


@njit
def _paint_during(G, E, S, during, a, b, lo, out):
    """Mark the days of [a, b] (on which state ``during`` holds, when there is one)."""
    if during < 0:
        for d in range(a, b + 1):
            out[d - lo] = 1
        return
    spells(G, E, S, during)
    for k in range(S.Z[S.oz[6] + during]):
        start, end = S.SP[during, k, 0], S.SP[during, k, 1]
        for d in range(max(a, start), (b if end == NA else min(b, end)) + 1):
            out[d - lo] = 1


@njit
def _paint_unregistered(G, E, S, lo, hi, out):
    """Mark the days of [lo, hi] on which the person is not registered."""
    s = G.V[G.o1[0] + 2]
    spells(G, E, S, s)
    day = lo
    for k in range(S.Z[S.oz[6] + s]):
        start, end = S.SP[s, k, 0], S.SP[s, k, 1]
        for d in range(day, min(start - 1, hi) + 1):
            out[d - lo] = 1
        if end == NA:
            return
        day = max(day, end + 1)
    for d in range(day, hi + 1):
        out[d - lo] = 1


@njit
def _paint_losses(G, E, S, lo, hi, out):
    for x in range(S.Z[S.oz[10] + 0]):
        a = max(S.L[x, 5], lo)
        b = hi if S.L[x, 6] == NA else min(S.L[x, 6], hi)
        _paint_during(G, E, S, S.L[x, 4], a, b, lo, out)


@njit
def place_claims(G, E, S):
    """``place_claims``: each claim's days, on the weekdays registered and otherwise paid, earliest claim
    first (in the order made on ties), up to its limit."""
    nc = S.n[N_CLAIMS]
    if nc == 0:
        return
    as_of = S.n[N_ASOF]
    first = S.C[0, 1]
    for c in range(nc):
        first = min(first, S.C[c, 1])
    size = max(as_of - first + 1, 0)
    if size > S.BM.shape[0]:
        S.n[N_OVERFLOW] = 1
        return
    blocked = S.BM[:size]
    _paint(G, E, S, first, as_of, blocked, I1, I0)
    _paint_losses(G, E, S, first, as_of, blocked)
    _paint_unregistered(G, E, S, first, as_of, blocked)
    free = S.W1
    nf = 0
    for j in range(size):
        d = first + j
        if cdates.weekday(d) < 5 and blocked[j] == 0:
            free[nf] = d
            nf += 1
    taken = S.W2
    for j in range(nf + 1):
        taken[j] = j
    order = S.W3  # the claims by first day, in the order made on ties (an insertion sort: few)
    for j in range(nc):
        k = j
        while k > 0 and S.C[order[k - 1], 1] > S.C[j, 1]:
            order[k] = order[k - 1]
            k -= 1
        order[k] = j
    for jc in range(nc):
        c = order[jc]
        i = _next_free(taken, _bisect_left(free, nf, S.C[c, 1]))
        got = 0
        off = S.n[N_DAYS]
        while got < S.C[c, 2] and i < nf and free[i] <= S.C[c, 3]:
            skip = False
            for j in range(S.C[c, 7], S.C[c, 7] + S.C[c, 8]):
                if covered(G, E, S, G.V[G.o1[20] + j], M1, free[i]):
                    skip = True
            if skip:
                i = _next_free(taken, i + 1)
                continue
            if off + got >= S.xd.shape[0]:
                S.n[N_OVERFLOW] = 1
                return
            S.xd[off + got] = free[i]
            got += 1
            taken[i] = i + 1
            i = _next_free(taken, i + 1)
        start = S.xd[off] if got else S.C[c, 1]
        end = S.xd[off + got - 1] if got else S.C[c, 1]
        x = add_effect(S, S.C[c, 0], start, end, S.C[c, 4], S.C[c, 9], c, M1)
        if x >= 0:
            S.X[x, 7] = off
            S.X[x, 8] = got
        S.n[N_DAYS] = off + got
        S.C[c, 10] = S.xd[off] if got else NA


@njit
def _bisect_left(values, n, x):
    lo, hi = 0, n
    while lo < hi:
        mid = (lo + hi) // 2
        if values[mid] < x:
            lo = mid + 1
        else:
            hi = mid
    return lo


@njit
def _next_free(taken, i):
    root = i
    while taken[root] != root:
        root = taken[root]
    while taken[i] != root:
        nxt = taken[i]
        taken[i] = root
        i = nxt
    return root


@njit
def _days_used(G, E, S, adate):
    """The offset of ``adate`` in ``S.UB``: 1 on each day paid, or with a quarantine served (BP-2), from
    the first registration to the check date; made again only when the effects or sanctions change."""
    stamp = S.n[N_EVER] + 1
    if S.n[N_UB_STAMP] == stamp and S.n[N_UB_LO] <= adate:
        return adate - S.n[N_UB_LO]
    s = G.V[G.o1[0] + 2]
    spells(G, E, S, s)
    lo = adate
    if S.Z[S.oz[6] + s] > 0:
        lo = min(lo, S.SP[s, 0, 0])
    hi = S.n[N_ASOF]
    size = hi - lo + 1
    if size > S.UB.shape[0]:
        S.n[N_OVERFLOW] = 1
        return M1
    using = S.UB[:size]
    _paint(G, E, S, lo, hi, using, I0, I1)
    _paint_unregistered(G, E, S, lo, hi, using)
    for j in range(size):
        using[j] = 1 - using[j]
    S.n[N_UB_LO] = lo
    S.n[N_UB_STAMP] = stamp
    return adate - lo


@njit
def consumption(G, E, S, r):
    at, within, unit = G.I[G.o2[0] + r, R_ATYPE], G.I[G.o2[0] + r, R_WITHIN], G.I[G.o2[0] + r, R_UNIT]
    lt, lq = G.I[G.o2[0] + r, R_LTYPE], G.I[G.o2[0] + r, R_LPRED]
    as_of = S.n[N_ASOF]
    found = False
    for ja in range(_anchor_list(G, E, S, r, S.W1)):
        ai = S.W1[ja]
        adate = ev_date(G, E, S, at, ai)
        if not covers(G, E, S, r, adate):
            continue
        found = True
        period_end = shift(G, S, adate, within, I1) - 1
        cap = amount(G, E, S, G.I[G.o2[0] + r, R_COUNT], adate)
        per_day = param_num(G, G.V[G.o1[0] + 6], adate)
        cap_s = np.int64(np.rint(cap * SCALE))
        per_day_s = np.int64(np.rint(per_day * SCALE))
        used_weeks, used_s, exhausted = 0.0, np.int64(0), NA
        day = adate
        last = min(period_end, as_of)
        size = max(last - adate + 1, 0)
        if size > S.BM.shape[0]:
            S.n[N_OVERFLOW] = 1
            return
        off = _days_used(G, E, S, adate) if size else I0
        if off < 0:
            return
        using = S.UB[off:off + size]
        nxt = 0
        lslot = _matching(G, E, S, lt, lq) if lt >= 0 else M1
        ln = S.Z[S.oz[8] + lslot] if lt >= 0 else I0
        li = I0  # the next X (of ``less``) not yet passed: the days only move forward
        while day <= last and exhausted == NA:
            nxt = max(nxt, day - adate)
            while nxt < size and using[nxt] == 0:
                nxt += 1
            if nxt == size:
                break
            if nxt > day - adate:  # weeks without a used day are skipped
                day = max(day, cdates.week_start(adate + nxt))
            monday = cdates.week_start(day)
            credit, counted = np.int64(0), monday - 1
            d = max(day, monday)
            any_day = False
            while d <= min(monday + 6, last) and exhausted == NA:
                if cdates.weekday(d) < 5 and using[d - adate]:
                    any_day = True
                    if unit == 0:
                        if lt >= 0:  # the hours of X dated in (counted, d]
                            while li < ln and S.M[lslot, li, 1] <= counted:
                                li += 1
                            while li < ln and S.M[lslot, li, 1] <= d:
                                credit += ev_hours(G, E, S, lt, S.M[lslot, li, 0])
                                li += 1
                            counted = d
                        deducted = min(per_day_s, credit)
                        credit -= deducted
                        used_s += per_day_s - deducted
                        if used_s >= cap_s:
                            exhausted = d
                d += 1
            if any_day and unit == 1:
                used_weeks += 1
                if used_weeks >= cap:
                    exhausted = monday + 6
            day = monday + 7
        k = add_result(S, r, FULFILLED if period_end < as_of else PENDING, NK_EVENT, at, adate, I0, period_end)
        if exhausted != NA and exhausted < as_of:
            S.R[k, 1] = VIOLATED
            S.R[k, 7] = exhausted + 1
            apply_effect(G, E, S, r, k, adate, NA, exhausted + 1, NA, M1, I0)
        if failed(S):
            return
    if not found:
        not_applicable(S, r)


# ============================================================================ order, settling, benefit
@njit
def run_rule(G, E, S, r):
    S.n[N_RULE] = r
    fn = G.I[G.o2[0] + r, R_FN]
    if fn == FN_WINDOW_DUTY:
        window_duty(G, E, S, r)
    elif fn == FN_WINDOW_QUOTA:
        window_quota(G, E, S, r)
    elif fn == FN_RECURRING:
        recurring(G, E, S, r)
    elif fn == FN_QUOTA:
        quota(G, E, S, r)
    elif fn == FN_TIME_BUDGET:
        time_budget(G, E, S, r)
    elif fn == FN_COUNT_BUDGET:
        count_budget(G, E, S, r)
    elif fn == FN_EACH_EVENT:
        each_event(G, E, S, r)
    elif fn == FN_NEVER:
        never(G, E, S, r)
    elif fn == FN_EACH_ENDS:
        each_ends(G, E, S, r)
    elif fn == FN_EACH_LASTS:
        each_lasts(G, E, S, r)
    elif fn == FN_WEEKLY_HOURS:
        weekly_hours(G, E, S, r)
    elif fn == FN_PERIODIC_HOURS:
        periodic_hours(G, E, S, r)
    else:
        consumption(G, E, S, r)


@njit
def checkpoint(S):
    """What :func:`rollback` restores (``ctx.checkpoint``): counts, the misses, the derived events."""
    S.Z[S.oz[4] + 0] = S.n[N_RESULTS]
    S.Z[S.oz[4] + 1] = S.n[N_EFFECTS]
    S.Z[S.oz[4] + 2] = S.n[N_CLAIMS]
    S.Z[S.oz[4] + 3] = S.n[N_SEQ]
    S.Z[S.oz[4] + 4] = S.n[N_DAYS]
    for r in range(S.ms.shape[0]):
        for j in range(S.ms.shape[1]):
            S.ck_ms[r, j] = S.ms[r, j]
    for j in range(S.oz[6] - S.oz[5]):
        S.Z[S.oz[5] + j] = S.Z[S.oz[3] + j]


@njit
def rollback(G, S, kept, nkept):
    S.n[N_EVER] += 1
    S.n[N_RESULTS] = S.Z[S.oz[4] + 0]
    S.n[N_EFFECTS] = S.Z[S.oz[4] + 1]
    S.n[N_CLAIMS] = S.Z[S.oz[4] + 2]
    S.n[N_DAYS] = S.Z[S.oz[4] + 4]
    for r in range(S.ms.shape[0]):
        for j in range(S.ms.shape[1]):
            S.ms[r, j] = S.ck_ms[r, j]
    for j in range(S.oz[4] - S.oz[3]):
        S.Z[S.oz[3] + j] = S.Z[S.oz[5] + j]
    for k in range(S.D.shape[0]):  # the derived events made since
        n, j = S.Z[S.oz[2] + k], 0
        for i in range(n):
            if S.D[k, i, 1] < S.Z[S.oz[4] + 3]:
                S.D[k, j, 0] = S.D[k, i, 0]
                S.Dc[k, j] = S.Dc[k, i]
                S.D[k, j, 1] = S.D[k, i, 1]
                j += 1
        if j != n:
            S.Z[S.oz[2] + k] = j
            S.Z[S.oz[1] + G.V[G.o1[21] + k]] += 1
    for j in range(nkept):
        S.sn[j] = kept[j]
    S.n[N_SANCTIONS] = nkept
    S.Z[S.oz[7] + G.V[G.o1[0] + 2]] = 0


@njit
def settle(G, E, S, r):
    """``settle``: a rule that reads what it changes, run until it brings no new deregistration,
    keeping the earliest new one each time."""
    kept = S.KEPT
    nkept = S.n[N_SANCTIONS]
    for j in range(nkept):
        kept[j] = S.sn[j]
    while True:
        checkpoint(S)
        run_rule(G, E, S, r)
        if failed(S) or S.n[N_OVERFLOW]:
            return
        new = NA
        for j in range(S.n[N_SANCTIONS]):
            day = S.sn[j]
            known = False
            for i in range(nkept):
                if kept[i] == day:
                    known = True
            if not known and (new == NA or day < new):
                new = day
        if new == NA:
            return
        if nkept >= kept.shape[0]:
            S.n[N_OVERFLOW] = 1
            return
        kept[nkept] = new
        nkept += 1
        rollback(G, S, kept, nkept)


@njit
def settle_ledger(G, E, S, ledger, nl):
    """``settle_ledger``: place the claims, decide the benefit periods, and again with the periods'
    effects until they come out the same."""
    S.Z[S.oz[10] + 0] = 0
    for _ in range(nl + 2):
        checkpoint(S)
        place_claims(G, E, S)
        for j in range(nl):
            run_rule(G, E, S, ledger[j])
        if failed(S) or S.n[N_OVERFLOW]:
            return
        same = True
        m = 0
        for x in range(S.Z[S.oz[4] + 1], S.n[N_EFFECTS]):
            if S.X[x, 7] >= 0:
                continue
            if m >= S.Z[S.oz[10] + 0] or not (
                    S.L[m, 0] == S.X[x, 0] and S.L[m, 1] == S.X[x, 3] and S.L[m, 2] == S.X[x, 4]
                    and S.L[m, 3] == S.X[x, 5] and S.L[m, 4] == S.X[x, 6] and S.L[m, 5] == S.X[x, 1]
                    and S.L[m, 6] == S.X[x, 2]):
                same = False
            m += 1
        if same and m == S.Z[S.oz[10] + 0]:
            return
        m = 0
        for x in range(S.Z[S.oz[4] + 1], S.n[N_EFFECTS]):
            if S.X[x, 7] >= 0:
                continue
            if m >= S.L.shape[0]:
                S.n[N_OVERFLOW] = 1
                return
            S.L[m, 0], S.L[m, 1], S.L[m, 2], S.L[m, 3] = S.X[x, 0], S.X[x, 3], S.X[x, 4], S.X[x, 5]
            S.L[m, 4], S.L[m, 5], S.L[m, 6] = S.X[x, 6], S.X[x, 1], S.X[x, 2]
            m += 1
        now = S.n[N_SANCTIONS]  # the sanctions stand as they are (``ctx.sanctions``)
        for j in range(now):
            S.W1[j] = S.sn[j]
        rollback(G, S, S.W1, now)
        S.Z[S.oz[10] + 0] = m


@njit
def evaluate(G, E, S):
    """``evaluate``: the rules in the book's order, the ledger, then legal effects named."""
    ledger = S.LED
    nl = 0
    for j in range(G.V[G.o1[0] + 12]):
        r = G.V[G.o1[22] + j]
        how = G.I[G.o2[0] + r, R_SETTLE]
        if how == 2:
            ledger[nl] = r
            nl += 1
        elif how == 1:
            settle(G, E, S, r)
        else:
            run_rule(G, E, S, r)
        if failed(S) or S.n[N_OVERFLOW]:
            return
    S.n[N_RULE] = -1
    settle_ledger(G, E, S, ledger, nl)
    for k in range(S.n[N_RESULTS]):
        if G.I[G.o2[0] + S.R[k, 0], R_EFFECT_RULE] == 1:
            if S.R[k, 1] == VIOLATED:
                S.R[k, 1] = IN_FORCE
            elif S.R[k, 1] == FULFILLED:
                S.R[k, 1] = NOT_IN_FORCE


@njit
def unpaid_days(G, E, S):
    """The days from the first registration to the check date on which dagpenge are not payable."""
    b = G.V[G.o1[0] + 7]
    if b < 0 or E.facts[S.n[N_PERSON], b] != G.V[G.o1[0] + 8]:
        return 0
    s = G.V[G.o1[0] + 2]
    spells(G, E, S, s)
    as_of = S.n[N_ASOF]
    if S.Z[S.oz[6] + s] == 0 or S.SP[s, 0, 0] > as_of:
        return 0
    first = S.SP[s, 0, 0]
    size = as_of - first + 1
    if size > S.BM.shape[0]:
        S.n[N_OVERFLOW] = 1
        return 0
    blocked = S.BM[:size]
    _paint(G, E, S, first, as_of, blocked, I0, I0)
    _paint_unregistered(G, E, S, first, as_of, blocked)
    unpaid = 0
    for j in range(size):
        unpaid += blocked[j]
    return unpaid


# ============================================================================ a partition of persons
@njit
def _reset(G, E, S, p, as_of):
    S.n[:] = 0
    S.n[N_PERSON] = p
    S.n[N_ASOF] = as_of
    S.n[N_RULE] = -1
    for t in range(G.V[G.o1[0] + 11]):
        lo, hi = E.toff[p, t], E.toff[p, t + 1]
        k = lo
        while k < hi and E.date[k] <= as_of:  # the events known on the check date
            k += 1
        S.Z[S.oz[0] + t] = k - lo
        S.Z[S.oz[1] + t] = 0
    S.Z[S.oz[9]:S.oz[10]] = -1
    S.Z[S.oz[11]:S.oz[12]] = -1
    S.Z[S.oz[7]:S.oz[8]] = 0
    S.Z[S.oz[2]:S.oz[3]] = 0
    S.Z[S.oz[3]:S.oz[4]] = 0


@njit
def in_force_from(S, k):
    first = S.R[k, 8]
    for c in range(S.n[N_CLAIMS]):
        if S.C[c, 5] == k and S.C[c, 10] != NA and (first == NA or S.C[c, 10] < first):
            first = S.C[c, 10]
    return first if first != NA else S.R[k, 7]


@njit
def check_partition(G, E, S, O, start, as_of, full):
    """Check persons ``start``, ``start + 1``, ... into the output ``O``; returns the first person not
    done (all: ``E.toff.shape[0]``) and why it stopped (0 done, 1 a person's state is too small,
    2 the output is full)."""
    n = E.toff.shape[0]
    for p in range(start, n):
        if E.skip[p]:
            continue
        _reset(G, E, S, p, as_of)
        evaluate(G, E, S)
        if S.n[N_OVERFLOW]:
            return p, 1
        O.err[p, 0] = S.n[N_ERR]
        O.err[p, 1] = S.n[N_ERR_RULE]
        O.err[p, 2] = S.n[N_ERR_ARG]
        O.err[p, 3] = S.n[N_ERR_ARG2]
        if S.n[N_ERR]:
            continue
        rows = 0
        for k in range(S.n[N_RESULTS]):
            if full or S.R[k, 1] == VIOLATED or S.R[k, 1] == IN_FORCE:
                rows += 1
        at = O.n[0]
        if at + rows > O.o_person.shape[0]:
            return p, 2
        for k in range(S.n[N_RESULTS]):
            status = S.R[k, 1]
            O.counts[p, status] += 1
            if full or status == VIOLATED or status == IN_FORCE:
                O.o_person[at] = p
                O.o_rule[at] = S.R[k, 0]
                O.o_status[at] = status
                O.o_nk[at] = S.R[k, 2]
                O.o_a[at] = S.R[k, 3]
                O.o_b[at] = S.R[k, 4]
                O.o_c[at] = S.R[k, 5]
                O.o_deadline[at] = S.R[k, 6]
                O.o_vsince[at] = S.R[k, 7]
                O.o_from[at] = in_force_from(S, k) if status == IN_FORCE else NA
                at += 1
        O.n[0] = at
        O.unpaid[p] = unpaid_days(G, E, S)
    return n, 0
