"""The order in which rules are evaluated, from what each reads and what each changes.

A rule *changes* what another reads in two ways: its effect deregisters the person
(the state ``registered`` ends from that day until the next registration), or it
emits derived events (a quarantine, counted by other rules).  A rule that changes
something runs before every rule that reads it; rules that neither read nor change
what the other does keep the rule book's order.  So the order is a topological one,
stable in the rule book's order.

Two cases are settled otherwise:

* a rule that reads what it changes itself (``every 7 days while registered`` with a
  ladder that deregisters) is evaluated *earliest first*: its instances are judged in
  time order, each after the changes of the earlier ones (the runtime repeats the rule,
  keeping one more of its own deregistrations each time, until nothing new arises —
  ``settle = "fixpoint"`` — unless the construct already works in time order);
* a benefit period (``at most N paid hours ... within D``) reads which days are paid,
  which every effect changes, and changes it in turn: it is decided after all other
  rules, with the days of quarantines and karensdage, by the runtime's ledger.

Two or more rules that each change what the other reads are a cycle this order
cannot settle: their verdicts would depend on their order in the file.  ``frist
lint`` reports such a cycle as an error (``order``), naming the rules on it.

>>> sorted(READS_WRITES_KINDS)
['event', 'state']
"""

from __future__ import annotations

from dataclasses import dataclass

from . import ast

READS_WRITES_KINDS = ("event", "state")
REGISTERED = ("state", "registered")
# constructs that judge their instances in time order and stop at their own deregistration
TIME_ORDERED = (ast.Recurring,)


@dataclass(frozen=True)
class Analysis:
    order: list  # the rules in evaluation order (ledger rules last)
    settle: dict  # rule id -> "fixpoint" (reads what it changes) or "ledger" (a benefit period)
    cycles: list  # lists of rules that depend on each other (unsettled)
    reads: dict  # rule id -> set of (kind, name)
    writes: dict  # rule id -> set of (kind, name)


def analyse(book) -> Analysis:
    """The evaluation order of ``book``'s rules, the rules to settle earliest first, and the cycles."""
    rules = list(book.rules)
    states = book.vocabulary.get("states", {})
    clocks = book.vocabulary.get("clocks", {})
    reads = {r.id: _reads(r, states, clocks) for r in rules}
    writes = {r.id: _writes(r) for r in rules}
    ledger = [r for r in rules if is_ledger(r)]
    ordinary = [r for r in rules if not is_ledger(r)]
    after = {r.id: {o.id for o in ordinary if o.id != r.id and writes[r.id] & reads[o.id]} for r in ordinary}
    cycles = [sorted(c, key=lambda rid: _index(rules, rid)) for c in _components(ordinary, after) if len(c) > 1]
    settle = {r.id: "fixpoint" for r in ordinary
              if writes[r.id] & reads[r.id] and not isinstance(r.duty, TIME_ORDERED)}
    settle.update({r.id: "ledger" for r in ledger})
    return Analysis(_topological(ordinary, after) + ledger, settle, cycles, reads, writes)


def is_ledger(rule) -> bool:
    """A benefit period: decided with the ledger of paid days, after every other rule."""
    return isinstance(rule.duty, ast.Consumption)


def _index(rules, rid) -> int:
    return next(r.index for r in rules if r.id == rid)


# ---------------------------------------------------------------------------- reads and writes

def _reads(rule, states, clocks) -> set:
    found = set()

    def event(name):
        found.add(("event", name))

    def state(name):
        if name is not None:
            found.add(("state", name))

    def clock(name):
        if name is not None and name in clocks:
            state(clocks[name]["runs_while"])

    for node in _walk(rule.duty):
        for attribute in ("anchor", "target", "less"):
            part = getattr(node, attribute, None)
            if isinstance(part, ast.LaterTarget):
                part = part.target
            if isinstance(part, (ast.Anchor, ast.Match, ast.FieldTarget)):
                event(part.event)
        state(getattr(node, "state", None))
        clock(getattr(node, "clock", None))
    for node, _ in rule.exceptions:
        for part in _walk(node):
            if isinstance(part, ast.During) and part.target.event in states:
                state(part.target.event)
            elif isinstance(part, (ast.Occurs, ast.During)):
                event(part.target.event)
            elif isinstance(part, ast.Lasts):
                event(part.event)
    for node in _walk(rule.effect):
        if isinstance(node, ast.Suspension):
            state(node.during)
        for attribute in ("target", "event"):
            part = getattr(node, attribute, None)
            if isinstance(part, ast.Match):
                event(part.event)
            elif isinstance(part, str) and isinstance(node, ast.UntilOffset):
                event(part)
    if isinstance(rule.duty, ast.Consumption):
        state("registered")
    return found


def _writes(rule) -> set:
    found = set()
    for node in _walk(rule.effect):
        if isinstance(node, ast.Deregistration):
            found.add(REGISTERED)
        elif isinstance(node, ast.Quarantine) and not node.excess:
            found.add(("event", "quarantine"))
    return found


def _walk(node):
    """The node and every node below it (tuples of nodes included)."""
    if isinstance(node, tuple):
        for item in node:
            yield from _walk(item)
        return
    if not isinstance(node, ast.Node):
        return
    yield node
    for name in getattr(node, "__dataclass_fields__", ()):
        if name != "span":
            yield from _walk(getattr(node, name))


# ---------------------------------------------------------------------------- graph

def _components(rules, after) -> list:
    """Strongly connected components (Tarjan), each a list of rule ids."""
    index, low, stack, on_stack, out, counter = {}, {}, [], set(), [], [0]

    def visit(rid):
        index[rid] = low[rid] = counter[0]
        counter[0] += 1
        stack.append(rid)
        on_stack.add(rid)
        for nxt in sorted(after[rid]):
            if nxt not in index:
                visit(nxt)
                low[rid] = min(low[rid], low[nxt])
            elif nxt in on_stack:
                low[rid] = min(low[rid], index[nxt])
        if low[rid] == index[rid]:
            component = []
            while True:
                top = stack.pop()
                on_stack.discard(top)
                component.append(top)
                if top == rid:
                    break
            out.append(component)

    for rule in rules:
        if rule.id not in index:
            visit(rule.id)
    return out


def _topological(rules, after) -> list:
    """The rules, each after every rule that changes what it reads, otherwise in the book's order.
    A cycle is kept together, in the book's order (``frist lint`` reports it)."""
    components = _components(rules, after)
    component_of = {rid: n for n, component in enumerate(components) for rid in component}
    position = {r.id: n for n, r in enumerate(rules)}
    before = {n: set() for n in range(len(components))}  # component -> components that must come first
    for writer, readers in after.items():
        for reader in readers:
            if component_of[writer] != component_of[reader]:
                before[component_of[reader]].add(component_of[writer])
    done, order = set(), []
    while len(done) < len(components):
        ready = [n for n in before if n not in done and before[n] <= done]
        first = min(ready, key=lambda n: min(position[rid] for rid in components[n]))
        done.add(first)
        order += sorted((r for r in rules if component_of[r.id] == first), key=lambda r: position[r.id])
    return order
