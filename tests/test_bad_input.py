"""Bad input of every kind is a located FristError (never a traceback).

Each case checks the exact error class, a fragment of the message, the
file:line:column of the first diagnostic (computed from the text written
here, not copied from the tool's output), a hint where one helps, and for
the command line the exit code and the absence of a traceback.
"""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
import yaml
from yaml.scanner import ScannerError

from frist import source
from frist.compiler import compile_rules, compile_source
from frist.errors import FristError, LimitError, RuleBookError, TimelineError
from frist.report import load_timeline
from frist.rulebook import load, load_text
from frist.source import Limits, parse_text, read_file

from helpers import PERSON, ROOT, RULES, RULES_TEXT, replace_once, run_cli, variant, where


@pytest.fixture(autouse=True)
def _private_cache(tmp_path_factory, monkeypatch):
    """Compiled rule books go to a cache of this test session only."""
    monkeypatch.setenv("FRIST_CACHE_DIR", str(tmp_path_factory.getbasetemp() / "frist-cache"))


def assert_first(exc: FristError, *, cls, message: str, file: str, line: int, column: int, hint: str | None):
    assert type(exc) is cls, f"{type(exc).__name__} is not {cls.__name__}: {exc}"
    first = exc.first
    assert message in first.message, first.format()
    assert first.span is not None, first.format()
    assert (first.span.file, first.span.line, first.span.column) == (file, line, column), first.format()
    if hint is None:
        return
    assert first.hint, f"no hint: {first.format()}"
    assert hint in first.hint, first.format()


def assert_cli_error(code: int, err: str, expected_code: int, location: str | None = None):
    assert "Traceback" not in err, err
    assert code == expected_code, err
    if location is not None:
        assert location in err, err


# ---------------------------------------------------------------------------- malformed YAML

def _billion_laughs(levels: int = 13) -> str:
    lines = ["l0: &l0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]"]
    for i in range(1, levels):
        lines.append(f"l{i}: &l{i} [" + ", ".join([f"*l{i - 1}"] * 9) + "]")
    return "\n".join(lines) + "\n"


BILLION_LAUGHS = _billion_laughs()  # 12 levels of 9 aliases each: 108 aliases, 9**12 items if expanded
assert BILLION_LAUGHS.count("*") > 100

#: (id, text, class, message fragment, (line, column), hint fragment)
YAML_CASES = [
    ("bad-indentation", "frist: 1\nsources:\n  a: 1\n b: 2\n", FristError, "malformed YAML",
     (4, 2), "indentation"),
    ("unclosed-bracket", "rules: [1, 2\nname: x\n", FristError, "flow sequence",
     # the scanner notices the bracket is unclosed at the `:` of the next line
     None, "indentation"),
    ("tab-indentation", "frist: 1\nsources:\n\tfoo: 1\n", FristError, "malformed YAML",
     (3, 1), "tabs"),
    ("duplicate-key", "frist: 1\nname: a\nsources: {}\nname: b\n", FristError, "duplicate key `name`",
     (4, 1), "once"),
    ("python-tag", 'frist: 1\nname: !!python/object/apply:os.system ["touch PWNED"]\n', FristError,
     "python/object/apply:os.system` is not allowed", (2, 7), "remove the tag"),
    ("custom-tag", "frist: 1\nname: !foo bar\n", FristError, "YAML tag `!foo` is not allowed",
     (2, 7), "remove the tag"),
    ("custom-tag-on-mapping", "frist: 1\nsources: !foo {a: 1}\n", FristError, "`!foo` is not allowed",
     (2, 10), "remove the tag"),
    ("empty", "", FristError, "document is empty", (1, 1), "mapping"),
    ("only-comments", "# nothing here\n\n", FristError, "document is empty", (1, 1), "mapping"),
    ("two-documents", "frist: 1\n---\nfrist: 2\n", FristError, "more than one YAML document", (3, 1), "---"),
    ("too-deep", "frist: 1\nname: " + "[" * 40 + "]" * 40 + "\n", LimitError, "deeper than 32 levels",
     # the root mapping is level 0, so the 33rd `[` is the first too deep
     (2, len("name: ") + 33), "flatten"),
    ("billion-laughs", BILLION_LAUGHS, LimitError, "more than 100 aliases",
     where(BILLION_LAUGHS, "*", 101), "expand the aliases"),
]
YAML_IDS = [c[0] for c in YAML_CASES]


def _expected_position(text, position):
    if position is None:  # unclosed bracket: the second `:` in the text
        return where(text, ":", 2)
    return position


@pytest.mark.parametrize("case", YAML_CASES, ids=YAML_IDS)
def test_malformed_yaml_text(case, tmp_path, monkeypatch):
    _, text, cls, message, position, hint = case
    monkeypatch.chdir(tmp_path)
    with pytest.raises(FristError) as info:
        parse_text(text, "doc.yaml")
    line, column = _expected_position(text, position)
    assert_first(info.value, cls=cls, message=message, file="doc.yaml", line=line, column=column, hint=hint)
    assert not (tmp_path / "PWNED").exists()


@pytest.mark.parametrize("case", YAML_CASES, ids=YAML_IDS)
def test_malformed_yaml_file(case, tmp_path, monkeypatch):
    """The same documents as rule-book files: `load` and `frist validate` report them located."""
    _, text, cls, message, position, hint = case
    monkeypatch.chdir(tmp_path)
    path = tmp_path / "rules.yaml"
    path.write_text(text, encoding="utf-8")
    line, column = _expected_position(text, position)
    with pytest.raises(FristError) as info:
        load(path)
    assert_first(info.value, cls=cls, message=message, file=str(path), line=line, column=column, hint=hint)
    assert not (tmp_path / "PWNED").exists()


@pytest.mark.parametrize("case", YAML_CASES, ids=YAML_IDS)
def test_malformed_yaml_cli(case, tmp_path, monkeypatch, capsys):
    _, text, _, message, position, _ = case
    monkeypatch.chdir(tmp_path)
    path = tmp_path / "rules.yaml"
    path.write_text(text, encoding="utf-8")
    line, column = _expected_position(text, position)
    code, _, err = run_cli(["validate", path], capsys)
    assert_cli_error(code, err, 2, f"{path}:{line}:{column}")
    assert message in err
    assert not (tmp_path / "PWNED").exists()


def test_yaml_tag_in_a_rule_book_is_never_executed(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    path, text = variant(tmp_path, ("name: Dagpenge duties (starter rule book)",
                                    'name: !!python/object/apply:os.system ["touch PWNED"]'))
    with pytest.raises(FristError) as info:
        compile_rules(path, use_cache=False)
    line, column = where(text, "!!python")
    assert_first(info.value, cls=FristError, message="is not allowed", file=str(path), line=line, column=column,
                 hint="remove the tag")
    code, _, err = run_cli(["check", tmp_path / "nothing.yaml", "--rules", path, "--no-cache"], capsys)
    assert_cli_error(code, err, 2, f"{path}:{line}:{column}")
    assert not (tmp_path / "PWNED").exists()


def test_size_limit_counts_bytes_not_characters():
    text = "a: æøå\n"  # 7 characters, 10 bytes
    assert parse_text(text, "doc.yaml", Limits(max_bytes=10)) == {"a": "æøå"}
    with pytest.raises(FristError) as info:
        parse_text(text, "doc.yaml", Limits(max_bytes=9))
    assert_first(info.value, cls=LimitError, message="10 bytes, more than the limit of 9", file="doc.yaml",
                 line=1, column=1, hint="split")


def test_size_limit_on_a_real_file(tmp_path):
    size = len(RULES_TEXT.encode("utf-8"))
    with pytest.raises(FristError) as info:
        load(RULES, Limits(max_bytes=1000))
    assert_first(info.value, cls=LimitError, message=f"{size} bytes, more than the limit of 1000", file=str(RULES),
                 line=1, column=1, hint="split")
    with pytest.raises(FristError) as info:
        compile_source(RULES, Limits(max_bytes=1000))
    assert type(info.value) is LimitError


def test_size_limit_default_on_the_command_line(tmp_path, capsys):
    path = tmp_path / "huge.yaml"
    with open(path, "w", encoding="utf-8") as handle:  # one byte over the default limit of 2 MB
        handle.write("a: " + "x" * (2_000_001 - 4) + "\n")
    assert path.stat().st_size == 2_000_001
    code, _, err = run_cli(["validate", path], capsys)
    assert_cli_error(code, err, 2, f"{path}:1:1")
    assert "more than the limit of 2000000" in err


def test_depth_limit_is_configurable():
    text = "a:\n  b:\n    c:\n      d: 1\n"
    assert parse_text(text, "doc.yaml", Limits(max_depth=4))["a"]["b"]["c"] == {"d": 1}  # the scalar 1 is level 4
    with pytest.raises(FristError) as info:
        parse_text(text, "doc.yaml", Limits(max_depth=2))
    # root 0, a's value 1, b's value 2, c's value (the mapping `d: 1`) is level 3
    assert_first(info.value, cls=LimitError, message="deeper than 2 levels", file="doc.yaml", line=4, column=7,
                 hint="flatten")


# three ways to nest 2000 levels deep; level 33 (one past the limit of 32) opens at the given line and column
DEEP_DOCUMENTS = {
    "flow sequences": ("a: " + "[" * 2000 + "]" * 2000 + "\n", 1, len("a: ") + 33),
    "block sequences": ("a:\n  " + "- " * 2000 + "x\n", 2, 3 + 2 * 32),
    "flow mappings after a line with a non-ASCII letter":
        ("a: é\nb: " + "{x: " * 2000 + "1" + "}" * 2000 + "\n", 2, len("b: ") + 1 + 4 * 32),
}


class _LibraryWithALimit(yaml.SafeLoader):
    """PyYAML's pure-Python loader with a nesting limit as libyaml has one, scanning ahead as it does."""

    limit = 40

    def _deeper(self) -> None:
        if self.flow_level + len(self.indents) >= self.limit:
            raise ScannerError("while increasing nesting level", None, "exceeded maximum nesting depth",
                               self.get_mark())

    def fetch_flow_collection_start(self, token_class):
        self._deeper()
        super().fetch_flow_collection_start(token_class)

    def add_indent(self, column):
        if self.indent < column:
            self._deeper()
        return super().add_indent(column)


@pytest.mark.parametrize("shape", DEEP_DOCUMENTS)
@pytest.mark.parametrize("library", ["installed", "a library limit of 40 levels"])
def test_very_deep_nesting_is_frists_limit_error_whichever_limit_fires_first(monkeypatch, shape, library):
    text, line, column = DEEP_DOCUMENTS[shape]
    if library != "installed":
        monkeypatch.setattr(source, "_LOADER", _LibraryWithALimit)
    with pytest.raises(FristError) as info:
        parse_text(text, "doc.yaml")
    assert_first(info.value, cls=LimitError, message="document nests deeper than 32 levels", file="doc.yaml",
                 line=line, column=column, hint="flatten the structure")


def test_the_simulated_and_the_installed_library_limits_fire_before_frists():
    """The documents above do reach frist through a library's limit, not only through frist's own."""
    def library_error(loader, text):
        with pytest.raises(yaml.YAMLError) as info:
            for _ in yaml.parse(text, Loader=loader):
                pass
        return info.value.problem

    for text, _, _ in DEEP_DOCUMENTS.values():
        assert "nesting depth" in library_error(_LibraryWithALimit, text)
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    try:
        for _ in yaml.parse(DEEP_DOCUMENTS["flow sequences"][0], Loader=loader):
            pass
    except yaml.YAMLError as exc:
        assert "nesting depth" in exc.problem
    else:
        pytest.skip(f"PyYAML {yaml.__version__} ({loader.__name__}) has no nesting limit of its own")


def test_a_library_limit_below_frists_is_a_limit_error_at_the_librarys_mark(monkeypatch):
    monkeypatch.setattr(_LibraryWithALimit, "limit", 20)
    monkeypatch.setattr(source, "_LOADER", _LibraryWithALimit)
    text = "a: " + "[" * 25 + "]" * 25 + "\n"  # 25 levels: within frist's limit, beyond the library's
    with pytest.raises(FristError) as info:
        parse_text(text, "doc.yaml")
    assert_first(info.value, cls=LimitError, message="deeper than the YAML parser allows (frist allows 32 levels)",
                 file="doc.yaml", line=1, column=len("a: ") + 20, hint="flatten the structure")


def test_very_deep_nesting_on_the_command_line(tmp_path, capsys):
    path = tmp_path / "deep.yaml"
    path.write_text("frist: " + "{a: " * 2000 + "1" + "}" * 2000 + "\n", encoding="utf-8")
    code, _, err = run_cli(["validate", path], capsys)
    assert_cli_error(code, err, 2, f"{path}:1:")
    assert "deeper than 32 levels" in err


def test_alias_limit_is_configurable_and_counts_before_expanding():
    text = "a: &x [1, 2]\nb: [*x, *x]\nc: *x\n"
    assert parse_text(text, "doc.yaml", Limits(max_aliases=3))["c"] == [1, 2]
    with pytest.raises(FristError) as info:
        parse_text(text, "doc.yaml", Limits(max_aliases=2))
    assert_first(info.value, cls=LimitError, message="more than 2 aliases", file="doc.yaml", line=3, column=4,
                 hint="expand")


def test_empty_rule_book_file(tmp_path, capsys):
    path = tmp_path / "rules.yaml"
    path.write_bytes(b"")
    with pytest.raises(FristError) as info:
        load(path)
    assert_first(info.value, cls=FristError, message="document is empty", file=str(path), line=1, column=1,
                 hint="mapping")
    code, _, err = run_cli(["validate", path], capsys)
    assert_cli_error(code, err, 2, f"{path}:1:1")


def test_a_rule_book_that_is_not_a_mapping(tmp_path):
    path = tmp_path / "rules.yaml"
    path.write_text("# a list, not a mapping\n- frist: 1\n", encoding="utf-8")
    with pytest.raises(FristError) as info:
        load(path)
    assert_first(info.value, cls=RuleBookError, message="a rule book is a mapping", file=str(path), line=2,
                 column=1, hint="frist: 1")


NON_UTF8 = b"frist: 1\nname: ok\nsources: \xff\xfe\n"
BAD_BYTE = bytes([0xFF])


def test_non_utf8_bytes(tmp_path, capsys):
    path = tmp_path / "rules.yaml"
    path.write_bytes(NON_UTF8)
    for call in (load, read_file, compile_source):
        with pytest.raises(FristError) as info:
            call(path)
        first = info.value.first
        assert type(info.value) is FristError
        assert "not UTF-8" in first.message and f"byte {NON_UTF8.index(BAD_BYTE)}" in first.message
        assert first.span.file == str(path)
        assert "UTF-8" in first.hint
    code, _, err = run_cli(["validate", path], capsys)
    assert_cli_error(code, err, 2, f"{path}:")
    assert "not UTF-8" in err


def test_non_utf8_bytes_are_located(tmp_path):
    path = tmp_path / "rules.yaml"
    path.write_bytes(NON_UTF8)
    with pytest.raises(FristError) as info:
        load(path)
    assert (info.value.first.span.line, info.value.first.span.column) == (3, len("sources: ") + 1)


def test_missing_file(tmp_path, capsys):
    path = tmp_path / "no-such-rules.yaml"
    with pytest.raises(FristError) as info:
        load(path)
    assert_first(info.value, cls=FristError, message="cannot read file", file=str(path), line=1, column=1,
                 hint="path")
    code, _, err = run_cli(["validate", path], capsys)
    assert_cli_error(code, err, 2, f"{path}:1:1")
    code, _, err = run_cli(["check", tmp_path / "no-such-timeline.yaml", "--rules", RULES], capsys)
    assert_cli_error(code, err, 3, f"{tmp_path / 'no-such-timeline.yaml'}:1:1")  # the timeline is the problem


def test_a_directory_instead_of_a_file(tmp_path, capsys):
    code, _, err = run_cli(["validate", tmp_path], capsys)
    assert_cli_error(code, err, 2, f"{tmp_path}:1:1")


# ---------------------------------------------------------------------------- rule book errors

DUTY_CV = 'duty: "within $cv_deadline after registered: cv_created"'
DUTY_MEETING = 'duty: "within 2 weeks after registered: meeting where held_by is akasse and kind is job"'
CITE_AKA = '- {source: aka-guide, section: "Tjekliste til din jobsøgning"}'

#: (id, replacements, class, message fragment, needle locating the error in the new text, hint fragment, rule)
RULE_BOOK_CASES = [
    ("unknown-event-type", [(DUTY_CV, DUTY_CV.replace(": cv_created", ": cv_creatd"))],
     "unknown event type `cv_creatd`", "cv_creatd", "`cv_created`", "cv-on-jobnet"),
    ("unknown-field", [(DUTY_MEETING, DUTY_MEETING.replace("held_by", "held_bye"))],
     "unknown field `held_bye`", "held_bye", "`held_by`", "first-job-meeting-akasse"),
    ("enum-value", [(DUTY_MEETING, DUTY_MEETING.replace("is akasse", "is akase"))],
     "`akase` is not one of akasse, jobcenter", "akase ", "`akasse`", "first-job-meeting-akasse"),
    ("unknown-parameter", [(DUTY_CV, DUTY_CV.replace("$cv_deadline", "$cv_dedline"))],
     "unknown parameter `$cv_dedline`", "$cv_dedline", "`cv_deadline`", "cv-on-jobnet"),
    ("grammar-error", [(DUTY_CV, 'duty: "within two weeks after registered: cv_created"')],
     "unexpected `two` in duty", "two weeks", "2 weeks", "cv-on-jobnet"),
    ("grammar-error-plain-scalar", [(DUTY_CV, "duty: within two weeks after registered:cv_created")],
     "unexpected `two` in duty", "two weeks", "2 weeks", "cv-on-jobnet"),
    ("grammar-error-single-quoted", [(DUTY_CV, "duty: 'within 2 weeks after registered cv_created'")],
     "unexpected `cv_created` in duty", "cv_created'", "after a colon", "cv-on-jobnet"),
    ("grammar-error-literal-block", [(DUTY_CV, "duty: |\n      within 2 weeks\n        after registered: cv_created!")],
     "unexpected character '!' in duty", "!\n", None, "cv-on-jobnet"),
    ("unknown-source", [(CITE_AKA, CITE_AKA.replace("aka-guide", "aka-guid"))],
     "unknown source `aka-guid`", "aka-guid,", "`aka-guide`", "job-applications-aka"),
    ("bad-valid-from", [("valid: {from: 2024-01-01, on: registration}\n    duty: \"within 2 weeks",
                         "valid: {from: 2024-02-30, on: registration}\n    duty: \"within 2 weeks")],
     "`2024-02-30` is not a valid date", "2024-02-30", "YYYY-MM-DD", "first-job-meeting-akasse"),
    ("valid-until-before-from", [("at least 50)\n    valid: {from: 2015-07-01, until: 2020-01-01",
                                  "at least 50)\n    valid: {from: 2015-07-01, until: 2015-01-01")],
     "`valid.until` must come after `valid.from`", "2015-01-01", None, "offer-young-and-senior"),
    ("unknown-parameter-source", [('value: 111, cite: {source: ff-pjece', 'value: 111, cite: {source: ff-pjeces')],
     "cites unknown source `ff-pjeces`", "ff-pjeces", "`ff-pjece`", None),
    ("person-fact", [("applies: benefit is dagpenge and akasse is AKA", "applies: benefit is dagpenge and akase is AKA")],
     "unknown person fact `akase`", "akase is AKA", "`akasse`", "job-applications-aka"),
    ("schema-bad-holder", [("holder: jobcenter\n    title:\n      da: 3 jobsamtaler i jobcentret",
                            "holder: jobcentre\n    title:\n      da: 3 jobsamtaler i jobcentret")],
     "'jobcentre' is not one of person, akasse, jobcenter", "jobcentre", "`jobcenter`", None),
    ("schema-bad-catalog", [("catalog: [REG-1]", "catalog: [reg-1]")],
     "does not match", "reg-1", None, None),
]


@pytest.mark.parametrize("case", RULE_BOOK_CASES, ids=[c[0] for c in RULE_BOOK_CASES])
def test_rule_book_error(case, tmp_path, capsys):
    _, replacements, message, needle, hint, rule = case
    path, text = variant(tmp_path, *replacements)
    line, column = where(text, needle)
    with pytest.raises(FristError) as info:
        load(path)
    assert_first(info.value, cls=RuleBookError, message=message, file=str(path), line=line, column=column, hint=hint)
    assert info.value.first.rule == rule
    # the same on the command line
    code, _, err = run_cli(["validate", path], capsys)
    assert_cli_error(code, err, 2, f"{path}:{line}:{column}")
    assert message in err


def test_duplicate_rule_id(tmp_path):
    path, text = variant(tmp_path, ("- id: cv-approval", "- id: cv-on-jobnet"))
    line, column = where(text, "cv-on-jobnet", 2)
    with pytest.raises(FristError) as info:
        load(path)
    first_line, first_column = where(text, "cv-on-jobnet", 1)
    assert_first(info.value, cls=RuleBookError, message="duplicate rule id `cv-on-jobnet`", file=str(path),
                 line=line, column=column, hint=f"{path}:{first_line}:{first_column}")


@pytest.mark.parametrize("key", ["nmae", "author"])
def test_unknown_top_level_key(tmp_path, capsys, key):
    path, _ = variant(tmp_path, ("name: Dagpenge duties", f"{key}: Dagpenge duties"))
    with pytest.raises(FristError) as info:
        load(path)
    first = info.value.first
    assert type(info.value) is RuleBookError
    assert f"unknown key `{key}`" in first.message
    assert first.span.file == str(path)
    assert first.hint and ("`name`" in first.hint)
    code, _, err = run_cli(["validate", path], capsys)
    assert_cli_error(code, err, 2, f"{path}:")


@pytest.mark.parametrize("old, new, key", [
    ("name: Dagpenge duties", "nmae: Dagpenge duties", "nmae"),
    ("    note: >\n      star-kontakt", "    nte: >\n      star-kontakt", "nte"),
], ids=["top-level", "in-a-rule"])
def test_unknown_key_points_at_the_key(tmp_path, old, new, key):
    path, text = variant(tmp_path, (old, new))
    with pytest.raises(RuleBookError) as info:
        load(path)
    first = info.value.first
    assert f"unknown key `{key}`" in first.message
    assert (first.span.line, first.span.column) == where(text, key + ":")


def test_several_errors_are_reported_together(tmp_path, capsys):
    path, text = variant(
        tmp_path,
        (CITE_AKA, CITE_AKA.replace("aka-guide", "aka-guid")),
        (DUTY_MEETING, DUTY_MEETING.replace("is akasse", "is akase")),
        (DUTY_CV, DUTY_CV.replace(": cv_created", ": cv_creatd")),
    )
    with pytest.raises(FristError) as info:
        load(path)
    diagnostics = info.value.diagnostics
    assert type(info.value) is RuleBookError
    assert len(diagnostics) >= 3
    places = [(d.span.line, d.span.column) for d in diagnostics]
    assert places == sorted(places)
    expected = [where(text, "cv_creatd"), where(text, "akase "), where(text, "aka-guid,")]
    assert places[:3] == expected
    assert [d.rule for d in diagnostics[:3]] == ["cv-on-jobnet", "first-job-meeting-akasse", "job-applications-aka"]
    code, _, err = run_cli(["validate", path], capsys)
    assert_cli_error(code, err, 2)
    for line, column in expected:
        assert f"{path}:{line}:{column}" in err
    assert f"{len(diagnostics)} errors" in err


FOLDED_CASES = [
    # rule-language text in folded (`>`) or multi-line quoted scalars, as rules.yaml writes `when:` and `effect:`
    ("when-folded-line-1", ("cv_created within $cv_deadline after registered\n",
                            "cv_creatd within $cv_deadline after registered\n"), "cv_creatd", "unknown event type"),
    ("when-folded-line-2", ("and no cv_rejected within", "and no cv_rejectd within"), "cv_rejectd",
     "unknown event type"),
    ("effect-folded", ("miss 2: reminder, then deregistration", "miss 2: remindr, then deregistration"), "remindr",
     "unexpected `remindr`"),
    ("duty-double-quoted-two-lines", ('duty: "by sick: sick.reported_on"', 'duty: "by sick:\n      sick.reportd_on"'),
     "sick.reportd_on", "has no field `reportd_on`"),
]


@pytest.mark.parametrize("case", FOLDED_CASES, ids=[c[0] for c in FOLDED_CASES])
def test_errors_in_folded_rule_text_are_reported(case, tmp_path):
    _, replacement, needle, message = case
    path, text = variant(tmp_path, replacement)
    with pytest.raises(FristError) as info:
        load(path)
    assert type(info.value) is RuleBookError
    assert message in info.value.first.message
    assert info.value.first.span.file == str(path)


@pytest.mark.parametrize("case", FOLDED_CASES, ids=[c[0] for c in FOLDED_CASES])
def test_errors_in_folded_rule_text_are_located(case, tmp_path):
    _, replacement, needle, message = case
    path, text = variant(tmp_path, replacement)
    with pytest.raises(RuleBookError) as info:
        load(path)
    first = info.value.first
    assert (first.span.line, first.span.column) == where(text, needle)


def test_number_parameter_as_duration_amount_is_rejected(tmp_path, capsys):
    path, text = variant(tmp_path, (DUTY_CV, DUTY_CV.replace("$cv_deadline", "$quarantine_hours days")))
    line, column = where(text, "$quarantine_hours days")
    code, _, err = run_cli(["validate", path], capsys)
    assert_cli_error(code, err, 2, f"{path}:{line}:{column}")
    with pytest.raises(RuleBookError) as info:
        compile_source(path)
    first = info.value.first
    assert "quarantine_hours" in first.message
    assert (first.span.line, first.span.column) == (line, column)


def test_huge_number_in_a_duty_is_a_rule_book_error(tmp_path, capsys):
    huge = "9" * 5000
    path, text = variant(tmp_path, ('duty: "at most 1 quarantine within 12 months"',
                                    f'duty: "at most {huge} quarantine within 12 months"'))
    line, column = where(text, huge)
    code, _, err = run_cli(["validate", path], capsys)
    assert_cli_error(code, err, 2, f"{path}:{line}:{column}")


def test_validate_the_shipped_rule_book(capsys):
    code, out, err = run_cli(["validate", RULES], capsys)
    assert code == 0, err
    assert "ok" in out and "Traceback" not in err


def test_validate_a_broken_copy(tmp_path, capsys):
    path, text = variant(tmp_path, (DUTY_CV, DUTY_CV.replace(": cv_created", ": cv_creatd")))
    line, column = where(text, "cv_creatd")
    code, out, err = run_cli(["validate", path], capsys)
    assert_cli_error(code, err, 2, f"{path}:{line}:{column}")
    assert "did you mean `cv_created`?" in err
    assert out == ""


def test_usage_errors_exit_2(capsys):
    for argv in (["validate"], ["frobnicate"], ["check"], ["check", "x.yaml", "--format", "xml"]):
        code, _, err = run_cli(argv, capsys)
        assert_cli_error(code, err, 2)
        assert "usage" in err


# ---------------------------------------------------------------------------- timeline errors

@pytest.fixture(scope="module")
def module():
    return compile_rules(RULES, use_cache=False)


#: (id, events text (after PERSON), class, message fragment, needle, hint fragment)
TIMELINE_CASES = [
    ("unknown-event-type", "  - {type: registered, date: 2024-03-04}\n  - {type: cv_creatd, date: 2024-03-05}\n",
     "unknown event type `cv_creatd`", "cv_creatd", "`cv_created`"),
    ("bad-date", "  - {type: registered, date: 2024-02-30}\n", "`2024-02-30` is not a valid date", "2024-02-30",
     "YYYY-MM-DD"),
    ("end-before-start", "  - {type: sick, start: 2024-03-10, end: 2024-03-05}\n",
     "ends (2024-03-05) before it starts (2024-03-10)", "2024-03-05", "end = start"),
    ("missing-required-field", "  - {type: registered, date: 2024-03-04}\n"
                               "  - type: meeting\n    date: 2024-03-10\n    kind: job\n",
     "event 2 (meeting): missing field `held_by`", "type: meeting", "held_by"),
    ("unknown-field", "  - {type: meeting, date: 2024-03-10, held_by: akasse, kind: job, outcom: held}\n",
     "unknown field `outcom`", "outcom", "`outcome`"),
    ("derived-event", "  - {type: registered, date: 2024-03-04}\n  - {type: quarantine, date: 2024-03-10}\n",
     "`quarantine` is computed by the rules and cannot be given", "quarantine", "remove"),
    ("missing-date", "  - {type: registered}\n", "missing `date`", "{type: registered}", "`date`"),
    ("point-with-start", "  - {type: registered, date: 2024-03-04, start: 2024-03-04}\n",
     "a point event has no `start`", "start", "`date`"),
    ("wrong-boolean", "  - {type: application, date: 2024-03-04, fulltime: maybe}\n", "expected yes or no",
     "maybe", "yes or no"),
]


def _timeline_text(events: str) -> str:
    return PERSON + events


def _person_enum_text() -> str:
    return replace_once(PERSON, "akasse: FAK", "akasse: FAKK") + "  - {type: registered, date: 2024-03-04}\n"


TIMELINE_CASES.append(("person-enum", None, "`FAKK` is not one of FAK, AKA, FF, other", "FAKK", "`FAK`"))


@pytest.mark.parametrize("case", TIMELINE_CASES, ids=[c[0] for c in TIMELINE_CASES])
def test_timeline_error(case, module, tmp_path, capsys):
    _, events, message, needle, hint = case
    text = _person_enum_text() if events is None else _timeline_text(events)
    line, column = where(text, needle)
    with pytest.raises(FristError) as info:
        load_timeline(text, module.BOOK["vocabulary"], "timeline.yaml")
    assert_first(info.value, cls=TimelineError, message=message, file="timeline.yaml", line=line, column=column,
                 hint=hint)
    path = tmp_path / "timeline.yaml"
    path.write_text(text, encoding="utf-8")
    code, out, err = run_cli(["check", path, "--rules", RULES, "--as-of", "2024-06-01"], capsys)
    assert_cli_error(code, err, 3, f"{path}:{line}:{column}")
    assert message in err
    assert out == ""


def test_timeline_errors_are_reported_together(module):
    text = _timeline_text("  - {type: registered, date: 2024-02-30}\n  - {type: cv_creatd, date: 2024-03-05}\n"
                          "  - {type: sick, start: 2024-03-10, end: 2024-03-05}\n")
    with pytest.raises(TimelineError) as info:
        load_timeline(text, module.BOOK["vocabulary"], "timeline.yaml")
    places = [(d.span.line, d.span.column) for d in info.value.diagnostics]
    assert places == [where(text, "2024-02-30"), where(text, "cv_creatd"), where(text, "2024-03-05", 2)]


def test_valid_timeline_checks(module, tmp_path, capsys):
    path = tmp_path / "timeline.yaml"
    path.write_text(_timeline_text("  - {type: registered, date: 2024-03-04}\n"), encoding="utf-8")
    code, out, err = run_cli(["check", path, "--rules", RULES, "--as-of", "2024-03-05"], capsys)
    assert code in (0, 1) and "Traceback" not in err
    assert out.startswith("frist-rapport pr. 2024-03-05")  # a rule book without `language:` speaks Danish


@pytest.mark.parametrize("as_of", ["2024-13-01", "2024-02-30", "tomorrow", ""])
def test_bad_as_of(tmp_path, capsys, as_of):
    path = tmp_path / "timeline.yaml"
    path.write_text(_timeline_text("  - {type: registered, date: 2024-03-04}\n"), encoding="utf-8")
    code, out, err = run_cli(["check", path, "--rules", RULES, "--as-of", as_of], capsys)
    assert_cli_error(code, err, 2)
    assert "--as-of" in err and "YYYY-MM-DD" in err
    assert out == ""


def test_malformed_timeline_yaml_exits_3(tmp_path, capsys):
    path = tmp_path / "timeline.yaml"
    text = PERSON + "  - {type: registered, date: 2024-03-04\n"
    path.write_text(text, encoding="utf-8")
    code, _, err = run_cli(["check", path, "--rules", RULES, "--as-of", "2024-06-01"], capsys)
    assert_cli_error(code, err, 3, f"{path}:")


def test_malformed_timeline_yaml_is_located(tmp_path, capsys):
    path = tmp_path / "timeline.yaml"
    path.write_text(PERSON + "\tbad: tab\n", encoding="utf-8")
    code, _, err = run_cli(["check", path, "--rules", RULES, "--as-of", "2024-06-01"], capsys)
    assert_cli_error(code, err, 3, f"{path}:6:1")
    assert "tabs" in err


def test_lone_surrogate_in_timeline_is_an_error_not_a_crash(tmp_path):
    path = tmp_path / "timeline.yaml"
    path.write_text('name: "\\ud800"\n' + PERSON + "  - {type: registered, date: 2024-03-04}\n", encoding="utf-8")
    env = dict(os.environ, PYTHONPATH=str(ROOT), FRIST_CACHE_DIR=str(tmp_path / "cache"), PYTHONIOENCODING="utf-8")
    proc = subprocess.run([sys.executable, "-m", "frist.cli", "check", str(path), "--rules", str(RULES),
                           "--as-of", "2024-06-01"], capture_output=True, text=True, env=env, cwd=tmp_path,
                          timeout=60, errors="backslashreplace")
    assert "Traceback" not in proc.stderr, proc.stderr
    assert proc.returncode == 3, proc.stderr
    assert f"{path}:1:" in proc.stderr


def test_load_text_locates_errors_under_the_given_name():
    text = replace_once(RULES_TEXT, DUTY_CV, DUTY_CV.replace(": cv_created", ": cv_creatd"))
    with pytest.raises(FristError) as info:
        load_text(text, "book.yaml")
    line, column = where(text, "cv_creatd")
    assert_first(info.value, cls=RuleBookError, message="unknown event type `cv_creatd`", file="book.yaml",
                 line=line, column=column, hint="`cv_created`")
