"""The HTML report (``frist check --format html``): one self-contained page, checked as text and in a real
browser.

The browser tests run headless Chromium through Playwright on persona timelines, each checked as of the
day its expected report uses: the page loads from a file with no console or page errors, the picture has
one mark per event, every violated result opens on a click and shows its explanation.  Each writes a
screenshot to ``$FRIST_ARTEFACTS`` (default ``build/artefacts/``).  Without Playwright or Chromium they
skip, unless ``FRIST_REQUIRE_BROWSER=1`` (as in CI): then they fail.
"""

from __future__ import annotations

import base64
import hashlib
import os
import re
import shutil
from html.parser import HTMLParser
from pathlib import Path

import pytest

import frist
from frist import explain
from frist.html_report import LABELS, SCRIPT, to_html
from frist.source import read_file

from conftest import ROOT
from helpers import run_cli, variant

EXAMPLES = ROOT / "examples"
# a contact course with holidays; a sanction between two registrations; 348 events over two years
BROWSED = ["young-graduate-2024", "middle-aged-2018-third-miss", "amy-2016"]
HOSTILE = "<script>alert(1)</script> \"'&"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def persona(module, name, as_of=None):
    """The persona's report, as of the day its expected report uses unless told another."""
    expected, _ = read_file(EXAMPLES / f"{name}.expected.yaml")
    return frist.check(EXAMPLES / f"{name}.yaml", rules=module, as_of=as_of or expected["as_of"])


def hostile_report(module):
    document = {"name": HOSTILE, "person": {"birth_date": "1990-05-17", "benefit": "dagpenge", "akasse": "FAK"},
                "events": [{"type": "registered", "date": "2024-03-01", "id": HOSTILE},
                           {"type": "meeting", "date": "2024-03-12", "held_by": "akasse", "kind": "job",
                            "mode": "in_person", "outcome": "no_show"}]}
    return frist.check(document, rules=module, as_of="2024-05-01")


# ------------------------------------------------------------------------------------- the page as text
VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}


class Page(HTMLParser):
    """The page parsed: every element closed, in order; the start tags, with their attributes."""

    def __init__(self, text):
        super().__init__(convert_charrefs=True)
        self.stack, self.tags, self.problems, self.text = [], [], [], []
        self.feed(text)
        self.close()
        self.problems += [f"<{tag}> never closed" for tag in self.stack]

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))
        if tag not in VOID:
            self.stack.append(tag)

    def handle_startendtag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))

    def handle_endtag(self, tag):
        if not self.stack or self.stack[-1] != tag:
            self.problems.append(f"</{tag}> closes <{self.stack[-1] if self.stack else 'nothing'}>")
        else:
            self.stack.pop()

    def handle_data(self, data):
        self.text.append(data)

    def having(self, tag, cls):
        return [attrs for t, attrs in self.tags if t == tag and cls in (attrs.get("class") or "").split()]


def test_the_page_is_well_formed_and_marks_every_event(module):
    report = persona(module, "young-graduate-2024", as_of="2024-06-01")
    page = Page(to_html(report))
    assert page.problems == []
    assert [t for t, _ in page.tags].count("svg") == 1
    marks = page.having("g", "event")
    assert len(marks) == len(report.timeline.events)
    after = [e for e in report.timeline.events if e.date > report.as_of]
    assert after and len(page.having("g", "after")) == len(after)  # faded: after the check date
    assert {(m["data-type"], m["data-date"]) for m in marks} == {(e.type, e.date.isoformat())
                                                                  for e in report.timeline.events}


def test_every_result_has_its_details_and_every_instance_mark_its_result(module):
    report = persona(module, "young-graduate-2024")
    page = Page(to_html(report))
    details = page.having("details", "result")
    assert len(details) == len(report.results)
    ids = {d["id"] for d in details}
    targets = [g["data-target"] for g in page.having("g", "instance")]
    assert targets and set(targets) <= ids
    assert sum(d["data-status"] == "violated" for d in details) == len(report.violations())


def test_nothing_outside_the_page_is_referenced(module):
    text = to_html(persona(module, "young-graduate-2024"))
    page = Page(text)
    for tag, attrs in page.tags:
        for name, value in attrs.items():
            assert "://" not in (value or "") and not (value or "").startswith("//"), (tag, name, value)
            if name in ("src", "href", "action", "xlink:href", "poster", "data"):
                assert (value or "").startswith("#"), (tag, name, value)
    assert not re.search(r"url\((?!#)|@import", text)
    script = re.search(r"<script>(.*?)</script>", text, re.S).group(1)
    assert script == SCRIPT
    digest = base64.b64encode(hashlib.sha256(SCRIPT.encode()).digest()).decode()
    assert f"script-src 'sha256-{digest}'" in text  # the page's own script runs, and no other


def test_the_page_speaks_the_rule_books_language_unless_told_another(module):
    report = persona(module, "young-graduate-2024")
    danish, english = to_html(report), to_html(report, "en")
    assert '<html lang="da">' in danish and "Kontroldato" in danish and "Søg mindst 2 stillinger" in danish
    assert '<html lang="en">' in english and "Check date" in english and "Apply for at least 2 jobs" in english
    with pytest.raises(ValueError, match="da, en"):
        to_html(report, "de")


def test_text_from_the_timeline_is_escaped(module):
    text = to_html(hostile_report(module))
    assert "<script>alert" not in text
    assert text.count("<script>") == 1
    assert "".join(Page(text).text).count(HOSTILE) >= 3  # the title, the heading, the list of events


def test_text_from_the_rule_book_is_escaped(tmp_path):
    quoted = "'" + HOSTILE.replace("'", "''") + "'"  # YAML's single-quoted form
    rules, _ = variant(tmp_path, ("name: Dagpenge duties (starter rule book)", f"name: {quoted}"),
                       ("da: Opret CV på Jobnet senest 2 uger efter tilmelding", f"da: {quoted}"))
    document = {"name": "no CV", "person": {"birth_date": "1990-05-17", "benefit": "dagpenge", "akasse": "FAK"},
                "events": [{"type": "registered", "date": "2024-03-01"}]}
    text = to_html(frist.check(document, rules=frist.compile_rules(rules), as_of="2024-05-01"))
    assert "<script>alert" not in text and text.count("<script>") == 1
    page = Page(text)
    assert page.problems == []
    assert "".join(page.text).count(HOSTILE) >= 3  # the rule book's name, the rule's row and its result


def test_frist_check_writes_the_page(tmp_path, capsys):
    out = tmp_path / "reports" / "young.html"
    timeline = EXAMPLES / "young-graduate-2024.yaml"
    code, stdout, stderr = run_cli(["check", timeline, "--rules", ROOT / "rules.yaml", "--as-of", "2024-09-01",
                                    "--format", "html", "-o", out], capsys)
    assert (code, stderr) == (0, "") and stdout == f"wrote {out}\n"
    assert out.read_text("utf-8").startswith("<!DOCTYPE html>")
    assert [p.name for p in out.parent.iterdir()] == ["young.html"]  # no file left beside it
    code, stdout, _ = run_cli(["check", timeline, "--rules", ROOT / "rules.yaml", "--as-of", "2024-09-01",
                               "--format", "html"], capsys)
    assert code == 0 and stdout == out.read_text("utf-8")


def test_an_unwritable_output_is_an_error(tmp_path, capsys):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    code, stdout, stderr = run_cli(["check", EXAMPLES / "young-graduate-2024.yaml", "--rules", ROOT / "rules.yaml",
                                    "--format", "html", "-o", blocker / "report.html"], capsys)
    assert code == 2 and stdout == "" and stderr.startswith(f"frist: cannot write {blocker / 'report.html'}: ")


# ------------------------------------------------------------------------------------- in the browser
def _chromium() -> str | None:
    for candidate in (os.environ.get("FRIST_CHROMIUM"), "/usr/bin/chromium", shutil.which("chromium"),
                      shutil.which("chromium-browser")):
        if candidate and Path(candidate).is_file():
            return candidate
    return None


def _unavailable(reason):
    if os.environ.get("FRIST_REQUIRE_BROWSER") == "1":
        pytest.fail(f"FRIST_REQUIRE_BROWSER=1, but {reason}")
    pytest.skip(reason)


@pytest.fixture(scope="module")
def browser():
    try:
        from playwright.sync_api import Error, sync_playwright
    except ImportError:
        _unavailable('the Python package playwright is not installed (it is in the test extra: '
                     'pip install -e ".[test]")')
    executable = _chromium()
    if executable is None:
        _unavailable("Chromium is not installed (Debian: apt-get install chromium; or name it in FRIST_CHROMIUM)")
    with sync_playwright() as playwright:
        try:
            chromium = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        except Error as exc:
            _unavailable(f"Chromium ({executable}) does not start: {str(exc).splitlines()[0]}")
        yield chromium
        chromium.close()


@pytest.fixture(scope="module")
def tab(browser):
    """One tab for every browser test (a new one costs a renderer's start), recording console errors,
    page errors and dialogs."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    tab = context.new_page()
    tab.problems = []
    tab.on("console", lambda m: m.type == "error" and tab.problems.append(f"console: {m.text}"))
    tab.on("pageerror", lambda e: tab.problems.append(f"page error: {e}"))
    tab.on("dialog", lambda d: (tab.problems.append(f"dialog: {d.type}: {d.message}"), d.dismiss()))
    yield tab
    context.close()


@pytest.fixture
def page(tab):
    tab.problems.clear()
    yield tab
    tab.goto("about:blank")


def artefacts() -> Path:
    folder = Path(os.environ.get("FRIST_ARTEFACTS") or ROOT / "build" / "artefacts")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _open(page, report, path: Path):
    path.write_text(to_html(report), encoding="utf-8")
    page.goto(path.as_uri())  # returns once the page has loaded: any script in it has run


# for each violated result: its rule, whether it is open, whether its explanation shows, its first line
VIOLATED_STATE = """() => Array.from(document.querySelectorAll("details.result.violated"), d => {
  const explanation = d.querySelector(".explanation");
  return [d.id, d.dataset.rule, d.open, explanation.checkVisibility(), explanation.querySelector(".line").innerText];
})"""


# where the picture's texts end up: the rows' labels, the months' and the years' labels (left, right)
LAYOUT = """() => Object.fromEntries(["row-label text", "month", "year"].map(what => [what,
  Array.from(document.querySelectorAll(`svg .${what}`), t => { const b = t.getBBox(); return [b.x, b.x + b.width]; })
    .sort((a, b) => a[0] - b[0])]))"""


def _overlaps(spans):
    return [(a, b) for a, b in zip(spans, spans[1:]) if b[0] < a[1] + 2]


@pytest.mark.parametrize("name", BROWSED)
def test_the_page_in_a_browser(module, page, tmp_path, name):
    report = persona(module, name)
    _open(page, report, tmp_path / f"{name}.html")
    assert page.locator("svg").count() == 1
    assert page.locator("svg g.event").count() == len(report.timeline.events)
    layout = page.evaluate(LAYOUT)
    assert max(right for _, right in layout["row-label text"]) < LABELS  # no label runs into the plot
    assert _overlaps(layout["month"]) == [] and _overlaps(layout["year"]) == []
    page.screenshot(path=str(artefacts() / f"html-report-{name}.png"), full_page=True)  # as a reader first sees it
    violated = {f"result-{n}": r for n, r in enumerate(report.to_json()["results"]) if r["status"] == "violated"}
    assert sorted((i, rule, is_open, shown) for i, rule, is_open, shown, _ in page.evaluate(VIOLATED_STATE)) == \
        sorted((i, r["rule"], False, False) for i, r in violated.items())
    for result_id in violated:
        page.locator(f"#{result_id} > summary").click()
    assert sorted(page.evaluate(VIOLATED_STATE)) == \
        sorted([i, r["rule"], True, True, explain.render(r, "da")[0].strip()] for i, r in violated.items())
    assert page.problems == []


def test_a_mark_in_the_picture_opens_its_result(module, page, tmp_path):
    _open(page, persona(module, "young-graduate-2024"), tmp_path / "page.html")
    mark = page.locator("svg g.instance.violated").first
    target = mark.get_attribute("data-target")
    assert not page.locator(f"#{target}").evaluate("d => d.open")
    mark.click(force=True)
    assert page.locator(f"#{target}").evaluate("d => d.open")
    assert page.problems == []


def test_text_from_the_timeline_stays_text_in_a_browser(module, page, tmp_path):
    report = hostile_report(module)
    _open(page, report, tmp_path / "hostile.html")
    assert page.locator("h1").inner_text().endswith(HOSTILE)
    page.locator("#events summary").click()
    cell = page.locator("table.events td", has_text=f"[id {HOSTILE}]")
    assert cell.count() == 1 and cell.is_visible()
    assert page.evaluate("document.scripts.length") == 1
    assert page.problems == []
