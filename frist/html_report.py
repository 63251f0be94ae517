"""The report as one self-contained HTML page, for a caseworker to open or attach to a case.

:func:`to_html` builds the page from the JSON report (``Report.to_json()``) and the timeline's events:
a header (the person, the check date, the rule book), a picture of the timeline in SVG (registration
spells, dagpenge days, one mark per event, one row per rule with its instances' windows, deadlines,
violations and legal effects), every result with its explanation, and the dagpenge days.

The page references nothing outside itself: its style and its few lines of script are inline, and a
Content-Security-Policy allows that script by its hash only, so that no other script can run even if
some text escaped the escaping.  Every text from the rule book or the timeline is escaped.

>>> import frist
>>> page = to_html(frist.check("examples/young-graduate-2024.yaml", rules="rules.yaml",
...                            as_of="2024-09-01"), lang="en")  # doctest: +SKIP
>>> page.count("<svg")  # doctest: +SKIP
1
"""

from __future__ import annotations

import base64
import datetime as _dt
import hashlib
import re
from html import escape

from . import __version__, explain

LANGUAGES = ("da", "en")
# the JSON report's statuses, most in need of attention first; the page lists the first three and folds the rest
STATUSES = ("violated", "in_force", "pending", "fulfilled", "not_in_force", "waived", "not_applicable")
LISTED = STATUSES[:3]
HOLDERS = ("person", "akasse", "jobcenter", None)  # None: a legal effect, nobody's duty
WORDS = {
    "da": {
        "report": "frist-rapport", "check_date": "Kontroldato", "rulebook": "Regelsæt", "person": "Person",
        "timeline": "Tidslinje", "registered": "Tilmeldt", "dagpenge": "Dagpenge", "events": "Hændelser",
        "rules": "Pligter og retsvirkninger", "results": "Resultater", "days": "Dagpenge dag for dag",
        "payable": "udbetales", "not_payable": "udbetales ikke", "from": "Fra", "to": "Til", "number": "Dage",
        "reasons": "Begrundelse", "others": "Øvrige resultater", "deadline": "frist", "window": "Periode",
        "violated_since": "overtrådt siden", "in_force_from": "i kraft fra", "fulfilled_by": "Opfyldt af",
        "consequence": "Konsekvens", "sources": "Kilder", "reading": "Fortolkning", "explanation": "Forklaring",
        "actions": "Anvendte konsekvenser", "detail": "Detaljer", "reason": "Grund", "rule": "Regel",
        "after": "efter kontroldatoen", "open": "åben", "none": "ingen", "date": "Dato", "type": "Type",
        "fields": "Oplysninger", "legend": "Signaturforklaring",
        "ambiguous": "flere versioner gælder", "gap": "ingen version gælder", "versions": "Regelversioner",
        "event": "hændelse", "event_after": "hændelse efter kontroldatoen", "unpaid": "dag uden dagpenge",
        "spell": "tilmeldt", "made_by": "Lavet af frist", "yes": "ja", "no": "nej",
    },
    "en": {
        "report": "frist report", "check_date": "Check date", "rulebook": "Rule book", "person": "Person",
        "timeline": "Timeline", "registered": "Registered", "dagpenge": "Dagpenge", "events": "Events",
        "rules": "Duties and legal effects", "results": "Results", "days": "Dagpenge day by day",
        "payable": "payable", "not_payable": "not payable", "from": "From", "to": "To", "number": "Days",
        "reasons": "Reasons", "others": "Other results", "deadline": "deadline", "window": "Window",
        "violated_since": "violated since", "in_force_from": "in force from", "fulfilled_by": "Fulfilled by",
        "consequence": "Consequence", "sources": "Sources", "reading": "Reading", "explanation": "Explanation",
        "actions": "Consequences applied", "detail": "Detail", "reason": "Reason", "rule": "Rule",
        "after": "after the check date", "open": "open", "none": "none", "date": "Date", "type": "Type",
        "fields": "Fields", "legend": "Legend",
        "ambiguous": "several versions apply", "gap": "no version applies", "versions": "Rule versions",
        "event": "event", "event_after": "event after the check date", "unpaid": "day without dagpenge",
        "spell": "registered", "made_by": "Made by frist", "yes": "yes", "no": "no",
    },
}
AS_OF_FROM = {
    "da": {"argument": "angivet ved kørslen", "timeline": "tidslinjens as_of",
           "today": "dags dato: hverken --as-of eller as_of i tidslinjen"},
    "en": {"argument": "given on the command line", "timeline": "the timeline's as_of",
           "today": "today: no --as-of, and the timeline names no as_of"},
}
STATUS_WORDS = {
    "da": {"violated": "overtrådt", "in_force": "i kraft", "pending": "afventer", "fulfilled": "opfyldt",
           "not_in_force": "ikke i kraft", "waived": "fritaget", "not_applicable": "ikke relevant"},
    "en": {"violated": "violated", "in_force": "in force", "pending": "pending", "fulfilled": "fulfilled",
           "not_in_force": "not in force", "waived": "waived", "not_applicable": "not applicable"},
}
HOLDER_WORDS = {
    "da": {"person": "Personens pligter", "akasse": "A-kassens pligter", "jobcenter": "Jobcentrets pligter",
           None: "Retsvirkninger (lovens virkning, ingens overtrædelse)"},
    "en": {"person": "Duties of the person", "akasse": "Duties of the a-kasse",
           "jobcenter": "Duties of the jobcenter", None: "Legal effects (the law at work, nobody's breach)"},
}
MONTHS = {"da": "jan feb mar apr maj jun jul aug sep okt nov dec".split(),
          "en": "Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec".split()}
DRAWN = ("violated", "in_force", "pending", "fulfilled", "waived")  # the statuses the picture shows
RANK = {s: i for i, s in enumerate(STATUSES)}

# the picture's geometry, in SVG units (the SVG scales to the page's width)
WIDTH, LABELS, RIGHT = 1180, 320, 24
PLOT = WIDTH - LABELS - RIGHT
TOP, HEADING, LANE, ROW = 44, 22, 16, 20
NARROW, WIDE = set("iljtfrI.,:;'()[] -1|"), set("mwMWÆæøØ")  # glyph widths, for cutting labels to fit


def to_html(report, lang: str | None = None, doc_url: str | None = None) -> str:
    """The report as one HTML page in ``lang`` (da | en; default: the rule book's ``language``, else da).

    ``doc_url``: where the rule book's pages (``frist doc``) are, a folder or an address; each result's
    title then links to its rule's page there (``<doc_url>rules/<id>.html``, in the page's language)."""
    root = report.book.get("language") or "da"
    lang = lang or root
    if lang not in LANGUAGES:
        raise ValueError(f"no HTML report in {lang!r}: choose one of {', '.join(LANGUAGES)}")
    data = report.to_json()
    if lang == "da":  # the engine's reasons in Danish, as the text report has them
        from .text_report import Phrases

        say = Phrases(report.book, {r.rule.id: r.rule for r in report.results}).danish
        benefit = data["benefit"]
        benefit["reason"] = say(benefit["reason"]) if benefit.get("reason") else benefit.get("reason")
        for period in benefit["periods"]:
            period["reasons"] = [say(reason) for reason in period["reasons"]]
    words = WORDS[lang]
    body = "\n".join([_header(data, lang), _picture(data, report.timeline, lang),
                      _results(data, lang, _linker(doc_url, lang, root)), _benefit(data, lang),
                      _events(report.timeline, data, lang),
                      f'<footer>{escape(words["made_by"])} {escape(__version__)} · report_version '
                      f'{escape(data["report_version"])}</footer>'])
    script_hash = base64.b64encode(hashlib.sha256(SCRIPT.encode("utf-8")).digest()).decode("ascii")
    policy = f"default-src 'none'; style-src 'unsafe-inline'; script-src 'sha256-{script_hash}'"
    return (f'<!DOCTYPE html>\n<html lang="{lang}">\n<head>\n<meta charset="utf-8">\n'
            f'<meta name="viewport" content="width=device-width, initial-scale=1">\n'
            f'<meta http-equiv="Content-Security-Policy" content="{policy}">\n'
            f'<title>{escape(words["report"])} — {escape(data["timeline"])}</title>\n'
            f'<style>{STYLE}</style>\n</head>\n<body>\n{body}\n<script>{SCRIPT}</script>\n</body>\n</html>\n')


# ------------------------------------------------------------------------------------------------ header
def _header(data, lang) -> str:
    words = WORDS[lang]
    book = data["rulebook"]
    facts = "".join(f"<div><dt>{escape(str(k))}</dt><dd>{escape(_value(v, lang))}</dd></div>"
                    for k, v in data["person"].items())
    counts = " ".join(f'<span class="badge {s}">{n} {escape(STATUS_WORDS[lang][s])}</span>'
                      for s, n in data["summary"].items() if n)
    warnings = "".join(
        f'<li>{escape(v["family"])} ({escape(v["on"])}): '
        f'{escape(", ".join(v["rules"]) + " — " + words["ambiguous"] if v["rules"] else words["gap"])}</li>'
        for v in data["versions"] if len(v["rules"]) != 1)
    return (f'<header>\n<h1>{escape(words["report"])}: {escape(data["timeline"])}</h1>\n<dl class="facts">'
            f'<dt>{escape(words["check_date"])}</dt><dd><strong>{escape(data["as_of"])}</strong> '
            f'({escape(AS_OF_FROM[lang][data["as_of_from"]])})</dd>'
            f'<dt>{escape(words["rulebook"])}</dt><dd>{escape(book["name"])} — {escape(str(book["path"]))}, '
            f'<code title="{escape(book["digest"])}">{escape(book["digest"][:12])}</code>, '
            f'frist {escape(str(book["compiler"]))}</dd></dl>\n'
            f'<h2 class="person-heading">{escape(words["person"])}</h2><dl class="person">{facts}</dl>\n'
            f'<p class="counts">{counts}</p>\n'
            + (f'<div class="warning"><strong>{escape(words["versions"])}</strong><ul>{warnings}</ul></div>\n'
               if warnings else "") + "</header>")


def _text(text: str) -> str:
    """Text escaped, its `quoted` names (rules, event types, fields) set as code.

    >>> _text("`holiday-unpaid` in force <b>")
    '<code>holiday-unpaid</code> in force &lt;b&gt;'
    """
    return re.sub(r"`([^`]+)`", r"<code>\1</code>", escape(text))


def _value(value, lang) -> str:
    if isinstance(value, bool):
        return WORDS[lang]["yes" if value else "no"]
    return "" if value is None else str(value)


# ----------------------------------------------------------------------------------------------- picture
class _Axis:
    """Days to x, from a little before the first day shown to a little after the last."""

    def __init__(self, first: _dt.date, last: _dt.date):
        margin = _dt.timedelta(days=max(7, (last - first).days // 30))
        self.start, self.end = first - margin, last + margin
        self.days = (self.end - self.start).days

    def x(self, day: _dt.date) -> float:
        return LABELS + PLOT * (day - self.start).days / self.days

    def clamp(self, day: _dt.date) -> tuple[float, bool]:
        """x of ``day`` kept inside the plot, and whether it had to be moved there."""
        inside = min(max(day, self.start), self.end)
        return self.x(inside), inside != day


def _month_after(day: _dt.date) -> _dt.date:
    return _dt.date(day.year + day.month // 12, day.month % 12 + 1, 1)


def _d(text) -> _dt.date | None:
    return None if text is None else _dt.date.fromisoformat(text)


def _picture(data, timeline, lang) -> str:
    words = WORDS[lang]
    as_of = _d(data["as_of"])
    events = sorted(timeline.events, key=lambda e: (e.date, e.index))
    days = [as_of] + [e.date for e in events] + [e.end for e in events if e.end is not None]
    axis = _Axis(min(days), max(days))
    rows = _rule_rows([(n, r) for n, r in enumerate(data["results"]) if r["status"] in DRAWN])
    lanes = _lanes(events)
    breaches = {}  # event index -> the violated duties that stand for that event
    for r in data["results"]:
        if r["status"] == "violated" and r["anchor"]:
            breaches.setdefault(r["anchor"]["index"], []).append(_title(r, lang))

    y = TOP
    body, labels = [], []
    # registration spells and dagpenge days, then the events by type, then the rules
    body.append(_stripe(y, LANE + 4, 0))
    labels.append(_label(y + (LANE + 4) / 2, words["registered"], bold=True))
    body += _spells(timeline, axis, as_of, y + (LANE + 4) / 2, lang)
    y += LANE + 4
    body.append(_stripe(y, LANE + 4, 1))
    labels.append(_label(y + (LANE + 4) / 2, words["dagpenge"], bold=True))
    body += _benefit_band(data["benefit"], axis, y + (LANE + 4) / 2, lang)
    y += LANE + 4
    labels.append(_heading(y, f'{words["events"]} ({len(events)})'))
    y += HEADING
    for n, (etype, group) in enumerate(lanes):
        body.append(_stripe(y, LANE, n))
        labels.append(_label(y + LANE / 2, f"{etype} ({len(group)})", small=True))
        body += [_event_mark(e, axis, as_of, y + LANE / 2, breaches.get(e.index, ()), lang) for e in group]
        y += LANE
    labels.append(_heading(y, words["rules"]))
    y += HEADING
    for n, (rule, instances) in enumerate(rows):
        body.append(_stripe(y, ROW, n))
        worst = min(RANK[r["status"]] for _, r in instances)
        title = _title(rule, lang)
        labels.append(_label(y + ROW / 2, title, status=STATUSES[worst],
                             tooltip=f'{title} — {rule["rule"]}' + (f' ({rule["holder"]})' if rule["holder"] else "")))
        # the instances most in need of attention drawn last, over the others
        ordered = sorted(instances, key=lambda item: -RANK[item[1]["status"]])
        body += [_instance(n, r, axis, as_of, y + ROW / 2, lang) for n, r in ordered]
        y += ROW
    bottom = y + 6
    unpaid = [_shade(axis, p, TOP, bottom - TOP) for p in data["benefit"].get("periods", ()) if not p["payable"]]
    x_as_of = axis.x(as_of)
    future = (f'<rect class="future" x="{x_as_of:.1f}" y="{TOP - 6}" width="{LABELS + PLOT - x_as_of:.1f}" '
              f'height="{bottom - TOP + 6}"/>')
    check = (f'<g class="check-date"><line x1="{x_as_of:.1f}" x2="{x_as_of:.1f}" y1="{TOP - 8}" y2="{bottom}"/>'
             f'<text x="{x_as_of:.1f}" y="{bottom + 14}" text-anchor="{_anchor(x_as_of)}">'
             f'{escape(words["check_date"])} {escape(data["as_of"])}</text></g>')
    height = bottom + 22
    return (f'<section id="timeline">\n<h2>{escape(words["timeline"])}</h2>\n{_legend(lang)}\n'
            f'<svg viewBox="0 0 {WIDTH} {height}" role="img" '
            f'aria-label="{escape(words["timeline"])}" font-size="12">\n'
            + "\n".join([future, *unpaid, *_months(axis, bottom, lang), *body, check, *labels])
            + "\n</svg>\n</section>")


def _rule_rows(numbered) -> list:
    """One row per rule that has an instance violated, in force, pending or fulfilled, holding its
    instances (numbered as in the report); the rows of the rules most in need of attention first."""
    by_rule = {}
    for n, r in numbered:
        by_rule.setdefault(r["rule"], []).append((n, r))
    rows = [(group[0][1], group) for group in by_rule.values()
            if any(r["status"] != "waived" and _first_day(r) for _, r in group)]
    return sorted(rows, key=lambda row: (min(RANK[r["status"]] for _, r in row[1]),
                                         min(_first_day(r) or _dt.date.max for _, r in row[1])))


def _first_day(r) -> _dt.date | None:
    """The first day an instance shows on the picture; None when it has no day at all."""
    window = r["window"] or {}
    return _d(window.get("start") or window.get("end") or r["deadline"] or r["violated_since"]
              or r["in_force_from"])


def _lanes(events) -> list:
    """Events (sorted by day) grouped by type, the types in the order they first occur."""
    groups = {}
    for e in events:
        groups.setdefault(e.type, []).append(e)
    return list(groups.items())


def _title(result, lang) -> str:
    title = result.get("title") or {}
    return title.get(lang) or title.get("da") or title.get("en") or result["rule"]


def _stripe(y, height, n) -> str:
    return f'<rect class="stripe s{n % 2}" x="0" y="{y}" width="{WIDTH}" height="{height}"/>'


def _fit(text: str, width: float, size: float) -> str:
    """``text`` cut (with …) to fit ``width`` units at font size ``size``, from glyph widths of a wide
    sans-serif (DejaVu Sans), so that it fits in narrower ones too."""
    def glyph(char):
        return size * (0.34 if char in NARROW else 0.98 if char in WIDE else 0.76 if char.isupper() else 0.63)

    if sum(map(glyph, text)) <= width:
        return text
    used, room = 0.0, width - glyph("…")
    for n, char in enumerate(text):
        used += glyph(char)
        if used > room:
            return text[:n].rstrip() + "…"
    return text


def _label(y, text, bold=False, small=False, status=None, tooltip=None) -> str:
    x = 24 if status else 10
    short = _fit(text, LABELS - x - 12, 11 if small else 12.5 if bold else 12)
    cls = "label" + (" strong" if bold else "") + (" small" if small else "")
    dot = f'<circle class="dot {status}" cx="12" cy="{y:.1f}" r="4.5"/>' if status else ""
    tip = tooltip if tooltip is not None else (text if short != text else None)
    return (f'<g class="row-label">{dot}<text class="{cls}" x="{x}" y="{y + 4:.1f}">'
            f'{escape(short)}</text>' + (f"<title>{escape(tip)}</title>" if tip else "") + "</g>")


def _heading(y, text) -> str:
    return (f'<text class="heading" x="10" y="{y + 15}">{escape(text)}</text>'
            f'<line class="rule-line" x1="0" x2="{WIDTH}" y1="{y + HEADING - 1}" y2="{y + HEADING - 1}"/>')


def _anchor(x) -> str:
    return "end" if x > LABELS + PLOT - 80 else "start" if x < LABELS + 80 else "middle"


def _months(axis, bottom, lang) -> list:
    """A label every month (in its middle), or, when months are narrow, every 2, 3 or 6 months or every 1,
    2, 5, 10 ... years (at its start), each with a grid line; the year over each January and the first month."""
    firsts, day = [], _month_after(axis.start)
    while day < axis.end:
        firsts.append(day)
        day = _month_after(day)
    month = PLOT * 30.44 / axis.days
    step = next(s for s in (1, 2, 3, 6, 12, 24, 60, 120, 240, 600, 1200) if month * s >= 36 or s == 1200)
    firsts = [d for d in firsts if ((d.year * 12 + d.month - 1) % step == 0)]
    out = [f'<line class="grid" x1="{axis.x(day):.1f}" x2="{axis.x(day):.1f}" y1="{TOP - 8}" y2="{bottom}"/>'
           for day in firsts]
    if step == 1:
        for first in [axis.start.replace(day=1)] + firsts:  # each month, where enough of it shows
            left, right = axis.clamp(first)[0], axis.clamp(_month_after(first))[0]
            if right - left >= 24:
                out.append(f'<text class="month" x="{(left + right) / 2:.1f}" y="{TOP - 12}" text-anchor="middle">'
                           f'{MONTHS[lang][first.month - 1]}</text>')
    else:
        for first in firsts:
            if axis.x(first) < LABELS + PLOT - 20:
                text = str(first.year) if step >= 12 else MONTHS[lang][first.month - 1]
                out.append(f'<text class="month" x="{axis.x(first) + 2:.1f}" y="{TOP - 12}">{text}</text>')
    if step < 12:
        years = [(LABELS, axis.start.year)] + [(axis.x(d), d.year) for d in firsts if d.month == 1]
        if len(years) > 1 and years[1][0] - years[0][0] < 60:
            years.pop(0)  # January's label, not the first month's, when they would overlap
        out += [f'<text class="year" x="{x + 2:.1f}" y="{TOP - 28}">{year}</text>' for x, year in years]
    return out


def _bar(axis, first, last, y, height, cls, title=None, extra="") -> str:
    """A bar over the days ``first`` .. ``last`` (both included), kept inside the plot; ▸ marks a bar
    that runs on beyond the plot."""
    x1, _ = axis.clamp(first)
    x2, cut = axis.clamp(last + _dt.timedelta(days=1))
    width = max(x2 - x1, 1.5)
    tip = f"<title>{escape(title)}</title>" if title else ""
    more = (f'<path class="more" d="M{x2 - 1:.1f},{y - 5:.1f} l5,5 l-5,5z"/>' if cut else "")
    return (f'<rect class="{cls}" x="{x1:.1f}" y="{y - height / 2:.1f}" width="{width:.1f}" '
            f'height="{height}"{extra}>{tip}</rect>{more}')


def _spells(timeline, axis, as_of, y, lang) -> list:
    """Registration spells: from each ``registered`` to the day before the next ``deregistered``."""
    marks = [(e.date, 1) for e in timeline.by_type.get("registered", ())]
    marks += [(e.date, 0) for e in timeline.by_type.get("deregistered", ())]
    spells, open_at = [], None
    for day, starts in sorted(marks):
        if starts and open_at is None:
            open_at = day
        elif not starts and open_at is not None:
            if day > open_at:
                spells.append((open_at, day - _dt.timedelta(days=1)))
            open_at = None
    if open_at is not None:
        spells.append((open_at, None))
    words = WORDS[lang]
    out = []
    for first, last in spells:
        known_last = min(last or as_of, as_of)
        tip = f'{words["spell"]} {first.isoformat()} .. {last.isoformat() if last else words["open"]}'
        if first <= as_of:
            out.append(_bar(axis, first, known_last, y, 10, "spell", tip))
        if (last or axis.end) > as_of:  # what the timeline says beyond the check date, faded
            out.append(_bar(axis, max(first, as_of + _dt.timedelta(days=1)), last or axis.end, y, 10,
                            "spell after", tip))
    return out


def _benefit_band(benefit, axis, y, lang) -> list:
    words = WORDS[lang]
    out = []
    for p in benefit.get("periods", ()):
        state = words["payable"] if p["payable"] else words["not_payable"]
        tip = f'{p["from"]} .. {p["to"]}: {state}' + (" — " + "; ".join(p["reasons"]) if p["reasons"] else "")
        out.append(_bar(axis, _d(p["from"]), _d(p["to"]), y, 10, "paid" if p["payable"] else "unpaid", tip))
    return out


def _shade(axis, period, y, height) -> str:
    x1, _ = axis.clamp(_d(period["from"]))
    x2, _ = axis.clamp(_d(period["to"]) + _dt.timedelta(days=1))
    return (f'<rect class="unpaid-shade" x="{x1:.1f}" y="{y - 6}" width="{max(x2 - x1, 1.5):.1f}" '
            f'height="{height + 6}"/>')


def _describe(event) -> str:
    when = event.date.isoformat() + (f" .. {event.end.isoformat()}" if event.end is not None else "")
    fields = ", ".join(f"{k}: {_value(v, 'en')}" for k, v in event.fields.items())
    ident = f" [id {event.id}]" if event.id is not None else ""
    return f"#{event.index} {event.type} {when}" + (f" ({fields})" if fields else "") + ident


def _event_mark(event, axis, as_of, y, breaches, lang) -> str:
    """One mark per event: a tick for a day, a bar for a period; faded when it lies after the check date,
    red when a violated duty stands for it (a meeting not attended, a holiday notified too late)."""
    after = event.date > as_of
    cls = "event" + (" after" if after else "") + (" breach" if breaches else "")
    tip = _describe(event) + (f' — {WORDS[lang]["after"]}' if after else "")
    tip += "".join(f'\n{STATUS_WORDS[lang]["violated"]}: {title}' for title in breaches)
    if event.end is None:
        x, _ = axis.clamp(event.date)
        shape = f'<rect x="{x - 1:.1f}" y="{y - 6:.1f}" width="2.4" height="12"/>'
    else:
        x1, _ = axis.clamp(event.date)
        x2, _ = axis.clamp(event.end + _dt.timedelta(days=1))
        shape = f'<rect class="period" x="{x1:.1f}" y="{y - 4:.1f}" width="{max(x2 - x1, 2.4):.1f}" height="8"/>'
    return (f'<g class="{cls}" data-type="{escape(event.type)}" data-date="{event.date.isoformat()}" '
            f'data-index="{event.index}"><title>{escape(tip)}</title>{shape}</g>')


def _instance(n, r, axis, as_of, y, lang) -> str:
    """One instance of a rule on its rule's row: its window, its deadline, and when it broke or took
    effect with the days its consequence covers."""
    status = r["status"]
    words = WORDS[lang]
    window = r["window"] or {}
    start, end = _d(window.get("start")), _d(window.get("end"))
    deadline = _d(r["deadline"])
    tip = f'{_title(r, lang)} — {r["instance"]}: {STATUS_WORDS[lang][status]}'
    if start or end:
        tip += f'\n{words["window"]}: {window.get("start") or "…"} .. {window.get("end") or "…"}'
    if deadline:
        tip += f'\n{words["deadline"]}: {r["deadline"]}'
    since = r["violated_since"] or r["in_force_from"]
    if since:
        tip += f'\n{words["violated_since" if status == "violated" else "in_force_from"]}: {since}'
    parts = []
    if status in ("fulfilled", "waived"):
        if start or end:
            parts.append(_bar(axis, start or end, end or start, y, 3, "window"))
    else:
        if start or end:
            parts.append(_bar(axis, start or end, end or start, y, 10, "window"))
        if deadline and axis.start <= deadline <= axis.end:
            x = axis.x(deadline + _dt.timedelta(days=1))
            parts.append(f'<line class="deadline" x1="{x:.1f}" x2="{x:.1f}" y1="{y - 8:.1f}" y2="{y + 8:.1f}"/>')
        for action in r["actions"]:
            if action.get("from"):
                last = _d(action.get("to")) or as_of
                parts.append(_bar(axis, _d(action["from"]), last, y, 6, "effect"))
        if since and _d(since) <= axis.end:
            x, _ = axis.clamp(_d(since))
            parts.append(f'<circle class="since" cx="{x:.1f}" cy="{y:.1f}" r="4.5"/>')
    return (f'<g class="instance {status}" data-rule="{escape(r["rule"])}" data-status="{status}" '
            f'data-target="{_result_id(n)}"><title>{escape(tip)}</title>{"".join(parts)}</g>')


def _legend(lang) -> str:
    words, statuses = WORDS[lang], STATUS_WORDS[lang]
    items = [("spell", words["spell"]), ("paid", words["payable"]), ("unpaid", words["unpaid"]),
             ("event", words["event"]), ("event after", words["event_after"]),
             ("violated", statuses["violated"]), ("in_force", statuses["in_force"]),
             ("pending", statuses["pending"]), ("fulfilled", statuses["fulfilled"]),
             ("waived", statuses["waived"]), ("deadline", words["deadline"]), ("check", words["check_date"])]
    return (f'<p class="legend" aria-label="{escape(words["legend"])}">'
            + "".join(f'<span><i class="key {cls}"></i>{escape(text)}</span>' for cls, text in items) + "</p>")


# ----------------------------------------------------------------------------------------------- results
def _result_id(n) -> str:
    return f"result-{n}"


def _linker(doc_url, lang, root):
    """Rule id -> the address of its page in the documentation, or None without one."""
    if not doc_url:
        return lambda rule_id: None
    from .doc import rule_page

    base = doc_url if doc_url.endswith("/") else doc_url + "/"
    return lambda rule_id: base + rule_page(rule_id, lang, root)


def _results(data, lang, link) -> str:
    words = WORDS[lang]
    numbered = list(enumerate(data["results"]))
    out = [f'<section id="results">\n<h2>{escape(words["results"])}</h2>']
    for holder in HOLDERS:
        group = [(n, r) for n, r in numbered if r["holder"] == holder]
        if not group:
            continue
        group.sort(key=lambda item: (RANK[item[1]["status"]], _first_day(item[1]) or _dt.date.max, item[1]["rule"]))
        listed = [(n, r) for n, r in group if r["status"] in LISTED]
        rest = [(n, r) for n, r in group if r["status"] not in LISTED]
        out.append(f'<h3>{escape(HOLDER_WORDS[lang][holder])}</h3>')
        out += [_result(n, r, lang, link) for n, r in listed]
        if rest:
            counts = {}
            for _, r in rest:
                counts[r["status"]] = counts.get(r["status"], 0) + 1
            what = ", ".join(f"{n} {STATUS_WORDS[lang][s]}" for s, n in counts.items())
            out.append(f'<details class="others"><summary>{escape(words["others"])}: {escape(what)}</summary>'
                       + "".join(_result(n, r, lang, link) for n, r in rest) + "</details>")
    return "\n".join(out) + "\n</section>"


def _result(n, r, lang, link) -> str:
    words = WORDS[lang]
    status = r["status"]
    when = ((words["in_force_from"], r["in_force_from"]) if status == "in_force" and r["in_force_from"]
            else (words["deadline"], r["deadline"]) if r["deadline"] else None)
    deadline = f' <span class="deadline">{escape(when[0])} {escape(when[1])}</span>' if when else ""
    page = link(r["rule"])
    title = (f'<a class="title" href="{escape(page)}">{escape(_title(r, lang))}</a>' if page
             else f'<span class="title">{escape(_title(r, lang))}</span>')
    summary = (f'<span class="badge {status}">{escape(STATUS_WORDS[lang][status])}</span> {title} '
               f'<span class="instance-label">{escape(r["instance"])}</span>{deadline}')
    lines = "".join(f'<div class="line">{_text(str(line))}</div>' for line in explain.render(r, lang))
    return (f'<details class="result {status}" id="{_result_id(n)}" data-rule="{escape(r["rule"])}" '
            f'data-status="{status}"><summary>{summary}</summary>\n<div class="body">'
            f'<div class="explanation" aria-label="{escape(words["explanation"])}">{lines}</div>'
            f'{_facts(r, lang)}{_consequence(r, lang)}{_cites(r, lang)}</div></details>')


def _facts(r, lang) -> str:
    words = WORDS[lang]
    rows = []
    window = r["window"]
    if window:
        rows.append((words["window"], f'{window["start"] or "…"} .. {window["end"] or "…"}'))
    if r["violated_since"]:
        rows.append((words["violated_since"], r["violated_since"]))
    if r["in_force_from"]:
        rows.append((words["in_force_from"], r["in_force_from"]))
    if r["fulfilled_by"]:
        rows.append((words["fulfilled_by"], ", ".join(
            f'{e["type"]} {e.get("date") or e.get("start") + " .. " + e.get("end")}' for e in r["fulfilled_by"])))
    if r["detail"]:
        rows.append((words["detail"], ", ".join(f"{k}: {v}" for k, v in r["detail"].items())))
    if r["reason"]:
        rows.append((words["reason"], r["reason"]))
    for action in r["actions"]:
        when = (action["from"] + " .. " + (action.get("to") or words["open"]) if action.get("from")
                else action.get("on") or "")
        rows.append((words["actions"], f'{action["action"]} {when}'.strip()))
    rows.append((words["rule"], f'{r["rule"]} ({r["location"]})'))
    return '<dl class="result-facts">' + "".join(
        f"<dt>{escape(k)}</dt><dd>{escape(str(v))}</dd>" for k, v in rows) + "</dl>"


def _consequence(r, lang) -> str:
    consequence = r.get("consequence") or {}
    text = (consequence.get("text") or {}).get(lang) or (consequence.get("text") or {}).get("da")
    if not text:
        return ""
    effect = consequence.get("effect")
    return (f'<p class="consequence"><strong>{escape(WORDS[lang]["consequence"])}:</strong> '
            f'{escape(" ".join(text.split()))}' + (f' <code>{escape(effect)}</code>' if effect else "") + "</p>")


def _cites(r, lang) -> str:
    words = WORDS[lang]
    out = []
    for cite in r["cites"]:
        quotes = "".join(f"<blockquote>{escape(' '.join(q.split()))}</blockquote>" for q in cite["quote"])
        out.append(f'<li><strong>{escape(cite["source"])} {escape(str(cite["section"]))}</strong>'
                   + (f' — {escape(cite["title"])}' if cite.get("title") else "") + quotes + "</li>")
    reading = (r.get("reading") or {}).get(lang) or (r.get("reading") or {}).get("da")
    return ((f'<div class="sources"><strong>{escape(words["sources"])}</strong><ul>{"".join(out)}</ul></div>'
             if out else "")
            + (f'<p class="reading"><strong>{escape(words["reading"])}:</strong> '
               f'{escape(" ".join(reading.split()))}</p>' if reading else ""))


# ------------------------------------------------------------------------------------ dagpenge and events
def _benefit(data, lang) -> str:
    words = WORDS[lang]
    benefit = data["benefit"]
    out = [f'<section id="benefit">\n<h2>{escape(words["days"])}</h2>']
    if not benefit["applies"] or not benefit["periods"]:
        out.append(f'<p>{escape(benefit.get("reason") or words["none"])}</p>')
    if benefit["periods"]:
        out.append(f'<table class="periods"><thead><tr><th>{escape(words["from"])}</th><th>{escape(words["to"])}'
                   f'</th><th>{escape(words["number"])}</th><th></th><th>{escape(words["reasons"])}</th></tr>'
                   "</thead><tbody>")
        for p in benefit["periods"]:
            days = (_d(p["to"]) - _d(p["from"])).days + 1
            state = "paid" if p["payable"] else "unpaid"
            out.append(f'<tr class="{state}"><td>{escape(p["from"])}</td><td>{escape(p["to"])}</td>'
                       f'<td class="number">{days}</td><td><span class="badge {state}">'
                       f'{escape(words["payable" if p["payable"] else "not_payable"])}</span></td>'
                       f'<td>{_text("; ".join(p["reasons"]))}</td></tr>')
        out.append("</tbody></table>")
    return "\n".join(out) + "\n</section>"


def _events(timeline, data, lang) -> str:
    words = WORDS[lang]
    as_of = _d(data["as_of"])
    rows = []
    for e in sorted(timeline.events, key=lambda e: (e.date, e.index)):
        when = e.date.isoformat() + (f" .. {e.end.isoformat()}" if e.end is not None else "")
        fields = ", ".join(f"{k}: {_value(v, lang)}" for k, v in e.fields.items())
        ident = f" [id {e.id}]" if e.id is not None else ""
        rows.append(f'<tr{" class=after" if e.date > as_of else ""}><td class="number">{e.index}</td>'
                    f'<td>{escape(when)}</td><td>{escape(e.type)}</td><td>{escape(fields + ident)}</td></tr>')
    return (f'<section id="events">\n<details><summary><h2>{escape(words["events"])} ({len(rows)})</h2></summary>'
            f'<table class="events"><thead><tr><th>#</th><th>{escape(words["date"])}</th>'
            f'<th>{escape(words["type"])}</th><th>{escape(words["fields"])}</th></tr></thead><tbody>'
            + "".join(rows) + "</tbody></table></details>\n</section>")


# a click on an instance in the picture opens its result; printing opens every result
SCRIPT = """
document.addEventListener("click", function (event) {
  var mark = event.target.closest ? event.target.closest("[data-target]") : null;
  if (!mark) return;
  var result = document.getElementById(mark.getAttribute("data-target"));
  if (!result) return;
  for (var node = result; node; node = node.parentElement) if (node.tagName === "DETAILS") node.open = true;
  result.scrollIntoView({block: "center"});
});
window.addEventListener("beforeprint", function () {
  document.querySelectorAll("details").forEach(function (d) { d.open = true; });
});
"""

STYLE = """
:root { --violated: #c62828; --violated-light: #f9d9d9; --in_force: #b45309; --in_force-light: #fde6c4;
  --pending: #1d5fd1; --pending-light: #dbe7fb; --fulfilled: #9aa3ae; --waived: #c5ccd6; --spell: #2e7d4f;
  --paid: #bfe6cc; --unpaid: #d32f2f; --ink: #1f2933; --muted: #5f6b7a; }
body { font-family: system-ui, -apple-system, "Segoe UI", Roboto, Helvetica, Arial, sans-serif; color: var(--ink);
  margin: 0 auto; padding: 1.2rem 1.6rem 2rem; max-width: 1240px; line-height: 1.4; }
h1 { font-size: 1.35rem; margin: 0 0 .6rem; }
h2 { font-size: 1.15rem; margin: 1.6rem 0 .5rem; border-bottom: 1px solid #d8dde3; padding-bottom: .2rem; }
h3 { font-size: 1rem; margin: 1.1rem 0 .4rem; }
code { font-size: .9em; background: #f1f3f5; padding: 0 .25em; border-radius: 3px; }
.facts { display: grid; grid-template-columns: max-content 1fr; gap: .15rem 1rem; margin: 0 0 .6rem; }
.facts dt { font-weight: 600; } .facts dd { margin: 0; }
table { border-collapse: collapse; font-size: .92rem; }
th, td { text-align: left; padding: .15rem .7rem .15rem 0; vertical-align: top; }
h2.person-heading { font-size: 1rem; border: none; margin: .6rem 0 .2rem; padding: 0; }
.person { display: grid; grid-template-columns: repeat(auto-fill, minmax(230px, 1fr)); gap: .1rem 1.2rem; margin: 0; }
.person div { display: flex; gap: .5em; } .person dt { color: var(--muted); } .person dd { margin: 0; }
.badge { display: inline-block; padding: 0 .45em; border-radius: .7em; font-size: .85em; font-weight: 600;
  border: 1px solid currentColor; white-space: nowrap; }
.badge.violated { color: var(--violated); background: var(--violated-light); }
.badge.in_force { color: var(--in_force); background: var(--in_force-light); }
.badge.pending { color: var(--pending); background: var(--pending-light); }
.badge.fulfilled, .badge.not_in_force, .badge.waived, .badge.not_applicable { color: var(--muted); }
.badge.paid { color: var(--spell); } .badge.unpaid { color: var(--unpaid); background: var(--violated-light); }
.counts .badge { margin-right: .3em; }
.warning { border-left: 4px solid var(--in_force); background: #fff6e8; padding: .3rem .8rem; }
.legend { display: flex; flex-wrap: wrap; gap: .3rem .9rem; font-size: .82rem; color: var(--muted); margin: .3rem 0; }
.legend span { display: inline-flex; align-items: center; gap: .35em; }
.key { display: inline-block; width: 18px; height: 10px; border-radius: 2px; }
.key.spell { background: var(--spell); } .key.paid { background: var(--paid); }
.key.unpaid { background: var(--unpaid); } .key.event { width: 3px; height: 12px; background: #3d4b5c; }
.key.event.after { opacity: .3; } .key.violated { background: var(--violated-light); border: 1px solid var(--violated); }
.key.in_force { background: var(--in_force-light); border: 1px solid var(--in_force); }
.key.pending { background: var(--pending-light); border: 1px solid var(--pending); }
.key.fulfilled { height: 3px; background: var(--fulfilled); }
.key.waived { height: 0; border-top: 3px dashed var(--waived); }
.key.deadline { width: 2px; height: 14px; background: var(--ink); }
.key.check { width: 0; height: 14px; border-left: 2px dashed var(--ink); }
svg { width: 100%; height: auto; display: block; }
svg text { fill: var(--ink); }
svg .stripe.s0 { fill: #f6f8fa; } svg .stripe.s1 { fill: #ffffff; }
svg .grid { stroke: #dfe3e8; stroke-width: 1; }
svg .month { fill: var(--muted); font-size: 11px; } svg .year { font-weight: 600; font-size: 12px; }
svg .heading { font-weight: 700; font-size: 12px; fill: var(--muted); letter-spacing: .04em; }
svg .rule-line { stroke: #c9d0d8; }
svg .label.strong { font-weight: 600; } svg .label.small { font-size: 11px; fill: #3d4b5c; }
svg .future { fill: #eef0f3; opacity: .55; }
svg .unpaid-shade { fill: var(--unpaid); opacity: .07; }
svg .spell { fill: var(--spell); } svg .spell.after { opacity: .3; }
svg .paid { fill: var(--paid); } svg .unpaid { fill: var(--unpaid); }
svg .more { fill: var(--muted); }
svg .event rect { fill: #3d4b5c; } svg .event rect.period { fill: #7b8794; }
svg .event.breach rect { fill: var(--violated); }
svg .event.after { opacity: .3; }
svg .event:hover rect { fill: var(--pending); }
svg .dot.violated { fill: var(--violated); } svg .dot.in_force { fill: var(--in_force); }
svg .dot.pending { fill: var(--pending); } svg .dot.fulfilled, svg .dot.waived { fill: var(--fulfilled); }
svg .instance { cursor: pointer; }
svg .instance .window { stroke-width: 1; }
svg .instance.violated .window { fill: var(--violated-light); stroke: var(--violated); }
svg .instance.in_force .window { fill: var(--in_force-light); stroke: var(--in_force); }
svg .instance.pending .window { fill: var(--pending-light); stroke: var(--pending); }
svg .instance.fulfilled .window { fill: var(--fulfilled); stroke: none; }
svg .instance.waived .window { fill: none; stroke: var(--waived); stroke-dasharray: 3 2; }
svg .instance .deadline { stroke: var(--ink); stroke-width: 2; }
svg .instance.violated .effect, svg .instance.violated .since { fill: var(--violated); }
svg .instance.in_force .effect, svg .instance.in_force .since { fill: var(--in_force); }
svg .instance .since { stroke: #fff; stroke-width: 1.5; }
svg .instance:hover .window { stroke-width: 2; }
svg .check-date line { stroke: var(--ink); stroke-width: 1.5; stroke-dasharray: 5 3; }
svg .check-date text { font-weight: 600; }
details.result { border: 1px solid #dfe3e8; border-left: 5px solid var(--fulfilled); border-radius: 4px;
  margin: .3rem 0; background: #fff; }
details.result.violated { border-left-color: var(--violated); }
details.result.in_force { border-left-color: var(--in_force); }
details.result.pending { border-left-color: var(--pending); }
details.result > summary { cursor: pointer; padding: .3rem .6rem; }
details.result .title { font-weight: 600; } .instance-label, .deadline { color: var(--muted); font-size: .9em; }
details.result .body { padding: .1rem .9rem .6rem; border-top: 1px solid #eef0f3; }
.explanation { font-family: ui-monospace, "SFMono-Regular", Menlo, Consolas, monospace; font-size: .85rem;
  background: #f6f8fa; padding: .4rem .6rem; margin: .4rem 0; border-radius: 3px; }
.explanation .line { white-space: pre-wrap; }
.result-facts { display: grid; grid-template-columns: max-content 1fr; gap: .05rem 1rem; font-size: .9rem; }
.result-facts dt { color: var(--muted); } .result-facts dd { margin: 0; }
blockquote { margin: .2rem 0 .3rem 1rem; padding-left: .6rem; border-left: 3px solid #d8dde3; font-style: italic; }
.sources ul { margin: .2rem 0; padding-left: 1.2rem; }
details.others { margin: .4rem 0; } details.others > summary { cursor: pointer; color: var(--muted); }
#events summary h2 { display: inline; border: none; }
.periods tr.unpaid td { color: var(--unpaid); } td.number { text-align: right; }
.events tr.after { opacity: .5; }
footer { margin-top: 2rem; font-size: .8rem; color: var(--muted); }
@media print { body { max-width: none; } details > summary { list-style: none; } }
"""
