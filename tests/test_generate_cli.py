"""`frist generate`: edge-case timelines as files, the same for the same seed, each one checkable."""

from pathlib import Path

import frist

from helpers import run_cli

ROOT = Path(__file__).resolve().parent.parent


def test_generate_writes_checkable_reproducible_files(tmp_path, capsys, module):
    code, out, _ = run_cli(["generate", ROOT / "rules.yaml", "-n", "4", "-o", tmp_path / "a",
                            "--profile", "dagpenge-aka-under-30", "--seed", "3"], capsys)
    assert code == 0 and out.strip() == f"wrote 4 timeline(s) to {tmp_path / 'a'}"
    run_cli(["generate", ROOT / "rules.yaml", "-n", "4", "-o", tmp_path / "b",
             "--profile", "dagpenge-aka-under-30", "--seed", "3"], capsys)
    first = sorted((tmp_path / "a").iterdir())
    assert len(first) == 4
    assert [p.read_text("utf-8") for p in first] == [p.read_text("utf-8") for p in sorted((tmp_path / "b").iterdir())]
    for path in first:
        as_of = path.read_text("utf-8").splitlines()[1].rsplit(" ", 1)[1]  # "# check with: ... --as-of DATE"
        report = frist.check(path, rules=module, as_of=as_of)
        assert report.timeline.person["akasse"] == "AKA" and report.results


def test_generate_refuses_an_unknown_profile_and_a_bad_count(tmp_path, capsys):
    code, _, err = run_cli(["generate", ROOT / "rules.yaml", "-n", "2", "-o", tmp_path, "--profile", "dagpenge-fak"],
                           capsys)
    assert code == 2 and "<command line>:1:1: error: unknown profile `dagpenge-fak`" in err and "dagpenge-fak-30s" in err
    code, _, err = run_cli(["generate", ROOT / "rules.yaml", "-n", "0", "-o", tmp_path], capsys)
    assert code == 2 and "give a positive number of timelines" in err
