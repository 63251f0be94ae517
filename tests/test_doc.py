"""The rule book as a document (``frist doc``): a static site, checked as files and in a real browser.

The site is built once from the shipped rule book (with the source texts when they are there, and the
sample of ``frist diff``'s JSON in ``tests/fixtures/impact-sample.json``).  Every page is parsed: its
elements close, its links lead to a page of the site and an anchor on it, nothing outside the site is
referenced, and the pages hold what the rule book holds (a page per rule and per parameter, a quote
per citation, a bar per version of a family).  In headless Chromium, as ``tests/test_html_report.py``
drives it, a sample of pages loads without console or page errors, the links the browser sees resolve,
and screenshots of the index and of ``cv-on-jobnet`` go to ``$FRIST_ARTEFACTS`` (default
``build/artefacts/``).
"""

from __future__ import annotations

import contextlib
import io
import json
import re
import shutil
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest

import frist
from frist import cli, doc
from frist.doc import build_site
from frist.html_report import to_html
from frist.rulebook import load
from frist.source import read_file

import test_html_report as report_tests
from conftest import ROOT, RULES
from helpers import run_cli
from test_html_report import HOSTILE, Page, artefacts

SOURCES = ROOT.parent / "shared" / "seeds"
IMPACT = ROOT / "tests" / "fixtures" / "impact-sample.json"
SITE_PAGES = ("index.html", "coverage.html", "lint.html", "impact.html")
# the browser's sample: the site's own pages in both languages, a rule of each holder, dated and undated
# families, parameters with one and with several versions
BROWSED = [*SITE_PAGES, *(f"en/{name}" for name in SITE_PAGES), "rules/cv-on-jobnet.html",
           "en/rules/cv-on-jobnet.html", "rules/cv-approval.html", "rules/jobcenter-meetings-2020.html",
           "rules/job-applications-aka.html", "rules/karensdag.html", "en/rules/stay-in-denmark.html",
           "parameters/cv_deadline.html", "parameters/amy_months.html", "en/parameters/hours_per_day.html"]
browser = report_tests.browser  # the same Chromium, launched the same way, skipped or failed the same way
tab = report_tests.tab


def frist_doc(*argv) -> tuple[int, str, str]:
    """``frist doc ...`` in-process, for module-scoped fixtures (capsys is per test)."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = cli.main([str(a) for a in argv])
    return code, out.getvalue(), err.getvalue()


@pytest.fixture(scope="module")
def book():
    return load(RULES)


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    folder = tmp_path_factory.mktemp("doc") / "doc"
    sources = ["--sources", SOURCES] if SOURCES.is_dir() else []
    code, out, err = frist_doc("doc", RULES, "-o", folder, *sources, "--impact", IMPACT)
    assert (code, err) == (0, ""), err
    assert out == f"wrote {sum(1 for p in folder.rglob('*') if p.is_file())} page(s) to {folder}\n"
    return folder


@pytest.fixture(scope="module")
def pages(site) -> dict:
    """Every page of the site, parsed: path (relative, with /) -> Page."""
    return {path.relative_to(site).as_posix(): Page(path.read_text("utf-8")) for path in sorted(site.rglob("*.html"))}


def ids(page: Page) -> set:
    return {attrs["id"] for _, attrs in page.tags if attrs.get("id")}


# ---------------------------------------------------------------------------------------- the files
def test_there_is_a_page_for_every_rule_and_parameter_in_both_languages(site, book):
    rules = {f"{r.id}.html" for r in book.rules}
    parameters = {f"{name}.html" for name in book.parameters}
    for tree in (site, site / "en"):  # the rule book's language, Danish, at the root; English under en/
        assert {p.name for p in (tree / "rules").iterdir()} == rules
        assert {p.name for p in (tree / "parameters").iterdir()} == parameters
        assert all((tree / name).is_file() for name in SITE_PAGES)
    assert len(list(site.rglob("*"))) == 2 * (len(rules) + len(parameters) + len(SITE_PAGES)) + 5  # and 5 folders


def test_every_page_is_well_formed_in_its_language_with_a_switch_to_the_other(pages):
    for path, page in pages.items():
        assert page.problems == [], path
        html = dict(page.tags)["html"]
        assert html["lang"] == ("en" if path.startswith("en/") else "da"), path
        switch = [attrs for tag, attrs in page.tags if tag == "a" and attrs.get("hreflang")]
        assert len(switch) == 1 and switch[0]["hreflang"] != html["lang"], path


def test_every_link_leads_to_a_page_of_the_site_and_an_anchor_on_it(site, pages):
    broken = []
    for path, page in pages.items():
        for tag, attrs in page.tags:
            for name in ("src", "action", "xlink:href", "poster", "data"):
                assert name not in attrs, (path, tag, attrs)  # nothing is loaded from anywhere
            if "href" not in attrs:
                continue
            href = attrs["href"]
            assert "://" not in href and not href.startswith(("//", "/", "mailto:", "javascript:")), (path, href)
            target, _, anchor = href.partition("#")
            resolved = (site / path).parent.joinpath(unquote(target)).resolve() if target else (site / path)
            key = resolved.relative_to(site.resolve()).as_posix() if target else path
            if key not in pages or (anchor and anchor not in ids(pages[key])):
                broken.append((path, href))
    assert broken == []


def test_no_page_has_a_script_or_refers_outside_itself(site):
    for path in site.rglob("*.html"):
        text = path.read_text("utf-8")
        assert "<script" not in text and "url(" not in text and "@import" not in text, path
        assert "default-src 'none'; style-src 'unsafe-inline'" in text, path


def test_a_rule_page_holds_the_rule_beside_its_sources(pages, book):
    for rule in book.doc["rules"]:
        page = pages[f"rules/{rule['id']}.html"]
        text = " ".join(" ".join(page.text).split())
        assert len(page.having("article", "cite")) == len(rule["cites"]), rule["id"]
        for cite in rule["cites"]:
            for quote in [cite["quote"]] if isinstance(cite["quote"], str) else cite["quote"]:
                assert " ".join(quote.split()) in text, (rule["id"], quote)
        duty = " ".join((rule.get("duty") or rule["condition"]).split())
        assert duty in text, rule["id"]
        assert " ".join(rule["title"]["da"].split()) in text
        assert " ".join(rule["consequence"]["text"]["da"].split()) in text
        for exception in rule.get("unless", ()):
            assert " ".join(exception["reason"]["da"].split()) in text
        assert re.search(rf"rules\.yaml:{rule_line(book, rule['id'])}\b", text), rule["id"]
    english = " ".join(" ".join(pages["en/rules/cv-on-jobnet.html"].text).split())
    rule = next(r for r in book.doc["rules"] if r["id"] == "cv-on-jobnet")
    assert " ".join(rule["title"]["en"].split()) in english and " ".join(rule["reading"]["en"].split()) in english


def rule_line(book, rule_id) -> int:
    return next(r.span.line for r in book.rules if r.id == rule_id)


def test_the_sources_words_stand_beside_the_rule(pages):
    page = pages["rules/cv-on-jobnet.html"]
    sections = [attrs.get("class") for tag, attrs in page.tags if tag == "section"]
    assert sections[:2] == ["rule", "cites"]  # the two columns: the rule, then the quotes
    assert page.having("div", "columns")
    if SOURCES.is_dir():
        assert len(page.having("p", "check")) == len(page.having("article", "cite"))
        assert all("ok" in p["class"] for p in page.having("p", "check"))


SVG_BARS = re.compile(r'<g class="bar([^"]*)"><title>([^<]*)</title><rect x="([\d.]+)" y="[\d.]+" width="([\d.]+)"')


def test_every_version_of_a_family_is_a_bar_on_the_time_line_of_each(site, pages, book):
    """cv-deadline's two versions differ by target group, not by date: two bars over the whole axis."""
    for family in book.families:
        members = [r["id"] for r in book.doc["rules"] if r.get("version_of") == family]
        for rid in members:
            text = (site / "rules" / f"{rid}.html").read_text("utf-8")
            assert text.count("<svg") == 1, rid
            bars = [(cls.split(), title.split(":")[0]) for cls, title, _, _ in SVG_BARS.findall(text)]
            assert sorted(name for _, name in bars) == sorted(members), rid
            assert [name for cls, name in bars if "current" in cls] == [rid]
            labels = {attrs["href"] for tag, attrs in pages[f"rules/{rid}.html"].tags if tag == "a"}
            assert {f"{m}.html" for m in members} <= labels, rid
    for rule in book.doc["rules"]:
        if not rule.get("version_of"):
            assert "<svg" not in (site / "rules" / f"{rule['id']}.html").read_text("utf-8"), rule["id"]
    cv = (site / "rules" / "cv-on-jobnet.html").read_text("utf-8")
    assert [title for _, title, _, _ in SVG_BARS.findall(cv)] == ["cv-on-jobnet: altid\nbenefit is dagpenge",
                                                                  "cv-on-jobnet-cash-benefit: altid\nbenefit in "
                                                                  "[kontanthjaelp, uddannelseshjaelp]"]


def test_versions_that_follow_each_other_abut_on_the_time_line(site):
    """jobcenter-meetings: 2015-07-01 .. 2020-01-01 .. 2024-01-01 .. 2026-07-01 .. open: each bar begins where
    the one before ends, and the lengths go with the days."""
    text = (site / "rules" / "jobcenter-meetings-2020.html").read_text("utf-8")
    bars = [(title.split(":")[0], float(x), float(x) + float(width)) for _, title, x, width in SVG_BARS.findall(text)]
    assert [name for name, _, _ in bars] == ["jobcenter-meetings-monthly-2015", "jobcenter-meetings-2020",
                                              "contact-course-jobcenter-meetings", "jobcenter-meetings-2026"]
    for (_, _, end), (_, start, _) in zip(bars, bars[1:]):
        assert start == pytest.approx(end, abs=0.2)
    per_day = (bars[1][2] - bars[1][1]) / 1461  # 2020-01-01 .. 2024-01-01
    assert bars[0][2] - bars[0][1] == pytest.approx(per_day * 1645, abs=0.5)  # 2015-07-01 .. 2020-01-01


def test_a_parameter_page_has_its_dated_values_and_the_rules_that_use_them(pages, book):
    users = {name: set() for name in book.parameters}
    for rule in book.doc["rules"]:
        for name in users:
            text = " ".join([rule.get("duty") or rule["condition"], rule.get("applies", ""),
                             rule["consequence"]["effect"], *(u["when"] for u in rule.get("unless", ()))])
            if re.search(rf"\${name}\b", text):
                users[name].add(rule["id"])
    for name, spec in book.doc["parameters"].items():
        page = pages[f"parameters/{name}.html"]
        assert len([1 for tag, attrs in page.tags if tag == "tr"]) == len(spec["versions"]) + 1, name
        assert len(page.having("g", "bar")) == len(spec["versions"]), name
        linked = {attrs["href"].rpartition("/")[2][:-5] for tag, attrs in page.tags
                  if tag == "a" and attrs.get("href", "").startswith("../rules/")}
        assert linked == users[name], name


def test_the_index_lists_every_rule_by_holder_and_by_chapter(pages, book):
    index = pages["index.html"]
    holders = {"person": 0, "akasse": 0, "jobcenter": 0, "effect": 0}
    for rule in book.doc["rules"]:
        holders["effect" if rule.get("kind") == "effect" else rule.get("holder", "person")] += 1
    headings = [attrs["id"] for tag, attrs in index.tags if tag == "h3" and attrs.get("id", "").startswith("holder-")]
    assert headings == [f"holder-{h}" for h, n in holders.items() if n]
    links = [attrs["href"] for tag, attrs in index.tags if tag == "a" and attrs.get("href", "").startswith("rules/")]
    assert set(links) == {f"rules/{r.id}.html" for r in book.rules}
    for rule in book.doc["rules"]:  # under its holder, under each of its chapters, and in its family
        assert links.count(f"rules/{rule['id']}.html") >= 1 + bool(rule["catalog"]) + bool(rule.get("version_of"))
    assert book.digest in " ".join(index.text)


def test_coverage_and_lint_pages_hold_the_commands_results(pages, book):
    from frist.coverage import catalog_path, coverage, load_catalog
    from frist.lint import lint

    result = coverage(book, load_catalog(catalog_path(book)))
    page = pages["coverage.html"]
    assert {attrs["id"] for tag, attrs in page.tags if attrs.get("id", "").startswith("item-")} \
        == {f"item-{item.id}" for item in result.items}
    findings = lint(book)
    lint_page = pages["lint.html"]
    assert len(lint_page.having("article", "finding")) == len(findings)
    text = " ".join("".join(lint_page.text).split())
    assert all(" ".join(f.message.replace("`", "").split()) in text for f in findings)
    if SOURCES.is_dir():
        assert len(page.having("table", "quotes")) == 1


# ----------------------------------------------------------------------------------------- the impact
def test_the_impact_page_links_each_rule_to_its_page(pages, book):
    sample = json.loads(IMPACT.read_text("utf-8"))
    page = pages["impact.html"]
    links = [attrs["href"] for tag, attrs in page.tags if tag == "a" and attrs.get("href", "").startswith("rules/")]
    known = [r["rule"] for r in sample["rules"] if r["rule"] in {rule.id for rule in book.rules}]
    assert known and set(links) == {f"rules/{rid}.html" for rid in known}
    text = " ".join(" ".join(page.text).split())
    assert "cv-upload-reminder (ikke i dette regelsæt)" in text  # a rule the book does not have: no link
    assert len(page.having("article", "example")) == len(sample["examples"])
    assert "Virkningen er beregnet med et andet regelsæt end dette" in text  # the sample's digest is not the book's
    assert "overtrådt siden: 2024-05-21" in text and "9 → 0" in text
    english = " ".join(" ".join(pages["en/impact.html"].text).split())
    assert "violated since: 2024-05-21" in english and "Rules whose results change" in english


def test_an_impact_of_this_rule_book_has_no_warning(tmp_path, book, monkeypatch):
    monkeypatch.setattr(doc, "lint", lambda book: [])  # the site's lint page is tested above
    sample = json.loads(IMPACT.read_text("utf-8"))
    sample["new"]["digest"] = book.digest
    build_site(RULES, tmp_path, impact=sample)
    assert "andet regelsæt" not in (tmp_path / "impact.html").read_text("utf-8")


@pytest.mark.parametrize("text, message", [
    ("{not json", "the impact file is not JSON: Expecting property name enclosed in double quotes"),
    ('{"impact_version": "2.0", "rules": []}', "the impact file is not the JSON of `frist diff`"),
    ('[1, 2]', "the impact file is not the JSON of `frist diff`"),
    ('{"impact_version": "1.0", "rules": [1], "examples": []}', "the impact file is not the JSON of `frist diff`"),
    ('{"impact_version": "1.0", "rules": [], "examples": [{"changes": 3}]}', "is not the JSON of `frist diff`"),
])
def test_an_impact_file_that_is_not_frist_diffs_json_is_a_located_error(tmp_path, capsys, text, message):
    bad = tmp_path / "impact.json"
    bad.write_text(text, encoding="utf-8")
    code, out, err = run_cli(["doc", RULES, "-o", tmp_path / "doc", "--impact", bad], capsys)
    assert code == 2 and out == "" and "Traceback" not in err, err
    assert err.startswith(f"{bad}:1:") and message in err, err
    assert not (tmp_path / "doc").exists()


# ------------------------------------------------------------------------------------------- escaping
def hostile_book(tmp_path) -> Path:
    """rules.yaml with hostile text wherever the site shows the rule book's words."""
    document = json.loads(json.dumps(read_file(RULES)[0]))
    text = {"da": HOSTILE, "en": HOSTILE}
    document["name"] = HOSTILE
    rule = next(r for r in document["rules"] if r["id"] == "cv-on-jobnet")
    rule.update(title=text, reading=text, note=HOSTILE)
    rule["cites"][0]["quote"] = HOSTILE
    rule["cites"][0]["section"] = HOSTILE
    rule["consequence"]["text"] = text
    next(r for r in document["rules"] if r.get("unless"))["unless"][0]["reason"] = text
    document["families"]["cv-deadline"]["title"] = text
    document["sources"]["ff-pjece"]["title"] = HOSTILE
    document["sources"]["ff-pjece"]["url"] = "javascript:alert(1)"
    document["parameters"]["cv_deadline"]["doc"] = HOSTILE
    path = tmp_path / "rules.yaml"
    path.write_text(json.dumps(document, ensure_ascii=False, indent=1), encoding="utf-8")  # JSON is YAML
    shutil.copy(ROOT / "catalog.yaml", tmp_path / "catalog.yaml")
    return path


def test_text_from_the_rule_book_and_the_impact_file_is_escaped(tmp_path):
    sample = json.loads(IMPACT.read_text("utf-8"))
    sample["examples"][0]["id"] = HOSTILE
    sample["rules"][1]["rule"] = HOSTILE
    sample["examples"][1]["changes"][0]["new"] = {"violated_since": HOSTILE}
    written = build_site(hostile_book(tmp_path), tmp_path / "doc", impact=sample)
    seen = {}
    for path in written:
        text = path.read_text("utf-8")
        assert "<script" not in text and 'href="javascript' not in text, path
        page = Page(text)
        assert page.problems == [], path
        seen[path.relative_to(tmp_path / "doc").as_posix()] = " ".join(page.text)
    assert seen["rules/cv-on-jobnet.html"].count(HOSTILE) >= 8  # name, title, quote, section, reading, note, ...
    assert seen["index.html"].count(HOSTILE) >= 4  # the name, the family, the source, the rule's title
    assert seen["parameters/cv_deadline.html"].count(HOSTILE) >= 2  # the doc, the source
    assert seen["impact.html"].count(HOSTILE) >= 3  # a rule, an example, a state


# ---------------------------------------------------------------------------------- a book without catalog
def test_a_rule_book_without_a_catalog_has_a_site_too_and_old_pages_go(tmp_path):
    starter = ROOT / "tests" / "fixtures" / "starter-rules.yaml"
    stale = tmp_path / "doc" / "rules" / "a-rule-no-longer-there.html"
    stale.parent.mkdir(parents=True)
    stale.write_text("old", encoding="utf-8")
    written = build_site(starter, tmp_path / "doc")
    book = load(starter)
    assert len(written) == 2 * (3 + len(book.rules) + len(book.parameters))
    assert not stale.exists()
    assert "Regelsættet nævner intet regelkatalog" in (tmp_path / "doc" / "coverage.html").read_text("utf-8")
    assert not (tmp_path / "doc" / "impact.html").exists()


# -------------------------------------------------------------------------------- links from the report
def test_the_html_report_links_each_result_to_its_rule_page(module, site):
    report = frist.check(ROOT / "examples" / "young-graduate-2024.yaml", rules=module, as_of="2024-09-01")
    for lang, tree in (("da", ""), ("en", "en/")):
        page = Page(to_html(report, lang, doc_url=f"{site}/"))
        titles = [attrs for tag, attrs in page.tags if tag == "a" and "title" in (attrs.get("class") or "").split()]
        assert len(titles) == len(report.results)
        for attrs in titles:
            assert attrs["href"].startswith(f"{site}/{tree}rules/") and Path(attrs["href"]).is_file(), attrs
    plain = Page(to_html(report))
    assert not [attrs for tag, attrs in plain.tags if tag == "a"]


def test_frist_check_takes_the_doc_url(tmp_path, capsys):
    out = tmp_path / "report.html"
    code, _, err = run_cli(["check", ROOT / "examples" / "young-graduate-2024.yaml", "--rules", RULES, "--as-of",
                            "2024-09-01", "--format", "html", "-o", out, "--doc-url", "build/doc"], capsys)
    assert (code, err) == (0, "")
    assert 'href="build/doc/rules/cv-on-jobnet.html"' in out.read_text("utf-8")


# ------------------------------------------------------------------------------------- in the browser
# every address a page refers to, as the browser resolves it (an SVG <a> has no string .href: the attribute)
REFERENCES = """() => Array.from(document.querySelectorAll("[href], [src]"),
  e => new URL(e.getAttribute("href") || e.getAttribute("src"), document.baseURI).href)"""


def test_pages_of_the_site_in_a_browser(tab, site, pages):
    shots = {"index.html": "doc-index.png", "rules/cv-on-jobnet.html": "doc-rule-cv-on-jobnet.png"}
    for path in BROWSED:
        tab.problems.clear()
        tab.goto((site / path).as_uri())
        assert tab.problems == [], path
        for address in tab.evaluate(REFERENCES):
            parts = urlsplit(address)
            assert parts.scheme == "file", (path, address)
            target = Path(unquote(parts.path))
            key = target.relative_to(site).as_posix()
            assert key in pages, (path, address)
            assert not parts.fragment or parts.fragment in ids(pages[key]), (path, address)
        if path in shots:  # a rule page whole; of the long index, its first screens, as a reader first sees it
            clip = {"x": 0, "y": 0, "width": 1280, "height": 1500} if path == "index.html" else None
            tab.screenshot(path=str(artefacts() / shots[path]), full_page=True, clip=clip)
    tab.goto((site / "rules" / "cv-on-jobnet.html").as_uri())
    columns = tab.evaluate("""() => Array.from(document.querySelectorAll(".columns > section"),
        s => { const b = s.getBoundingClientRect(); return [b.left, b.right, b.top]; })""")
    (left, right) = columns
    assert left[1] <= right[0] and abs(left[2] - right[2]) < 1  # side by side: the rule, then its sources
    tab.locator("nav.languages a").click()
    assert tab.url.endswith("/en/rules/cv-on-jobnet.html")
    assert tab.locator("h1").inner_text() == "Create a CV on Jobnet at the latest 2 weeks (from 2024, 3 weeks) " \
                                              "after registering"
    assert tab.problems == []
