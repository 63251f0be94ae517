"""The text report, for caseworkers: what needs acting on, on one screen, in Danish or English.

:func:`render` lays out a :class:`~frist.report.Report`: a first line with the check date, where it
came from and the timeline; then what is violated, by holder; the legal effects in force (the law at
work, nobody's breach); what is pending, the next deadline first; a count of the other results; and
dagpenge day by day.  Each violated or in-force rule shows its title, its consequence and one line
of citations.  The instances of a rule with the same status share one line (``uge 2024-W10 –
2024-W21 (8 uger)``), so that the default report fits on one screen: at most :data:`SCREEN_LINES`
lines of :data:`WIDTH` columns.  ``every_result`` (``frist check --all``) lists every result, one
line each, with the words of the sources and the full readings.

The engine's reasons and actions are English; :data:`DA_PHRASES` renders the fixed ones in Danish,
naming a rule by its Danish title.  Text that no pattern matches is shown as it is.  Colour comes
from rich, and only when asked for: the plain text has no escape codes.
"""

from __future__ import annotations

import io
import itertools
import re
from dataclasses import dataclass

from .report import HOLDERS, in_force_from
from .runtime import engine

WIDTH = 100  # columns of every line
MIN_WIDTH = 40
SCREEN_LINES = 60  # "one screen": the default report of every persona fits (tests/test_report_text.py)
LANGUAGES = ("da", "en")
LISTED = ("violated", "in_force", "pending")  # what the default report lists; the others it counts
FOLDED = ("fulfilled", "not_in_force", "waived", "not_applicable")
GROUP_LISTED = 3  # up to this many instances of a rule are named one by one; more, as first – last

STYLES = {"violated": "red", "in_force": "magenta", "pending": "yellow", "payable": "green",
          "not_payable": "red", "heading": "bold", "title": "bold", "warning": "yellow"}

WORDS = {
    "en": {
        "head": "frist report as of {date}{source} — {timeline}",
        "as_of_from": {"argument": "", "timeline": " (the timeline's as_of)",
                       "today": " (today: no --as-of was given and the timeline names no as_of)"},
        "sections": {"person": "Violated — duties of the person", "akasse": "Violated — duties of the a-kasse",
                     "jobcenter": "Violated — duties of the jobcenter",
                     "in_force": "In force — legal effects: the law at work, nobody's breach",
                     "pending": "Pending — what falls due next",
                     "fulfilled": "Fulfilled", "not_in_force": "Not in force", "waived": "Waived",
                     "not_applicable": "Not applicable"},
        "status": {"violated": "violated", "in_force": "in force", "pending": "pending", "fulfilled": "fulfilled",
                   "not_in_force": "not in force", "waived": "waived", "not_applicable": "not applicable"},
        "nothing": "Nothing is violated, in force or pending.",
        "deadline": "deadline {}", "since": "since {}", "in_force_from": "in force from {}",
        "violated_range": "first since {}, last {}", "in_force_range": "in force from {}, last {}",
        "deadline_range": "next deadline {}, last {}",
        "at_least": "{} of {}", "at_most": "{}, at most {}", "by": "by {}",
        "consequence": "Consequence:", "source": "Source:", "reading": "Reading:",
        "period": "{} {}, period {}", "week": "week", "weeks": "weeks",
        "times": "times", "periods": "periods", "in_all": "in all", "on": "on {}", "open": "from {}, still running",
        "folded": "Not listed: {} (--all lists them)",
        "readings": "Readings applied where the sources disagree: {} (--all shows them)",
        "readings_all": "Readings applied where the sources disagree",
        "ambiguous": "warning: {family} for the registration of {on}: AMBIGUOUS: {rules}",
        "no_version": "warning: {family} for the registration of {on}: NO VERSION applies",
        "benefit": "Dagpenge day by day", "payable": "payable", "not_payable": "not payable", "no_days": "no days",
        "benefit_from": "Dagpenge {}: ", "paid_all": "payable every day", "paid_except": "payable every day except",
        "paid_none": "not payable on any day",
    },
    "da": {
        "head": "frist-rapport pr. {date}{source} — {timeline}",
        "as_of_from": {"argument": "", "timeline": " (tidslinjens as_of)",
                       "today": " (i dag: hverken --as-of eller tidslinjens as_of er angivet)"},
        "sections": {"person": "Overtrådt — personens pligter", "akasse": "Overtrådt — a-kassens pligter",
                     "jobcenter": "Overtrådt — jobcentrets pligter",
                     "in_force": "I kraft — retsvirkninger: loven virker, ingen har overtrådt noget",
                     "pending": "Afventer — det, der forfalder næste gang",
                     "fulfilled": "Opfyldt", "not_in_force": "Ikke i kraft", "waived": "Undtaget",
                     "not_applicable": "Gælder ikke"},
        "status": {"violated": "overtrådt", "in_force": "i kraft", "pending": "afventer", "fulfilled": "opfyldt",
                   "not_in_force": "ikke i kraft", "waived": "undtaget", "not_applicable": "gælder ikke"},
        "nothing": "Intet er overtrådt, i kraft eller afventer.",
        "deadline": "frist {}", "since": "siden {}", "in_force_from": "i kraft fra {}",
        "violated_range": "første siden {}, sidste {}", "in_force_range": "i kraft fra {}, sidste {}",
        "deadline_range": "næste frist {}, sidste {}",
        "at_least": "{} af {}", "at_most": "{}, højst {}", "by": "ved {}",
        "consequence": "Følge:", "source": "Kilde:", "reading": "Læsning:",
        "period": "{} {}, periode {}", "week": "uge", "weeks": "uger",
        "times": "gange", "periods": "perioder", "in_all": "i alt", "on": "den {}", "open": "fra {}, stadig i gang",
        "folded": "Ikke vist: {} (--all viser dem)",
        "readings": "Læsninger anvendt, hvor kilderne er uenige: {} (--all viser dem)",
        "readings_all": "Læsninger anvendt, hvor kilderne er uenige",
        "ambiguous": "advarsel: {family} for tilmeldingen {on}: TVETYDIG: {rules}",
        "no_version": "advarsel: {family} for tilmeldingen {on}: INGEN VERSION gælder",
        "benefit": "Dagpenge dag for dag", "payable": "udbetales", "not_payable": "udbetales ikke",
        "no_days": "ingen dage", "benefit_from": "Dagpenge {}: ", "paid_all": "udbetales alle dage",
        "paid_except": "udbetales alle dage undtagen", "paid_none": "udbetales ingen dage",
    },
}

DA_WORDS = {"from": "fra", "before": "før", "and": "og", "registrations": "tilmeldinger", "dates": "datoer",
            "days": "dage", "weeks": "uger", "months": "måneder", "years": "år", "business": "hverdage",
            "hours": "timer"}

_RULE, _DATE = r"`(?P<rule>[^`]+)`", r"(?P<date>\d{4}-\d\d-\d\d)"
# the engine's fixed English phrases (reasons, actions, instance labels) and their Danish renderings;
# a group named `rule` becomes the rule's Danish title, `event`/`state` its Danish name, `reason` is
# rendered again, `words` word by word (DA_WORDS); the first pattern that matches the whole text wins
DA_PHRASES = tuple((re.compile(pattern), danish) for pattern, danish in (
    (_RULE + " in force", "{rule} er i kraft"),
    (_RULE + " broken", "{rule} er overtrådt"),
    (_RULE + " broken in the week", "{rule} er overtrådt i ugen"),
    (r"deregistered: (?P<reason>.+)", "afmeldt: {reason}"),
    (r"miss (?P<n>\d+) of " + _RULE + ", not met within grace", "{n}. forsømmelse af {rule}, ikke opfyldt i respitten"),
    (r"miss (?P<n>\d+) of " + _RULE, "{n}. forsømmelse af {rule}"),
    (r"day without dagpenge \(" + _RULE + r"\)", "dag uden dagpenge ({rule})"),
    (r"(?P<n>[\d.]+) hours taken \(" + _RULE + r"\)", "{n} timer fratrukket ({rule})"),
    (r"quarantine of (?P<n>[\d.]+) hours \(" + _RULE + r"\)", "karantæne på {n} timer ({rule})"),
    (r"right to dagpenge lost \(" + _RULE + r"\)", "retten til dagpenge er mistet ({rule})"),
    (r"not registered as unemployed", "ikke tilmeldt som ledig"),
    (r"never registered as unemployed", "aldrig tilmeldt som ledig"),
    (r"the person receives (?P<benefit>\w+), not dagpenge", "personen modtager {benefit}, ikke dagpenge"),
    (r"benefit period used up on " + _DATE, "dagpengeperioden er opbrugt {date}"),
    (r"nothing in the timeline to which the rule applies", "intet i tidslinjen, som reglen gælder for"),
    (r"the clock has not yet run out", "tiden er endnu ikke gået"),
    (r"not yet started", "endnu ikke begyndt"),
    (r"not in force: the rule covers (?P<words>.+)", "ikke i kraft: reglen gælder {words}"),
    (r"the person is not covered \(see `applies`\)", "personen er ikke omfattet (se `applies`)"),
    (r"the person is not covered", "personen er ikke omfattet"),
    (r"the rule stopped applying before the period was complete", "reglen holdt op med at gælde, før perioden var gået"),
    (r"the (?P<state>\w+) spell ended before the period was complete", "perioden med {state} sluttede, før perioden var gået"),
    (r"week with `(?P<event>\w+)` is not counted", "uge med {event} tælles ikke med"),
    (r"no whole week `(?P<state>\w+)` while the rule was in force", "ingen hel uge med {state}, mens reglen var i kraft"),
    (r"too few where (?P<where>.+)", "for få, hvor {where}"),
    (r"never `(?P<state>\w+)`", "aldrig {state}"),
    (r"no `(?P<event>\w+)` yet", "endnu ingen {event}"),
    (r"no `(?P<event>\w+)` while `(?P<state>\w+)`", "ingen {event} under {state}"),
    # actions
    (r"no dagpenge", "ingen dagpenge"),
    (r"no dagpenge for the week", "ingen dagpenge for ugen"),
    (r"no dagpenge during (?P<state>\w+)", "ingen dagpenge under {state}"),
    (r"reminder", "påmindelse"),
    (r"deregistration", "afmelding"),
    (r"availability assessment", "vurdering af rådighed"),
    (r"quarantine", "karantæne"),
    (r"right to dagpenge lost", "retten til dagpenge mistet"),
    # instances that stand for no single event
    (r"no (?P<event>\w+) up to " + _DATE, "ingen {event} til og med {date}"),
    (r"(?P<event>\w+) within (?P<words>.+) up to " + _DATE, "{event} inden for {words} til og med {date}"),
    (r"weeks from (?P<week>\S+)", "uger fra {week}"),
    (r"(?P<state>\w+) from " + _DATE, "{state} fra {date}"),
    (r"(?P<state>\w+) " + _DATE + r" period (?P<period>\S+)", "{state} {date}, periode {period}"),
))


def render(report, *, every_result: bool = False, lang: str | None = None, width: int = WIDTH,
           color: bool = False) -> str:
    """The report as text of at most ``width`` columns, in ``lang`` (da | en; default the rule book's
    ``language``, else da); coloured with ANSI codes (by rich) only when ``color``."""
    lang = lang or report.book.get("language") or "da"
    if lang not in LANGUAGES:
        raise ValueError(f"lang {lang!r}: a report speaks {' or '.join(LANGUAGES)}")
    if width < MIN_WIDTH:  # the indents of wrapped lines need room
        raise ValueError(f"width {width}: a report needs at least {MIN_WIDTH} columns")
    page = _Page(width)
    _Writer(report, lang, every_result, page).write()
    return page.coloured() if color else page.plain()


# ====================================================================== lines that fit
class _Page:
    """Lines of at most ``width`` columns, each a list of (text, style) pieces; long text is wrapped
    at spaces and continues with a hanging indent."""

    def __init__(self, width: int):
        self.width, self.lines = width, []

    def blank(self) -> None:
        if self.lines and self.lines[-1]:
            self.lines.append([])

    def add(self, *pieces, indent: int = 0, hang: int | None = None) -> None:
        hang = indent + 2 if hang is None else hang
        line, used = [(" " * indent, None)], indent
        for space, word in _words(pieces):
            size = sum(len(text) for text, _ in word)
            if used > len(line[0][0]) and used + len(space) + size > self.width:
                self.lines.append(line)
                line, used = [(" " * hang, None)], hang
            if used > len(line[0][0]):
                line.append((space, word[0][1] if line[-1][1] == word[0][1] else None))  # a styled run stays one
                used += len(space)
            for text, style in word:
                while used + len(text) > self.width:  # a word longer than a line: cut it
                    room = self.width - used
                    line.append((text[:room], style))
                    self.lines.append(line)
                    line, used, text = [(" " * hang, None)], hang, text[room:]
                line.append((text, style))
                used += len(text)
        self.lines.append(line)

    def plain(self) -> str:
        return "".join("".join(text for text, _ in line).rstrip() + "\n" for line in self.lines)

    def coloured(self) -> str:
        from rich.console import Console  # only a coloured report needs rich
        from rich.text import Text

        out = io.StringIO()
        # the caller chose colour (frist check --color): NO_COLOR and TERM are the caller's to weigh
        console = Console(file=out, force_terminal=True, color_system="standard", no_color=False, width=self.width,
                          highlight=False, markup=False, emoji=False, soft_wrap=True)
        for line in self.lines:
            text = Text()
            for style, pieces in itertools.groupby(line, key=lambda piece: piece[1]):
                text.append("".join(piece for piece, _ in pieces), style=STYLES.get(style, style))
            text.rstrip()
            console.print(text)
        return out.getvalue()


def _words(pieces) -> list:
    """The words of ``pieces`` (text, or (text, style)), each with the space before it; a word may
    join pieces of different styles (``»title«:``)."""
    words = []
    for piece in pieces:
        text, style = piece if isinstance(piece, tuple) else (piece, None)
        for run in re.findall(r"\s+|\S+", text):
            if run.isspace():
                if words and not words[-1][1]:
                    words[-1][0] += run
                else:
                    words.append([run, []])
            elif words:
                words[-1][1].append((run, style))
            else:
                words.append(["", [(run, style)]])
    return [(space, word) for space, word in words if word]


# ====================================================================== the report, section by section
@dataclass
class _Group:
    """The results of one rule with one status: one line by default, one line each with ``--all``."""

    rule: engine.RuleInfo
    status: str
    results: list


class _Writer:
    """Writes one report onto a page, section by section, in one language."""

    def __init__(self, report, lang: str, every_result: bool, page: _Page):
        self.report, self.lang, self.every, self.page = report, lang, every_result, page
        self.w = WORDS[lang]
        self.rules = {r.rule.id: r.rule for r in report.results}
        self.sources = report.book.get("sources", {})
        self.phrases = Phrases(report.book, self.rules)

    def write(self) -> None:
        r, w = self.report, self.w
        self.page.add(w["head"].format(date=r.as_of.isoformat(), source=w["as_of_from"][r.as_of_from],
                                       timeline=r.timeline.name), hang=2)
        groups = self.groups()
        for holder in HOLDERS:
            self.section(w["sections"][holder], "violated", [g for g in groups["violated"] if g.rule.holder == holder])
        self.section(w["sections"]["in_force"], "in_force", groups["in_force"])
        self.section(w["sections"]["pending"], "pending", groups["pending"])
        if not any(groups[s] for s in LISTED):
            self.page.blank()
            self.page.add(w["nothing"])
        if self.every:
            for status in FOLDED:
                self.section(w["sections"][status], status, groups[status])
        self.page.blank()
        folded = [f"{n} {w['status'][s]}" for s, n in r.counts().items() if n and s in FOLDED]
        if folded and not self.every:
            self.page.add(w["folded"].format(", ".join(folded)))
        self.readings()
        for v in r.ambiguities():
            key = "ambiguous" if v["rules"] else "no_version"
            self.page.add((w[key].format(family=v["family"], on=v["on"], rules=", ".join(v["rules"])), "warning"))
        self.benefit()

    def groups(self) -> dict:
        """The results by status, each status's grouped by rule, in the order a reader acts on them."""
        out = {s: {} for s in (*LISTED, *FOLDED)}
        for r in self.report.results:
            out[r.status].setdefault(r.rule.id, _Group(r.rule, r.status, [])).results.append(r)
        order = {"violated": lambda g: min(_iso(r.violated_since) for r in g.results),
                 "in_force": lambda g: min(in_force_from(r) or "" for r in g.results),
                 "pending": lambda g: min(_iso(r.deadline) or "9999" for r in g.results)}  # no deadline: last
        return {s: sorted(by_rule.values(), key=order[s]) if s in order else list(by_rule.values())
                for s, by_rule in out.items()}

    def section(self, heading: str, status: str, groups: list) -> None:
        if not groups:
            return
        self.page.blank()
        count = sum(len(g.results) for g in groups)
        self.page.add((f"{heading} ({count})", f"bold {STYLES[status]}" if status in STYLES else "heading"))
        for g in groups:
            for results in ([r] for r in g.results) if self.every else [g.results]:
                label, facts = self.instances(results), self.facts(g.status, results)
                self.page.add((self.title(g.rule), "title"), *([" — ", label] if label != "-" else []),
                              *([": ", (facts, status if status in STYLES else None)] if facts else []),
                              indent=2, hang=6)
            if status in ("violated", "in_force"):
                self.why(g.rule)

    def why(self, rule) -> None:
        """A rule broken or in force: its consequence, its sources, and its reading where they disagree."""
        w, lang = self.w, self.lang
        self.page.add(w["consequence"], " ", _text(rule.consequence, lang), indent=4, hang=6)
        self.page.add(w["source"], " ", "; ".join(dict.fromkeys(f"{s} {_section(sec)}" for s, sec, _ in rule.cites)),
                      indent=4, hang=6)
        if self.every:
            for source, section, quote in rule.cites:
                name = self.sources.get(source, {}).get("title", source)
                for passage in quote:
                    self.page.add(f"{source} {section} ({name}): \u201c{' '.join(passage.split())}\u201d",
                                  indent=6, hang=8)
        if rule.reading:
            text = _text(rule.reading, lang)
            room = self.page.width - 5 - len(w["reading"])
            self.page.add(w["reading"], " ", text if self.every else _brief(text, room), indent=4, hang=6)

    def readings(self) -> None:
        """The rules not listed above that applied a reading where the sources disagree."""
        shown = {r.rule.id for r in self.report.results if r.status in ("violated", "in_force")}
        applied = {}
        for r in self.report.results:
            nothing = r.status == engine.NOT_APPLICABLE or (r.status == engine.NOT_IN_FORCE and r.anchor is None)
            if r.rule.reading and r.rule.id not in shown and not nothing:  # the rule judged something
                applied.setdefault(r.rule.id, r.rule)
        if not applied:
            return
        if not self.every:
            self.page.add(self.w["readings"].format(", ".join(f"`{rid}`" for rid in applied)))
            return
        self.page.blank()
        self.page.add((self.w["readings_all"], "heading"))
        for rule in applied.values():
            self.page.add((self.title(rule), "title"), f" (`{rule.id}`): ", _text(rule.reading, self.lang),
                          indent=2, hang=6)

    def benefit(self) -> None:
        """Dagpenge day by day: by default the days not paid, each run with its reasons, under a line that
        says that every other day is paid; with ``--all``, every run, paid or not."""
        b, w = self.report.benefit, self.w
        periods = b["periods"]
        self.page.blank()
        if not b["applies"] or not periods:
            self.page.add((w["benefit"], "heading"))
            self.page.add(self.say(b["reason"]) if b["reason"] else w["no_days"], indent=2)
            return
        unpaid = [p for p in periods if not p["payable"]]
        if self.every:
            self.page.add((w["benefit"], "heading"))
        else:
            which = "paid_all" if not unpaid else "paid_none" if len(unpaid) == len(periods) else "paid_except"
            self.page.add((w["benefit_from"].format(_days(periods[0]["from"], periods[-1]["to"])), "heading"),
                          (w[which], "not_payable" if unpaid else "payable"))
        if self.every:
            for p in periods:
                state = "payable" if p["payable"] else "not_payable"
                why = [": " + "; ".join(self.say(reason) for reason in p["reasons"])] if p["reasons"] else []
                self.page.add(f"{_days(p['from'], p['to']):<23}  ", (w[state], state), *why, indent=2, hang=27)
            return
        runs = []  # the unpaid runs, those that follow each other with the same reasons on one line
        for p in unpaid:
            if runs and runs[-1][0] == p["reasons"]:
                runs[-1][1].append(_days(p["from"], p["to"]))
            else:
                runs.append((p["reasons"], [_days(p["from"], p["to"])]))
        for reasons, days in runs:
            self.page.add((f"{', '.join(days):<23}", "not_payable"), "  ", "; ".join(self.say(r) for r in reasons),
                          indent=2, hang=27)

    # ---------------------------------------------------------------- one line's parts
    def title(self, rule) -> str:
        return _text(rule.title, self.lang) or rule.id

    def instances(self, results: list) -> str:
        """The instances' label: each one named, or, for many, the first and the last and how many."""
        parts = [self.instance(r) for r in results]
        kinds, nouns = {p[0] for p in parts}, {p[1] for p in parts}
        if len(parts) == 1 or len(kinds) > 1 or len(nouns) > 1 or "other" in kinds:
            whole = [" ".join(p[1:3]).strip() for p in parts]
            if len(whole) <= GROUP_LISTED:
                return "; ".join(whole)
            return f"{whole[0]} – {whole[-1]} ({len(whole)} {self.w['in_all']})"
        kind, noun = parts[0][:2]
        if len(parts) <= GROUP_LISTED:
            return f"{noun} " + ", ".join(p[2] for p in parts)
        single = kind == "week" and all(p[3] == p[4] for p in parts)
        many = self.w["weeks"] if single else self.w["times"] if kind == "event" else self.w["periods"]
        return f"{noun} {parts[0][3]} – {parts[-1][4]} ({len(parts)} {many})"

    def instance(self, r) -> tuple:
        """(kind, noun, value, first, last) of one instance: ``("week", "uge", "2024-W07–2024-W10",
        "2024-W07", "2024-W10")``; kind is week, event, period or other."""
        if r.weeks is not None:
            first, last = r.weeks
            return "week", self.w["week"], first if first == last else f"{first}–{last}", first, last
        a = r.anchor
        if a is not None and r.instance.startswith(f"{a.type} {a.date.isoformat()}"):
            day, rest = a.date.isoformat(), r.instance[len(a.type) + 11:]
            if not rest:
                return "event", self.event(a.type), day, day, day
            if rest.startswith(" period "):
                period = rest[len(" period "):]
                return "period", self.w["period"].format(self.event(a.type), day, "").rstrip(), period, period, period
        return "other", self.say(r.instance), "", r.instance, r.instance

    def facts(self, status: str, results: list) -> str:
        """Deadline, since-date, counts, reason and consequences taken, of one instance or of many."""
        w, r = self.w, results[0]
        one = len(results) == 1
        dates = []
        if status == "violated":
            since = sorted(_iso(x.violated_since) for x in results)
            if one:
                dates += [w["deadline"].format(_iso(r.deadline))] if r.deadline else []
                dates.append(w["since"].format(since[0]))
            else:
                dates.append(w["violated_range"].format(since[0], since[-1]))
        elif status == "in_force":
            first = sorted(in_force_from(x) or "" for x in results)
            dates.append(w["in_force_from"].format(first[0]) if one else w["in_force_range"].format(first[0], first[-1]))
        elif any(x.deadline for x in results):
            due = sorted(_iso(x.deadline) for x in results if x.deadline)
            dates.append(w["deadline"].format(due[0]) if len(due) == 1 else w["deadline_range"].format(due[0], due[-1]))
        parts = [", ".join(dates)] if dates else []
        if one and "counted" in r.detail:
            bound = "at_least" if "required" in r.detail else "at_most"
            parts.append(w[bound].format(r.detail["counted"], r.detail.get("required", r.detail.get("limit"))))
        if one and r.fulfilled_by and r.status == engine.FULFILLED:
            named = ", ".join(f"{self.event(e.type)} {e.date.isoformat()}" for e in r.fulfilled_by[:3])
            parts.append(w["by"].format(named + (" …" if len(r.fulfilled_by) > 3 else "")))
        reasons = list(dict.fromkeys(x.reason for x in results if x.reason))
        if len(reasons) == 1:
            parts.append(self.say(reasons[0]))
        return "; ".join(parts + self.actions(results))

    def actions(self, results: list) -> list:
        """The consequences taken, each kind once, with its days (for many, how many and first – last)."""
        spans = {}
        for r in results:
            for a in r.actions:
                start = a.get("from") or a.get("on")
                days = spans.setdefault(self.say(a["action"]), {})
                if start:
                    days[(start, a.get("to") if a.get("from") else start)] = None
        out = []
        for name, days in spans.items():
            days = list(days)
            if len(days) > GROUP_LISTED:
                out.append(f"{name} {len(days)} {self.w['times']}, {days[0][0]} – {days[-1][1] or '…'}")
            elif days and all(start == end for start, end in days):
                out.append(f"{name} " + self.w["on"].format(", ".join(start for start, _ in days)))
            else:
                out.append(" ".join([name, ", ".join(self.w["open"].format(start) if end is None else _days(start, end)
                                                     for start, end in days)]).strip())
        return out

    def event(self, name: str) -> str:
        return self.phrases.label(name, self.lang)

    def say(self, text: str) -> str:
        """One of the engine's English phrases in the report's language."""
        return text if self.lang == "en" else self.phrases.danish(text)


class Phrases:
    """The engine's fixed English phrases (reasons, actions, instance labels) in Danish: a rule named by
    its Danish title, an event type by its Danish name, an exception's reason in the rule book's own
    Danish (``BOOK["reasons_da"]``); a phrase it does not know stays as it is."""

    def __init__(self, book: dict, rules: dict):
        self.rules = rules  # id -> RuleInfo
        self.exceptions = book.get("reasons_da", {})
        self.labels = {name: spec.get("label") or {} for name, spec in
                       book.get("vocabulary", {}).get("events", {}).items()}

    def label(self, name: str, lang: str) -> str:
        """What reports call an event type: its ``label`` in the rule book, else its name."""
        return self.labels.get(name, {}).get(lang) or name.replace("_", " ")

    def danish(self, text: str) -> str:
        if text in self.exceptions:
            return self.exceptions[text]
        for pattern, danish in DA_PHRASES:
            match = pattern.fullmatch(text)
            if match:
                return danish.format(**{k: self.part(k, v) for k, v in match.groupdict().items()})
        return text

    def part(self, key: str, value: str) -> str:
        if key == "rule":
            rule = self.rules.get(value)
            return f"»{_text(rule.title, 'da')}«" if rule is not None else f"`{value}`"
        if key in ("event", "state"):
            return self.labels.get(value, {}).get("da") or value
        if key == "reason":
            return self.danish(value)
        if key == "words":
            return " ".join(DA_WORDS.get(word, word) for word in value.split())
        return value


def _text(texts: dict | None, lang: str) -> str:
    texts = texts or {}
    return " ".join(str(texts.get(lang) or texts.get("en") or "").split())


def _section(section: str) -> str:
    """A section as a citation line names it: its number where it has one.

    >>> _section("2. Senest 2 uger efter tilmelding som ledig"), _section("§23"), _section("Samtaler")
    ('2.', '§23', 'Samtaler')
    """
    numbered = re.match(r"(\d+(\.\d+)*\.)\s", section)
    return numbered.group(1) if numbered else section


def _brief(text: str, room: int) -> str:
    """``text`` cut at a space to fit ``room`` columns, with an ellipsis when it was cut.

    >>> _brief("Any contact with the a-kasse ends the loss", 30)
    'Any contact with the a-kasse …'
    """
    if len(text) <= room:
        return text
    return text[:room - 1].rsplit(" ", 1)[0].rstrip(",;:") + " …"


def _days(first: str, last: str) -> str:
    return first if first == last else f"{first} – {last}"


def _iso(day) -> str:
    return day.isoformat() if day is not None else ""
