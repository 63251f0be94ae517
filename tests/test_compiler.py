"""The compiled module: importable with the runtime alone, cached by content, one checker per rule."""

import ast
import importlib.util
import json
import sys

import frist
from frist import cli
from frist.compiler import cache_dir, cache_key, compile_rules
from frist.rulebook import load

from conftest import RULES, ROOT

EXAMPLE = ROOT / "examples" / "young-graduate-2024.yaml"


def test_one_checker_per_rule_and_only_the_runtime_imported(tmp_path):
    out = tmp_path / "rules_compiled.py"
    assert cli.main(["compile", str(RULES), "-o", str(out)]) == 0
    tree = ast.parse(out.read_text("utf-8"))
    imports = [n for n in ast.walk(tree) if isinstance(n, (ast.Import, ast.ImportFrom))]
    assert [a.name for n in imports for a in n.names] == ["frist.runtime.engine"]
    checkers = [n.name for n in tree.body if isinstance(n, ast.FunctionDef)]
    assert len(checkers) == len(load(RULES).rules)


def test_written_module_runs_like_the_cached_one(tmp_path, module):
    out = tmp_path / "rules_compiled.py"
    cli.main(["compile", str(RULES), "-o", str(out)])
    spec = importlib.util.spec_from_file_location("written_rules", out)
    written = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(written)
    a = frist.check(EXAMPLE, rules=written, as_of="2024-09-01").to_json()
    b = frist.check(EXAMPLE, rules=module, as_of="2024-09-01").to_json()
    assert a["results"] == b["results"] and a["benefit"] == b["benefit"]


def test_cache_is_keyed_by_content(tmp_path):
    text = RULES.read_text("utf-8")
    path = tmp_path / "rules.yaml"
    path.write_text(text, "utf-8")
    compile_rules(path)
    entry = cache_dir() / f"rules_{cache_key(text)}.py"
    assert entry.exists()
    again = compile_rules(path)
    assert again.__file__ == str(entry)
    path.write_text(text.replace("name: Dagpenge duties", "name: Dagpenge duties, edited"), "utf-8")
    changed = compile_rules(path)
    assert changed.__file__ != str(entry) and "edited" in changed.BOOK["name"]


def test_key_covers_compiler_and_python_version(monkeypatch):
    text = "frist: 1"
    base = cache_key(text)
    monkeypatch.setattr(frist.compiler, "__version__", "9.9.9")
    assert cache_key(text) != base
    monkeypatch.undo()
    monkeypatch.setattr(sys, "version", sys.version + " other")
    assert cache_key(text) != base


def test_check_json_report_is_versioned(capsys):
    assert cli.main(["check", str(EXAMPLE), "--rules", str(RULES), "--as-of", "2024-09-01", "--format", "json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["report_version"] == "2.0"
    assert report["summary"]["violated"] == sum(r["status"] == "violated" for r in report["results"])
    assert report["summary"]["in_force"] == sum(r["status"] == "in_force" for r in report["results"])
    assert sum(report["violations_by_holder"].values()) == report["summary"]["violated"]
    first = report["results"][0]
    for key in ("rule", "kind", "catalog", "instance", "anchor", "weeks", "status", "window", "deadline",
                "violated_since", "in_force_from", "consequence", "cites"):
        assert key in first
    anchored = next(r for r in report["results"] if r["anchor"])
    assert anchored["instance"] == f"{anchored['anchor']['type']} {anchored['anchor']['date']}"


def test_strict_exit_code_on_violations():
    assert cli.main(["check", str(EXAMPLE), "--rules", str(RULES), "--as-of", "2024-09-01", "--strict"]) == 1


def test_text_report_lists_by_holder(capsys):  # the layout in full: tests/test_report_text.py
    cli.main(["check", str(EXAMPLE), "--rules", str(RULES), "--as-of", "2024-09-01", "--lang", "en"])
    lines = capsys.readouterr().out.splitlines()
    at = lines.index("Violated — duties of the person (3)")
    assert lines[at + 1].startswith("  Apply for at least 2 jobs every week (FAK) — week 2024-W20: ")
    assert "Dagpenge 2024-03-01 – 2024-09-01: payable every day except" in lines


def test_every_construct_is_used_by_the_starter_rule_book():
    from frist import ast as a

    book = load(RULES)
    duties = {type(r.duty).__name__ for r in book.rules}
    assert {"Deadline", "Window", "Before", "ByDate", "Recurring", "Quota", "WindowQuota", "TimeBudget",
            "CountBudget", "EachEvent", "FirstEvent"} <= duties
    assert any(getattr(r.duty, "clock", None) == "cumulative_unemployment" for r in book.rules)
    assert any(r.applies and "AgeAt" in repr(r.applies) for r in book.rules)
    assert any(r.doc.get("valid") for r in book.rules)
    assert any(r.exceptions for r in book.rules)
    effects = {type(r.effect).__name__ for r in book.rules}
    assert {"Deregistration", "Suspension", "Quarantine", "LossOfRight", "Ladder"} <= effects
    assert any(isinstance(r.effect, a.Quarantine) for r in book.rules)
    starter = {"REG-1", "CV-1", "CV-2", "MT-1", "MT-2", "MT-4", "MT-7", "MT-10", "MT-12", "MT-13", "JS-2", "JS-3",
               "JF-1", "JF-2", "HO-1", "SI-1", "QU-1", "QU-2", "BP-5"}
    assert starter <= {c for r in book.rules for c in r.doc["catalog"]}


def test_grace_needs_a_recurring_duty(tmp_path):
    from frist.errors import RuleBookError
    import pytest

    text = RULES.read_text("utf-8").replace(
        "      effect: deregistration\n",
        "      effect: \"miss 1: reminder, then deregistration unless fulfilled within 7 days\"\n", 1)
    path = tmp_path / "rules.yaml"
    path.write_text(text, "utf-8")
    with pytest.raises(RuleBookError) as info:
        load(path)
    first = info.value.first
    assert "grace period" in first.message and first.rule == "book-meeting"
    line = next(i for i, l in enumerate(text.splitlines(), 1) if "miss 1: reminder, then deregistration unless" in l
                and i > text[: text.index("id: book-meeting")].count("\n"))
    assert first.span.line == line


def test_unknown_state_points_at_its_name(tmp_path):
    from frist.errors import RuleBookError
    import pytest

    text = RULES.read_text("utf-8").replace("every 7 days while registered", "every 7 days while registred")
    path = tmp_path / "rules.yaml"
    path.write_text(text, "utf-8")
    with pytest.raises(RuleBookError) as info:
        load(path)
    first = info.value.first
    line = next(i for i, l in enumerate(text.splitlines(), 1) if "while registred" in l)
    assert (first.span.line, first.span.column) == (line, text.splitlines()[line - 1].index("registred") + 1)
    assert "did you mean `registered`" in first.hint
