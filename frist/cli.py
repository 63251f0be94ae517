"""The ``frist`` command.

Exit codes:
  0  success
  1  ``check --strict``: at least one duty is violated; ``coverage``: a catalog
     item is neither encoded nor explained; ``lint``: an error, or a warning the
     rule book does not explain; ``test``: a case differs from its expected report
  2  the rule book (or another input file) is invalid, or the command line is wrong;
     ``test``: a case's expected report or timeline cannot be read
  3  the timeline is invalid; ``batch``, ``diff``: the input cannot be read at all
  4  checking failed (e.g. ambiguous date arithmetic the rule book does not round)
  141  the reader of the output has gone (``frist ... | head -1``)
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import textwrap
import tempfile
from pathlib import Path

from . import __version__, quotes
from .compiler import compile_rules, compile_source
from .coverage import catalog_path, coverage, load_catalog
from .errors import Diagnostic, FristError, Span
from .generate import generate
from .html_report import to_html
from .lint import lint
from .optional import require
from .report import check
from .rulebook import load
from .timeline_schema import timeline_schema

EXIT_OK, EXIT_VIOLATIONS, EXIT_INVALID = 0, 1, 2


class _Parser(argparse.ArgumentParser):
    def error(self, message):  # argparse's default exit code is 2 as well; keep the message short
        self.print_usage(sys.stderr)
        self.exit(EXIT_INVALID, f"frist: error: {message}\n")


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"`{text}` is not a positive whole number")
    return value


def _parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="frist", description="Deadlines and duties of Danish unemployment benefits, as code.",
                     epilog="exit codes: 0 ok, 1 violations found (check --strict), 2 invalid rules or usage, "
                            "3 invalid timeline, 4 checking failed")
    parser.add_argument("--version", action="version", version=f"frist {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    p = sub.add_parser("check", help="check a timeline against the rule book")
    p.add_argument("timeline", help="timeline file (YAML or JSON)")
    p.add_argument("--rules", default=None, help="rule book (default: rules.yaml in the current folder)")
    p.add_argument("--as-of", default=None,
                   help="check as of this day, YYYY-MM-DD (default: the timeline's as_of, else today)")
    p.add_argument("--format", choices=("text", "json", "html"), default="text",
                   help="html: one self-contained page with a picture of the timeline, to open or attach")
    p.add_argument("-o", "--output", default=None, help="file to write the report to (default: stdout)")
    p.add_argument("--no-cache", action="store_true", help="compile afresh, ignoring the cache")
    p.add_argument("--strict", action="store_true", help="exit with 1 when a duty is violated")
    p.add_argument("--all", action="store_true", dest="every_result",
                   help="list every result in the text report, fulfilled and not applicable ones too")
    p.add_argument("--lang", choices=("da", "en"), default=None,
                   help="the report's language (default: the rule book's `language`, else da)")
    p.add_argument("--color", choices=("auto", "always", "never"), default="auto",
                   help="colour the text report: auto (on a terminal, unless NO_COLOR is set), always, never")
    p.add_argument("--doc-url", default=None, metavar="URL",
                   help="html: link each result's title to its rule's page in the site `frist doc` wrote there, "
                        "e.g. build/doc/ (relative to the page) or an address")

    p = sub.add_parser("explain", help="why a rule's results are what they are, for one timeline")
    p.add_argument("timeline", help="timeline file (YAML or JSON)")
    p.add_argument("rule", help="the rule's id, e.g. cv-on-jobnet")
    p.add_argument("instance", nargs="?", default=None,
                   help="one instance, as the report names it, e.g. 'registered 2024-03-01' (default: every one)")
    p.add_argument("--rules", default=None, help="rule book (default: rules.yaml in the current folder)")
    p.add_argument("--as-of", default=None,
                   help="check as of this day, YYYY-MM-DD (default: the timeline's as_of, else today)")
    p.add_argument("--lang", choices=("da", "en"), default=None, help="language (default: the rule book's)")
    p.add_argument("--format", choices=("text", "json"), default="text")

    p = sub.add_parser("compile", help="compile the rule book into a Python module")
    p.add_argument("rules")
    p.add_argument("-o", "--output", required=True, help="file to write the module to")

    p = sub.add_parser("validate", help="check the rule book and report every problem")
    p.add_argument("rules")

    p = sub.add_parser("lint", help="check the rule book for overlaps, gaps, ambiguous and impossible deadlines")
    p.add_argument("rules", nargs="?", default=None, help="rule book (default: rules.yaml in the current folder)")
    p.add_argument("--format", choices=("text", "json"), default="text")
    p.add_argument("--errors-only", action="store_true",
                   help="exit with 1 on errors only (by default also on warnings the rule book does not explain)")

    p = sub.add_parser("generate", help="write edge-case timelines as files, for testers")
    p.add_argument("rules", nargs="?", default=None, help="rule book (default: rules.yaml in the current folder)")
    p.add_argument("-n", type=int, default=20, help="how many timelines (default: 20)")
    p.add_argument("-o", "--output", required=True, help="directory to write them to")
    p.add_argument("--profile", default=None, help="a person profile (see frist.testing.PROFILES)")
    p.add_argument("--seed", type=int, default=0, help="the same seed gives the same files (default: 0)")

    p = sub.add_parser("schema", help="print the JSON Schema of a timeline for the rule book")
    p.add_argument("what", choices=("timeline",), help="what to describe: timeline")
    p.add_argument("--rules", default=None, help="rule book (default: rules.yaml in the current folder)")
    p.add_argument("-o", "--output", default=None, help="file to write the schema to (default: stdout)")

    p = sub.add_parser("batch", help="check many timelines (JSON Lines or Parquet) in parallel, resumably")
    p.add_argument("input", help="timelines: *.jsonl, *.ndjson or *.parquet, one timeline or one event a row")
    p.add_argument("--rules", default=None, help="rule book (default: rules.yaml in the current folder)")
    p.add_argument("--as-of", required=True, help="check as of this day, YYYY-MM-DD")
    p.add_argument("-o", "--output", required=True, help="directory for the part files (a rerun resumes it)")
    p.add_argument("--format", choices=("jsonl", "parquet"), default=None, help="part files (default: as the input)")
    p.add_argument("--engine", choices=("local", "dask", "columnar"), default="local",
                   help="local: a process pool; dask: a Dask cluster (--scheduler); columnar: a process pool "
                        "checking whole partitions at once (the `columnar` extra)")
    p.add_argument("--scheduler", default=None, help="the Dask scheduler's address, e.g. tcp://10.0.0.5:8786")
    p.add_argument("--workers", type=int, default=None, help="local worker processes (default: all cores)")
    p.add_argument("--partition-size", type=int, default=1000, help="persons per part file (default: 1000)")
    p.add_argument("--detail", choices=("violations", "full"), default="violations",
                   help="violations: counts and violations per person; full: the whole JSON report")
    p.add_argument("--no-progress", action="store_true", help="no progress bar on stderr")
    p.add_argument("--max-row-bytes", type=int, default=None, metavar="N",
                   help="the longest input line read, in bytes (default: 1 MiB); a longer one is an error record")

    p = sub.add_parser("diff", help="what a change of the rule book does to a population: who changes, and how")
    p.add_argument("old", help="the rule book as it is")
    p.add_argument("new", help="the rule book as changed")
    p.add_argument("population", help="timelines as frist batch reads them: *.jsonl, *.ndjson or *.parquet")
    p.add_argument("--as-of", required=True, help="check as of this day, YYYY-MM-DD")
    p.add_argument("-o", "--output", default=None,
                   help="directory for both runs (a rerun resumes them; default: frist-diff-OLD-NEW, "
                        "named after the two rule books' digests, in the current folder)")
    p.add_argument("--format", choices=("text", "json"), default="text")
    p.add_argument("--lang", choices=("da", "en"), default=None,
                   help="the text's language (default: the new rule book's `language`)")
    p.add_argument("--engine", choices=("local", "columnar", "dask"), default=None,
                   help="default: columnar where the `columnar` extra is installed, else local")
    p.add_argument("--scheduler", default=None, help="the Dask scheduler's address, with --engine dask")
    p.add_argument("--workers", type=int, default=None, help="local worker processes (default: all cores)")
    p.add_argument("--partition-size", type=int, default=1000, help="persons per part file (default: 1000)")
    p.add_argument("--examples", type=int, default=10, help="persons who change to show (default: 10)")
    p.add_argument("--no-progress", action="store_true", help="no progress bar on stderr")

    p = sub.add_parser("serve", help="check timelines over HTTP, for other systems (the `serve` extra)")
    p.add_argument("--rules", default=None, help="rule book (default: rules.yaml in the current folder)")
    p.add_argument("--host", default="127.0.0.1", help="the address to listen on (default: 127.0.0.1)")
    p.add_argument("--port", type=int, default=8000, help="the port to listen on (default: 8000)")
    p.add_argument("--max-bytes", type=_positive, default=1_048_576, metavar="N",
                   help="the longest request body read, in bytes (default: 1 MiB); a longer one is refused (413)")
    p.add_argument("--max-events", type=_positive, default=10_000, metavar="N",
                   help="the most events a timeline may hold (default: 10,000); more are refused (422)")

    p = sub.add_parser("test", help="compare timelines with their expected reports (<name>.expected.yaml)")
    p.add_argument("paths", nargs="*", metavar="PATH",
                   help="expected reports, timelines or folders of them (default: examples/)")
    p.add_argument("--rules", default=None, help="rule book (default: rules.yaml in the current folder)")
    p.add_argument("--update", action="store_true",
                   help="rewrite the expected reports of the cases named to the checker's results, for review")
    p.add_argument("--only", action="append", default=[], metavar="RULE[:INSTANCE]",
                   help="compare (and update) only these items; repeatable; leaves the benefit runs out")
    p.add_argument("--color", choices=("auto", "always", "never"), default="auto",
                   help="colour the differences: auto (on a terminal, unless NO_COLOR is set), always, never")

    sub.add_parser("lsp", help="a language server for rule books, on stdin and stdout, for editors (the `lsp` extra)")

    p = sub.add_parser("doc", help="write the rule book as a static HTML site, each rule beside its sources' words")
    p.add_argument("rules", nargs="?", default=None, help="rule book (default: rules.yaml in the current folder)")
    p.add_argument("-o", "--output", required=True, metavar="DIR", help="directory to write the site to")
    p.add_argument("--sources", default=None, metavar="DIR",
                   help="check every quote against the source texts in DIR (each source's `text:`) and show it")
    p.add_argument("--impact", default=None, metavar="FILE", help="the JSON of `frist diff`, shown as impact.html")

    p = sub.add_parser("coverage", help="show, for every catalog item, the rules that encode it")
    p.add_argument("rules", nargs="?", default=None, help="rule book (default: rules.yaml in the current folder)")
    p.add_argument("--catalog", default=None, help="catalog file (default: the one the rule book names)")
    p.add_argument("--sources", default=None, metavar="DIR",
                   help="check every quote against the source texts in DIR (each source's `text:`)")
    p.add_argument("--format", choices=("text", "json", "markdown"), default="text")
    return parser


def main(argv=None) -> int:
    args = _parser().parse_args(argv)
    try:
        code = _run(args)
        sys.stdout.flush()  # a reader that has gone shows here, not in Python's own flush at exit
        return code
    except FristError as exc:
        print(exc.format(), file=sys.stderr)
        return exc.exit_code
    except BrokenPipeError:  # `frist ... | head -1`: the reader has gone; stop quietly, as other tools do
        try:  # Python flushes stdout once more at exit, and would complain about the pipe there
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        except (OSError, ValueError):
            pass
        return 141  # 128 + SIGPIPE, what a shell reports for a writer whose reader has gone
    except KeyboardInterrupt:
        return 130


DEFAULT_RULES = "rules.yaml"


def _default_rules(args) -> None:
    """Fill in the default rule book, ``rules.yaml`` in the current folder, saying so when it is not there."""
    if getattr(args, "rules", "") is not None:
        return
    if not Path(DEFAULT_RULES).is_file():
        how = "--rules PATH" if args.command in ("check", "batch", "schema", "explain", "serve", "test") else f"frist {args.command} PATH"
        raise FristError(Diagnostic(
            f"no rule book given, and there is no `{DEFAULT_RULES}` in the current folder ({Path.cwd()})",
            Span("<command line>", 1, 1),
            hint=f"name the rule book with {how}, or run frist in the folder that holds `{DEFAULT_RULES}`"))
    args.rules = DEFAULT_RULES


def _run(args) -> int:
    _default_rules(args)
    if args.command == "validate":
        book = load(args.rules)
        print(f"{args.rules}: ok — {len(book.rules)} rules, {len(book.events)} event types, "
              f"{len(book.parameters)} parameters")
        return EXIT_OK
    if args.command == "generate":
        if args.n < 1:
            raise FristError(Diagnostic(f"-n {args.n}: give a positive number of timelines",
                                        Span("<command line>", 1, 1), hint="e.g. -n 50"))
        try:
            paths = generate(compile_rules(args.rules), args.n, args.output, profile=args.profile, seed=args.seed)
        except OSError as exc:
            print(f"frist: cannot write {args.output}: {exc.strerror}", file=sys.stderr)
            return EXIT_INVALID
        print(f"wrote {len(paths)} timeline(s) to {args.output}")
        return EXIT_OK
    if args.command == "schema":
        book = load(args.rules)
        text = json.dumps(timeline_schema(book.vocabulary, name=str(args.rules), digest=book.digest),
                          ensure_ascii=False, indent=2) + "\n"
        if args.output is None:
            sys.stdout.write(text)
            return EXIT_OK
        try:
            Path(args.output).write_text(text, encoding="utf-8")
        except OSError as exc:
            print(f"frist: cannot write {args.output}: {exc.strerror}", file=sys.stderr)
            return EXIT_INVALID
        print(f"wrote {args.output}")
        return EXIT_OK
    if args.command == "batch":
        from .batch import run_batch  # pyarrow, dask and tqdm load only here, and only when needed

        summary = run_batch(args.input, args.output, rules=args.rules, as_of=args.as_of, engine=args.engine,
                            scheduler=args.scheduler, workers=args.workers, partition_size=args.partition_size,
                            output_format=args.format, detail=args.detail, progress=not args.no_progress,
                            **({"max_row_bytes": args.max_row_bytes} if args.max_row_bytes is not None else {}))
        sys.stdout.write(summary.to_text())
        print(f"wrote {summary.partitions} part file(s) and {args.output}/_summary.json")
        return EXIT_OK
    if args.command == "diff":
        return _diff(args)
    if args.command == "serve":
        for package in ("fastapi", "uvicorn"):
            require(package, "frist serve")
        from .serve import serve  # FastAPI and uvicorn load only here

        serve(args.rules, host=args.host, port=args.port, max_bytes=args.max_bytes, max_events=args.max_events)
        return EXIT_OK
    if args.command == "lsp":
        require("pygls", "frist lsp")
        from .lsp import serve  # pygls loads only here

        serve()
        return EXIT_OK
    if args.command == "lint":
        findings = lint(load(args.rules))
        errors = [f for f in findings if f.severity == "error"]
        warnings = [f for f in findings if f.severity == "warning" and not f.explained]
        if args.format == "json":
            json.dump({"findings": [f.to_json() for f in findings]}, sys.stdout, ensure_ascii=False, indent=2)
            sys.stdout.write("\n")
        else:
            for f in findings:
                print(f.format())
            explained = sum(1 for f in findings if f.explained)
            notes = sum(1 for f in findings if f.severity == "note")
            print(f"{args.rules}: {len(errors)} error(s), {len(warnings)} warning(s), {explained} explained"
                  + (f", {notes} note(s)" if notes else ""))
        return EXIT_VIOLATIONS if errors or (warnings and not args.errors_only) else EXIT_OK
    if args.command == "coverage":
        return _coverage(args)
    if args.command == "doc":
        return _doc(args)
    if args.command == "explain":
        return _explain(args)
    if args.command == "test":
        return _test(args)
    if args.command == "compile":
        source = compile_source(args.rules)
        out = Path(args.output)
        try:
            out.parent.mkdir(parents=True, exist_ok=True)
            out.write_text(source, encoding="utf-8")
        except OSError as exc:
            print(f"frist: cannot write {out}: {exc.strerror}", file=sys.stderr)
            return EXIT_INVALID
        print(f"wrote {out}")
        return EXIT_OK
    module = compile_rules(args.rules, use_cache=not args.no_cache)
    report = check(args.timeline, rules=module, as_of=args.as_of)
    if args.format == "html":
        text = to_html(report, getattr(args, "lang", None), doc_url=args.doc_url)
    elif args.format == "json":
        text = json.dumps(report.to_json(), ensure_ascii=False, indent=2) + "\n"
    else:
        text = report.to_text(every_result=args.every_result, lang=args.lang,
                              color=args.output is None and _colour(args.color))
    if args.output is None:
        sys.stdout.write(text)
    elif not _write_whole(Path(args.output), text):
        return EXIT_INVALID
    return EXIT_VIOLATIONS if args.strict and report.violations() else EXIT_OK


def _colour(choice: str) -> bool:
    """Colour the text report on stdout?  ``auto``: when it is a terminal and ``NO_COLOR`` is not set (no-color.org)."""
    if choice != "auto":
        return choice == "always"
    return sys.stdout.isatty() and not os.environ.get("NO_COLOR")


def _write_whole(out: Path, text: str) -> bool:
    """Write ``out`` through a file beside it, so that a reader (or a case file it is attached to) sees the
    whole report or the one before, never half of one; say so on stderr when it cannot be written."""
    tmp = None
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=out.parent, prefix=".tmp-", suffix=out.suffix)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
        mask = os.umask(0o022)
        os.umask(mask)
        os.chmod(tmp, 0o666 & ~mask)  # the permissions any other written file gets, not mkstemp's 0600
        os.replace(tmp, out)
    except OSError as exc:
        if tmp is not None:
            Path(tmp).unlink(missing_ok=True)
        print(f"frist: cannot write {out}: {exc.strerror}", file=sys.stderr)
        return False
    print(f"wrote {out}")
    return True


def _diff(args) -> int:
    """``frist diff``: the population checked under both rule books, and who changes, as text or JSON."""
    from .impact import impact

    result = impact(args.old, args.new, args.population, as_of=args.as_of, output_dir=args.output, engine=args.engine,
                    scheduler=args.scheduler, workers=args.workers, partition_size=args.partition_size,
                    examples=args.examples, progress=not args.no_progress)
    if args.format == "json":
        json.dump(result.to_json(), sys.stdout, ensure_ascii=False, indent=2)
        sys.stdout.write("\n")
    else:
        sys.stdout.write(result.to_text(args.lang))
    return EXIT_OK


def _explain(args) -> int:
    """``frist explain``: the explanations of one rule's results (or one instance's), as text or JSON."""
    from .explain import render, select

    module = compile_rules(args.rules)
    report = check(args.timeline, rules=module, as_of=args.as_of)
    chosen = select(report.to_json()["results"], args.rule, args.instance)
    if args.format == "json":
        json.dump({"as_of": report.as_of.isoformat(), "as_of_from": report.as_of_from, "timeline": report.timeline.name,
                   "rule": args.rule, "results": chosen}, sys.stdout, ensure_ascii=False, indent=2)
        sys.stdout.write("\n")
        return EXIT_OK
    lang = args.lang or module.BOOK.get("language", "da")
    head = {"da": f"Forklaring pr. {report.as_of.isoformat()} — {report.timeline.name}",
            "en": f"Explanation as of {report.as_of.isoformat()} — {report.timeline.name}"}
    lines = textwrap.wrap(head[lang], 100, subsequent_indent="  ")
    for result in chosen:
        lines += [""] + render(result, lang, width=100)
    sys.stdout.write("\n".join(lines) + "\n")
    return EXIT_OK


def _test(args) -> int:
    """``frist test``: each case's differences, or ``ok``; with ``--update`` the expected reports named rewritten."""
    from .errors import did_you_mean
    from .expect import Selector, compare, expected_of, find_cases
    from .expect_text import Lines, summary, write
    from .expect_update import update, write as write_report

    module = compile_rules(args.rules)
    only = [Selector.parse(text) for text in args.only]
    rules = [r.id for r in module.RULES]
    unknown = [Diagnostic(f"--only {s}: unknown rule `{s.rule}`", Span("<command line>", 1, 1),
                          hint=did_you_mean(s.rule, rules)) for s in only if s.rule not in rules]
    if args.update and not args.paths:
        unknown.append(Diagnostic("--update rewrites the expected reports named, and none is named",
                                  Span("<command line>", 1, 1), hint="name them: frist test --update PATH..."))
    if unknown:
        raise FristError(unknown)
    found = find_cases(args.paths or ["examples"])
    colour = _colour(args.color)
    passed = failed = updated = 0
    for exc in found.errors:
        print(exc.format(), file=sys.stderr)
    for case in found.cases:
        lines = Lines()
        try:
            outcome = compare(module, case.timeline, case.expected, only)
            rewritten = args.update and not outcome.passed
            if rewritten:
                change = update(outcome, only)
                write_report(case.expected, change.text)
                write(lines, outcome, updated=True)
                lines.add(f"  written: {change}")
                updated += 1
                outcome = compare(module, case.timeline, case.expected, only)  # the rewrite, read back
        except FristError as exc:
            sys.stdout.flush()
            print(exc.format(), file=sys.stderr)
            found.errors.append(exc)
            continue
        if not (rewritten and outcome.passed):  # an update is shown by what it changed
            write(lines, outcome)
        passed, failed = passed + outcome.passed, failed + (not outcome.passed)
        sys.stdout.write(lines.text(colour))
        sys.stdout.flush()
    lines = Lines()
    for path in found.untested:
        lines.add(("note", "where"), f" {path}: no expected report `{expected_of(path).name}` beside it; not tested")
    lines.add(summary(passed, failed, len(found.errors), len(found.untested), updated))
    sys.stdout.write(lines.text(colour))
    return EXIT_INVALID if found.errors else EXIT_VIOLATIONS if failed else EXIT_OK


def _doc(args) -> int:
    """``frist doc``: the rule book as a static site, each rule beside the words of its sources."""
    from .doc import build_site

    try:
        pages = build_site(args.rules, args.output, sources_dir=args.sources, impact=args.impact)
    except OSError as exc:
        print(f"frist: cannot write {args.output}: {exc.strerror}", file=sys.stderr)
        return EXIT_INVALID
    print(f"wrote {len(pages)} page(s) to {args.output}")
    return EXIT_OK


def _coverage(args) -> int:
    """The catalog's coverage, and the rules' quotes: found in the source texts (with --sources) or missing."""
    book = load(args.rules)
    result = coverage(book, load_catalog(catalog_path(book, args.catalog)))
    unquoted = quotes.unquoted(book)
    findings = [f for f in quotes.check(book, args.sources) if f.problem] if args.sources else []
    if args.format == "json":
        out = result.to_json()
        out["quotes"] = {"unquoted": unquoted, "checked_against": args.sources,
                         "problems": [{"owner": f.passage.owner, "source": f.passage.source, "problem": f.problem,
                                       "location": str(f.passage.span) if f.passage.span else None}
                                      for f in findings]}
        json.dump(out, sys.stdout, ensure_ascii=False, indent=2)
        sys.stdout.write("\n")
    else:
        sys.stdout.write(result.to_markdown() if args.format == "markdown" else result.to_text())
        print(f"quotes: {len(unquoted)} rule(s) or parameter version(s) without one"
              + (f"; {len(findings)} problem(s) against the texts in {args.sources}" if args.sources else
                 " (not checked against the source texts: give --sources DIR)"),
              file=sys.stderr if args.format == "markdown" else sys.stdout)  # the table alone on stdout
    for finding in findings:
        print(finding.diagnostic().format(), file=sys.stderr)
    gaps = result.gaps()
    if gaps or result.unknown:
        print(f"frist: {len(gaps)} catalog item(s) neither encoded nor explained, "
              f"{len(result.unknown)} unknown ID(s)", file=sys.stderr)
    return EXIT_VIOLATIONS if gaps or result.unknown or unquoted or findings else EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
