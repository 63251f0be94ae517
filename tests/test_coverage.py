"""`frist coverage`: every catalog item is encoded, noted or explained, and the README says so."""

from pathlib import Path

import pytest
import yaml

from frist.coverage import coverage, load_catalog
from frist.errors import RuleBookError
from frist.rulebook import load

from helpers import run_cli

ROOT = Path(__file__).resolve().parent.parent


def test_the_shipped_rule_book_covers_the_whole_catalog(capsys):
    code, out, err = run_cli(["coverage", ROOT / "rules.yaml"], capsys)
    assert code == 0, err
    assert "0 missing" in out
    catalog = yaml.safe_load((ROOT / "catalog.yaml").read_text("utf-8"))["items"]
    for item in catalog:  # one line per catalog ID, each saying how it is covered
        line = next(line for line in out.splitlines() if line.startswith(item["id"] + " "))
        assert "MISSING" not in line and "UNKNOWN" not in line, line


def test_the_catalog_lists_every_id_of_the_shared_catalog_once():
    ids = [i["id"] for i in yaml.safe_load((ROOT / "catalog.yaml").read_text("utf-8"))["items"]]
    assert len(ids) == len(set(ids)) == 86


def test_items_of_duty_kinds_are_encoded_or_explained_never_only_noted():
    book = load(ROOT / "rules.yaml")
    result = coverage(book, load_catalog(ROOT / "catalog.yaml"))
    for item in result.items:
        if set(item.kinds) - {"I"}:
            assert item.status in ("encoded", "explained"), (item.id, item.status)
        else:
            assert item.status in ("noted", "encoded", "explained"), item.id


def test_the_readme_publishes_the_current_table(capsys):
    code, out, _ = run_cli(["coverage", ROOT / "rules.yaml", "--format", "markdown"], capsys)
    assert code == 0
    assert out.strip() in (ROOT / "README.md").read_text("utf-8"), \
        "README's coverage table is stale: paste `frist coverage --format markdown`"


def _book_with(tmp_path, catalog_items, replace=None):
    text = (ROOT / "rules.yaml").read_text("utf-8")
    if replace:
        old, new = replace
        assert text.count(old) == 1
        text = text.replace(old, new)
    (tmp_path / "rules.yaml").write_text(text, "utf-8")
    (tmp_path / "catalog.yaml").write_text(yaml.safe_dump({"items": catalog_items}), "utf-8")
    return tmp_path / "rules.yaml"


def test_a_catalog_item_nobody_encodes_fails_the_command(tmp_path, capsys):
    items = yaml.safe_load((ROOT / "catalog.yaml").read_text("utf-8"))["items"]
    items.append({"id": "CV-9", "kind": ["O"], "area": "cv", "title": "A duty added to the catalog"})
    code, out, err = run_cli(["coverage", _book_with(tmp_path, items)], capsys)
    assert code == 1
    assert "CV-9   O      MISSING: neither encoded nor explained" in out
    assert "1 catalog item(s) neither encoded nor explained" in err


def test_an_id_the_catalog_does_not_have_fails_the_command(tmp_path, capsys):
    items = [i for i in yaml.safe_load((ROOT / "catalog.yaml").read_text("utf-8"))["items"] if i["id"] != "BP-7"]
    code, out, err = run_cli(["coverage", _book_with(tmp_path, items)], capsys)
    assert code == 1
    assert "BP-7" in out and "UNKNOWN: named by rule `side-business-limit` but not in the catalog" in out


def test_a_duty_item_with_only_a_note_is_missing(tmp_path, capsys):
    items = yaml.safe_load((ROOT / "catalog.yaml").read_text("utf-8"))["items"]
    text = (ROOT / "rules.yaml").read_text("utf-8")
    start = text.index("  CV-5: >\n")
    end = text.index("\n  AV-1: >", start)
    text = text[:start] + text[end + 1:]  # CV-5 no longer explained ...
    text = text.replace("\nnotes:\n", "\nnotes:\n  - catalog: [CV-5]\n    title: {da: Hold CV'et opdateret, en: Keep the CV up to date}"
                        "\n    cites: [{source: ff-pjece, section: \"§5\"}]\n", 1)  # ... only noted
    (tmp_path / "rules.yaml").write_text(text, "utf-8")
    (tmp_path / "catalog.yaml").write_text(yaml.safe_dump({"items": items}), "utf-8")
    code, out, _ = run_cli(["coverage", tmp_path / "rules.yaml"], capsys)
    assert code == 1
    assert "CV-5   R      MISSING: only a note, but kind R needs a rule or a reason" in out


def test_listing_an_encoded_item_as_not_encoded_is_located(tmp_path):
    path = _book_with(tmp_path, [], ("not_encoded:\n", "not_encoded:\n  CV-1: the CV deadline is not checked at all\n"))
    with pytest.raises(RuleBookError) as info:
        load(path)
    d = info.value.diagnostics[0]
    assert "`CV-1` is listed in `not_encoded` but a rule or parameter encodes it" in d.message
    assert d.span.line == path.read_text("utf-8").splitlines().index("  CV-1: the CV deadline is not checked at all") + 1


def test_an_unknown_family_is_located_with_a_hint(tmp_path):
    path = _book_with(tmp_path, [], ("    catalog: [JS-3, JS-6, JS-7]\n    version_of: job-search\n",
                                     "    catalog: [JS-3, JS-6, JS-7]\n    version_of: job-serch\n"))
    with pytest.raises(RuleBookError) as info:
        load(path)
    d = info.value.diagnostics[0]
    assert d.message == "unknown family `job-serch`" and "job-search" in d.hint


def test_a_broken_catalog_gets_located_errors(tmp_path, capsys):
    (tmp_path / "catalog.yaml").write_text("items:\n  - {id: CV-1}\n  - 3\n  - {id: CV-2, kind: [O, X]}\n", "utf-8")
    (tmp_path / "rules.yaml").write_text((ROOT / "rules.yaml").read_text("utf-8"), "utf-8")
    code, out, err = run_cli(["coverage", tmp_path / "rules.yaml"], capsys)
    assert code == 2 and out == "" and "Traceback" not in err
    assert "catalog.yaml:2:5: error: a catalog item needs `id` and `kind`" in err
    assert "catalog.yaml:3:5: error: a catalog item needs `id` and `kind`" in err
    assert "catalog.yaml:4:22: error: catalog item `CV-2` has unknown kind `X`" in err


def test_a_missing_catalog_is_an_error_not_a_traceback(tmp_path, capsys):
    (tmp_path / "rules.yaml").write_text((ROOT / "rules.yaml").read_text("utf-8"), "utf-8")
    code, _, err = run_cli(["coverage", tmp_path / "rules.yaml"], capsys)
    assert code == 2 and "catalog.yaml:1:1: error: cannot read file" in err and "Traceback" not in err
