"""The rule book as a document: a static HTML site in which each rule stands beside the words of its sources.

:func:`build_site` writes

* ``index.html``: the rule book's name and digest, its rules by holder and by catalog chapter, its
  families of versions, its parameters and its sources;
* ``rules/<id>.html``: a rule's duty as written and in words, beside the quotes of the sources it
  encodes; its exceptions, consequence, validity, reading and note, its catalog items, the parameters
  it uses, its place in the rule book, and its family's versions on a time line;
* ``parameters/<name>.html``: a parameter's dated values on a time line and in a table, each with its
  source, and the rules that use it;
* ``coverage.html`` (the catalog's coverage; with ``sources_dir``, every quote checked against its
  source's text), ``lint.html`` (the findings of ``frist lint``) and, given the JSON of ``frist diff``,
  ``impact.html``.

The site is bilingual: the pages in the rule book's ``language`` are its root, the same pages in the
other language lie under that language's code (``en/``), and every page links to its counterpart.
Like the HTML report, the pages reference nothing outside the site: the style is inline, there is no
script, and a Content-Security-Policy allows nothing else.  Every text from the rule book, the catalog
and the impact file is escaped.

>>> rule_page("cv-on-jobnet", "en", "da")
'en/rules/cv-on-jobnet.html'
"""

from __future__ import annotations

import datetime as _dt
import json
import posixpath
import re
from dataclasses import dataclass
from html import escape
from pathlib import Path

from . import __version__, ast, quotes
from .coverage import Coverage, catalog_path, coverage, load_catalog
from .errors import Diagnostic, FristError, Span
from .html_report import HOLDER_WORDS, HOLDERS, LANGUAGES, STATUS_WORDS, STYLE as REPORT_STYLE, WORDS as REPORT_WORDS
from .html_report import _fit, _text
from .lint import lint
from .rulebook import RuleBook, load
from .source import read_text

LANGUAGE_NAMES = {"da": "Dansk", "en": "English"}
WORDS = {
    "da": {
        "rulebook": "Regelsæt", "digest": "Fingeraftryk (sha256)", "file": "Fil", "language": "Sprog",
        "contents": "Indhold", "n_rules": "regler", "n_parameters": "parametre", "n_families": "regelfamilier",
        "n_sources": "kilder", "n_versions": "versioner", "rules": "Regler",
        "by_holder": "Regler efter hvem pligten påhviler", "by_chapter": "Regler efter kapitel i regelkataloget",
        "families": "Regelfamilier: versioner og varianter", "parameters": "Parametre", "sources": "Kilder",
        "coverage": "Dækning af regelkataloget", "lint": "Kontrol af regelsættet",
        "impact": "Virkning af en ændring",
        "duty": "Pligt", "condition": "Betingelse", "effect_kind": "Retsvirkning", "applies": "Gælder for",
        "valid": "Gyldighed", "always": "altid", "from": "fra", "until": "til", "decided_by": "afgøres efter",
        "on_registration": "tilmeldingsdatoen", "on_instance": "instansens egen dato", "unless": "Undtagelser",
        "consequence": "Konsekvens", "effect": "Virkning", "reading": "Fortolkning, hvor kilderne er uenige",
        "note": "Note", "catalog": "Katalogpunkter", "family": "Familie",
        "versions": "Familiens versioner og deres område", "version": "Version", "domain": "Område",
        "uses": "Parametre i reglen", "location": "Placering i regelsættet", "cites": "Kildernes ord",
        "used_by": "Bruges af", "value": "Værdi", "unit": "Enhed", "source": "Kilde", "none": "ingen",
        "this_rule": "denne regel", "found": "fundet i kildens tekst", "unquoted": "uden citat",
        "checked": "Citaterne kontrolleret mod kildeteksterne",
        "not_checked": "Citaterne er ikke kontrolleret mod kildeteksterne (frist doc --sources MAPPE).",
        "code": "Kode", "hint": "Råd", "explained": "Forklaret i regelsættet", "counterexample": "Modeksempel",
        "error": "fejl", "warning": "advarsel", "note_severity": "note", "no_findings": "Ingen fund.", "id": "ID",
        "kind": "Art", "area": "Område", "title": "Titel", "status": "Status", "encoded_by": "Kodet af",
        "encoded": "kodet", "noted": "note", "explained_status": "forklaret", "missing": "mangler",
        "unknown": "Ukendte katalog-ID'er", "no_catalog": "Regelsættet nævner intet regelkatalog (catalog:).",
        "other_chapter": "Uden for kataloget", "conflict": "Kilderne er uenige", "publisher": "Udgiver",
        "year": "År", "covers": "Beskriver", "text": "Tekst", "address": "Adresse", "made_by": "Lavet af frist",
        "breadcrumb": "Brødkrumme", "old": "gammel", "new": "ny", "as_of": "Kontroldato", "engine": "Motor",
        "population": "Population", "persons": "Personer", "changed": "Ændret", "errors": "Fejlposter",
        "rule": "Regel", "violations_gained": "nye overtrædelser", "violations_lost": "overtrædelser væk",
        "violations_moved": "overtrædelser flyttet", "in_force_gained": "retsvirkninger nye",
        "in_force_lost": "retsvirkninger væk", "in_force_moved": "retsvirkninger flyttet",
        "unpaid_days": "Dage uden dagpenge", "gained": "flere", "lost": "færre",
        "persons_more": "personer med flere", "persons_fewer": "personer med færre", "examples": "Eksempler",
        "instance": "Instans", "other_book": "Virkningen er beregnet med et andet regelsæt end dette",
        "not_in_book": "ikke i dette regelsæt", "rules_changed": "Regler, der ændrer udfald",
        "engine_note": "Bemærk",
    },
    "en": {
        "rulebook": "Rule book", "digest": "Digest (sha256)", "file": "File", "language": "Language",
        "contents": "Contents", "n_rules": "rules", "n_parameters": "parameters", "n_families": "families",
        "n_sources": "sources", "n_versions": "versions", "rules": "Rules",
        "by_holder": "Rules by holder", "by_chapter": "Rules by chapter of the rule catalog",
        "families": "Families of rules: versions and variants", "parameters": "Parameters", "sources": "Sources",
        "coverage": "Coverage of the rule catalog", "lint": "Checks of the rule book", "impact": "Impact of a change",
        "duty": "Duty", "condition": "Condition", "effect_kind": "Legal effect", "applies": "Applies to",
        "valid": "Valid", "always": "always", "from": "from", "until": "until", "decided_by": "decided by",
        "on_registration": "the registration date", "on_instance": "the instance's own date", "unless": "Exceptions",
        "consequence": "Consequence", "effect": "Effect", "reading": "Reading, where the sources disagree",
        "note": "Note", "catalog": "Catalog items", "family": "Family",
        "versions": "The family's versions and their domains", "version": "Version", "domain": "Domain",
        "uses": "Parameters it uses", "location": "Location in the rule book", "cites": "The sources' words",
        "used_by": "Used by", "value": "Value", "unit": "Unit", "source": "Source", "none": "none",
        "this_rule": "this rule", "found": "found in the source's text", "unquoted": "without a quote",
        "checked": "The quotes checked against the source texts",
        "not_checked": "The quotes are not checked against the source texts (frist doc --sources DIR).",
        "code": "Code", "hint": "Hint", "explained": "Explained by the rule book", "counterexample": "Counterexample",
        "error": "error", "warning": "warning", "note_severity": "note", "no_findings": "No findings.", "id": "ID",
        "kind": "Kind", "area": "Area", "title": "Title", "status": "Status", "encoded_by": "Encoded by",
        "encoded": "encoded", "noted": "noted", "explained_status": "explained", "missing": "missing",
        "unknown": "Unknown catalog IDs", "no_catalog": "The rule book names no rule catalog (catalog:).",
        "other_chapter": "Outside the catalog", "conflict": "The sources disagree", "publisher": "Publisher",
        "year": "Year", "covers": "Describes", "text": "Text", "address": "Address", "made_by": "Made by frist",
        "breadcrumb": "Breadcrumb", "old": "old", "new": "new", "as_of": "Check date", "engine": "Engine",
        "population": "Population", "persons": "Persons", "changed": "Changed", "errors": "Error records",
        "rule": "Rule", "violations_gained": "violations gained", "violations_lost": "violations lost",
        "violations_moved": "violations moved", "in_force_gained": "in force gained",
        "in_force_lost": "in force lost", "in_force_moved": "in force moved",
        "unpaid_days": "Days without dagpenge", "gained": "gained", "lost": "lost",
        "persons_more": "persons with more", "persons_fewer": "persons with fewer", "examples": "Examples",
        "instance": "Instance", "other_book": "The impact was computed with another rule book than this one",
        "not_in_book": "not in this rule book", "rules_changed": "Rules whose results change",
        "engine_note": "Note",
    },
}
SEVERITY_CLASS = {"error": "violated", "warning": "in_force", "note": "pending"}
STATUS_CLASS = {"encoded": "paid", "noted": "fulfilled", "explained": "fulfilled", "missing": "violated"}
FIELDS = {"violated_since": "violated_since", "from": "in_force_from", "deadline": "deadline"}  # -> the report's words
RULE_COUNTS = ("violations_gained", "violations_lost", "violations_moved", "in_force_gained", "in_force_lost",
               "in_force_moved")


def rule_page(rule_id: str, lang: str, root: str) -> str:
    """Where the page of a rule lies in the site, in ``lang`` (``root``: the rule book's language)."""
    return _in_tree(f"rules/{rule_id}.html", lang, root)


def _in_tree(path: str, lang: str, root: str) -> str:
    return path if lang == root else f"{lang}/{path}"


# -------------------------------------------------------------------------------------------- the site
@dataclass(frozen=True)
class _Page:
    """A page: its path in its language's tree, its language, and the language at the site's root."""

    path: str
    lang: str
    root: str

    @property
    def file(self) -> str:
        return _in_tree(self.path, self.lang, self.root)

    def href(self, target: str) -> str:
        """A link from this page to ``target``, a path in the same language's tree (``path#anchor``)."""
        path, _, anchor = target.partition("#")
        link = posixpath.relpath(path, posixpath.dirname(self.path) or ".") if path else ""
        return escape(link + (f"#{anchor}" if anchor else ""))

    def rule(self, rule_id: str) -> str:
        return self.href(f"rules/{rule_id}.html")

    def source(self, key: str) -> str:
        return self.href(f"index.html#source-{key}")

    def counterpart(self, lang: str) -> str:
        """A link to this page in another language."""
        here = posixpath.dirname(self.file) or "."
        return escape(posixpath.relpath(_in_tree(self.path, lang, self.root), here))


@dataclass(frozen=True)
class _Book:
    """Everything the pages are made from, gathered once."""

    book: RuleBook
    rules: dict  # id -> the rule as written, in the file's order
    spans: dict  # id -> Span of the rule in the file
    versions: dict  # family -> the rules of the family, by the first day of their validity
    uses: dict  # rule id -> the parameters it names
    used_by: dict  # parameter -> the rules that name it
    items: dict | None  # catalog id -> coverage.Item (None: the rule book names no catalog)
    coverage: Coverage | None
    findings: list  # frist lint's
    checked: dict | None  # owner ("rule cv-on-jobnet") -> its citations' quotes.Finding, in order
    sources_dir: str | None
    impact: dict | None
    axis: "_Axis"


def build_site(rules_path, out_dir, *, sources_dir=None, impact=None) -> list[Path]:
    """Write the rule book at ``rules_path`` as a static site into ``out_dir``; return the files written.

    ``sources_dir``: the folder of the source texts, to check every quote against (as ``frist coverage
    --sources``); ``impact``: the JSON of ``frist diff`` (a file, or the mapping itself), shown as
    ``impact.html``.  Pages of rules or parameters the rule book no longer has, left by an earlier
    build into the same folder, are removed.
    """
    shown = _read_impact(impact) if impact is not None else None  # a bad file is told before the long work
    book = load(rules_path)
    data = _gather(book, sources_dir, shown)
    root = book.language
    out = Path(out_dir)
    written = []
    for lang in [root] + [other for other in LANGUAGES if other != root]:
        for page, render in _pages(data, lang, root):
            path = out / page.file
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(render(data, page), encoding="utf-8")
            written.append(path)
    _remove_stale(out, set(written), root)
    return sorted(written)


def _pages(data: _Book, lang: str, root: str) -> list:
    pages = [(_Page("index.html", lang, root), _index), (_Page("coverage.html", lang, root), _coverage_page),
             (_Page("lint.html", lang, root), _lint_page)]
    if data.impact is not None:
        pages.append((_Page("impact.html", lang, root), _impact_page))
    pages += [(_Page(f"rules/{rid}.html", lang, root), _rule_page) for rid in data.rules]
    pages += [(_Page(f"parameters/{name}.html", lang, root), _parameter_page) for name in data.book.parameters]
    return pages


def _remove_stale(out: Path, written: set, root: str) -> None:
    """Remove the pages an earlier build wrote that this one did not: rules and parameters gone, an
    impact page no longer asked for."""
    for lang in LANGUAGES:
        tree = out / _in_tree("", lang, root)
        stale = [*(tree / "rules").glob("*.html"), *(tree / "parameters").glob("*.html"), tree / "impact.html"]
        for path in stale:
            if path.is_file() and path not in written:
                path.unlink()


def _gather(book: RuleBook, sources_dir, impact) -> _Book:
    rules = {doc["id"]: doc for doc in book.doc["rules"]}
    parsed = {rule.id: rule for rule in book.rules}
    uses = {rid: sorted({name for node in _nodes(parsed[rid]) for name in _parameters(node)}) for rid in rules}
    used_by = {name: [rid for rid in rules if name in uses[rid]] for name in book.parameters}
    versions = {fid: sorted((doc for doc in rules.values() if doc.get("version_of") == fid), key=_first_valid_day)
                for fid in book.families}
    items = result = None
    if book.doc.get("catalog"):
        result = coverage(book, load_catalog(catalog_path(book)))
        items = {item.id: item for item in result.items}
    checked = None
    if sources_dir is not None:
        checked = {}
        for finding in quotes.check(book, sources_dir):
            checked.setdefault(finding.passage.owner, []).append(finding)
    return _Book(book, rules, {rid: parsed[rid].span for rid in rules}, versions, uses, used_by, items, result,
                 lint(book), checked, None if sources_dir is None else str(sources_dir), impact, _Axis.of(book))


def _first_valid_day(doc: dict) -> tuple:
    """Versions open towards the past first, then by their first day; among those, open towards the future last."""
    valid = doc.get("valid", {})
    return valid.get("from", ""), valid.get("until", "~")


def _nodes(rule) -> list:
    return [rule.duty, rule.applies, rule.effect, *(node for node, _ in rule.exceptions)]


def _parameters(node):
    """The parameters (``$name``) a parsed rule-language node names: as a duration, a number, or the value
    a field is compared with."""
    if isinstance(node, (ast.Param, ast.ParamDuration)):
        yield node.name
    elif isinstance(node, ast.Literal) and node.kind == "param":
        yield node.value
    if isinstance(node, ast.Node):
        for name in node.__dataclass_fields__:
            if name != "span":
                child = getattr(node, name)
                for item in child if isinstance(child, tuple) else (child,):
                    yield from _parameters(item)


def _read_impact(impact) -> dict:
    """The JSON of ``frist diff``, from a file or as given; a file that is no such JSON is a located error."""
    if isinstance(impact, dict):
        data, name = impact, "<impact>"
    else:
        name = str(impact)
        text = read_text(impact)
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            where = Span(name, exc.lineno, exc.colno, text=text)
            raise FristError(Diagnostic(f"the impact file is not JSON: {exc.msg}", where,
                                        hint="give the JSON that `frist diff` writes (impact.json)")) from None
    if not _is_impact(data):
        raise FristError(Diagnostic("the impact file is not the JSON of `frist diff`: it needs `impact_version` "
                                    "1.x, a list `rules` and the layout of its version", Span(name, 1, 1),
                                    hint="give the impact.json that `frist diff` writes"))
    return data


def _is_impact(data) -> bool:
    """Whether ``data`` has the layout of ``impact_version`` 1.x, as far as the page reads it."""
    def mapping(value) -> bool:
        return value is None or isinstance(value, dict)

    def listing(value, check) -> bool:
        return value is None or isinstance(value, list) and all(check(item) for item in value)

    def example(item) -> bool:
        return (isinstance(item, dict) and mapping(item.get("unpaid_days"))
                and listing(item.get("changes"), lambda change: isinstance(change, dict)))

    return (isinstance(data, dict) and isinstance(data.get("impact_version"), str)
            and data["impact_version"].split(".")[0] == "1" and isinstance(data.get("rules"), list)
            and listing(data["rules"], lambda rule: isinstance(rule, dict))
            and all(mapping(data.get(key)) for key in ("old", "new", "errors", "unpaid_days"))
            and listing(data.get("examples"), example))


# ----------------------------------------------------------------------------------------- the frame
def _document(data: _Book, page: _Page, title: str, body: str) -> str:
    words = WORDS[page.lang]
    book = data.book
    nav = [("index.html", words["rules"]), ("index.html#parameters", words["parameters"]),
           ("coverage.html", words["coverage"]), ("lint.html", words["lint"])]
    if data.impact is not None:
        nav.append(("impact.html", words["impact"]))
    order = [book.language] + [lang for lang in LANGUAGES if lang != book.language]
    switch = "".join(f'<span class="current" lang="{lang}">{LANGUAGE_NAMES[lang]}</span>' if lang == page.lang else
                     f'<a href="{page.counterpart(lang)}" hreflang="{lang}" lang="{lang}">{LANGUAGE_NAMES[lang]}</a>'
                     for lang in order)
    links = "".join(f'<a href="{page.href(target)}">{escape(text)}</a>' for target, text in nav)
    policy = "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'"
    return (f'<!DOCTYPE html>\n<html lang="{page.lang}">\n<head>\n<meta charset="utf-8">\n'
            f'<meta name="viewport" content="width=device-width, initial-scale=1">\n'
            f'<meta http-equiv="Content-Security-Policy" content="{policy}">\n'
            f'<title>{escape(title)} — {escape(book.doc["name"])}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n'
            f'<header class="site"><a class="book" href="{page.href("index.html")}">{escape(book.doc["name"])}</a>'
            f'<nav class="pages">{links}</nav><nav class="languages" aria-label="{escape(words["language"])}">'
            f'{switch}</nav></header>\n<main>\n{body}\n</main>\n'
            f'<footer>{escape(words["made_by"])} {escape(__version__)} · {escape(words["rulebook"])} '
            f'{escape(Path(book.path).name)} · sha256 <code>{escape(book.digest[:12])}</code></footer>\n'
            '</body>\n</html>\n')


def _plain(text: dict | None, lang: str) -> str:
    """A text in da and en, in ``lang``, its whitespace as one paragraph."""
    text = text or {}
    return " ".join((text.get(lang) or text.get("da") or text.get("en") or "").split())


def _t(text: dict | None, lang: str) -> str:
    return escape(_plain(text, lang))


def _english(text: str, lang: str, tag: str = "span") -> str:
    """English-only text of the rule book or the catalog (notes, docs, lint's words), marked as English."""
    marked = ' lang="en"' if lang != "en" else ""
    return f"<{tag}{marked}>{_text(' '.join(str(text).split()))}</{tag}>"


def _rule_link(data: _Book, page: _Page, rid: str, with_id: bool = True) -> str:
    if rid not in data.rules:
        return f'<code>{escape(rid)}</code> <span class="muted">({escape(WORDS[page.lang]["not_in_book"])})</span>'
    title = _t(data.rules[rid]["title"], page.lang)
    return (f'<a href="{page.rule(rid)}">{title}</a>'
            + (f' <code class="id">{escape(rid)}</code>' if with_id else ""))


def _parameter_link(page: _Page, name: str) -> str:
    return f'<a href="{page.href(f"parameters/{name}.html")}"><code>${escape(name)}</code></a>'


def _holder(doc: dict):
    return None if doc.get("kind") == "effect" else doc.get("holder", "person")


def _location(span: Span | None) -> str:
    return f"{Path(span.file).name}:{span.line}" if span else "—"


def _table(head: list, rows: list, cls: str = "") -> str:
    return (f'<table class="{cls}"><thead><tr>' + "".join(f"<th>{escape(h)}</th>" for h in head)
            + "</tr></thead><tbody>" + "".join("<tr>" + "".join(f"<td>{c}</td>" for c in row) + "</tr>"
                                               for row in rows) + "</tbody></table>")


# ------------------------------------------------------------------------------------------- index
def _index(data: _Book, page: _Page) -> str:
    words, lang, book = WORDS[page.lang], page.lang, data.book
    counts = (f'{len(data.rules)} {words["n_rules"]}, {len(book.parameters)} {words["n_parameters"]}, '
              f'{len(book.families)} {words["n_families"]}, {len(book.doc["sources"])} {words["n_sources"]}')
    facts = [(words["file"], escape(Path(book.path).name)), (words["digest"], f"<code>{escape(book.digest)}</code>"),
             (words["language"], escape(LANGUAGE_NAMES.get(book.language, book.language))),
             (words["contents"], escape(counts))]
    sections = [("rules", words["by_holder"]), ("chapters", words["by_chapter"]), ("families", words["families"]),
                ("parameters", words["parameters"]), ("sources", words["sources"])]
    pages = [("coverage.html", words["coverage"]), ("lint.html", words["lint"])]
    if data.impact is not None:
        pages.append(("impact.html", words["impact"]))
    out = [f'<h1>{escape(book.doc["name"])}</h1>', _facts(facts),
           '<nav class="toc">' + " · ".join(f'<a href="#{key}">{escape(text)}</a>' for key, text in sections)
           + '<br>' + " · ".join(f'<a href="{page.href(target)}">{escape(text)}</a>' for target, text in pages)
           + "</nav>", f'<section id="rules"><h2>{escape(words["by_holder"])}</h2>']
    for holder in HOLDERS:
        group = [rid for rid, doc in data.rules.items() if _holder(doc) == holder]
        if group:
            out.append(f'<h3 id="holder-{holder or "effect"}">{escape(HOLDER_WORDS[lang][holder])} ({len(group)})</h3>'
                       + _rule_list(data, page, group))
    out.append(f'</section>\n<section id="chapters"><h2>{escape(words["by_chapter"])}</h2><dl class="chapters">')
    for chapter, group in _chapters(data).items():
        out.append(f'<dt id="chapter-{escape(chapter or "other")}">{escape(chapter or words["other_chapter"])}</dt><dd>'
                   + " ".join(f'<a href="{page.rule(rid)}" title="{_t(data.rules[rid]["title"], lang)}">'
                              f'<code>{escape(rid)}</code></a>' for rid in group) + "</dd>")
    out.append(f'</dl></section>\n<section id="families"><h2>{escape(words["families"])}</h2><dl class="families">')
    for fid, (fdoc, _) in book.families.items():
        members = " ".join(f'<a href="{page.rule(doc["id"])}" title="{_t(doc["title"], lang)}"><code>'
                           f'{escape(doc["id"])}</code></a>' for doc in data.versions[fid])
        out.append(f'<dt id="family-{escape(fid)}">{_t(fdoc["title"], lang)} <code class="id">{escape(fid)}</code>'
                   f'</dt><dd>{members}</dd>')
    out.append("</dl></section>")
    out.append(_parameter_list(data, page))
    out.append(_sources(data, page))
    return _document(data, page, words["rulebook"], "\n".join(out))


def _facts(pairs: list, cls: str = "facts") -> str:
    return f'<dl class="{cls}">' + "".join(f"<dt>{escape(k)}</dt><dd>{v}</dd>" for k, v in pairs) + "</dl>"


def _rule_list(data: _Book, page: _Page, rids: list) -> str:
    items = []
    for rid in rids:
        ids = " ".join(escape(cid) for cid in data.rules[rid]["catalog"])
        items.append(f'<li>{_rule_link(data, page, rid)} <span class="ids">{ids}</span></li>')
    return '<ul class="rules">' + "".join(items) + "</ul>"


def _chapters(data: _Book) -> dict:
    """The rules by the chapter (area) of the catalog items they encode, in the catalog's order; without
    a catalog, by the catalog IDs' prefix.  A rule encoding items of two chapters is in both."""
    chapters = {}
    if data.items is not None:
        for item in data.items.values():
            chapters.setdefault(item.area, [])
    for rid, doc in data.rules.items():
        for cid in doc["catalog"]:
            if data.items is None:
                chapter = cid.split("-")[0]
            else:
                chapter = data.items[cid].area if cid in data.items else None
            group = chapters.setdefault(chapter, [])
            if rid not in group:
                group.append(rid)
    return {chapter: group for chapter, group in chapters.items() if group}


def _value(spec: dict, version: dict) -> str:
    value = version["value"]
    return f'{value} {spec["unit"]}' if spec.get("unit") else str(value)


def _parameter_list(data: _Book, page: _Page) -> str:
    """Each parameter with its latest value (its doc on hover; its page has the rest)."""
    words = WORDS[page.lang]
    items = []
    for name, spec in data.book.doc.get("parameters", {}).items():
        latest = spec["versions"][-1]
        count = len(spec["versions"])
        more = f' <span class="muted">({count} {words["n_versions"]})</span>' if count > 1 else ""
        items.append(f'<li title="{escape(" ".join(spec.get("doc", "").split()))}">{_parameter_link(page, name)} = '
                     f'<strong>{escape(_value(spec, latest))}</strong> <span class="muted">{escape(words["from"])} '
                     f'{escape(str(latest["from"]))}</span>{more}</li>')
    return (f'<section id="parameters"><h2>{escape(words["parameters"])}</h2><ul class="parameters">'
            + "".join(items) + "</ul></section>")


def _sources(data: _Book, page: _Page) -> str:
    words = WORDS[page.lang]
    out = [f'<section id="sources"><h2>{escape(words["sources"])}</h2><dl class="sources">']
    for key, source in data.book.doc["sources"].items():
        details = [f'{escape(words["publisher"])}: {escape(source["publisher"])}',
                   f'{escape(words["year"])}: {escape(str(source["year"]))}']
        if source.get("covers"):
            details.append(f'{escape(words["covers"])}: {escape(source["covers"])}')
        if source.get("text"):
            details.append(f'{escape(words["text"])}: <code>{escape(source["text"])}</code>')
        if source.get("url"):  # shown, not linked: the site links to nothing outside itself
            details.append(f'{escape(words["address"])}: <code>{escape(source["url"])}</code>')
        out.append(f'<dt id="source-{escape(key)}"><code>{escape(key)}</code> {escape(source["title"])}</dt>'
                   f'<dd>{" · ".join(details)}</dd>')
    return "".join(out) + "</dl></section>"


# -------------------------------------------------------------------------------------------- a rule
def _rule_page(data: _Book, page: _Page) -> str:
    rid = posixpath.splitext(posixpath.basename(page.path))[0]
    doc, words, lang = data.rules[rid], WORDS[page.lang], page.lang
    holder = _holder(doc)
    kind = words["effect_kind"] if doc.get("kind") == "effect" else HOLDER_WORDS[lang][holder]
    family = doc.get("version_of")
    meta = [f'<span class="badge kind">{escape(kind)}</span>', f'<code class="id">{escape(rid)}</code>']
    if family:
        meta.append(f'{escape(words["family"])}: <a href="{page.href(f"index.html#family-{family}")}">'
                    f'{_t(data.book.families[family][0]["title"], lang)}</a>')
    if doc["catalog"]:
        meta.append(" ".join(f'<a href="{page.href(f"coverage.html#item-{cid}")}">{escape(cid)}</a>'
                             for cid in doc["catalog"]))
    group = page.href(f"index.html#holder-{holder or 'effect'}")
    crumbs = (f'<nav class="crumbs" aria-label="{escape(words["breadcrumb"])}"><a href="{page.href("index.html")}">'
              f'{escape(words["rulebook"])}</a> › <a href="{group}">'
              f'{escape(HOLDER_WORDS[lang][holder])}</a> › {escape(rid)}</nav>')
    body = [crumbs, f'<h1>{_t(doc["title"], lang)}</h1>', f'<p class="meta">{" · ".join(meta)}</p>',
            f'<div class="columns"><section class="rule" aria-label="{escape(words["rule"])}">'
            f'{_rule_side(data, page, doc)}</section><section class="cites" aria-label="{escape(words["cites"])}">'
            f'{_cites(data, page, doc)}</section></div>']
    if family:
        body.append(_family(data, page, family, rid))
    body += [_catalog_items(data, page, doc), _uses(data, page, rid),
             f'<section id="location"><h2>{escape(words["location"])}</h2><p><code>'
             f'{escape(_location(data.spans[rid]))}</code></p></section>']
    return _document(data, page, _plain(doc["title"], lang), "\n".join(body))


def _rule_side(data: _Book, page: _Page, doc: dict) -> str:
    words, lang = WORDS[page.lang], page.lang
    effect = doc.get("kind") == "effect"
    text = doc["condition" if effect else "duty"]
    out = [f'<h2>{escape(words["condition" if effect else "duty"])}</h2>',
           f'<pre class="rule-text"><code>{escape(text.strip())}</code></pre>']
    facts = []
    if doc.get("applies"):
        facts.append((words["applies"], f'<code>{escape(doc["applies"])}</code>'))
    facts.append((words["valid"], escape(_validity(doc.get("valid"), lang))))
    out.append(_facts(facts))
    if doc.get("unless"):
        out.append(f'<h3>{escape(words["unless"])}</h3><ul class="exceptions">' + "".join(
            f'<li><pre class="rule-text"><code>{escape(" ".join(item["when"].split()))}</code></pre>'
            f'<p>{_t(item["reason"], lang)}</p></li>' for item in doc["unless"]) + "</ul>")
    consequence = doc["consequence"]
    out.append(f'<h3>{escape(words["consequence"])}</h3><p>{_t(consequence["text"], lang)}</p>'
               f'<p class="effect">{escape(words["effect"])}: <code>{escape(consequence["effect"])}</code></p>')
    if doc.get("reading"):
        out.append(f'<h3>{escape(words["reading"])}</h3><p class="reading">{_t(doc["reading"], lang)}</p>')
    if doc.get("note"):
        out.append(f'<h3>{escape(words["note"])}</h3>' + _english(doc["note"], lang, "p"))
    return "".join(out)


def _validity(valid: dict | None, lang: str) -> str:
    words = WORDS[lang]
    valid = valid or {}
    if not valid.get("from") and not valid.get("until"):
        return words["always"]
    parts = [f'{words["from"]} {valid["from"]}' if valid.get("from") else "",
             f'{words["until"]} {valid["until"]}' if valid.get("until") else ""]
    on = f' ({words["decided_by"]} {words["on_" + valid["on"]]})' if valid.get("on") else ""
    return " ".join(p for p in parts if p) + on


def _cites(data: _Book, page: _Page, doc: dict) -> str:
    words = WORDS[page.lang]
    checked = (data.checked or {}).get(f'rule {doc["id"]}', [])
    out = [f'<h2>{escape(words["cites"])}</h2>']
    for n, cite in enumerate(doc["cites"]):
        out.append(_citation(data, page, cite, checked[n] if n < len(checked) else None))
    return "".join(out)


def _citation(data: _Book, page: _Page, cite: dict, finding) -> str:
    """One citation: the source and section, the source's title, the quoted words, and (with the source
    texts) whether they were found there."""
    words = WORDS[page.lang]
    source = data.book.doc["sources"].get(cite["source"], {})
    quote = cite.get("quote")
    passages = [] if quote is None else [quote] if isinstance(quote, str) else quote
    quoted = "".join(f'<blockquote>{escape(" ".join(q.split()))}</blockquote>' for q in passages)
    check = ""
    if finding is not None:
        state = "ok" if not finding.problem else "problem"
        check = (f'<p class="check {state}">'
                 + (escape(words["found"]) if not finding.problem else
                    _english(finding.problem + (f" — {finding.hint}" if finding.hint else ""), page.lang)) + "</p>")
    return (f'<article class="cite"><h3><a href="{page.source(cite["source"])}">'
            f'<code>{escape(cite["source"])}</code></a> {escape(str(cite["section"]))}</h3>'
            f'<p class="source-title">{escape(source.get("title", ""))}'
            + (f' — {escape(source["publisher"])}, {escape(str(source["year"]))}' if source else "") + "</p>"
            + (quoted or f'<p class="muted">{escape(words["unquoted"])}</p>') + check + "</article>")


def _catalog_items(data: _Book, page: _Page, doc: dict) -> str:
    words = WORDS[page.lang]
    rows = []
    for cid in doc["catalog"]:
        item = (data.items or {}).get(cid)
        link = f'<a href="{page.href(f"coverage.html#item-{cid}")}">{escape(cid)}</a>'
        if item is None:
            rows.append([link, "", "", ""])
            continue
        conflict = (f'<br><span class="conflict">{escape(words["conflict"])}: {_english(item.conflict, page.lang)}'
                    "</span>" if item.conflict else "")
        rows.append([link, escape("+".join(item.kinds)), escape(item.area), _english(item.title, page.lang) + conflict])
    return (f'<section id="catalog"><h2>{escape(words["catalog"])}</h2>'
            + _table([words["id"], words["kind"], words["area"], words["title"]], rows, "items") + "</section>")


def _uses(data: _Book, page: _Page, rid: str) -> str:
    words = WORDS[page.lang]
    params = data.book.doc.get("parameters", {})
    items = "".join(f'<li>{_parameter_link(page, name)}: ' + escape("; ".join(
        f'{_value(params[name], v)} {words["from"]} {v["from"]}' for v in params[name]["versions"])) + "</li>"
        for name in data.uses[rid])
    return (f'<section id="parameters-used"><h2>{escape(words["uses"])}</h2>'
            + (f'<ul class="uses">{items}</ul>' if items else f'<p>{escape(words["none"])}</p>') + "</section>")


def _family(data: _Book, page: _Page, family: str, current: str) -> str:
    """The family's versions on a time line, one bar per version over its validity, and as a table."""
    words, lang = WORDS[page.lang], page.lang
    fdoc = data.book.families[family][0]
    rows, table = [], []
    for doc in data.versions[family]:
        valid = doc.get("valid") or {}
        first, until = _day(valid.get("from") or fdoc.get("from")), _day(valid.get("until") or fdoc.get("until"))
        span = _span_text(first, until, lang)
        domain = " ".join(doc.get("applies", "").split())
        rows.append(_Row(doc["id"], page.href(f'rules/{doc["id"]}.html'), doc["id"] == current,
                         [_Bar(first, until, span, f'{doc["id"]}: {span}' + (f"\n{domain}" if domain else ""))],
                         [(None, domain)] if domain else []))
        table.append([f'<a href="{page.rule(doc["id"])}"><code>{escape(doc["id"])}</code></a>'
                      + (f' <span class="muted">({escape(words["this_rule"])})</span>' if doc["id"] == current else ""),
                      escape(_validity(valid, lang)), f'<code>{escape(domain)}</code>' if domain else ""])
    return (f'<section id="family"><h2>{escape(words["versions"])}: {_t(fdoc["title"], lang)}</h2>'
            + _timeline(data.axis, rows, f'{words["versions"]}: {_plain(fdoc["title"], lang)}')
            + _table([words["version"], words["valid"], words["domain"]], table, "versions") + "</section>")


def _span_text(first, until, lang) -> str:
    if first is None and until is None:
        return WORDS[lang]["always"]
    return f'{first.isoformat() if first else "…"} – {until.isoformat() if until else "…"}'


def _day(text) -> _dt.date | None:
    return None if text is None else _dt.date.fromisoformat(str(text))


# -------------------------------------------------------------------------------------- a parameter
def _parameter_page(data: _Book, page: _Page) -> str:
    name = posixpath.splitext(posixpath.basename(page.path))[0]
    spec, words, lang = data.book.doc["parameters"][name], WORDS[page.lang], page.lang
    versions = spec["versions"]
    bars, rows = [], []
    for n, version in enumerate(versions):
        first = _day(version["from"])
        until = _day(versions[n + 1]["from"]) if n + 1 < len(versions) else None
        value = _value(spec, version)
        bars.append(_Bar(first, until, value, f"{value}: {_span_text(first, until, lang)}", f"v{n % 2}"))
        owner = f'parameter {name} from {version["from"]}'
        finding = (data.checked or {}).get(owner, [None])[0]
        rows.append([f'<span id="from-{escape(str(version["from"]))}">{escape(str(version["from"]))}</span>',
                     f"<strong>{escape(value)}</strong>", _citation(data, page, version["cite"], finding)])
    starts = [(bar.first, bar.first.isoformat()) for bar in bars]
    timeline = _timeline(data.axis, [_Row(f"${name}", None, False, bars, starts)], f"${name}")
    facts = [(words["unit"], escape(spec.get("unit") or "—"))]
    if spec.get("catalog"):
        facts.append((words["catalog"], " ".join(f'<a href="{page.href(f"coverage.html#item-{cid}")}">{escape(cid)}</a>'
                                                 for cid in spec["catalog"])))
    used = "".join(f"<li>{_rule_link(data, page, rid)}</li>" for rid in data.used_by[name])
    body = [f'<nav class="crumbs" aria-label="{escape(words["breadcrumb"])}"><a href="{page.href("index.html")}">'
            f'{escape(words["rulebook"])}</a> › <a href="{page.href("index.html#parameters")}">'
            f'{escape(words["parameters"])}</a> › {escape(name)}</nav>',
            f'<h1><code>${escape(name)}</code></h1>', _english(spec.get("doc", ""), lang, "p"), _facts(facts),
            timeline, _table([words["from"].capitalize(), words["value"], words["source"]], rows, "values"),
            f'<section id="used-by"><h2>{escape(words["used_by"])}</h2>'
            + (f'<ul class="rules">{used}</ul>' if used else f'<p>{escape(words["none"])}</p>') + "</section>"]
    return _document(data, page, f"${name}", "\n".join(body))


# ----------------------------------------------------------------------------------------- time lines
TL_WIDTH, TL_LABELS, TL_RIGHT, TL_TOP, TL_ROW = 1000, 270, 14, 30, 42
TL_PLOT = TL_WIDTH - TL_LABELS - TL_RIGHT


@dataclass(frozen=True)
class _Axis:
    """Days to x: from the first of January before the rule book's earliest date to the first of
    January two years after its latest (every time line of the site on the same scale)."""

    start: _dt.date
    end: _dt.date

    @classmethod
    def of(cls, book: RuleBook) -> "_Axis":
        days = [_day(doc["valid"][key]) for doc in book.doc["rules"] for key in ("from", "until")
                if key in doc.get("valid", {})]
        days += [_day(fdoc[key]) for fdoc, _ in book.families.values() for key in ("from", "until") if key in fdoc]
        days += [_day(v["from"]) for spec in book.doc.get("parameters", {}).values() for v in spec["versions"]]
        # a rule book without a date has only bars open at both ends: any decade shows them
        first, last = (min(days), max(days)) if days else (_dt.date(2015, 1, 1), _dt.date(2024, 1, 1))
        return cls(_dt.date(first.year, 1, 1), _dt.date(last.year + 2, 1, 1))

    def x(self, day: _dt.date | None, open_end: float) -> float:
        if day is None:
            return open_end
        inside = min(max(day, self.start), self.end)
        return TL_LABELS + TL_PLOT * (inside - self.start).days / (self.end - self.start).days


@dataclass(frozen=True)
class _Bar:
    first: _dt.date | None  # None: open towards the past
    until: _dt.date | None  # the first day no longer covered; None: open towards the future
    text: str
    tip: str
    cls: str = ""


@dataclass(frozen=True)
class _Row:
    label: str
    href: str | None
    current: bool
    bars: list
    below: list  # (day or None for the plot's start, text) written under the bars


def _timeline(axis: _Axis, rows: list, label: str) -> str:
    """Rows of bars over the years, a label and its link at the left of each row."""
    height = TL_TOP + TL_ROW * len(rows) + 4
    out = [f'<svg class="timeline" viewBox="0 0 {TL_WIDTH} {height}" role="img" aria-label="{escape(label)}">']
    years = axis.end.year - axis.start.year
    step = next(s for s in (1, 2, 5, 10, 20, 50) if TL_PLOT * s / years >= 44 or s == 50)
    for year in range(axis.start.year, axis.end.year + 1):
        x = axis.x(_dt.date(year, 1, 1), 0)
        out.append(f'<line class="grid" x1="{x:.1f}" x2="{x:.1f}" y1="{TL_TOP - 6}" y2="{height - 4}"/>')
        if year % step == 0 and year < axis.end.year:
            out.append(f'<text class="year" x="{x + 3:.1f}" y="{TL_TOP - 12}">{year}</text>')
    for n, row in enumerate(rows):
        y = TL_TOP + TL_ROW * n
        out.append(f'<rect class="stripe s{n % 2}" x="0" y="{y}" width="{TL_WIDTH}" height="{TL_ROW}"/>')
        text = (f'<text class="label{" current" if row.current else ""}" x="8" y="{y + 17}">'
                f'{escape(_fit(row.label, TL_LABELS - 16, 12.5))}<title>{escape(row.label)}</title></text>')
        out.append(f'<a href="{row.href}">{text}</a>' if row.href else text)
        for bar in row.bars:
            out.append(_timeline_bar(axis, bar, y + 5, row.current))
        shown_until = 0.0
        for day, words in row.below:
            x = axis.x(day, TL_LABELS) + 2
            if x < shown_until:
                continue  # it would run into the text before it
            room = TL_LABELS + TL_PLOT - x
            short = _fit(words, room, 11)
            out.append(f'<text class="below" x="{x:.1f}" y="{y + TL_ROW - 7}">{escape(short)}</text>')
            shown_until = x + len(short) * 6.5 + 8
    return "\n".join(out) + "\n</svg>"


def _timeline_bar(axis: _Axis, bar: _Bar, top: float, current: bool) -> str:
    x1 = axis.x(bar.first, TL_LABELS)
    x2 = axis.x(bar.until, TL_LABELS + TL_PLOT)
    width = max(x2 - x1, 2.0)
    cls = " ".join(c for c in ("bar", bar.cls, "current" if current else "", "open-start" if bar.first is None else "",
                               "open-end" if bar.until is None else "") if c)
    text = ""
    if bar.text:  # inside the bar where it fits, else beside it where there is room, else cut to fit inside
        inside = _fit(bar.text, width - 10, 11.5)
        after, before = TL_LABELS + TL_PLOT - x2 - 6, x1 - TL_LABELS - 6
        if inside == bar.text or width > max(after, before):
            if width > 36:
                text = f'<text x="{x1 + 5:.1f}" y="{top + 12.5:.1f}">{escape(inside)}</text>'
        elif after >= before:
            text = (f'<text class="beside" x="{x2 + 5:.1f}" y="{top + 12.5:.1f}">'
                    f'{escape(_fit(bar.text, after, 11.5))}</text>')
        else:
            text = (f'<text class="beside" x="{x1 - 5:.1f}" y="{top + 12.5:.1f}" text-anchor="end">'
                    f'{escape(_fit(bar.text, before, 11.5))}</text>')
    return (f'<g class="{cls}"><title>{escape(bar.tip)}</title><rect x="{x1:.1f}" y="{top:.1f}" '
            f'width="{width:.1f}" height="17" rx="3"/>{text}</g>')


# ------------------------------------------------------------------------------------------- coverage
def _coverage_page(data: _Book, page: _Page) -> str:
    words, lang = WORDS[page.lang], page.lang
    out = [f'<h1>{escape(words["coverage"])}</h1>']
    if data.coverage is None:
        out.append(f'<p>{escape(words["no_catalog"])}</p>')
    else:
        counts = data.coverage.counts()
        out.append('<p class="counts">' + " ".join(
            f'<span class="badge {STATUS_CLASS[status]}">{n} {escape(words[_status_word(status)])}</span>'
            for status, n in counts.items()) + "</p>")
        rows = []
        for item in data.coverage.items:
            what = [f'<a href="{page.rule(rid)}" title="{_t(data.rules[rid]["title"], lang)}">'
                    f'<code>{escape(rid)}</code></a>' for rid in item.rules if rid in data.rules]
            what += [_parameter_link(page, name) for name in item.parameters]
            if not what:
                what = [_english(item.describe(), lang)]
            rows.append([f'<span id="item-{escape(item.id)}">{escape(item.id)}</span>', escape("+".join(item.kinds)),
                         escape(item.area), _english(item.title, lang),
                         f'<span class="badge {STATUS_CLASS[item.status]}">{escape(words[_status_word(item.status)])}'
                         "</span>", "<br>".join(what)])
        out.append(_table([words["id"], words["kind"], words["area"], words["title"], words["status"],
                           words["encoded_by"]], rows, "coverage"))
        if data.coverage.unknown:
            out.append(f'<h2>{escape(words["unknown"])}</h2><ul>' + "".join(
                f"<li><code>{escape(cid)}</code> — {_english(where, lang)}</li>"
                for cid, where in data.coverage.unknown) + "</ul>")
    out.append(_quotes(data, page))
    return _document(data, page, words["coverage"], "\n".join(out))


def _status_word(status: str) -> str:
    return "explained_status" if status == "explained" else status


def _quotes(data: _Book, page: _Page) -> str:
    words, lang = WORDS[page.lang], page.lang
    out = [f'<section id="quotes"><h2>{escape(words["checked"])}</h2>']
    if data.checked is None:  # without the texts, only the citations that quote nothing can be told
        unquoted = quotes.unquoted(data.book)
        if unquoted:
            out.append(f'<p class="warning">{len(unquoted)} {escape(words["unquoted"])}: '
                       + ", ".join(_owner_link(data, page, owner) for owner in unquoted) + "</p>")
        out.append(f'<p>{escape(words["not_checked"])}</p>')
        return "".join(out) + "</section>"
    findings = [f for group in data.checked.values() for f in group]
    problems = [f for f in findings if f.problem]
    out.append(f'<p><code>{escape(data.sources_dir)}</code>: <span class="badge paid">'
               f'{len(findings) - len(problems)} {escape(words["found"])}</span> <span class="badge '
               f'{"violated" if problems else "fulfilled"}">{len(problems)} {escape(words["error"])}</span></p>')
    rows = []
    for f in sorted(findings, key=lambda f: (not f.problem, f.passage.span.line if f.passage.span else 0)):
        result = (f'<span class="badge paid">{escape(words["found"])}</span>' if not f.problem else
                  f'<span class="badge violated">{escape(words["error"])}</span> '
                  + _english(f.problem + (f" — {f.hint}" if f.hint else ""), lang))
        rows.append([_owner_link(data, page, f.passage.owner), f'<a href="{page.source(f.passage.source)}"><code>'
                     f'{escape(f.passage.source)}</code></a> {escape(str(f.passage.section))}', result,
                     f"<code>{escape(_location(f.passage.span))}</code>"])
    out.append(_table([words["rule"], words["source"], words["status"], words["location"]], rows, "quotes"))
    return "".join(out) + "</section>"


def _owner_link(data: _Book, page: _Page, owner: str) -> str:
    """``rule cv-on-jobnet`` or ``parameter cv_deadline from 2015-07-01`` (a citation's owner) as a link."""
    kind, _, rest = owner.partition(" ")
    name, _, version = rest.partition(" ")
    if kind == "rule":
        return _rule_link(data, page, name, with_id=False)
    day = version.rpartition(" ")[2]  # "from 2015-07-01"
    return _parameter_link(page, name) + (f' {escape(WORDS[page.lang]["from"])} {escape(day)}' if day else "")


# ----------------------------------------------------------------------------------------------- lint
def _lint_page(data: _Book, page: _Page) -> str:
    words, lang = WORDS[page.lang], page.lang
    out = [f'<h1>{escape(words["lint"])}</h1>']
    counts = {}
    for f in data.findings:
        counts[f.severity] = counts.get(f.severity, 0) + 1
    explained = sum(1 for f in data.findings if f.explained)
    out.append('<p class="counts">' + " ".join(
        f'<span class="badge {SEVERITY_CLASS[s]}">{n} {escape(_severity(s, lang))}</span>' for s, n in counts.items())
        + (f' <span class="badge fulfilled">{explained} {escape(words["explained"].lower())}</span>'
           if explained else "")
        + "</p>")
    if not data.findings:
        out.append(f'<p>{escape(words["no_findings"])}</p>')
    for n, f in enumerate(data.findings):
        facts = [(words["code"], f"<code>{escape(f.code)}</code>"),
                 (words["location"], f"<code>{escape(_location(f.span))}</code>")]
        if f.rules:
            facts.append((words["rules"], "<br>".join(_rule_link(data, page, rid) for rid in f.rules)))
        if f.counterexample:
            facts.append((words["counterexample"], _english(", ".join(f"{k}: {v}" for k, v in f.counterexample.items()),
                                                            lang)))
        if f.hint:
            facts.append((words["hint"], _english(f.hint, lang)))
        if f.explained:
            facts.append((words["explained"], _english(f.explained, lang)))
        out.append(f'<article class="finding {escape(f.severity)}{" explained" if f.explained else ""}" '
                   f'id="finding-{n + 1}"><h2><span class="badge {SEVERITY_CLASS.get(f.severity, "fulfilled")}">'
                   f'{escape(_severity(f.severity, lang))}</span> {_english(f.message, lang)}</h2>{_facts(facts)}'
                   "</article>")
    return _document(data, page, words["lint"], "\n".join(out))


def _severity(severity: str, lang: str) -> str:
    return WORDS[lang].get("note_severity" if severity == "note" else severity, severity)


# --------------------------------------------------------------------------------------------- impact
def _impact_page(data: _Book, page: _Page) -> str:
    words, lang, result = WORDS[page.lang], page.lang, data.impact
    out = [f'<h1>{escape(words["impact"])}</h1>']
    books = []
    for run in ("old", "new"):
        book = result.get(run) or {}
        books.append((words[run].capitalize(), f'{escape(str(book.get("name", "—")))} — <code>'
                      f'{escape(str(book.get("path", "—")))}</code>, sha256 <code>'
                      f'{escape(str(book.get("digest", ""))[:12])}</code>'))
    errors = result.get("errors") or {}
    out.append(_facts([(words["as_of"], escape(str(result.get("as_of", "—")))),
                       (words["engine"], escape(str(result.get("engine", "—")))), *books,
                       (words["population"], escape(str(result.get("population", "—")))),
                       (words["persons"], escape(str(result.get("persons", "—")))),
                       (words["changed"], escape(str(result.get("changed", "—")))),
                       (words["errors"], f'{escape(words["old"])} {escape(str(errors.get("old", "—")))}, '
                                         f'{escape(words["new"])} {escape(str(errors.get("new", "—")))}')]))
    if result.get("engine_note"):
        out.append(f'<p class="warning">{escape(words["engine_note"])}: {_english(result["engine_note"], lang)}</p>')
    if (result.get("new") or {}).get("digest") not in (None, data.book.digest):
        out.append(f'<p class="warning">{escape(words["other_book"])} ({escape(Path(data.book.path).name)}, '
                   f'sha256 <code>{escape(data.book.digest[:12])}</code>).</p>')
    counts = [key for key in RULE_COUNTS if any(key in rule for rule in result["rules"])]
    rows = [[_impact_rule(data, page, rule), escape(str(rule.get("persons", "")))]
            + [_number(rule.get(key)) for key in counts] for rule in result["rules"]]
    out.append(f'<section id="rules"><h2>{escape(words["rules_changed"])}</h2>'
               + _table([words["rule"], words["persons"], *(words[key] for key in counts)], rows, "impact")
               + "</section>")
    days = result.get("unpaid_days") or {}
    out.append(f'<section id="unpaid-days"><h2>{escape(words["unpaid_days"])}</h2>' + _facts(
        [(words[key], _number(days.get(key))) for key in ("gained", "lost", "persons_more", "persons_fewer")])
        + "</section>")
    out.append(_examples(data, page, result.get("examples") or []))
    return _document(data, page, words["impact"], "\n".join(out))


def _impact_rule(data: _Book, page: _Page, rule: dict) -> str:
    rid = str(rule.get("rule", ""))
    if rid in data.rules:
        return _rule_link(data, page, rid)
    title = _t(rule.get("title"), page.lang) if isinstance(rule.get("title"), dict) else ""
    return (f'{title} ' if title else "") + _rule_link(data, page, rid)


def _number(value) -> str:
    return escape("—" if value is None else str(value))


def _examples(data: _Book, page: _Page, examples: list) -> str:
    words, lang = WORDS[page.lang], page.lang
    out = [f'<section id="examples"><h2>{escape(words["examples"])} ({len(examples)})</h2>']
    for example in examples:
        days = example.get("unpaid_days") or {}
        rows = [[_rule_link(data, page, str(change.get("rule", "")), with_id=False),
                 escape(str(change.get("instance", ""))), _state(change.get("old"), lang),
                 _state(change.get("new"), lang)] for change in example.get("changes") or []]
        out.append(f'<article class="example"><h3><code>{escape(str(example.get("id", "")))}</code> — '
                   f'{escape(words["unpaid_days"].lower())}: {_number(days.get("old"))} → '
                   f'{_number(days.get("new"))}</h3>'
                   + (_table([words["rule"], words["instance"], words["old"].capitalize(),
                              words["new"].capitalize()], rows, "changes")
                      if rows else "") + "</article>")
    return "".join(out) + "</section>"


def _state(state, lang: str) -> str:
    """A result before or after the change: its status as a badge, its other fields as they are; — when absent."""
    if state is None:
        return "—"
    if not isinstance(state, dict):
        return escape(str(state))
    status = state.get("status")
    badge = (f'<span class="badge {escape(str(status))}">{escape(STATUS_WORDS[lang].get(status, str(status)))}</span> '
             if status else "")
    words = REPORT_WORDS[lang]
    fields = [(words[FIELDS[k]] if k in FIELDS else k, json.dumps(v, ensure_ascii=False) if isinstance(v, (dict, list))
               else v) for k, v in state.items() if k != "status"]
    return badge + escape(", ".join(f"{k}: {v}" for k, v in fields))


# ---------------------------------------------------------------------------------------------- style
# the HTML report's colours, so that the report and the rule book read as one
STYLE = re.search(r":root \{.*?\}", REPORT_STYLE, re.S).group(0) + """
body { font-family: system-ui, -apple-system, "Segoe UI", Roboto, Helvetica, Arial, sans-serif; color: var(--ink);
  margin: 0; line-height: 1.45; background: #fff; }
main { margin: 0 auto; padding: .8rem 1.6rem 2rem; max-width: 1240px; }
header.site { display: flex; flex-wrap: wrap; align-items: baseline; gap: .4rem 1.4rem; padding: .55rem 1.6rem;
  background: #1f2933; color: #fff; }
header.site a { color: #fff; text-decoration: none; } header.site a:hover { text-decoration: underline; }
header.site .book { font-weight: 700; font-size: 1.05rem; }
header.site .pages { display: flex; flex-wrap: wrap; gap: .2rem 1rem; font-size: .92rem; }
header.site .languages { margin-left: auto; display: flex; gap: .3rem; font-size: .88rem; }
header.site .languages > * { padding: .05rem .55rem; border: 1px solid #9aa3ae; border-radius: .8em; }
header.site .languages .current { background: #fff; color: var(--ink); font-weight: 600; }
h1 { font-size: 1.45rem; margin: .4rem 0 .5rem; }
h2 { font-size: 1.15rem; margin: 1.6rem 0 .5rem; border-bottom: 1px solid #d8dde3; padding-bottom: .2rem; }
h3 { font-size: 1rem; margin: 1.1rem 0 .35rem; }
a { color: var(--pending); }
code { font-size: .9em; background: #f1f3f5; padding: 0 .25em; border-radius: 3px; }
code.id { color: var(--muted); white-space: nowrap; }
.toc { margin: .2rem 0 .4rem; line-height: 1.8; }
.muted, .ids, .crumbs, .meta { color: var(--muted); } .ids { font-size: .85em; white-space: nowrap; }
.crumbs { font-size: .88rem; margin-top: .3rem; }
.facts { display: grid; grid-template-columns: max-content 1fr; gap: .15rem 1rem; margin: .4rem 0 .8rem; }
.facts dt { font-weight: 600; } .facts dd { margin: 0; }
.badge { display: inline-block; padding: 0 .45em; border-radius: .7em; font-size: .85em; font-weight: 600;
  border: 1px solid currentColor; white-space: nowrap; }
.badge.violated { color: var(--violated); background: var(--violated-light); }
.badge.in_force { color: var(--in_force); background: var(--in_force-light); }
.badge.pending, .badge.kind { color: var(--pending); background: var(--pending-light); }
.badge.fulfilled, .badge.not_in_force, .badge.waived, .badge.not_applicable { color: var(--muted); }
.badge.paid { color: var(--spell); background: #e6f4ec; }
.counts .badge { margin-right: .3em; }
.columns { display: grid; grid-template-columns: minmax(0, 1fr) minmax(0, 1fr); gap: 0 2.2rem; }
.columns > section > h2:first-child { margin-top: .6rem; }
@media (max-width: 900px) { .columns { grid-template-columns: minmax(0, 1fr); } }
section.cites { background: #fbfaf6; border-left: 3px solid #e4dcc4; padding: 0 1rem .6rem; }
pre.rule-text { font-family: ui-monospace, "SFMono-Regular", Menlo, Consolas, monospace; font-size: .9rem;
  background: #f6f8fa; border: 1px solid #e3e7eb; padding: .5rem .7rem; margin: .3rem 0; border-radius: 4px;
  white-space: pre-wrap; } pre.rule-text code { background: none; padding: 0; }
.exceptions { padding-left: 1.1rem; } .exceptions li { margin-bottom: .5rem; } .exceptions p { margin: .2rem 0; }
.effect { color: var(--muted); font-size: .92rem; }
.reading { border-left: 4px solid var(--in_force); background: #fff6e8; padding: .3rem .7rem; }
article.cite { margin: .6rem 0 1rem; } article.cite h3 { margin: .8rem 0 .1rem; font-size: .98rem; }
.source-title { margin: 0 0 .25rem; color: var(--muted); font-size: .9rem; }
blockquote { margin: .2rem 0 .35rem 0; padding: .1rem 0 .1rem .7rem; border-left: 3px solid #c9b98a;
  font-family: Georgia, "Times New Roman", serif; font-size: 1.02rem; }
.check { font-size: .85rem; margin: .1rem 0; }
.check.ok { color: var(--spell); } .check.problem { color: var(--violated); }
.check.ok::before { content: "✓ "; } .check.problem::before { content: "✗ "; }
.conflict { color: var(--in_force); font-size: .9em; }
table { border-collapse: collapse; font-size: .92rem; width: 100%; margin: .3rem 0 .8rem; }
th, td { text-align: left; padding: .25rem .7rem .25rem 0; vertical-align: top; border-bottom: 1px solid #eef0f3; }
th { border-bottom: 2px solid #d8dde3; }
table.values td:nth-child(-n+2) { white-space: nowrap; }
dl.chapters code, dl.families code { white-space: nowrap; }
table.values article.cite { margin: 0; } table.values article.cite h3 { margin-top: 0; }
ul.rules { columns: 2 30rem; column-gap: 2rem; padding-left: 1.1rem; margin: .2rem 0; }
ul.rules li { break-inside: avoid; margin: .1rem 0; }
ul.parameters { columns: 2 30rem; column-gap: 2rem; padding-left: 1.1rem; margin: .2rem 0; }
ul.parameters li { break-inside: avoid; }
dl.chapters { display: grid; grid-template-columns: max-content 1fr; gap: .3rem 1rem; }
dl.chapters dt { font-weight: 600; } dl.chapters dd { margin: 0; line-height: 1.7; }
dl.families dt, dl.sources dt { font-weight: 600; margin-top: .45rem; }
dl.families dd, dl.sources dd { margin: 0 0 0 1.2rem; }
p.warning { border-left: 4px solid var(--in_force); background: #fff6e8; padding: .3rem .8rem; }
article.finding { border: 1px solid #dfe3e8; border-left: 5px solid var(--fulfilled); border-radius: 4px;
  padding: .1rem .9rem .3rem; margin: .6rem 0; }
article.finding.error { border-left-color: var(--violated); }
article.finding.warning { border-left-color: var(--in_force); }
article.finding.note { border-left-color: var(--pending); } article.finding.explained { opacity: .8; }
article.finding h2 { font-size: 1rem; border: none; margin: .5rem 0 .3rem; }
article.example h3 { font-size: .98rem; }
svg.timeline { width: 100%; height: auto; display: block; margin: .4rem 0 .6rem; font-size: 12px; }
svg.timeline text { fill: var(--ink); }
svg .stripe.s0 { fill: #f6f8fa; } svg .stripe.s1 { fill: #ffffff; }
svg .grid { stroke: #dfe3e8; stroke-width: 1; }
svg .year { fill: var(--muted); font-size: 11px; font-weight: 600; }
svg a text.label { fill: var(--pending); } svg a:hover text.label { text-decoration: underline; }
svg text.label.current { font-weight: 700; }
svg .below { fill: var(--muted); font-size: 11px; font-family: ui-monospace, Menlo, Consolas, monospace; }
svg .bar rect { fill: var(--pending-light); stroke: var(--pending); stroke-width: 1; }
svg .bar.current rect { fill: var(--pending); } svg .bar.current text { fill: #fff; font-weight: 600; }
svg .bar.current text.beside { fill: var(--ink); }
svg .bar.v1 rect { fill: #b7cdf3; }
svg .bar.open-end rect, svg .bar.open-start rect { stroke-dasharray: 5 3; }
svg .bar text { font-size: 11.5px; }
footer { margin: 2rem auto 1rem; max-width: 1240px; padding: 0 1.6rem; font-size: .8rem; color: var(--muted); }
"""
