"""The names of a rule book: where each is declared, and what each name in its text refers to.

A rule book declares names in YAML - event types with their fields and enum values, person
facts, states, clocks, parameters, sources, families - and uses them in the rule-language
strings of its rules (``duty:``, ``condition:``, ``applies:``, ``unless: - when:``,
``consequence.effect:``) and in a few YAML values (``source:``, ``version_of:``, a state's
``starts:`` and ``ends:``, a clock's ``runs_while:``).  :class:`Symbols` reads a document's
text and answers, for a place in it, which name stands there (:meth:`Symbols.name_at`), what it
means (:meth:`Symbols.describe`), where it is declared (:meth:`Symbols.declaration`) and which
names may be written there (:meth:`Symbols.complete`).

Places are 0-based ``(line, column)`` pairs counted in characters, as editors count lines.  A
name inside a rule-language string is found by reading the file's own text from the start of
the string's YAML node up to the place: quotes, ``>`` and ``|`` indicators and line breaks are
whitespace to the rule language, so plain, quoted and folded strings read alike.  The names
are read from the text rather than from a loaded rule book, so the answers hold for a rule
book that does not load: a misspelt name, a half-written duty.

>>> symbols = Symbols.read(EXAMPLE)  # line 14: `    duty: "within $cv_deadline after registered: cv_created"`
>>> name = symbols.name_at(14, 20)
>>> name.kind, name.name, name.start, name.end
('parameter', 'cv_deadline', (14, 18), (14, 30))
>>> symbols.declaration(name)  # the key `cv_deadline:` under `parameters:`
((9, 2), (9, 13))
>>> print(symbols.describe(name))
**$cv_deadline** — parameter (duration)
<BLANKLINE>
Versions:
- from 2015-07-01: **2 weeks** — ff-pjece §5 (Det skal du vide som ledig)
>>> symbols.name_at(14, 40).kind
'event'
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

from .errors import FristError, Span
from .source import key_span, parse_text, span_of

# The YAML keys whose values are rule-language text, and the grammar's entry point for each.
RULE_TEXT = {"duty": "duty", "condition": "duty", "applies": "condition", "when": "exception", "effect": "effect"}
# The YAML keys whose values name something declared elsewhere in the rule book.
REFERENCES = {"source": "source", "version_of": "family", "starts": "event", "ends": "event", "runs_while": "state"}
DATE_FIELDS = {"point": ("date",), "period": ("start", "end")}
PHRASES = ("at least", "at most", "more than", "less than", "other than the first", "not counting weeks with",
           "business days", "no dagpenge", "until fulfilled", "loss of right")
UNITS = ("day", "days", "week", "weeks", "month", "months", "year", "years", "business")

_TOKEN = re.compile(r"""
    (?P<param>\$[A-Za-z0-9_]*)
  | (?P<date>\d{4}-\d{2}-\d{2})
  | (?P<number>\d+(?:\.\d+)?)
  | (?P<word>[A-Za-z_][A-Za-z0-9_]*(?:'s)?)
  | (?P<string>"[^"\n]*"?)
  | (?P<comment>\#[^\n]*)
  | (?P<punct>!=|<=|>=|[^\s\w])
""", re.X)
_WORD = re.compile(r"\$?[A-Za-z_][A-Za-z0-9_]*(?:'s)?")
_INDICATOR = re.compile(r"""\s*(?:["']|[>|][-+0-9]*)?""")
_KEY_LINE = re.compile(r"[ \t]*(?:-[ \t]+)?(?P<key>[A-Za-z_]+):[ \t]*")  # matched at a line's start
_REFERENCE = re.compile(r"""(?:^|[\s{,])(?P<key>source|version_of|starts|ends|runs_while):[ \t]*["']?"""
                        r"(?P<value>[\w-]*)")
_VALUE_OPS = ("is", "=", "!=")


@lru_cache(maxsize=1)
def keywords() -> tuple:
    """The rule language's words, as its grammar spells them."""
    grammar = resources.files("frist.grammar").joinpath("frist.lark").read_text("utf-8")
    words = set(re.findall(r'"([a-z][a-z\']*)"', grammar)) | {"first"}
    return tuple(sorted(words | set(UNITS)))


@dataclass(frozen=True, slots=True)
class Name:
    """A name at a place: ``kind`` is event, field, fact, value, state, clock, parameter, source, family,
    keyword, unknown (a word the rule book does not declare) or text (a number, a sign); ``owner`` is the
    event of a field, the ``(event, field)`` of an enum value (event ``None`` for a person fact's value)."""

    kind: str
    name: str
    owner: object = None
    start: tuple = (0, 0)
    end: tuple = (0, 0)


@dataclass(frozen=True, slots=True)
class Completion:
    label: str
    kind: str  # as Name.kind
    detail: str
    start: tuple  # the place from which the completion replaces what is typed


class _Reading:
    """What the words of one rule-language string read so far refer to: the event in context, the
    field being compared, whether a ``where`` clause (or a condition on person facts) is open."""

    def __init__(self, entry: str, symbols: "Symbols"):
        self.symbols = symbols
        self.event = self.first_event = self.subject = None
        self.facts = self.where = entry == "condition"
        self.bracket = self.excluding = False
        self.words: list = []  # the texts read so far

    def fields(self) -> dict:
        if self.facts:
            return self.symbols.person
        spec = _dict(self.symbols.events.get(self.event))
        builtin = {f: {"type": "date"} for f in DATE_FIELDS.get(spec.get("kind"), ())}
        return {**builtin, **_dict(spec.get("fields"))}

    def value_position(self) -> bool:
        """Is the next word a value compared with the subject (``kind is |``, ``akasse in [FAK, |``)?"""
        last = self.words[-1] if self.words else None
        before = self.words[-2] if len(self.words) > 1 else None
        return self.subject is not None and (
            last in _VALUE_OPS or (last == "not" and before == "is") or (self.bracket and last in ("[", ",")))

    def read(self, kind: str, text: str, following: str | None):
        """The kind and owner of the token ``text``, and the reading moved past it."""
        words = self.words
        last = words[-1] if words else None
        before = words[-2] if len(words) > 1 else None
        found = ("keyword" if text in keywords() else "unknown", None) if kind == "word" else ("text", None)
        s = self.symbols
        if kind == "param":
            found = ("parameter", None)
        elif kind == "word":
            if last == "." and before is not None:
                found = ("field", before)
            elif following == ".":
                found = ("event", None)
                self.event = text
            elif last == "at" and before == "age":
                found = ("event", None)
            elif self.value_position() and not (last == "is" and text in ("at", "not")):
                found = ("value", self.subject)
            elif self.where and text in self.fields():
                found = ("fact" if self.facts else "field", None if self.facts else self.event)
                self.subject = (None if self.facts else self.event, text)
            elif last in ("while", "during") and text in s.states:
                found = ("state", None)
            elif last == "of" and text in s.clocks:
                found = ("clock", None)
            elif last == "of" and text in s.person:  # `$share of former_weekly_hours hours`
                found = ("fact", None)
            elif text in s.events:
                found = ("event", None)
                if not self.excluding:
                    self.event, self.where, self.subject = text, False, None
                    self.first_event = self.first_event or text
            elif text in s.states:
                found = ("state", None)
            elif text in s.clocks:
                found = ("clock", None)
            elif text == "where":
                self.where = True
            elif text == "counting":
                self.excluding = True
        elif text == "[":
            self.bracket = True
        elif text == "]":
            self.bracket = False
        elif text == "," and not self.bracket:  # a quota's share: `, at least 3 where ...` of the quota's events
            self.event, self.where, self.subject, self.excluding = self.first_event, False, None, False
        elif text == ":":
            # `each X: C` and `first X after A: C` state C of X; other duties name a target after the colon
            self.where = bool(words) and words[0] in ("each", "first")
            self.event, self.subject = (self.first_event if self.where else self.event), None
        words.append(text)
        return found


class Symbols:
    """The declared names of one rule-book text, and the places of its rule-language strings."""

    def __init__(self, text: str, document: dict | None, previous: "Symbols | None" = None):
        self.text = text
        self._line_starts = [0] + [m.end() for m in re.finditer("\n", text)]
        self.document = document if document is not None else (previous.document if previous else {})
        self.strings: list = []  # (entry, start offset, end offset) of each rule-language string
        self.declarations: dict = {}  # (kind, owner, name) -> (start, end) of the declaring key or value
        if document is not None:
            self._collect(document)
        elif previous is not None:  # the text does not parse: keep what the last text that did declared
            self.declarations = previous.declarations
        vocabulary = _dict(self.document.get("vocabulary"))
        self.events = _dict(vocabulary.get("events"))
        self.person = _dict(vocabulary.get("person"))
        self.states = _dict(vocabulary.get("states"))
        self.clocks = _dict(vocabulary.get("clocks"))
        self.parameters = _dict(self.document.get("parameters"))
        self.sources = _dict(self.document.get("sources"))
        self.families = _dict(self.document.get("families"))

    @classmethod
    def read(cls, text: str, name: str = "rules.yaml", previous: "Symbols | None" = None) -> "Symbols":
        """The symbols of ``text``; where it is not YAML, the declarations of ``previous``."""
        try:
            document = parse_text(text, name)
        except FristError:
            document = None
        return cls(text, document if isinstance(document, dict) else None, previous)

    # ------------------------------------------------------------------ places
    def offset(self, line: int, column: int) -> int:
        line = min(max(line, 0), len(self._line_starts) - 1)
        return min(self._line_starts[line] + column, len(self.text))

    def place(self, offset: int) -> tuple:
        line = bisect.bisect_right(self._line_starts, offset) - 1
        return line, offset - self._line_starts[line]

    def _range(self, span: Span | None):
        if span is None:
            return None
        start = (span.line - 1, span.column - 1)
        if span.end_line is None:
            return start, start
        return start, (span.end_line - 1, span.end_column - 1)

    def _collect(self, document: dict) -> None:
        declare = self.declarations
        vocabulary = _dict(document.get("vocabulary"))
        for kind, table in (("event", "events"), ("fact", "person"), ("state", "states"), ("clock", "clocks")):
            group = _dict(vocabulary.get(table))
            for name, spec in group.items():
                declare[(kind, None, name)] = self._range(key_span(group, name))
                fields = _dict(_dict(spec).get("fields")) if kind == "event" else {name: spec} if kind == "fact" else {}
                owner = name if kind == "event" else None
                for fname, fspec in fields.items():
                    if kind == "event":
                        declare[("field", owner, fname)] = self._range(key_span(fields, fname))
                    values = _dict(fspec).get("values")
                    if isinstance(values, list):
                        for i, value in enumerate(values):
                            declare[("value", (owner, fname), str(value))] = self._range(span_of(values, i))
        for kind, table in (("parameter", "parameters"), ("source", "sources"), ("family", "families")):
            group = _dict(document.get(table))
            for name in group:
                declare[(kind, None, name)] = self._range(key_span(group, name))
        for fdoc in _dict(document.get("families")).values():
            self._string(fdoc, "applies")
        rules = document.get("rules")
        for rule in rules if isinstance(rules, list) else ():
            if not isinstance(rule, dict):
                continue
            for key in ("duty", "condition", "applies"):
                self._string(rule, key)
            for item in rule.get("unless") if isinstance(rule.get("unless"), list) else ():
                self._string(item, "when")
            self._string(rule.get("consequence"), "effect")

    def _string(self, mapping, key: str) -> None:
        if not isinstance(mapping, dict) or not isinstance(mapping.get(key), str):
            return
        span = span_of(mapping, key)
        if span is None or span.end_line is None:
            return
        start = self.offset(span.line - 1, span.column - 1)
        end = self.offset(span.end_line - 1, span.end_column - 1)
        if self.text[start: start + 1] in ("'", '"'):
            end -= 1  # the closing quote
        start = _INDICATOR.match(self.text, start).end()
        self.strings.append((RULE_TEXT[key], start, end))

    def _string_at(self, offset: int):
        """The rule-language string around ``offset``: (entry, start offset), else None."""
        for entry, start, end in self.strings:
            if start <= offset <= end:
                return entry, start
        line, _ = self.place(offset)
        found = _KEY_LINE.match(self.text, self._line_starts[line])
        if found and found["key"] in RULE_TEXT and found.end() <= offset:  # a text that is not YAML just now
            start = _INDICATOR.match(self.text, found.end()).end()
            return RULE_TEXT[found["key"]], start
        return None

    def _tokens(self, start: int, end: int):
        for m in _TOKEN.finditer(self.text, start, end):
            if m.lastgroup != "comment":
                yield m.lastgroup, m.group(), m.start(), m.end()

    def _read(self, entry: str, start: int, end: int):
        """The names of the rule-language text from ``start`` to ``end``, and the reading after them."""
        reading = _Reading(entry, self)
        tokens = list(self._tokens(start, end))
        names = []
        for i, (kind, text, a, b) in enumerate(tokens):
            following = tokens[i + 1][1] if i + 1 < len(tokens) else None
            what, owner = reading.read(kind, text, following)
            name = text[1:] if kind == "param" else text
            names.append(Name(what, name, owner, self.place(a), self.place(b)))
        return names, reading

    # ------------------------------------------------------------------ questions
    def name_at(self, line: int, column: int) -> Name | None:
        """The name at a place: in a rule-language string, a reference in YAML, or a declaration."""
        offset = self.offset(line, column)
        inside = self._string_at(offset)
        if inside is not None:
            word = self._word_at(offset)
            if word is None:
                return None
            names, _ = self._read(inside[0], inside[1], word[1])
            return next((n for n in names if n.start == self.place(word[0])), None)
        line_start = self._line_starts[line]
        line_end = self.text.find("\n", line_start)
        for m in _REFERENCE.finditer(self.text, line_start, len(self.text) if line_end < 0 else line_end):
            if m.start("value") <= offset <= m.end("value") and m["value"]:
                return Name(REFERENCES[m["key"]], m["value"], None, self.place(m.start("value")),
                            self.place(m.end("value")))
        for (kind, owner, name), where in self.declarations.items():
            if where and where[0][0] == where[1][0] == line and where[0][1] <= column <= where[1][1]:
                return Name(kind, name, owner, where[0], where[1])
        return None

    def _word_at(self, offset: int):
        """The rule-language word (or ``$parameter``) at ``offset``, or ending there: (start, end)."""
        line, _ = self.place(offset)
        start = self._line_starts[line]
        end = self.text.find("\n", start)
        for m in _WORD.finditer(self.text, start, len(self.text) if end < 0 else end):
            if m.start() <= offset <= m.end():
                return m.start(), m.end()
        return None

    def declaration(self, name: Name):
        """Where ``name`` is declared: ((line, column), (line, column)), or None."""
        if name.kind == "field" and name.name in DATE_FIELDS.get(_dict(self.events.get(name.owner)).get("kind"), ()):
            return self.declarations.get(("event", None, name.owner))  # `start`, `end`, `date`: the event's own
        found = self.declarations.get((name.kind, name.owner, name.name))
        if found is None and name.kind == "value":  # `yes` and `no`: the boolean field's own declaration
            event, field = name.owner
            found = self.declarations.get(("fact", None, field) if event is None else ("field", event, field))
        return found

    def complete(self, line: int, column: int) -> list:
        """The names that may be written at a place, for the word being typed there."""
        offset = self.offset(line, column)
        line_start = self._line_starts[line]
        typed = re.search(r"\$?[\w-]*$", self.text[line_start:offset])
        start = offset - len(typed.group()) if typed else offset
        reference = re.search(r"(?:^|[\s{,])(source|version_of|starts|ends|runs_while):[ \t]*[\"']?[\w-]*$",
                              self.text[line_start:offset])
        if reference is not None and self._string_at(offset) is None:
            kind = REFERENCES[reference.group(1)]
            table = {"source": self.sources, "family": self.families, "event": self.events, "state": self.states}[kind]
            return [Completion(n, kind, self._detail(kind, n), self.place(start)) for n in table]
        inside = self._string_at(offset)
        if inside is None:
            return []
        entry, string_start = inside
        if typed and typed.group().startswith("$"):
            return [Completion("$" + n, "parameter", self._detail("parameter", n), self.place(start))
                    for n in self.parameters]
        at = self.place(start)
        if self.text[start - 1: start] == ".":  # `holiday.|`: the event's fields
            before = re.search(r"([A-Za-z_][A-Za-z0-9_]*)\.$", self.text[string_start:start])
            event = before.group(1) if before else None
            spec = _dict(self.events.get(event))
            fields = list(DATE_FIELDS.get(spec.get("kind"), ())) + list(_dict(spec.get("fields")))
            return [Completion(f, "field", self._field_detail(event, f), at) for f in fields]
        names, reading = self._read(entry, string_start, start)
        if reading.value_position():
            event, field = reading.subject
            fields = self.person if event is None else _dict(_dict(self.events.get(event)).get("fields"))
            spec = _dict(fields.get(field))
            values = {"enum": spec.get("values"), "boolean": ["yes", "no"]}.get(spec.get("type"))
            return [Completion(str(v), "value", f"a value of `{_owner_text(event, field)}`", at)
                    for v in values if isinstance(v, (str, int))] if isinstance(values, list) else []
        if reading.where and (not names or names[-1].name in ("where", "and", "or", "not", "(", ":")):
            kind = "fact" if reading.facts else "field"
            return [Completion(f, kind, self._field_detail(None if reading.facts else reading.event, f), at)
                    for f in reading.fields()]
        out = [Completion(n, "event", self._detail("event", n), at) for n in self.events]
        out += [Completion(n, "state", self._detail("state", n), at) for n in self.states]
        out += [Completion(n, "clock", self._detail("clock", n), at) for n in self.clocks]
        if entry == "condition":
            out += [Completion(n, "fact", self._field_detail(None, n), at) for n in self.person]
        out += [Completion(w, "keyword", "rule language", at) for w in (*keywords(), *PHRASES)]
        return out

    # ------------------------------------------------------------------ descriptions
    def _detail(self, kind: str, name: str) -> str:
        spec = _dict({"event": self.events, "state": self.states, "clock": self.clocks, "source": self.sources,
                      "family": self.families, "parameter": self.parameters}[kind].get(name))
        if kind == "event":
            return f"{spec.get('kind', '')} event".strip()
        if kind == "source":
            return str(spec.get("title", "source"))
        if kind == "family":
            return _text(spec.get("title")) or "family"
        if kind == "parameter":
            return ", ".join(f"{v.get('value')} from {v.get('from')}" for v in _versions(spec)) or "parameter"
        return kind

    def _field_detail(self, event, field) -> str:
        fields = self.person if event is None else _dict(_dict(self.events.get(event)).get("fields"))
        spec = _dict(fields.get(field))
        if not spec and field in ("date", "start", "end"):
            return "date"
        return _type_text(spec)

    def describe(self, name: Name) -> str | None:
        """What ``name`` means, in Markdown: its documentation from the rule book."""
        method = getattr(self, f"_describe_{name.kind}", None)
        return method(name) if method is not None else None

    def _describe_event(self, name: Name):
        spec = _dict(self.events.get(name.name))
        if not spec:
            return None
        label = _text(spec.get("label"))
        head = f"**{name.name}** — {spec.get('kind', '')} event" + (f" ({label})" if label else "")
        out = [head, ""]
        if spec.get("derived"):
            out += ["Computed by the rules, never given in a timeline.", ""]
        if spec.get("doc"):
            out += [_clean(spec["doc"]), ""]
        out.append("Fields:")
        for builtin in DATE_FIELDS.get(spec.get("kind"), ()):
            out.append(f"- `{builtin}`: date")
        for fname, fspec in _dict(spec.get("fields")).items():
            fspec = _dict(fspec)
            out.append(f"- `{fname}`: {_type_text(fspec)}" + (f" — {_clean(fspec['doc'])}" if fspec.get("doc") else ""))
        return "\n".join(out)

    def _describe_field(self, name: Name):
        event = _dict(self.events.get(name.owner))
        if not event:
            return None
        spec = _dict(_dict(event.get("fields")).get(name.name))
        if not spec:
            if name.name not in DATE_FIELDS.get(event.get("kind"), ()):
                return None
            meaning = {"date": "the day of the event", "start": "the first day, included",
                       "end": "the last day, included"}[name.name]
            return f"**{name.owner}.{name.name}** — date: {meaning}"
        return _describe_spec(f"{name.owner}.{name.name}", f"field of `{name.owner}`", spec)

    def _describe_fact(self, name: Name):
        spec = _dict(self.person.get(name.name))
        return _describe_spec(name.name, "person fact", spec) if spec else None

    def _describe_value(self, name: Name):
        event, field = name.owner
        fields = self.person if event is None else _dict(_dict(self.events.get(event)).get("fields"))
        spec = _dict(fields.get(field))
        values = {"enum": spec.get("values"), "boolean": ["yes", "no"]}.get(spec.get("type"))
        if not isinstance(values, list) or name.name not in map(str, values):
            return None
        others = ", ".join(f"`{v}`" for v in values)
        out = f"**{name.name}** — a value of `{_owner_text(event, field)}`: {others}"
        return out + (f"\n\n{_clean(spec['doc'])}" if spec.get("doc") else "")

    def _describe_state(self, name: Name):
        spec = _dict(self.states.get(name.name))
        if not spec:
            return None
        out = (f"**{name.name}** — state: from each `{spec.get('starts')}` to the day before the next "
               f"`{spec.get('ends')}`")
        return out + (f"\n\n{_clean(spec['doc'])}" if spec.get("doc") else "")

    def _describe_clock(self, name: Name):
        spec = _dict(self.clocks.get(name.name))
        if not spec:
            return None
        out = f"**{name.name}** — clock: runs only while `{spec.get('runs_while')}`"
        return out + (f"\n\n{_clean(spec['doc'])}" if spec.get("doc") else "")

    def _describe_parameter(self, name: Name):
        spec = _dict(self.parameters.get(name.name))
        if not spec:
            return None
        kinds = {"number" if isinstance(v.get("value"), (int, float)) else "duration" for v in _versions(spec)}
        out = [f"**${name.name}** — parameter" + (f" ({kinds.pop()})" if len(kinds) == 1 else ""), ""]
        if spec.get("doc"):
            out += [_clean(spec["doc"]), ""]
        out.append("Versions:")
        for version in _versions(spec):
            cite = _dict(version.get("cite"))
            source = cite.get("source")
            title = _dict(self.sources.get(source)).get("title")
            where = " ".join(str(p) for p in (source, cite.get("section")) if p)
            out.append(f"- from {version.get('from')}: **{version.get('value')}** — {where}"
                       + (f" ({title})" if title else ""))
        return "\n".join(out)

    def _describe_source(self, name: Name):
        spec = _dict(self.sources.get(name.name))
        if not spec:
            return None
        facts = ", ".join(str(spec[k]) for k in ("publisher", "year", "covers") if k in spec)
        return f"**{name.name}** — source: {spec.get('title', '')}" + (f" ({facts})" if facts else "")

    def _describe_family(self, name: Name):
        spec = _dict(self.families.get(name.name))
        if not spec:
            return None
        rules = self.document.get("rules")
        members = [r.get("id") for r in rules if isinstance(r, dict) and r.get("version_of") == name.name] \
            if isinstance(rules, list) else []
        out = f"**{name.name}** — family: {_text(spec.get('title'))}"
        return out + ("\n\nVersions and variants: " + ", ".join(f"`{m}`" for m in members) if members else "")


def _dict(value) -> dict:
    return value if isinstance(value, dict) else {}


def _versions(spec: dict) -> list:
    versions = spec.get("versions")
    return [v for v in versions if isinstance(v, dict)] if isinstance(versions, list) else []


def _clean(text) -> str:
    return " ".join(str(text).split())


def _text(value) -> str:
    """A text in the rule book's languages, as one line."""
    if isinstance(value, dict):
        return " / ".join(_clean(v) for v in value.values())
    return _clean(value) if value else ""


def _owner_text(event, field) -> str:
    return field if event is None else f"{event}.{field}"


def _type_text(spec: dict) -> str:
    kind = str(spec.get("type", "?"))
    if kind == "enum" and isinstance(spec.get("values"), list):
        kind += " (" + ", ".join(map(str, spec["values"])) + ")"
    extras = [f"default {_yaml(spec['default'])}"] if "default" in spec else []
    extras += ["optional"] if spec.get("required") is False else []
    extras += [f"at least {spec['min']}"] if "min" in spec else []
    extras += [f"at most {spec['max']}"] if "max" in spec else []
    return kind + (", " + ", ".join(extras) if extras else "")


def _yaml(value) -> str:
    """A value as the rule book writes it (``true``, not Python's ``True``)."""
    return str(value).lower() if isinstance(value, bool) else str(value)


def _describe_spec(title: str, what: str, spec: dict) -> str:
    out = f"**{title}** — {what}: {_type_text(spec)}"
    return out + (f"\n\n{_clean(spec['doc'])}" if spec.get("doc") else "")


EXAMPLE = """\
frist: 1
sources:
  ff-pjece: {title: Det skal du vide som ledig}
vocabulary:
  person: {}
  events:
    registered: {kind: point}
    cv_created: {kind: point}
parameters:
  cv_deadline:
    versions:
      - {from: 2015-07-01, value: 2 weeks, cite: {source: ff-pjece, section: "§5"}}
rules:
  - id: cv-on-jobnet
    duty: "within $cv_deadline after registered: cv_created"
"""
