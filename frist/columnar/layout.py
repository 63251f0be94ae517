"""A population as columns: the persons' facts and each event type's events, typed, in compressed rows.

:class:`Population` holds ``n`` persons.  Each person fact is one array of length ``n``; each event
type is an :class:`EventColumns`: the events of every person in one run, person after person, each
person's in the order the per-timeline engine sees them (by date, then by their place in the file),
with ``offsets[p] .. offsets[p + 1]`` the rows of person ``p``.  Dates are day numbers
(:func:`frist.columnar.cdates.day_number`); a missing value is :data:`NA_DAY` for a date, ``-1`` for an
enum or a boolean, NaN for a number.  Enums are codes into the vocabulary's ``values``.

:func:`from_timelines` builds one from timelines the per-timeline reader has validated, so both engines
start from the same events.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ..optional import require
from . import cdates

np = require("numpy", "the columnar engine")

NA_DAY = int(cdates.NA)


@dataclass
class EventColumns:
    """The events of one type: rows per person (``offsets``), dates, ends, places in the file, fields."""

    offsets: object  # int64[n + 1]
    date: object  # int32[rows]
    end: object  # int32[rows]; a point event ends on its date
    index: object  # int32[rows]: the event's position in its timeline file
    fields: dict = field(default_factory=dict)  # name -> typed array[rows]

    def rows(self, person: int) -> range:
        return range(int(self.offsets[person]), int(self.offsets[person + 1]))


@dataclass
class Population:
    ids: list
    facts: dict  # name -> typed array[n]
    events: dict  # type -> EventColumns
    vocabulary: dict

    @property
    def n(self) -> int:
        return len(self.ids)

    def column(self, etype: str) -> EventColumns:
        """The events of a type (an empty column when no person has one)."""
        found = self.events.get(etype)
        if found is None:
            found = self.events[etype] = _empty(self.n, self.vocabulary["events"].get(etype, {}))
        return found


def _dtype(spec: dict):
    kind = spec["type"]
    if kind == "date":
        return np.int32
    if kind in ("enum", "boolean"):
        return np.int16
    if kind == "integer":
        return np.float64  # NaN marks a missing value; whole numbers are exact in a float64
    if kind == "number":
        return np.float64
    return object


def _missing(spec: dict):
    kind = spec["type"]
    if kind == "date":
        return NA_DAY
    if kind in ("enum", "boolean"):
        return -1
    if kind in ("number", "integer"):
        return np.nan
    return None


def encode(value, spec: dict):
    """A field's value (as the per-timeline reader gives it) as the column stores it."""
    if value is None:
        return _missing(spec)
    kind = spec["type"]
    if kind == "date":
        return cdates.day_number(value)
    if kind == "enum":
        return spec["values"].index(value)
    if kind == "boolean":
        return 1 if value else 0
    return value


def _empty(n: int, spec: dict) -> EventColumns:
    fields = {name: np.empty(0, dtype=_dtype(fspec)) for name, fspec in spec.get("fields", {}).items()}
    return EventColumns(np.zeros(n + 1, dtype=np.int64), np.empty(0, np.int32), np.empty(0, np.int32),
                        np.empty(0, np.int32), fields)


def from_timelines(timelines: list, vocabulary: dict, ids: list | None = None) -> Population:
    """The population of validated :class:`frist.runtime.timeline.Timeline` objects (indexed)."""
    n = len(timelines)
    person_specs = vocabulary["person"]
    facts = {}
    for name, spec in person_specs.items():
        facts[name] = np.array([encode(t.person.get(name), spec) for t in timelines], dtype=_dtype(spec))
    events = {}
    for etype, spec in vocabulary["events"].items():
        fspecs = spec.get("fields", {})
        counts = np.zeros(n + 1, dtype=np.int64)
        date, end, index = [], [], []
        values = {name: [] for name in fspecs}
        for p, timeline in enumerate(timelines):
            found = timeline.by_type.get(etype, ())
            counts[p + 1] = len(found)
            for event in found:
                date.append(cdates.day_number(event.date))
                end.append(cdates.day_number(event.end or event.date))
                index.append(event.index)
                for name, fspec in fspecs.items():
                    values[name].append(encode(event.fields.get(name), fspec))
        if not date:
            continue
        events[etype] = EventColumns(np.cumsum(counts), np.array(date, np.int32), np.array(end, np.int32),
                                     np.array(index, np.int32),
                                     {name: np.array(v, dtype=_dtype(fspecs[name])) for name, v in values.items()})
    return Population(list(ids) if ids is not None else [t.name for t in timelines], facts, events, vocabulary)
