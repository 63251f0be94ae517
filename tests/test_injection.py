"""Text from a rule book can never become code in the generated checker module.

Free-text fields (titles, consequence texts, reasons, notes, source titles,
parameter and event docs, citation sections, the book's name) may hold
anything; they must reach the generated module only as ``ast.Constant``
strings.  Fields the schema restricts (rule ids, names, keys) must be
rejected with a located RuleBookError.  Rule-language text itself is either
rejected or ends up as a constant.
"""

from __future__ import annotations

import ast
import json
import re

import pytest

from frist.compiler import compile_rules, compile_source
from frist.errors import FristError, RuleBookError
from frist.report import check
from frist.source import parse_text

from helpers import PERSON, RULES, run_cli, variant, where

PAYLOADS = {
    "python-call": "__import__('os').system('touch PWNED')",
    "quotes": "He said \"no\" and 'yes' and \"it's\"",
    "triple-quotes": "''' \"\"\" '''\"\"\"",
    "backslashes": "C:\\new\\x41\\\\ \\N{BULLET} \\u0041 \\",
    "newlines": "line one\nline two\r\n\tline three\n",
    "unicode": "Tilmeld dig på 1. ledighedsdag — æøå ÆØÅ 🎉 \u200fעברית\u200e \u202eRTL\u202c",
    "string-breakout": '"""; import os; os.system("x"); """',
    "all-at-once": "__import__('os').system('touch PWNED') \"\"\"; import os; os.system(\"x\"); \"\"\" "
                   "''' \\ \\\\ \n æøå 🎉 \u200f \" '",
}
PAYLOAD_IDS = list(PAYLOADS)

FORBIDDEN = {"os", "system", "__import__", "eval", "exec", "open", "compile", "subprocess", "getattr",
             "globals", "locals", "__builtins__", "builtins", "popen", "spawn"}


def yaml_string(payload: str) -> str:
    """A YAML double-quoted scalar holding ``payload`` exactly."""
    text = json.dumps(payload, ensure_ascii=False)
    assert parse_text(f"k: {text}\n")["k"] == payload
    return text


# (field, fragment of rules.yaml, replacement with {q} for the quoted payload, emitted into the module?)
FREE_TEXT_FIELDS = [
    ("rule-title-en", "en: Create a CV on Jobnet at the latest 2 weeks after registering", "en: {q}", True),
    ("rule-title-da", "da: Opret CV på Jobnet senest 2 uger efter tilmelding", "da: {q}", True),
    ("consequence-text", "        en: Without a CV on Jobnet no dagpenge are paid.", "        en: {q}", True),
    ("unless-reason", "en: No word from the a-kasse means the CV is approved.", "en: {q}", True),
    ("source-title", "title: Det skal du vide som ledig", "title: {q}", True),
    ("source-publisher", "publisher: Frie Funktionærers a-kasse", "publisher: {q}", True),
    ("citation-section", '- {source: ff-pjece, section: "§2"}', "- {{source: ff-pjece, section: {q}}}", True),
    ("book-name", "name: Dagpenge duties (starter rule book)", "name: {q}", True),
    ("event-doc", "cv_created: {kind: point, doc: The CV is created (or reactivated) on Jobnet.}",
     "cv_created: {{kind: point, doc: {q}}}", True),
    ("note", "        en: Dagpenge are paid only from the day of registration.\n",
     "        en: Dagpenge are paid only from the day of registration.\n    note: {q}\n", False),
    ("parameter-doc", "    doc: How long after registering the CV must be on Jobnet.", "    doc: {q}", False),
]
FIELD_IDS = [f[0] for f in FREE_TEXT_FIELDS]

TIMELINE = PERSON + ("  - {type: unemployed, date: 2024-03-01}\n"
                     "  - {type: registered, date: 2024-03-04}\n"
                     "  - {type: cv_created, date: 2024-03-06}\n"
                     "  - {type: meeting, date: 2024-03-08, held_by: akasse, kind: job}\n"
                     "  - {type: self_inflicted, date: 2024-03-02, what: quit}\n")


def string_constants(tree) -> list:
    return [n.value for n in ast.walk(tree) if isinstance(n, ast.Constant) and isinstance(n.value, str)]


def skeleton(tree) -> str:
    """The module with every string constant blanked: what is left is code."""
    class Blank(ast.NodeTransformer):
        def visit_Constant(self, node):
            return ast.Constant("") if isinstance(node.value, str) else node

    return ast.dump(Blank().visit(tree))


def assert_only_runtime_code(tree) -> None:
    """Nothing in the module names anything but the runtime, the checker's arguments and its own globals."""
    imports = [n for n in ast.walk(tree) if isinstance(n, (ast.Import, ast.ImportFrom))]
    assert len(imports) == 1 and isinstance(imports[0], ast.Import)
    assert [(a.name, a.asname) for a in imports[0].names] == [("frist.runtime.engine", "_rt")]
    allowed_names = {"_rt", "ctx", "x", "BOOK", "RULES", "CHECKERS", "ORDER", "APPLIES", "FAMILIES"}
    for node in ast.walk(tree):
        if isinstance(node, ast.Name):
            assert node.id in allowed_names or re.fullmatch(r"check_\d+", node.id), node.id
            assert node.id not in FORBIDDEN
        elif isinstance(node, ast.Attribute):
            assert node.attr not in FORBIDDEN, ast.unparse(node)
        elif isinstance(node, ast.Call):
            root = node.func
            while isinstance(root, ast.Attribute):
                root = root.value
            assert isinstance(node.func, ast.Attribute) and isinstance(root, ast.Name) \
                and root.id in ("_rt", "ctx", "x"), ast.unparse(node.func)
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            assert isinstance(node, ast.FunctionDef) and re.fullmatch(r"check_\d+", node.name), node.name
        assert not isinstance(node, (ast.Global, ast.Nonlocal, ast.With, ast.Try, ast.Delete, ast.Await,
                                     ast.JoinedStr, ast.Starred, ast.NamedExpr))


@pytest.fixture(scope="module")
def baseline_skeleton():
    return skeleton(ast.parse(compile_source(RULES)))


@pytest.fixture(autouse=True)
def _isolated(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("FRIST_CACHE_DIR", str(tmp_path / "cache"))


def test_the_shipped_rule_book_generates_only_runtime_code():
    assert_only_runtime_code(ast.parse(compile_source(RULES)))


def tagged(payload: str, field_id: str) -> str:
    """The payload, marked with the field it was written into."""
    return f"{payload} <{field_id}>"


@pytest.mark.parametrize("payload_id", PAYLOAD_IDS)
def test_free_text_is_only_ever_a_constant(payload_id, tmp_path, baseline_skeleton):
    """Every free-text field at once holds the payload (tagged with the field's name)."""
    payload = PAYLOADS[payload_id]
    replacements = [(old, new.format(q=yaml_string(tagged(payload, field_id))))
                    for field_id, old, new, _ in FREE_TEXT_FIELDS]
    path, _ = variant(tmp_path, *replacements)
    tree = ast.parse(compile_source(path))
    constants = string_constants(tree)
    for field_id, _, _, emitted in FREE_TEXT_FIELDS:
        text = tagged(payload, field_id)
        if emitted:
            assert text in constants, field_id
        else:  # notes and parameter docs are not part of the module at all
            assert not any(text in c for c in constants), field_id
    # what is left once the strings are blanked is exactly the code generated for the shipped rule book
    assert skeleton(tree) == baseline_skeleton
    assert_only_runtime_code(tree)
    assert not (tmp_path / "PWNED").exists()


@pytest.mark.parametrize("payload_id", ["string-breakout", "all-at-once"])
def test_compiled_module_runs_and_keeps_the_text(payload_id, tmp_path, capsys):
    payload = PAYLOADS[payload_id]
    q = yaml_string(payload)
    replacements = [(old, new.format(q=q)) for _, old, new, _ in FREE_TEXT_FIELDS]
    path, _ = variant(tmp_path, *replacements)
    module = compile_rules(path, use_cache=False)
    assert_only_runtime_code(ast.parse(compile_source(path)))
    report = check(TIMELINE, rules=module, as_of="2024-06-01")
    cv = next(r for r in report.results if r.rule.id == "cv-on-jobnet")
    assert cv.rule.title == {"da": payload, "en": payload}
    assert cv.rule.consequence["en"] == payload
    assert module.BOOK["name"] == payload
    assert module.BOOK["sources"]["ff-pjece"]["title"] == payload
    # through the command line (with the cache on), the JSON report carries the text unchanged
    timeline = tmp_path / "timeline.yaml"
    timeline.write_text(TIMELINE, encoding="utf-8")
    code, out, err = run_cli(["check", timeline, "--rules", path, "--as-of", "2024-06-01", "--format", "json"],
                             capsys)
    assert code in (0, 1) and "Traceback" not in err, err
    results = json.loads(out)["results"]
    assert next(r for r in results if r["rule"] == "cv-on-jobnet")["title"]["en"] == payload
    # a second run loads the cached module: still no side effects
    code, _, err = run_cli(["check", timeline, "--rules", path, "--as-of", "2024-06-01"], capsys)
    assert code in (0, 1) and "Traceback" not in err, err
    assert not (tmp_path / "PWNED").exists()


# ------------------------------------------------------------------ restricted fields are rejected

RESTRICTED_VALUES = [
    ("rule-id", "- id: cv-approval", "- id: {q}"),
    ("catalog", "catalog: [REG-1]", "catalog: [{q}]"),
    ("cite-source", '- {source: ff-pjece, section: "§2"}', '- {{source: {q}, section: "§2"}}'),
    ("holder", "holder: akasse\n    title:\n      da: A-kassen godkender",
     "holder: {q}\n    title:\n      da: A-kassen godkender"),
    ("event-kind", "    kind: point\n      derived: true", "    kind: {q}\n      derived: true"),
    ("month-rounding", "month_rounding: down", "month_rounding: {q}"),
    ("state-starts", "registered: {starts: registered", "registered: {{starts: {q}"),
]
RESTRICTED_CASES = [pytest.param(RESTRICTED_VALUES[0], p, id=f"rule-id-{p}") for p in PAYLOAD_IDS] + \
    [pytest.param(case, "all-at-once", id=case[0]) for case in RESTRICTED_VALUES[1:]]


@pytest.mark.parametrize("case, payload_id", RESTRICTED_CASES)
def test_restricted_values_are_rejected_where_they_stand(case, payload_id, tmp_path):
    _, old, new = case
    q = yaml_string(PAYLOADS[payload_id])
    path, text = variant(tmp_path, (old, new.format(q=q)))
    line, column = where(text, q)
    with pytest.raises(FristError) as info:
        compile_source(path)
    assert type(info.value) is RuleBookError
    first = info.value.first
    assert (first.span.file, first.span.line, first.span.column) == (str(path), line, column), first.format()
    assert not (tmp_path / "PWNED").exists()


def test_hostile_rule_id_on_the_command_line(tmp_path, capsys):
    q = yaml_string(PAYLOADS["all-at-once"])
    path, text = variant(tmp_path, ("- id: cv-approval", f"- id: {q}"))
    line, column = where(text, q)
    timeline = tmp_path / "timeline.yaml"
    timeline.write_text(TIMELINE, encoding="utf-8")
    for argv in (["validate", path], ["compile", path, "-o", tmp_path / "out.py"],
                 ["check", timeline, "--rules", path, "--as-of", "2024-06-01"]):
        code, out, err = run_cli(argv, capsys)
        assert code == 2 and "Traceback" not in err, err
        assert f"{path}:{line}:{column}" in err
        assert "rule ids are lower-case words" in err
    assert not (tmp_path / "out.py").exists()
    assert not (tmp_path / "PWNED").exists()


KEY_CASES = [
    ("event-type", "    cv_created: {kind: point", "    {q}: {{kind: point"),
    ("parameter", "  hours_per_day:\n", "  {q}:\n"),
    ("source", "  aka-guide:\n", "  {q}:\n"),
    ("person-fact", "    akasse: {type: enum", "    {q}: {{type: enum"),
    ("event-field", "        mode: {type: enum", "        {q}: {{type: enum"),
]


@pytest.mark.parametrize("payload_id", ["all-at-once"])
@pytest.mark.parametrize("case", KEY_CASES, ids=[c[0] for c in KEY_CASES])
def test_restricted_names_are_rejected(case, payload_id, tmp_path):
    _, old, new = case
    q = yaml_string(PAYLOADS[payload_id])
    path, text = variant(tmp_path, (old, new.format(q=q)))
    with pytest.raises(FristError) as info:
        compile_source(path)
    assert type(info.value) is RuleBookError
    first = info.value.first
    assert first.span.file == str(path)
    assert 1 <= first.span.line <= where(text, q)[0]
    assert not (tmp_path / "PWNED").exists()


@pytest.mark.parametrize("case", KEY_CASES, ids=[c[0] for c in KEY_CASES])
def test_restricted_names_are_located_at_the_key(case, tmp_path):
    _, old, new = case
    q = yaml_string(PAYLOADS["python-call"])
    path, text = variant(tmp_path, (old, new.format(q=q)))
    with pytest.raises(RuleBookError) as info:
        compile_source(path)
    first = info.value.first
    assert (first.span.line, first.span.column) == where(text, q)


# ------------------------------------------------------------------ the rule language itself

DUTY_CV = 'duty: "within $cv_deadline after registered: cv_created"'
REJECTED_RULE_TEXT = [
    # (duty text as written in YAML, message fragment, needle for the location)
    ('"within 2 weeks after registered: __import__"', "unknown event type `__import__`", "__import__"),
    ('"within 2 weeks after registered: __import__(\'os\')"', "unexpected `(`", "('os')"),
    ('"within 2 weeks after registered: cv_created; import os"', "unexpected character ';'", "; import"),
    ('"each meeting: outcome is \\"x\'); os.system(\'y\\""', "is not one of", '\\"x'),
    ('"each meeting: os.system is held"', "unexpected", ".system"),
    ('"each meeting: __class__ is held"', "unknown field `__class__`", "__class__"),
    ('"within 2 weeks after registered: cv_created where exec is eval"', "unknown field `exec`", "exec is"),
    ("'within 2 weeks after registered: cv_created \"\"\"; import os; os.system(\"x\"); \"\"\"'",
     "unexpected", '"""; import'),
    ('"within 2 weeks after registered: cv_created\\n\\"\\"\\"; import os"', "unexpected", '\\"\\"\\"'),
]


@pytest.mark.parametrize("duty, message, needle", REJECTED_RULE_TEXT, ids=range(len(REJECTED_RULE_TEXT)))
def test_hostile_rule_language_is_rejected(duty, message, needle, tmp_path):
    path, text = variant(tmp_path, (DUTY_CV, f"duty: {duty}"))
    with pytest.raises(FristError) as info:
        compile_source(path)
    assert type(info.value) is RuleBookError
    first = info.value.first
    assert message in first.message, first.format()
    assert first.rule == "cv-on-jobnet"
    line, column = where(text, duty)
    assert first.span.file == str(path)
    assert first.span.line == line and first.span.column >= column, first.format()
    if "\\" not in duty:  # one-line text without escapes is located exactly
        assert (first.span.line, first.span.column) == where(text, needle), first.format()
    assert not (tmp_path / "PWNED").exists()


REMARK_FIELD = ("        kind: {type: enum, values: [cv, job, availability, joint]}\n",
                "        kind: {type: enum, values: [cv, job, availability, joint]}\n"
                "        remark: {type: text, required: false}\n")

DUTY_EACH = 'duty: "each meeting: outcome in [held, cancelled_sick]"'
ACCEPTED_RULE_TEXT = [
    # (duty replaced, duty in YAML, the string constant it must produce)
    (DUTY_EACH, "\"each meeting: remark is \\\"x'); os.system('y\\\"\"", "x'); os.system('y"),
    (DUTY_EACH, "'each meeting: remark is \"''''; import os; os.system(''x''); ''''\"'",
     "''; import os; os.system('x'); ''"),
    (DUTY_EACH, "\"each meeting: remark != \\\"__import__('os').system('touch PWNED')\\\"\"",
     "__import__('os').system('touch PWNED')"),
    (DUTY_EACH, "\"each meeting: remark in [\\\"\\\\\\\\\\\", \\\"æøå 🎉 \u200f\\\"]\"", "æøå 🎉 \u200f"),
    (DUTY_EACH, "\"each meeting: remark in [\\\"\\\\\\\\\\\", \\\"æøå 🎉 \u200f\\\"]\"", "\\\\"),
    (DUTY_CV, "\"within 2 weeks after registered: cv_created  # '); os.system('x') \\\"\\\"\\\"\"",
     "within 2 weeks after registered: cv_created # '); os.system('x') \"\"\""),
]


@pytest.mark.parametrize("old, duty, constant", ACCEPTED_RULE_TEXT, ids=range(len(ACCEPTED_RULE_TEXT)))
def test_hostile_strings_in_rule_language_stay_constants(old, duty, constant, tmp_path):
    path, _ = variant(tmp_path, REMARK_FIELD, (old, f"duty: {duty}"))
    source = compile_source(path)
    tree = ast.parse(source)
    assert_only_runtime_code(tree)
    assert constant in string_constants(tree), constant
    module = compile_rules(path, use_cache=False)
    timeline = TIMELINE + "  - {type: meeting, date: 2024-03-09, held_by: akasse, kind: job, " \
                          "remark: \"x'); os.system('y\"}\n"
    report = check(timeline, rules=module, as_of="2024-06-01")
    assert any(r.rule.id == "attend-meetings" for r in report.results)
    assert not (tmp_path / "PWNED").exists()


def test_hostile_applies_condition_is_rejected(tmp_path):
    path, text = variant(tmp_path, ("applies: benefit is dagpenge and akasse is AKA",
                                    "applies: benefit is dagpenge and __import__ is AKA"))
    with pytest.raises(RuleBookError) as info:
        compile_source(path)
    assert "unknown person fact `__import__`" in info.value.first.message
    assert (info.value.first.span.line, info.value.first.span.column) == where(text, "__import__")
