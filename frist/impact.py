"""What a change of the rule book does to real people: ``frist diff OLD NEW POPULATION --as-of DATE``.

``impact(old, new, population, as_of=..., output_dir=DIR)`` checks the population under both rule
books with :func:`frist.batch.run_batch`, into ``DIR/old`` and ``DIR/new`` (``detail="violations"``,
JSON Lines part files), then reads the two sets of part files back in step, a line at a time, and
compares each person's record::

    result = impact("rules.yaml", "rules-cv-3-weeks.yaml", "people.jsonl", as_of="2024-09-01",
                    output_dir="cv-3-weeks")
    result.changed, result.rules["cv-on-jobnet"].violations_lost  # (122, 76) on the README's caseload

A person *changes* when their violations (rule, instance, violated since), their legal effects in
force (rule, instance, from) or their days without dagpenge differ, or when they become or stop
being an error record.  The counts by rule and of days cover the persons checked under both books;
a person who is an error record under one of them is counted among the errors, and is an example
like any other.

Both runs stream and resume as ``frist batch`` does: a rerun into the same ``DIR`` keeps every part
file that verifies, and a ``DIR`` holding runs of another input, rule book or date is refused with
``run_batch``'s located error.  The result is also written to ``DIR/impact.json``, last.
"""

from __future__ import annotations

import importlib.util
import itertools
import json
import textwrap
from dataclasses import dataclass, field
from pathlib import Path

from . import optional
from .batch import _write_atomic, part_path, read_persons, rules_module, run_batch
from .errors import Diagnostic, FristError, RuleBookError, Span
from .report import check_date
from .source import read_text

IMPACT_VERSION = "1.0"
RESULT = "impact.json"
RUNS = ("old", "new")
ENGINES = ("local", "columnar", "dask")
COMMAND_LINE = Span("<command line>", 1, 1)
WIDTH = 100  # the text fits this many columns
KINDS = {"violation": ("violations", "violated_since"), "in_force": ("in_force", "from")}


@dataclass(frozen=True)
class Book:
    """A rule book as the result names it."""

    path: str
    digest: str
    name: str
    language: str
    titles: dict  # rule id -> {"da": ..., "en": ...}

    def to_json(self) -> dict:
        return {"path": self.path, "digest": self.digest, "name": self.name}


@dataclass
class RuleChange:
    """What changed for one rule, counted in instances (``persons``: the persons it changed for)."""

    rule: str
    title: dict
    persons: int = 0
    violations_gained: int = 0
    violations_lost: int = 0
    violations_moved: int = 0  # the same instance, violated since another day
    in_force_gained: int = 0
    in_force_lost: int = 0
    in_force_moved: int = 0  # the same instance, in force from another day

    def to_json(self) -> dict:
        return {"rule": self.rule, "title": self.title, "persons": self.persons,
                "violations_gained": self.violations_gained, "violations_lost": self.violations_lost,
                "violations_moved": self.violations_moved, "in_force_gained": self.in_force_gained,
                "in_force_lost": self.in_force_lost, "in_force_moved": self.in_force_moved}


@dataclass
class Impact:
    """The differences between two rule books' records of one population (:func:`impact`)."""

    as_of: str
    engine: str
    old: Book
    new: Book
    population: str
    output_dir: str
    engine_note: str | None = None  # why the engine asked for did not run
    persons: int = 0
    changed: int = 0
    errors_old: int = 0
    errors_new: int = 0
    became_errors: int = 0  # checked under the old book, an error record under the new
    ended_errors: int = 0  # an error record under the old book, checked under the new
    rules: dict = field(default_factory=dict)  # rule id -> RuleChange
    days_gained: int = 0
    days_lost: int = 0
    persons_more: int = 0
    persons_fewer: int = 0
    examples: list = field(default_factory=list)
    runs: dict = field(default_factory=dict)  # "old"/"new" -> the run's Summary

    def to_json(self) -> dict:
        """The versioned JSON layout (``impact_version``); keys are only ever added."""
        return {
            "impact_version": IMPACT_VERSION, "as_of": self.as_of, "engine": self.engine,
            "engine_note": self.engine_note, "old": self.old.to_json(), "new": self.new.to_json(),
            "population": self.population, "persons": self.persons, "changed": self.changed,
            "errors": {"old": self.errors_old, "new": self.errors_new},
            "error_changes": {"became": self.became_errors, "ended": self.ended_errors},
            "rules": [change.to_json() for _, change in sorted(self.rules.items(), key=_busiest)],
            "unpaid_days": {"gained": self.days_gained, "lost": self.days_lost,
                            "persons_more": self.persons_more, "persons_fewer": self.persons_fewer},
            "examples": self.examples,
            "runs": {run: {"output": str(Path(self.output_dir) / run), "partitions": summary.partitions,
                           "resumed": summary.skipped, "recomputed": summary.recomputed}
                     for run, summary in self.runs.items()},
        }

    def to_text(self, lang: str | None = None) -> str:
        """The result for a reader, in Danish or English (default: the new rule book's language)."""
        return render(self.to_json(), lang or self.new.language)


def _busiest(item) -> tuple:
    rule, change = item
    return -change.persons, rule


# ---------------------------------------------------------------------------- comparing two records

def keyed(record: dict, kind: str) -> dict:
    """``(rule, instance, n) -> day`` of a record's violations or legal effects in force; ``n`` counts
    repeats of one (rule, instance), so that no item hides behind another."""
    items, day = KINDS[kind]
    out, seen = {}, {}
    for item in record.get(items) or ():
        key = (item["rule"], item["instance"])
        seen[key] = seen.get(key, -1) + 1
        out[(*key, seen[key])] = item[day]
    return out


_ABSENT = object()  # an item the record does not hold (a held item's day may itself be null)


def differences(old: dict, new: dict) -> list:
    """The changed items of one person checked under both books, in (rule, instance) order:
    ``(kind, rule, instance, old_day, new_day)``, a day ``_ABSENT`` where the record does not hold the item."""
    found = []
    for kind in KINDS:
        before, after = keyed(old, kind), keyed(new, kind)
        for key in sorted(before.keys() | after.keys()):
            if key not in before or key not in after or before[key] != after[key]:
                found.append((kind, key[0], key[1], before.get(key, _ABSENT), after.get(key, _ABSENT)))
    return found


class Comparison:
    """Counts the differences of person after person; keeps the first ``examples`` who change."""

    def __init__(self, impact: Impact, examples: int):
        self.impact, self.wanted = impact, examples

    def add(self, old: dict, new: dict) -> None:
        result = self.impact
        result.persons += 1
        old_error, new_error = old["status"] != "ok", new["status"] != "ok"
        result.errors_old += old_error
        result.errors_new += new_error
        if old_error or new_error:
            if old_error and new_error:
                return
            result.became_errors += new_error
            result.ended_errors += old_error
            result.changed += 1
            self._example(old, new, [])
            return
        found = differences(old, new)
        days = new["unpaid_days"] - old["unpaid_days"]
        if not found and not days:
            return
        result.changed += 1
        self._count(found)
        if days > 0:
            result.days_gained, result.persons_more = result.days_gained + days, result.persons_more + 1
        elif days < 0:
            result.days_lost, result.persons_fewer = result.days_lost - days, result.persons_fewer + 1
        self._example(old, new, found)

    def _count(self, found: list) -> None:
        touched = set()
        for kind, rule, _, before, after in found:
            change = self.impact.rules.get(rule)
            if change is None:
                change = self.impact.rules[rule] = RuleChange(rule, _title(self.impact, rule))
            counter = "violations" if kind == "violation" else "in_force"
            how = "gained" if before is _ABSENT else "lost" if after is _ABSENT else "moved"
            setattr(change, f"{counter}_{how}", getattr(change, f"{counter}_{how}") + 1)
            touched.add(rule)
        for rule in touched:
            self.impact.rules[rule].persons += 1

    def _example(self, old: dict, new: dict, found: list) -> None:
        if len(self.impact.examples) >= self.wanted:
            return
        example = {"id": old["id"], "unpaid_days": {"old": old.get("unpaid_days"), "new": new.get("unpaid_days")},
                   "changes": [_change(*item) for item in found]}
        if old["status"] != "ok" or new["status"] != "ok":
            example["error"] = {"old": old.get("error"), "new": new.get("error")}
        self.impact.examples.append(example)


def _change(kind: str, rule: str, instance: str, before, after) -> dict:
    day = KINDS[kind][1]
    return {"rule": rule, "instance": instance, "kind": kind,
            "old": None if before is _ABSENT else {day: before},
            "new": None if after is _ABSENT else {day: after}}


def _title(result: Impact, rule: str) -> dict:
    return result.new.titles.get(rule) or result.old.titles.get(rule) or {"da": rule, "en": rule}


# ---------------------------------------------------------------------------- the run

def impact(old_rules, new_rules, population, *, as_of, output_dir, engine=None, scheduler=None, workers=None,
           partition_size=1000, examples=10, progress=True) -> Impact:
    """Check ``population`` under two rule books and say who changes, how, and for which rules.

    ``population`` is what :func:`frist.batch.run_batch` reads (JSON Lines or Parquet, a timeline or
    an event a row); both books are run with ``run_batch`` into ``output_dir/old`` and
    ``output_dir/new`` (a rerun resumes them), and the part files are then compared person by
    person, streamed.  ``engine`` is ``"local"``, ``"columnar"`` or ``"dask"`` (with
    ``scheduler``); by default the fastest installed: ``"columnar"`` where its extra is installed,
    else ``"local"``.  When the columnar engine cannot evaluate one of the books, both are checked
    with the local engine and :attr:`Impact.engine_note` says why.  ``examples`` persons who change
    are kept, the first in the input's order.

    Bad inputs raise :class:`~frist.errors.FristError`, located, as ``frist batch`` does: a bad
    date or option, a population that cannot be read (exit 3), a rule book that cannot be read
    (every such problem of both books at once), an output directory of another run.
    """
    _check_arguments(engine, scheduler, workers, partition_size, examples)
    day = check_date(as_of)
    source = Path(population)
    read_persons(source).close()  # a missing or unrecognisable population, before the rule books
    books = load_books(old_rules, new_rules)
    out = default_output(*books) if output_dir is None else Path(output_dir)
    _check_output(out)
    engine, note = choose_engine(engine, books)
    result = Impact(day.isoformat(), engine, *books, population=str(population), output_dir=str(out),
                    engine_note=note)
    for run, book in zip(RUNS, books):
        result.runs[run] = run_batch(source, out / run, rules=book.path, as_of=day, engine=engine,
                                     scheduler=scheduler, workers=workers, partition_size=partition_size,
                                     output_format="jsonl", detail="violations", progress=progress)
    comparison = Comparison(result, examples)
    for old, new in paired_records(out, result.runs["old"].partitions):
        comparison.add(old, new)
    _write_atomic(out / RESULT, (json.dumps(result.to_json(), ensure_ascii=False, indent=2) + "\n").encode())
    return result


def _check_arguments(engine, scheduler, workers, partition_size, examples) -> None:
    """Every bad option at once, before any work (``run_batch`` checks them again)."""
    problems = []
    if engine is not None and engine not in ENGINES:
        problems.append(f"--engine {engine}: use one of {', '.join(ENGINES)}")
    if engine == "dask" and not scheduler:
        problems.append("--engine dask needs --scheduler ADDRESS")
    if workers is not None and (isinstance(workers, bool) or not isinstance(workers, int) or workers < 1):
        problems.append(f"--workers {workers}: give a positive number")
    if isinstance(partition_size, bool) or not isinstance(partition_size, int) or partition_size < 1:
        problems.append(f"--partition-size {partition_size}: give a positive number")
    if isinstance(examples, bool) or not isinstance(examples, int) or examples < 0:
        problems.append(f"--examples {examples!r}: give a whole number, 0 or more")
    if problems:
        raise FristError([Diagnostic(p, COMMAND_LINE) for p in problems])


def load_books(old_rules, new_rules) -> tuple:
    """Both rule books, compiled (from the cache); the problems of both are reported together."""
    books, problems = [], []
    for path in (old_rules, new_rules):
        try:
            module = rules_module(read_text(path), str(path))
        except FristError as exc:
            problems += exc.diagnostics
            continue
        info = module.BOOK
        titles = {}
        for rule in module.RULES:
            titles.setdefault(rule.id, dict(rule.title))
        books.append(Book(str(path), info["digest"], info["name"], info.get("language") or "da", titles))
    if problems:
        raise RuleBookError(problems)
    return tuple(books)


def default_output(old: Book, new: Book) -> Path:
    """``frist-diff-<old digest>-<new digest>`` (12 characters of each) in the current folder."""
    return Path(f"frist-diff-{old.digest[:12]}-{new.digest[:12]}")


def _check_output(out: Path) -> None:
    """``out`` holds the two runs and the result, or nothing yet: never a folder of other files."""
    if out.exists() and not out.is_dir():
        raise _refuse(out, "the output exists and is not a directory")
    strangers = sorted(p.name for p in out.iterdir() if p.name not in (*RUNS, RESULT) and
                       not p.name.startswith(".tmp-")) if out.is_dir() else []
    if strangers:
        raise _refuse(out, f"{out} holds other files than the runs of frist diff: {', '.join(strangers[:5])}")


def _refuse(where: Path, message: str) -> FristError:
    return FristError(Diagnostic(message, Span(str(where), 1, 1),
                                 hint="write to a new output directory (or delete this one to start over)"))


def columnar_installed() -> bool:
    """Whether every package of the ``columnar`` extra is installed."""
    return all(importlib.util.find_spec(package) is not None
               for package, extra in optional.EXTRAS.items() if extra == "columnar")


def choose_engine(engine: str | None, books: tuple) -> tuple:
    """``(engine, note)``: the engine asked for, or the fastest installed; the local engine, with a
    note saying why, when the columnar engine cannot evaluate one of the books."""
    if engine is None:
        engine = "columnar" if columnar_installed() else "local"
    if engine != "columnar":
        return engine, None
    for package, extra in optional.EXTRAS.items():
        if extra == "columnar":
            optional.require(package, "--engine columnar")
    from .batch import columnar_book
    from .columnar.program import ColumnarError

    for book in books:
        try:
            columnar_book(read_text(book.path), book.path)
        except ColumnarError as exc:
            return "local", (f"the columnar engine cannot evaluate {book.path} ({exc.first.format().splitlines()[0]}); "
                             f"both rule books were checked with the local engine")
    return engine, None


def paired_records(out: Path, partitions: int):
    """``(old record, new record)`` for each person, in input order, read a line at a time from the two
    runs' part files (both hold the same persons in the same partitions)."""
    for index in range(partitions):
        paths = [part_path(out / run, index, "jsonl") for run in RUNS]
        with paths[0].open("rb") as old_lines, paths[1].open("rb") as new_lines:
            for number, (old, new) in enumerate(itertools.zip_longest(old_lines, new_lines), 1):
                old, new = (None if line is None else json.loads(line) for line in (old, new))
                if old is None or new is None or (type(old["id"]), old["id"]) != (type(new["id"]), new["id"]):
                    raise FristError(Diagnostic(
                        f"the runs disagree on who is on line {number}: {_who(old)} and {_who(new)}",
                        Span(str(paths[1]), number, 1),
                        hint=f"run the same command again, or delete {out} to start over"))
                yield old, new


def _who(record: dict | None) -> str:
    return "no one" if record is None else f"`{record['id']}`"


# ---------------------------------------------------------------------------- the text

WORDS = {
    "en": {
        "head": "frist diff as of {as_of} — {population}, engine {engine}",
        "old": "old", "new": "new", "note": "Note",
        "person": ("person", "persons"),
        "changed": "{changed} of {persons} {people} change.", "nobody": "No one of {persons} {people} changes.",
        "by_rule": "By rule",
        "violations": "violations", "in_force": "legal effects in force",
        "gained": "{n} gained", "lost": "{n} lost", "moved": "{n} moved",
        "days": "Days without dagpenge: {gained} more for {more} {more_people}, {lost} fewer for {fewer} {fewer_people} "
                "(net {net:+d}).",
        "errors": "Error records: {old} under the old rule book, {new} under the new.",
        "error_changes": " {became} became one, {ended} stopped being one.",
        "examples": "Examples ({shown} of {changed})",
        "example_days": "{id}: days without dagpenge {old} → {new}",
        "became": "{id}: checked → error record", "ended": "{id}: error record → checked",
        "violation": "violated since {day}", "violation_undated": "violated", "no_violation": "not violated",
        "in_force_day": "in force from {day}", "in_force_undated": "in force", "no_in_force": "not in force",
        "files": "Part files: {out}/old and {out}/new, the result {out}/impact.json; the same command again "
                 "resumes them (this time {old} and {new} of {partitions} partitions were resumed).",
    },
    "da": {
        "head": "frist diff pr. {as_of} — {population}, motor {engine}",
        "old": "gammel", "new": "ny", "note": "Bemærk",
        "person": ("person", "personer"),
        "changed": "{changed} af {persons} {people} ændres.", "nobody": "Ingen af {persons} {people} ændres.",
        "by_rule": "Pr. regel",
        "violations": "overtrædelser", "in_force": "retsvirkninger i kraft",
        "gained": "{n} kommet til", "lost": "{n} bortfaldet", "moved": "{n} flyttet",
        "days": "Dage uden dagpenge: {gained} flere for {more} {more_people}, {lost} færre for {fewer} {fewer_people} "
                "(i alt {net:+d}).",
        "errors": "Fejlposter: {old} efter den gamle regelbog, {new} efter den nye.",
        "error_changes": " {became} blev fejlposter, {ended} ophørte med at være det.",
        "examples": "Eksempler ({shown} af {changed})",
        "example_days": "{id}: dage uden dagpenge {old} → {new}",
        "became": "{id}: tjekket → fejlpost", "ended": "{id}: fejlpost → tjekket",
        "violation": "overtrådt siden {day}", "violation_undated": "overtrådt", "no_violation": "ikke overtrådt",
        "in_force_day": "i kraft fra {day}", "in_force_undated": "i kraft", "no_in_force": "ikke i kraft",
        "files": "Delfiler: {out}/old og {out}/new, resultatet {out}/impact.json; samme kommando igen "
                 "genoptager dem (denne gang blev {old} og {new} af {partitions} partitioner genoptaget).",
    },
}


def render(result: dict, lang: str) -> str:
    """The JSON result (:meth:`Impact.to_json`) as text of at most :data:`WIDTH` columns."""
    w = WORDS[lang if lang in WORDS else "en"]
    lines = []

    def say(text: str, indent: int = 0, more: int = 4) -> None:
        lines.extend(textwrap.wrap(text, WIDTH, initial_indent=" " * indent,
                                   subsequent_indent=" " * (indent + more)) or [""])

    say(w["head"].format(**result))
    for run in RUNS:
        book = result[run]
        say(f"{w[run]}: {book['path']} — {book['name']} ({book['digest'][:12]})", 2)
    if result["engine_note"]:
        say(f"{w['note']}: {result['engine_note']}", 2)
    lines.append("")
    say(w["changed" if result["changed"] else "nobody"].format(**result, people=_people(w, result["persons"])))
    if result["rules"]:
        lines += ["", w["by_rule"]]
    for change in result["rules"]:
        say(f"{change['rule']} — {change['title'].get(lang) or change['title'].get('en', '')}", 2)
        say(_rule_counts(change, w), 4)
    lines.append("")
    days = result["unpaid_days"]
    say(w["days"].format(gained=days["gained"], more=days["persons_more"], lost=days["lost"],
                         fewer=days["persons_fewer"], net=days["gained"] - days["lost"],
                         more_people=_people(w, days["persons_more"]), fewer_people=_people(w, days["persons_fewer"])))
    errors = w["errors"].format(**result["errors"])
    if any(result["error_changes"].values()):
        errors += w["error_changes"].format(**result["error_changes"])
    say(errors)
    if result["examples"]:
        lines += ["", w["examples"].format(shown=len(result["examples"]), changed=result["changed"])]
    for example in result["examples"]:
        _example_lines(example, w, say)
    runs = result["runs"]
    if runs:
        lines.append("")
        say(w["files"].format(out=str(Path(runs["old"]["output"]).parent), old=runs["old"]["resumed"],
                              new=runs["new"]["resumed"], partitions=runs["old"]["partitions"]))
    return "\n".join(lines) + "\n"


def _rule_counts(change: dict, w: dict) -> str:
    parts = []
    for counter in ("violations", "in_force"):
        counts = [w[how].format(n=change[f"{counter}_{how}"]) for how in ("gained", "lost", "moved")
                  if change.get(f"{counter}_{how}")]
        if counts:
            parts.append(f"{w[counter]} {', '.join(counts)}")
    return f"{change['persons']} {_people(w, change['persons'])}: {'; '.join(parts)}"


def _people(w: dict, count: int) -> str:
    return w["person"][count != 1]


def _example_lines(example: dict, w: dict, say) -> None:
    error = example.get("error")
    if error is None:
        days = example["unpaid_days"]
        say(w["example_days"].format(id=example["id"], old=days["old"], new=days["new"]), 2)
    else:
        say(w["became" if error["new"] else "ended"].format(id=example["id"]), 2)
        say((error["new"] or error["old"]).splitlines()[0], 4)
    for change in example["changes"]:
        say(f"{change['rule']}, {change['instance']}: {_state(change['old'], change['kind'], w)} → "
            f"{_state(change['new'], change['kind'], w)}", 4)


def _state(side: dict | None, kind: str, w: dict) -> str:
    if kind == "violation":
        if side is None:
            return w["no_violation"]
        day = side["violated_since"]
        return w["violation"].format(day=day) if day else w["violation_undated"]
    if side is None:
        return w["no_in_force"]
    return w["in_force_day"].format(day=side["from"]) if side["from"] else w["in_force_undated"]
