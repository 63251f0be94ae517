"""What a new user meets when installing frist: the distribution's name, the install hints, the optional
packages, the default rule book, and the typing marker.

Optional packages are made missing in a child process (``sys.modules[name] = None`` makes importing
them fail), so each case runs the real command, on a terminal (a pseudo-terminal) and in a pipe.
"""

from __future__ import annotations

import importlib.metadata
import json
import os
import pty
import re
import subprocess
import sys

import pytest

from frist import optional

from conftest import ROOT, RULES
from helpers import read_terminal, run_cli

# every install command frist's own words may name: this checkout, or this distribution by its name
OWN_INSTALL = re.compile(r'^pip install (-q )?(-e (\.|"\.\[\w+\]")|"frist-dagpenge\[\w+\]")$')


def _install_commands(text: str) -> list[str]:
    return [m.group(0).rstrip('`').strip() for m in re.finditer(r"pip install [^`'\n#&]*", text)]


def test_the_distribution_is_not_called_frist():
    assert importlib.metadata.metadata(optional.DISTRIBUTION)["Name"] == "frist-dagpenge"
    assert optional.DISTRIBUTION == "frist-dagpenge"


def test_every_install_command_in_the_readme_and_the_code_installs_this_project():
    sources = [ROOT / "README.md", *sorted((ROOT / "frist").rglob("*.py"))]
    commands = {}
    for path in sources:
        for command in _install_commands(path.read_text("utf-8")):
            commands.setdefault(command, path.name)
    commands.pop('pip install "{DISTRIBUTION}[{extra}]"', None)  # the template in frist/optional.py
    assert commands, "no install command found: the pattern no longer matches the README"
    strangers = {c: where for c, where in commands.items() if not OWN_INSTALL.match(c)}
    assert not strangers, strangers


def test_the_install_pattern_refuses_the_unrelated_project():
    for command in ['pip install frist', 'pip install "frist[batch]"', 'pip install frist-other']:
        assert not OWN_INSTALL.match(command), command


def test_each_optional_package_belongs_to_an_extra_that_declares_it():
    metadata = importlib.metadata.metadata(optional.DISTRIBUTION)
    requirements = metadata.get_all("Requires-Dist")
    for package, extra in optional.EXTRAS.items():
        wanted = {"z3": "z3-solver", "distributed": "dask[distributed]"}.get(package, package)
        assert any(r.startswith(wanted) and f'extra == "{extra}"' in r for r in requirements), (package, extra)


def _run_without(missing: list[str], argv: list[str], terminal: bool, cwd) -> tuple[int, str, str]:
    """Run ``frist argv`` in a child with ``missing`` unimportable; stderr a pseudo-terminal or a pipe."""
    code = (f"import sys\nfor m in {missing!r}:\n    sys.modules[m] = None\n"
            "from frist.cli import main\nsys.exit(main(sys.argv[1:]))")
    command = [sys.executable, "-c", code, *map(str, argv)]
    env = {**os.environ, "COLUMNS": "100"}
    if not terminal:
        done = subprocess.run(command, capture_output=True, text=True, cwd=cwd, env=env, timeout=300)
        return done.returncode, done.stdout, done.stderr
    leader, follower = pty.openpty()
    child = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=follower, cwd=cwd, env=env)
    os.close(follower)
    err = read_terminal(leader)
    out = child.stdout.read().decode()
    child.wait(timeout=300)
    os.close(leader)
    return child.returncode, out, err.decode(errors="replace").replace("\r\n", "\n")


def _timelines(path):
    rows = [{"id": "a", "person": {"birth_date": "1990-05-17", "benefit": "dagpenge", "akasse": "FAK"},
             "events": [{"type": "registered", "date": "2024-03-01"}]},
            {"id": "b", "person": {"birth_date": "1970-01-02", "benefit": "dagpenge", "akasse": "FF"},
             "events": [{"type": "registered", "date": "2024-01-08"}, {"type": "cv_created", "date": "2024-01-10"}]}]
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path


def _batch(tmp_path, name, *more):
    return ["batch", _timelines(tmp_path / "in.jsonl"), "--rules", RULES, "--as-of", "2024-06-01",
            "-o", tmp_path / name, "--workers", "1", *more]


def test_batch_without_tqdm_gives_the_same_answer_on_a_terminal_and_in_a_pipe(tmp_path):
    answers = {}
    for terminal in (True, False):
        name = "terminal" if terminal else "pipe"
        code, out, err = _run_without(["tqdm"], _batch(tmp_path, name), terminal, tmp_path)
        assert code == 0 and "Traceback" not in err, err
        parts = sorted(p.name for p in (tmp_path / name).glob("part-*"))
        records = [(tmp_path / name / p).read_text("utf-8") for p in parts]
        answers[name] = (out.splitlines()[0].split(";")[0], parts, records)
        assert ("no progress bar" in err) == terminal, err
        assert 'pip install "frist-dagpenge[batch]"' in err or not terminal, err
    assert answers["terminal"] == answers["pipe"]
    assert answers["pipe"][0] == "2 person(s) read: 2 report(s), 0 error(s)"


@pytest.mark.parametrize("terminal", [True, False], ids=["terminal", "pipe"])
def test_a_missing_batch_package_names_the_command_that_installs_frists_extra(tmp_path, terminal):
    for missing, more, purpose in [(["pyarrow"], ["--format", "parquet"], "Parquet output"),
                                   (["distributed"], ["--engine", "dask", "--scheduler", "tcp://127.0.0.1:1"],
                                    "--engine dask")]:
        code, out, err = _run_without(missing, _batch(tmp_path, f"out-{missing[0]}", *more), terminal, tmp_path)
        assert code == 2 and "Traceback" not in err, err
        assert f"{purpose} needs the Python package `{missing[0]}`, which is not installed" in err, err
        assert 'hint: install the batch extra: pip install "frist-dagpenge[batch]"' in err, err


def test_lint_without_z3_says_which_conditions_it_left_unchecked(tmp_path):
    code, out, err = _run_without(["z3"], ["lint", RULES], False, tmp_path)
    notes = re.findall(r"note\[undecided\]: `([\w-]+)`'s condition on numbers was not checked", out)
    assert code == 0, out + err
    assert notes, out
    assert out.count('hint: install the lint extra: pip install "frist-dagpenge[lint]"') == len(notes)
    assert out.rstrip().endswith(f"{len(notes)} note(s)"), out
    code, out, _ = _run_without([], ["lint", RULES], False, tmp_path)
    assert code == 0 and "undecided" not in out, out


@pytest.mark.parametrize("argv, how", [
    (["check", ROOT / "examples" / "young-graduate-2024.yaml", "--as-of", "2024-09-01"], "--rules PATH"),
    (["lint"], "frist lint PATH"),
    (["coverage"], "frist coverage PATH"),
    (["generate", "-n", "1", "-o", "out"], "frist generate PATH"),
    (["batch", "in.jsonl", "--as-of", "2024-06-01", "-o", "out"], "--rules PATH"),
])
def test_no_rule_book_outside_the_repository_says_where_it_looked(tmp_path, monkeypatch, capsys, argv, how):
    monkeypatch.chdir(tmp_path)
    code, out, err = run_cli(argv, capsys)
    assert code == 2 and "Traceback" not in err, err
    assert err.startswith("<command line>:1:1: error: no rule book given, and there is no `rules.yaml` "
                          f"in the current folder ({tmp_path})"), err
    assert f"hint: name the rule book with {how}, or run frist in the folder that holds `rules.yaml`" in err, err
    assert not (tmp_path / "out").exists()


def test_the_rule_book_in_the_current_folder_is_the_default(tmp_path, monkeypatch, capsys):
    (tmp_path / "rules.yaml").write_text(RULES.read_text("utf-8"), encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    code, out, err = run_cli(["check", ROOT / "examples" / "young-graduate-2024.yaml", "--as-of", "2024-09-01"],
                             capsys)
    assert code == 0, err
    assert out.startswith("frist-rapport pr. 2024-09-01"), out  # in the rule book's language, Danish


def test_type_checkers_see_frists_annotations():
    assert (ROOT / "frist" / "py.typed").is_file()
    pyproject = (ROOT / "pyproject.toml").read_text("utf-8")
    assert re.search(r'^"frist" = \["py\.typed"\]$', pyproject, re.M), "py.typed is not package data"


@pytest.mark.parametrize("name", ["check", "compile_rules", "load_rulebook"])
def test_the_public_api_the_readme_shows_is_documented(name):
    import frist

    doc = getattr(frist, name).__doc__ or ""
    assert len(doc.split()) >= 20, f"frist.{name} has no docstring worth the name"


def test_report_and_batch_methods_are_documented():
    from frist import Report
    from frist.batch import run_batch

    for thing in (Report.violations, Report.to_json, run_batch):
        assert len((thing.__doc__ or "").split()) >= 15, thing
