"""How much of the rule catalog a rule book encodes.

Every catalog item is *encoded* (rules or parameters name its ID), *noted*
(information items, kind I, that the rule book carries as notes) or
*explained* (listed under ``not_encoded`` with the reason).  An item that is
none of these, or an ID the rule book names that the catalog does not have,
is a gap: :func:`coverage` reports it and ``frist coverage`` exits non-zero.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from .errors import Collector, Diagnostic, FristError, RuleBookError, Span
from .rulebook import RuleBook
from .source import DEFAULT_LIMITS, read_file, span_of

KINDS = tuple("ORQWCSPI")


@dataclass
class Item:
    id: str
    kinds: tuple
    area: str
    title: str
    rules: list = field(default_factory=list)
    parameters: list = field(default_factory=list)
    notes: list = field(default_factory=list)
    conflict: str = ""  # how the sources disagree on the item (the catalog's word), if they do
    reason: str | None = None

    @property
    def status(self) -> str:
        if self.rules or self.parameters:
            return "encoded"
        if self.reason:
            return "explained"
        if self.notes and set(self.kinds) <= {"I"}:
            return "noted"
        return "missing"

    def describe(self) -> str:
        if self.status == "encoded":
            return ", ".join(self.rules + [f"${p}" for p in self.parameters])
        if self.status == "noted":
            return "note: " + "; ".join(self.notes)
        if self.status == "explained":
            return "not encoded: " + self.reason
        if self.notes:
            return "MISSING: only a note, but kind " + "+".join(self.kinds) + " needs a rule or a reason"
        return "MISSING: neither encoded nor explained"


@dataclass
class Coverage:
    items: list
    unknown: list  # (id, where) named by the rule book but not in the catalog

    def gaps(self) -> list:
        return [i for i in self.items if i.status == "missing"]

    def counts(self) -> dict:
        out = {"encoded": 0, "noted": 0, "explained": 0, "missing": 0}
        for item in self.items:
            out[item.status] += 1
        return out

    def to_json(self) -> dict:
        return {"counts": self.counts(),
                "items": [{"id": i.id, "kind": list(i.kinds), "area": i.area, "title": i.title, "status": i.status,
                           "rules": i.rules, "parameters": i.parameters, "notes": i.notes, "reason": i.reason}
                          for i in self.items],
                "unknown": [{"id": u, "where": w} for u, w in self.unknown]}

    def to_text(self) -> str:
        width = max(len(i.id) for i in self.items)
        lines = [f"{i.id.ljust(width)}  {'+'.join(i.kinds).ljust(5)}  {i.describe()}" for i in self.items]
        for u, where in self.unknown:
            lines.append(f"{u.ljust(width)}  ?      UNKNOWN: named by {where} but not in the catalog")
        c = self.counts()
        lines += ["", f"{len(self.items)} catalog items: {c['encoded']} encoded, {c['noted']} noted, "
                      f"{c['explained']} explained, {c['missing']} missing"]
        return "\n".join(lines) + "\n"

    def to_markdown(self) -> str:
        lines = ["| ID | kind | encoded by |", "|---|---|---|"]
        for i in self.items:
            text = i.describe().replace("|", "\\|")
            if i.status == "encoded":
                text = ", ".join(f"`{r}`" for r in i.rules + [f"${p}" for p in i.parameters])
            lines.append(f"| {i.id} | {'+'.join(i.kinds)} | {text} |")
        return "\n".join(lines) + "\n"


def catalog_path(book: RuleBook, override: str | None = None) -> Path:
    if override:
        return Path(override)
    name = book.doc.get("catalog")
    if not name:
        raise FristError(Diagnostic("the rule book names no catalog", Span(book.path, 1, 1),
                                    hint="add `catalog: catalog.yaml` to the rule book, or pass --catalog"))
    return Path(book.path).parent / name


def load_catalog(path: Path) -> list:
    document, text = read_file(path, DEFAULT_LIMITS)
    errors = Collector(RuleBookError)
    items = document.get("items") if isinstance(document, dict) else None
    if not isinstance(items, list):
        errors.add("a catalog is a mapping with a list `items`", span_of(document) or Span(str(path), 1, 1),
                   hint="see catalog.yaml")
        errors.raise_if_any()
    out, seen = [], set()
    for i, entry in enumerate(items):
        if not isinstance(entry, dict) or not {"id", "kind"} <= set(entry):
            errors.add("a catalog item needs `id` and `kind`", span_of(items, i), hint="e.g. {id: CV-1, kind: [O, S]}")
            continue
        if entry["id"] in seen:
            errors.add(f"duplicate catalog ID `{entry['id']}`", span_of(entry, "id"))
        seen.add(entry["id"])
        kinds = tuple(entry["kind"]) if isinstance(entry["kind"], list) else (entry["kind"],)
        unknown = [k for k in kinds if k not in KINDS]
        if unknown:
            errors.add(f"catalog item `{entry['id']}` has unknown kind `{unknown[0]}`", span_of(entry, "kind"),
                       hint="kinds are " + ", ".join(KINDS))
        out.append(Item(entry["id"], kinds, entry.get("area", ""), entry.get("title", ""),
                        conflict=str(entry.get("conflict") or "")))
    errors.raise_if_any()
    return out


def coverage(book: RuleBook, catalog: list) -> Coverage:
    by_id = {i.id: i for i in catalog}
    unknown = []
    doc = book.doc
    for rule in doc["rules"]:
        for cid in rule["catalog"]:
            if cid in by_id:
                by_id[cid].rules.append(rule["id"])
            else:
                unknown.append((cid, f"rule `{rule['id']}`"))
    for name, spec in doc.get("parameters", {}).items():
        for cid in spec.get("catalog", []):
            if cid in by_id:
                by_id[cid].parameters.append(name)
            else:
                unknown.append((cid, f"parameter `{name}`"))
    for note in doc.get("notes", []):
        for cid in note["catalog"]:
            if cid in by_id:
                by_id[cid].notes.append(note["title"]["en"])
            else:
                unknown.append((cid, "a note"))
    for cid, reason in doc.get("not_encoded", {}).items():
        if cid in by_id:
            by_id[cid].reason = " ".join(reason.split())
        else:
            unknown.append((cid, "`not_encoded`"))
    return Coverage(catalog, unknown)
