"""Reading YAML and JSON documents safely, with positions and limits.

Documents are composed with PyYAML's safe loader into node trees and turned
into plain Python values by hand, so that

* no tag can construct an arbitrary object (only str, int, float, bool, null,
  mappings and sequences exist; any other tag is an error),
* scalars that look like dates stay strings and are parsed later with a
  located error,
* every mapping and sequence remembers where it and each of its items stand
  (:class:`Mapping` / :class:`Sequence` carry ``span`` and ``spans``),
* size, nesting depth and alias count are limited before anything is built.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import yaml
from yaml.nodes import MappingNode, ScalarNode, SequenceNode

from .errors import Diagnostic, FristError, LimitError, Span


@dataclass(frozen=True)
class Limits:
    max_bytes: int = 2_000_000
    max_depth: int = 32
    max_aliases: int = 100
    max_nodes: int = 500_000


DEFAULT_LIMITS = Limits()


class Mapping(dict):
    """A dict that knows where it and each key's value stand in the source."""

    span: Span
    key_spans: dict
    spans: dict


class Sequence(list):
    """A list that knows where it and each item stand in the source."""

    span: Span
    spans: list


def span_of(container, key=None) -> Span | None:
    """The span of ``container[key]`` (or of the container itself)."""
    if key is None:
        return getattr(container, "span", None)
    spans = getattr(container, "spans", None)
    if spans is None:
        return getattr(container, "span", None)
    try:
        return spans[key]
    except (KeyError, IndexError, TypeError):
        return getattr(container, "span", None)


def key_span(mapping, key) -> Span | None:
    spans = getattr(mapping, "key_spans", None)
    if spans and key in spans:
        return spans[key]
    return getattr(mapping, "span", None)


def locate(document, path) -> Span | None:
    """The span of the value at a path (a jsonschema ``absolute_path``)."""
    node, span = document, getattr(document, "span", None)
    for part in path:
        try:
            child = node[part]
        except (KeyError, IndexError, TypeError):
            break
        span = span_of(node, part) or span
        node = child
    return span


_SCALAR_TAGS = {
    "tag:yaml.org,2002:null": lambda v: None,
    "tag:yaml.org,2002:bool": lambda v: v.lower() in ("true", "yes", "on", "y"),
    "tag:yaml.org,2002:int": None,
    "tag:yaml.org,2002:float": None,
    "tag:yaml.org,2002:str": str,
    "tag:yaml.org,2002:timestamp": str,
}


class _Builder:
    def __init__(self, name: str, text: str, limits: Limits):
        self.name, self.text, self.limits = name, text, limits
        self.nodes = 0

    def span(self, node) -> Span:
        start, end = node.start_mark, node.end_mark
        return Span(self.name, start.line + 1, start.column + 1, end.line + 1, end.column + 1, self.text)

    def build(self, node, depth: int = 0):
        self.nodes += 1
        if self.nodes > self.limits.max_nodes:
            raise LimitError(Diagnostic(
                f"document has more than {self.limits.max_nodes} values", self.span(node),
                hint="split the document or raise the limit"))
        if depth > self.limits.max_depth:
            raise _too_deep(self.limits, self.span(node))
        if isinstance(node, ScalarNode):
            return self.scalar(node)
        if isinstance(node, SequenceNode):
            self.check_tag(node, "tag:yaml.org,2002:seq")
            out = Sequence(self.build(child, depth + 1) for child in node.value)
            out.span = self.span(node)
            out.spans = [self.span(child) for child in node.value]
            return out
        if isinstance(node, MappingNode):
            self.check_tag(node, "tag:yaml.org,2002:map")
            out = Mapping()
            out.span, out.key_spans, out.spans = self.span(node), {}, {}
            for key_node, value_node in node.value:
                if not isinstance(key_node, ScalarNode):
                    raise FristError(Diagnostic("mapping keys must be plain names", self.span(key_node)))
                key = str(key_node.value)
                if key in out:
                    raise FristError(Diagnostic(f"duplicate key `{key}`", self.span(key_node),
                                                hint="each key may appear once in a mapping"))
                out[key] = self.build(value_node, depth + 1)
                out.key_spans[key] = self.span(key_node)
                out.spans[key] = self.span(value_node)
            return out
        raise FristError(Diagnostic("unsupported YAML node", self.span(node)))

    def check_tag(self, node, expected: str) -> None:
        if node.tag != expected:
            raise FristError(Diagnostic(f"YAML tag `{node.tag}` is not allowed", self.span(node),
                                        hint="remove the tag; only plain values are read"))

    def scalar(self, node: ScalarNode):
        tag = node.tag
        if tag not in _SCALAR_TAGS:
            raise FristError(Diagnostic(f"YAML tag `{tag}` is not allowed", self.span(node),
                                        hint="remove the tag; only plain values are read"))
        value = node.value
        if tag == "tag:yaml.org,2002:int":
            digits = value.replace("_", "")
            for base in (10, 0):
                try:
                    return int(digits, base)
                except ValueError:
                    pass
            return value
        if tag == "tag:yaml.org,2002:float":
            text = value.replace("_", "").lower()
            try:  # YAML writes infinity and not-a-number as .inf and .nan; the readers refuse both
                return float(text.replace(".inf", "inf").replace(".nan", "nan"))
            except ValueError:
                return value
        if isinstance(value, str):
            try:
                value.encode("utf-8")
            except UnicodeEncodeError:
                raise FristError(Diagnostic("text holds a lone surrogate escape, which is not a character",
                                            self.span(node), hint="remove the `\\ud800`-style escape")) from None
        return _SCALAR_TAGS[tag](value)


def _yaml_error(name: str, text: str, exc: yaml.YAMLError) -> FristError:
    mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
    span = Span(name, mark.line + 1, mark.column + 1, text=text) if mark else Span(name, 1, 1, text=text)
    problem = getattr(exc, "problem", None) or str(exc)
    context = getattr(exc, "context", None)
    message = f"malformed YAML: {problem}" + (f" ({context})" if context else "")
    hint = "check indentation and quoting near here"
    if "\t" in (span.source_line() or ""):
        hint = "YAML does not allow tabs for indentation; use spaces"
    return FristError(Diagnostic(message, span, hint=hint))


# libyaml's parser when PyYAML has it (the wheels do): the same events and marks, far faster
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def parse_text(text: str, name: str = "<string>", limits: Limits = DEFAULT_LIMITS):
    """Parse one YAML (or JSON) document into located plain values."""
    size = len(text.encode("utf-8", "surrogatepass"))
    if size > limits.max_bytes:
        raise LimitError(Diagnostic(
            f"file is {size} bytes, more than the limit of {limits.max_bytes}",
            Span(name, 1, 1, text=text), hint="split the file or raise the limit"))
    try:
        _check_limits(text, name, limits)
        nodes = list(yaml.compose_all(text, Loader=_LOADER))
    except yaml.YAMLError as exc:
        raise _yaml_error(name, text, exc) from None
    except ValueError as exc:  # e.g. surrogates PyYAML refuses
        raise FristError(Diagnostic(f"unreadable text: {exc}", Span(name, 1, 1, text=text))) from None
    if not nodes or nodes[0] is None:
        raise FristError(Diagnostic("document is empty", Span(name, 1, 1, text=text),
                                    hint="a document must be a mapping of keys to values"))
    if len(nodes) > 1:
        raise FristError(Diagnostic("file holds more than one YAML document",
                                    _Builder(name, text, limits).span(nodes[1]),
                                    hint="remove the `---` separator"))
    return _Builder(name, text, limits).build(nodes[0])


def _too_deep(limits: Limits, span: Span) -> LimitError:
    return LimitError(Diagnostic(f"document nests deeper than {limits.max_depth} levels", span,
                                 hint="flatten the structure"))


def _check_limits(text: str, name: str, limits: Limits) -> None:
    """Refuse a document that nests too deep or uses too many aliases, before any node is built.

    The YAML library may have a nesting limit of its own (libyaml in PyYAML 6.0.4
    and later stops at 1000 levels), and it scans ahead of the events it hands
    out, so its error can come before frist's limit is seen.  The text before
    the library's mark is read again: where frist's limit is broken in it, that
    is the error, at the same place whichever limit fired first.  No wording or
    value of the library's limit is relied on.
    """
    try:
        _scan_events(text, name, limits)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        if mark is None:
            raise
        try:
            _scan_events(text[: mark.index], name, limits)  # raises frist's LimitError if broken before the mark
        except yaml.YAMLError:
            pass  # the text cut short is malformed where it ends
        if "nesting" not in str(getattr(exc, "problem", "")):
            raise
        raise LimitError(Diagnostic(  # a library whose limit is below frist's
            f"document nests deeper than the YAML parser allows (frist allows {limits.max_depth} levels)",
            Span(name, mark.line + 1, mark.column + 1, text=text), hint="flatten the structure")) from None


def _scan_events(text: str, name: str, limits: Limits) -> None:
    aliases = depth = 0
    for event in yaml.parse(text, Loader=_LOADER):
        if isinstance(event, (yaml.MappingStartEvent, yaml.SequenceStartEvent)):
            depth += 1
            if depth - 1 > limits.max_depth:  # the top-level mapping is level 0
                mark = event.start_mark
                raise _too_deep(limits, Span(name, mark.line + 1, mark.column + 1, text=text))
        elif isinstance(event, (yaml.MappingEndEvent, yaml.SequenceEndEvent)):
            depth -= 1
        elif isinstance(event, yaml.AliasEvent):
            aliases += 1
            if aliases > limits.max_aliases:
                mark = event.start_mark
                raise LimitError(Diagnostic(
                    f"document uses more than {limits.max_aliases} aliases",
                    Span(name, mark.line + 1, mark.column + 1, text=text),
                    hint="expand the aliases; many aliases can blow up a document"))


def read_file(path: str | Path, limits: Limits = DEFAULT_LIMITS):
    """Read and parse a file; missing files and bad encodings are located errors."""
    text = read_text(path, limits)
    return parse_text(text, str(path), limits), text


def read_text(path: str | Path, limits: Limits = DEFAULT_LIMITS) -> str:
    """A file's text; missing files, oversized files and bad encodings are located errors."""
    path = Path(path)
    name = str(path)
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise FristError(Diagnostic(f"cannot read file: {exc.strerror}", Span(name, 1, 1),
                                    hint="check the path")) from None
    if size > limits.max_bytes:
        raise LimitError(Diagnostic(f"file is {size} bytes, more than the limit of {limits.max_bytes}",
                                    Span(name, 1, 1), hint="split the file or raise the limit"))
    try:
        raw = path.read_bytes()
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        before = raw[: exc.start]
        line = before.count(b"\n") + 1
        column = exc.start - (before.rfind(b"\n") + 1) + 1
        raise FristError(Diagnostic(f"file is not UTF-8 text (byte {exc.start})", Span(name, line, column),
                                    hint="save the file as UTF-8")) from None
    except OSError as exc:
        raise FristError(Diagnostic(f"cannot read file: {exc.strerror}", Span(name, 1, 1))) from None
    return text
