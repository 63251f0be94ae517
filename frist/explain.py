"""Why a result is what it is: the explanation of one instance of a rule, made from its evaluation.

While :func:`frist.report.check` evaluates a rule, the engine records the steps it takes for each
instance (``Context.trace``): the parameters it read (value and the version in force), the dates it
computed (months, business days, holidays skipped, days a clock stood still), the exceptions it
tried, the events it looked at and what became of each.  :func:`explanation` turns a result and
those steps into the JSON report's ``explanation``: a list of steps, each with its facts and a
``text`` in Danish and English, beginning with the anchor and ending with the outcome and the
consequence.  :func:`render` gives the lines ``frist explain`` prints.
"""

from __future__ import annotations

import datetime as _dt
import textwrap

from .dates import is_business_day, public_holiday_name
from .dates import shift as shift_day

LANGUAGES = ("da", "en")

UNITS = {"day": ("dag", "dage", "day", "days"), "week": ("uge", "uger", "week", "weeks"),
         "month": ("måned", "måneder", "month", "months"), "year": ("år", "år", "year", "years"),
         "business_day": ("hverdag", "hverdage", "business day", "business days")}
STATUS = {"violated": ("overtrådt", "violated"), "in_force": ("i kraft", "in force"),
          "pending": ("afventer", "pending"), "fulfilled": ("opfyldt", "fulfilled"),
          "not_in_force": ("ikke i kraft", "not in force"), "waived": ("fritaget", "waived"),
          "not_applicable": ("gælder ikke", "not applicable")}
WHY = {  # what became of an event a window looked at
    "counted": ("tæller", "counts"),
    "skipped": ("tæller ikke: den første efter udgangspunktet, og pligten gælder en senere",
                "does not count: the first one after the anchor, and the duty asks for a later one"),
    "before": ("tæller ikke: før vinduet", "does not count: before the window"),
    "after": ("tæller ikke: efter vinduet", "does not count: after the window"),
    "late": ("for sent: efter fristen", "late: after the deadline"),
    "condition": ("tæller ikke: opfylder ikke reglens betingelse", "does not count: does not meet the rule's condition"),
    "not_needed": ("i vinduet, men ikke nødvendig (kravet var allerede opfyldt)",
                   "in the window, but not needed (the duty was already met)"),
}


def _da(name: str, book: dict) -> str:
    """An event type as Danish text names it: its ``label`` in the rule book, with its name."""
    label = ((book.get("vocabulary", {}).get("events", {}).get(name) or {}).get("label") or {}).get("da")
    return f"{label} (`{name}`)" if label else f"`{name}`"


def _upper(text: str) -> str:
    return text[:1].upper() + text[1:]


def _t(da: str, en: str) -> dict:
    return {"da": da, "en": en}


def _iso(value):
    return value.isoformat() if isinstance(value, _dt.date) else value


def _event(e) -> dict:
    return e.describe()


def _when(e: dict) -> str:
    return e.get("date") or f"{e['start']}..{e['end']}"


def duration_text(parts, lang: str) -> str:
    """``((3, "week"),)`` as "3 weeks" / "3 uger"."""
    out = []
    for amount, unit in parts:
        one, many, one_en, many_en = UNITS[unit]
        word = (one if amount == 1 else many) if lang == "da" else (one_en if amount == 1 else many_en)
        out.append(f"{amount} {word}")
    return (" og " if lang == "da" else " and ").join(out)


def explanation(result, book: dict, as_of: _dt.date, danish=None) -> dict:
    """The JSON report's ``explanation`` of one :class:`~frist.runtime.engine.Result`: ``steps``, each
    ``{"kind", …facts…, "text": {"da", "en"}}``, in the order the evaluation took them.  ``danish``
    renders the engine's English reasons in Danish (:class:`frist.text_report.Phrases`)."""
    steps = []
    if result.anchor is not None:
        a = _event(result.anchor)
        steps.append({"kind": "anchor", "event": a, "text": _t(
            f"Udgangspunkt: {_da(a['type'], book)} {_when(a)}.", f"Anchor: `{a['type']}` {_when(a)}.")})
    info = book.get("parameter_info", {})
    for raw in result.steps or ():
        step = _step(raw, info, book)
        if step is not None:
            steps.append(step)
    danish = danish or (lambda text: text)
    steps.append(_outcome(result, as_of, book, danish))
    steps += _consequence(result, danish)
    if result.rule.reading:
        words = {"da": "Læsning, hvor kilderne er uenige: ", "en": "Reading, where the sources disagree: "}
        steps.append({"kind": "reading", "text": {k: words.get(k, "") + " ".join(v.split())
                                                  for k, v in result.rule.reading.items()}})
    return {"steps": steps}


def _step(raw: dict, info: dict, book: dict) -> dict | None:
    kind = raw["kind"]
    if kind == "parameter":
        return _parameter(raw, info)
    if kind == "shift":
        return _shift(raw)
    if kind == "clock":
        days, start, found = raw["days"], _iso(raw["start"]), _iso(raw["result"])
        out = {"kind": "clock", "clock": raw["clock"], "state": raw["state"], "start": start, "days": days,
               "result": found}
        if found is None:
            out["run"] = raw["run"]
            out["text"] = _t(
                f"Uret `{raw['clock']}` (løber mens `{raw['state']}`) har fra {start} kun løbet {raw['run']} af "
                f"{days} dage på kontroldatoen: ingen dato endnu.",
                f"The clock `{raw['clock']}` (running while `{raw['state']}`) has run only {raw['run']} of "
                f"{days} days since {start} by the check date: no date yet.")
        else:
            out["stopped"] = raw["stopped"]
            still = (f"; uret stod stille {raw['stopped']} dage" if raw["stopped"] else "",
                     f"; the clock stood still {raw['stopped']} days" if raw["stopped"] else "")
            out["text"] = _t(
                f"Uret `{raw['clock']}` løber mens `{raw['state']}`: {days} løbende dage fra {start} er {found}{still[0]}.",
                f"The clock `{raw['clock']}` runs while `{raw['state']}`: {days} running days from {start} "
                f"end on {found}{still[1]}.")
        return out
    if kind == "exception":
        held = raw["held"]
        inner = [step for step in (_step(r, info, book) for r in raw.get("steps", ())) if step is not None]
        text = raw["text"].rstrip(".")
        da = book.get("reasons_da", {}).get(raw["text"], raw["text"]).rstrip(".")
        out = {"kind": "exception", "exception": raw["text"], "held": held, "steps": inner, "text": _t(
            f"Undtagelse prøvet: {da} — {'gælder' if held else 'gælder ikke'}.",
            f"Exception tried: {text} — {'holds' if held else 'does not hold'}.")}
        for lang in LANGUAGES:  # what the test computed, beneath it
            out["text"][lang] += "".join("\n    " + step["text"][lang].replace("\n", "\n    ") for step in inner)
        return out
    if kind == "field" and raw.get("role") == "deadline":
        value = _iso(raw["value"])
        return {"kind": "field", "field": raw["name"], "value": value, "role": "deadline", "text": _t(
            f"Fristen er udgangspunktets felt `{raw['name']}`: {value}.",
            f"The deadline is the anchor's field `{raw['name']}`: {value}.")}
    if kind == "field":
        value = _iso(raw["value"])
        return {"kind": "field", "field": raw["name"], "value": value, "text": _t(
            f"Feltet `{raw['name']}` er {value if value is not None else 'ikke udfyldt'}.",
            f"The field `{raw['name']}` is {value if value is not None else 'not given'}.")}
    if kind == "events":
        return _events(raw, book)
    if kind == "condition":
        e, held = _event(raw["event"]), raw["held"]
        return {"kind": "condition", "event": e, "held": held, "text": _t(
            f"{_upper(_da(e['type'], book))} {_when(e)} {'opfylder' if held else 'opfylder ikke'} reglens betingelse.",
            f"`{e['type']}` {_when(e)} {'meets' if held else 'does not meet'} the rule's condition.")}
    if kind == "week":
        monday = raw["monday"]
        sunday = monday + _dt.timedelta(days=6)
        kinds = ", ".join(f"`{k}`" for k in raw["excluded"])
        found = raw["found"]
        return {"kind": "week", "start": monday.isoformat(), "end": sunday.isoformat(), "excluded": list(raw["excluded"]),
                "found": found, "text": _t(
                    f"Ugen {monday.isoformat()} .. {sunday.isoformat()}: uger med en dag af {kinds} tæller ikke; "
                    + (f"denne har `{found}`." if found else "denne har ingen."),
                    f"The week {monday.isoformat()} .. {sunday.isoformat()}: weeks with a day of {kinds} are not "
                    "counted; " + (f"this one has `{found}`." if found else "this one has none."))}
    if kind == "lasts":
        e, end, last = _event(raw["event"]), _iso(raw["end"]), _iso(raw["last"])
        held = raw["end"] <= raw["last"]
        return {"kind": "lasts", "event": e, "end": end, "last_day": last, "held": held, "text": _t(
            f"{_upper(_da(e['type'], book))} slutter {end}; den må højst vare til og med {last}: "
            + ("det gør den." if held else "den varer længere."),
            f"`{e['type']}` ends on {end}; it may last at most to {last}, included: "
            + ("it does." if held else "it lasts longer."))}
    if kind == "occurs":
        lo, hi, found = _iso(raw["lo"]), _iso(raw["hi"]), raw["found"]
        e = _event(found) if found is not None else None
        span = f"{lo or '…'} .. {hi or '…'}"
        return {"kind": "occurs", "type": raw["type"], "window": {"start": lo, "end": hi}, "found": e, "text": _t(
            f"{_upper(_da(raw['type'], book))} i {span}: " + (f"ja, {_when(e)}." if e else "ingen."),
            f"A `{raw['type']}` in {span}: " + (f"yes, {_when(e)}." if e else "none."))}
    if kind == "during":
        day, held = _iso(raw["day"]), raw["held"]
        periods = [{"event": _event(e), "matches": m} for e, m in raw.get("periods", ())]
        out = {"kind": "during", "type": raw["type"], "day": day, "held": held, "periods": periods, "text": _t(
            f"{day} ligger {'' if held else 'ikke '}i en periode med {_da(raw['type'], book)}, der tæller her.",
            f"{day} is {'' if held else 'not '}in a `{raw['type']}` period that counts here.")}
        for p in periods:
            when = _when(p["event"])
            if not p["matches"]:
                out["text"]["da"] += f" {_upper(_da(raw['type'], book))} {when} dækker dagen, men opfylder ikke undtagelsens betingelse."
                out["text"]["en"] += f" `{raw['type']}` {when} covers the day but does not meet the exception's condition."
        return out
    if kind == "until":
        end, since = _iso(raw["end"]), _iso(raw["since"])
        unit = ("timer", "hours") if raw["hours"] else ("", "")
        bound = {"gt": ("mere end", "more than"), "ge": ("mindst", "at least")}.get(raw["op"], (raw["op"], raw["op"]))
        within = raw["within"]
        parts = (tuple(within) if isinstance(within[0], (list, tuple)) else (tuple(within),)) if within else ()
        span = (f" inden for {duration_text(parts, 'da')}" if parts else "", f" within {duration_text(parts, 'en')}" if parts else "")
        what = (f"{bound[0]} {raw['amount']} {unit[0]} {_da(raw['type'], book)}{span[0]}",
                f"{bound[1]} {raw['amount']} {unit[1]} of `{raw['type']}`{span[1]}")
        return {"kind": "until", "type": raw["type"], "amount": raw["amount"], "hours": raw["hours"], "op": raw["op"],
                "within": [list(p) for p in parts], "since": since, "end": end, "text": _t(
                    f"Følgen varer, til der fra {since} er {what[0]}: "
                    + (f"nået, sidste dag {end}." if end else "ikke nået på kontroldatoen."),
                    f"The consequence lasts until, from {since}, there are {what[1]}: "
                    + (f"reached; its last day is {end}." if end else "not reached by the check date."))}
    if kind == "ladder":
        what = {"deregistration": ("afmelding", "deregistration"), "reminder": ("påmindelse", "reminder")}.get(
            raw["action"], (raw["action"], raw["action"]))
        return {"kind": "ladder", "miss": raw["miss"], "action": raw["action"], "text": _t(
            f"Forsømmelse nr. {raw['miss']}: {what[0]}.", f"Miss number {raw['miss']}: {what[1]}.")}
    if kind == "grace":
        start, end, met = _iso(raw["start"]), _iso(raw["end"]), raw["met"]
        e = _event(met) if met is not None else None
        return {"kind": "grace", "start": start, "end": end, "met": e, "text": _t(
            f"Frist efter påmindelsen: {start} .. {end}: " + (f"opfyldt {_when(e)}." if e else "ikke opfyldt."),
            f"Grace after the reminder: {start} .. {end}: " + (f"met on {_when(e)}." if e else "not met."))}
    if kind == "lapse":
        on = _iso(raw["on"])
        return {"kind": "lapse", "on": on, "text": _t(f"Karantænen bortfalder senest {on}.",
                                                      f"The quarantine lapses on {on} at the latest.")}
    if kind == "measured_from":
        e = _event(raw["event"])
        return {"kind": "measured_from", "event": e, "text": _t(
            f"Regnet fra {_da(e['type'], book)} {_when(e)}.", f"Measured from `{e['type']}` {_when(e)}.")}
    return {"kind": kind, "text": _t(str(raw), str(raw))}  # every step is shown, even one without words


def _parameter(raw: dict, info: dict) -> dict:
    name, version = raw["name"], raw["version"]
    about = info.get(name, {})
    chosen = next((v for v in about.get("versions", ()) if str(v["from"]) == version), {})
    written = chosen.get("value", raw["value"])
    value = raw["value"]
    if isinstance(value, (list, tuple)):  # a duration
        parts = tuple(value) if isinstance(value[0], (list, tuple)) else (tuple(value),)
        shown = {lang: duration_text(parts, lang) for lang in LANGUAGES}
    else:
        shown = {lang: str(written) for lang in LANGUAGES}
    out = {"kind": "parameter", "parameter": name, "value": written, "on": _iso(raw["on"]), "version": version,
           "source": chosen.get("source"), "section": chosen.get("section"), "quote": chosen.get("quote")}
    cite = ""
    if chosen.get("source"):
        quote = chosen.get("quote")
        quote = " ".join((" … ".join(quote) if isinstance(quote, list) else quote).split()) if quote else ""
        cite = f"{chosen['source']} {chosen.get('section') or ''}".strip() + (f": “{quote}”" if quote else "")
    out["text"] = _t(
        f"`${name}` er {shown['da']} den {out['on']} (versionen fra {version}; {cite or 'ingen kilde angivet'}).",
        f"`${name}` is {shown['en']} on {out['on']} (the version in force from {version}; "
        f"{cite or 'no source given'}).")
    return out


def _shift(raw: dict) -> dict:
    start, end, sign = raw["start"], raw["result"], raw["sign"]
    parts = tuple(raw["parts"])
    out = {"kind": "date", "start": _iso(start), "by": [[n, u] for n, u in parts], "sign": sign, "result": _iso(end),
           "parameter": raw["parameter"]}
    notes_da, notes_en = [], []
    units = {u for _, u in parts}
    if "business_day" in units:
        lo, hi = (start, end) if end >= start else (end, start)
        day, weekend, holidays = lo + _dt.timedelta(days=1), 0, []
        while day <= hi:
            if day.weekday() >= 5:
                weekend += 1
            elif not is_business_day(day):
                holidays.append((day, public_holiday_name(day)))
            day += _dt.timedelta(days=1)
        out["weekend_days"] = weekend
        out["holidays"] = [{"date": d.isoformat(), "name": n} for d, n in holidays]
        notes_da.append(f"{weekend} weekenddage sprunget over" +
                        "".join(f", helligdag {d.isoformat()} ({n})" for d, n in holidays))
        notes_en.append(f"{weekend} weekend days skipped" +
                        "".join(f", public holiday {d.isoformat()} ({n})" for d, n in holidays))
    if units & {"month", "year"}:
        day, rounded = start, []
        for amount, unit in parts:
            months = sign * amount * (12 if unit == "year" else 1) if unit in ("month", "year") else 0
            if months:
                y, m = divmod(day.month - 1 + months, 12)
                wanted = f"{day.year + y:04d}-{m + 1:02d}-{day.day:02d}"
                try:
                    _dt.date.fromisoformat(wanted)
                except ValueError:
                    rounded.append(wanted)
            day = shift_day(day, sign * amount, unit, raw["rounding"])
        if rounded:
            how = {"down": ("rundet ned til månedens sidste dag", "rounded down to the month's last day"),
                   "up": ("rundet op til den næste måneds første dag", "rounded up to the next month's first day")}
            da, en = how.get(raw["rounding"], ("", ""))
            out["rounded"] = rounded
            notes_da.append(f"{', '.join(rounded)} findes ikke: {da}")
            notes_en.append(f"{', '.join(rounded)} does not exist: {en}")
    op = "+" if sign > 0 else "−"
    tail = (f" ({'; '.join(notes_da)})" if notes_da else "", f" ({'; '.join(notes_en)})" if notes_en else "")
    out["text"] = _t(f"{out['start']} {op} {duration_text(parts, 'da')} = {out['result']}{tail[0]}.",
                     f"{out['start']} {op} {duration_text(parts, 'en')} = {out['result']}{tail[1]}.")
    return out


def _events(raw: dict, book: dict) -> dict:
    lo, hi = _iso(raw["lo"]), _iso(raw["hi"])
    items = [{"event": _event(i["event"]), "counts": i["counts"], "why": i["why"]} for i in raw["items"]]
    window_da = f"{lo or 'begyndelsen'} .. {hi or 'åben'}"
    window_en = f"{lo or 'the start'} .. {hi or 'open'}"
    out = {"kind": "events", "type": raw["type"], "window": {"start": lo, "end": hi}, "items": items,
           "in_window": raw["in_window"], "left_out": raw["left_out"]}
    counted = sum(1 for i in items if i["counts"])
    da = [f"Hændelser {_da(raw['type'], book)} set på for vinduet {window_da}: {raw['in_window']} i vinduet, {counted} tæller."]
    en = [f"Events `{raw['type']}` looked at for the window {window_en}: {raw['in_window']} in the window, "
          f"{counted} count."]
    if not items:
        da.append("    ingen")
        en.append("    none")
    for i in items:
        e = i["event"]
        da.append(f"    {_when(e)}: {WHY[i['why']][0]}")
        en.append(f"    {_when(e)}: {WHY[i['why']][1]}")
    if raw["left_out"]:
        da.append(f"    … og {raw['left_out']} mere i vinduet")
        en.append(f"    … and {raw['left_out']} more in the window")
    out["text"] = _t("\n".join(da), "\n".join(en))
    return out


def _outcome(result, as_of: _dt.date, book: dict, danish) -> dict:
    status = result.status
    deadline, since = _iso(result.deadline), _iso(result.violated_since)
    out = {"kind": "outcome", "status": status, "deadline": deadline, "violated_since": since,
           "as_of": as_of.isoformat()}
    by = ", ".join(f"`{e.type}` {_when(e.describe())}" for e in result.fulfilled_by[:5])
    af = ", ".join(f"{_da(e.type, book)} {_when(e.describe())}" for e in result.fulfilled_by[:5])
    reason = result.reason.rstrip(".") if result.reason else result.reason
    grund = danish(result.reason).rstrip(".") if result.reason else result.reason
    if status == "fulfilled":
        da = "Opfyldt" + (f" af {af}" if af else "") + "."
        en = "Fulfilled" + (f" by {by}" if by else "") + "."
    elif status == "violated":
        late = result.detail.get("late")
        after = deadline is not None and result.violated_since == result.deadline + _dt.timedelta(days=1)
        on_day = deadline is not None and since == deadline
        da = f"Overtrådt fra {since}" + (f", dagen efter fristen {deadline}" if after else "") + \
            (", den dag det skete" if on_day else "") + \
            (f"; gjort for sent den {late}" if late else "") + (f" ({grund})" if grund else "") + "."
        en = f"Violated from {since}" + (f", the day after the deadline {deadline}" if after else "") + \
            (", the day it happened" if on_day else "") + \
            (f"; done late on {late}" if late else "") + (f" ({reason})" if reason else "") + "."
    elif status == "in_force":
        da = f"I kraft fra {since}: betingelsen er ikke opfyldt" + (f" ({grund})" if grund else "") + "."
        en = f"In force from {since}: its condition does not hold" + (f" ({reason})" if reason else "") + "."
    elif status == "not_in_force":
        da, en = "Ikke i kraft: betingelsen er opfyldt.", "Not in force: its condition holds."
    elif status == "pending":
        if reason:
            da, en = f"Afventer: {grund}.", f"Pending: {reason}."
        elif deadline:
            da = f"Afventer: fristen {deadline} er ikke overskredet på kontroldatoen {as_of.isoformat()}."
            en = f"Pending: the deadline {deadline} has not passed on the check date {as_of.isoformat()}."
        else:
            da, en = "Afventer.", "Pending."
    elif status == "waived":
        da, en = f"Fritaget: {grund}.", f"Waived: {reason}."
    else:
        da, en = f"Gælder ikke: {grund}.", f"Not applicable: {reason}."
    counted = result.detail.get("counted")
    if counted is not None and "required" in result.detail:
        need = result.detail["required"]
        da += f" Talt: {counted} af mindst {need}."
        en += f" Counted: {counted} of at least {need}."
    elif counted is not None and "limit" in result.detail:
        da += f" Talt: {counted}, højst {result.detail['limit']}."
        en += f" Counted: {counted}, at most {result.detail['limit']}."
    out["text"] = _t(da, en)
    return out


def _consequence(result, danish) -> list:
    out = []
    for action in result.actions:
        what, first, last = action.get("action"), action.get("from"), action.get("to")
        days = action.get("days") or []
        span = (f" {first} .. {last or 'åben'}" if first else (f" {action['on']}" if action.get("on") else ""),
                f" {first} .. {last or 'open'}" if first else (f" on {action['on']}" if action.get("on") else ""))
        n = len(days)
        if "hours" in action:  # a quarantine or hours taken: how many days they need, how many are served
            served = action.get("served_days", 0)
            need = action.get("needed_days")
            lapsed = action.get("lapsed_on")
            extra_da = f" {action['hours']} timer = {need} dage, {served} afsonet" + (f", bortfaldet {lapsed}" if lapsed else "")
            extra_en = f" {action['hours']} hours = {need} days, {served} served" + (f", lapsed on {lapsed}" if lapsed else "")
            what_da, what = f"{danish(what)}:{extra_da}", f"{what}:{extra_en}"
        else:
            what_da = danish(what)
        count = (f" ({n} {'dag' if n == 1 else 'dage'})" if days else "",
                 f" ({n} {'day' if n == 1 else 'days'})" if days else "")
        step = {"kind": "consequence", "action": action, "text": _t(
            f"Følge: {what_da}{span[0]}{count[0]}. {result.rule.consequence.get('da', '').strip()}",
            f"Consequence: {what}{span[1]}{count[1]}. {result.rule.consequence.get('en', '').strip()}")}
        out.append(step)
    return out


def render(result: dict, lang: str = "da", width: int | None = None) -> list:
    """The explanation of one result of the JSON report (``report.to_json()["results"][i]``), as lines of
    text in ``lang`` (da | en); with ``width``, long lines are wrapped beneath themselves."""
    lang = lang if lang in LANGUAGES else "da"
    status = STATUS.get(result["status"], (result["status"],) * 2)[0 if lang == "da" else 1]
    title = (result.get("title") or {}).get(lang) or result["rule"]
    lines = [f"{title} [{result['rule']}] — {result['instance']}: {status}"]
    text = result.get("duty") or result.get("condition")
    if text:
        lines.append(("  Pligt: " if result.get("duty") else "  Betingelse: ") + " ".join(text.split())
                     if lang == "da" else ("  Duty: " if result.get("duty") else "  Condition: ") + " ".join(text.split()))
    for step in (result.get("explanation") or {}).get("steps", []):
        first, *rest = step["text"][lang].split("\n")
        lines.append("  - " + first)
        lines += ["  " + line for line in rest]
    if width is None:
        return lines
    out = []
    for line in lines:
        indent = len(line) - len(line.lstrip(" -"))
        out += textwrap.wrap(line, width, subsequent_indent=" " * (indent + 2), break_on_hyphens=False) or [""]
    return out


def select(results: list, rule: str, instance: str | None = None) -> list:
    """The results of the JSON report (``report.to_json()["results"]``) of one rule, or of one of its
    instances; an unknown rule or instance is a located error that names what there is."""
    from .errors import Diagnostic, FristError, Span, did_you_mean

    rules = list(dict.fromkeys(r["rule"] for r in results))
    chosen = [r for r in results if r["rule"] == rule]
    if not chosen:
        hint = did_you_mean(rule, rules) or "the rules checked are: " + ", ".join(rules[:12]) + (" …" if len(rules) > 12 else "")
        raise FristError(Diagnostic(f"no rule `{rule}` in the report", Span("<command line>", 1, 1), hint=hint))
    if instance is None:
        return chosen
    picked = [r for r in chosen if r["instance"] == instance]
    if not picked:
        names = [r["instance"] for r in chosen]
        hint = did_you_mean(instance, names) or "its instances are: " + "; ".join(names[:12]) + (" …" if len(names) > 12 else "")
        raise FristError(Diagnostic(f"rule `{rule}` has no instance `{instance}`", Span("<command line>", 1, 1),
                                    hint=hint))
    return picked
