"""Generate a Python module from the IR with the ``ast`` module.

The module holds one checker function per rule.  Everything a policy editor
wrote (ids, titles, names, values) enters only as ``ast.Constant`` nodes;
generated names are derived from the rule's position (``check_0``,
``check_1``, ...), never from its text, and the module imports nothing but
the runtime.  Each checker's line numbers point at its rule in the rule book.
"""

from __future__ import annotations

import ast as py
import sys

from . import __version__, ir
from .rulebook import RuleBook

_OPS = {"eq": py.Eq, "ne": py.NotEq, "lt": py.Lt, "le": py.LtE, "gt": py.Gt, "ge": py.GtE, "in": py.In}


def _name(id_, ctx=None):
    return py.Name(id=id_, ctx=ctx or py.Load())


def _const(value):
    """A constant value (tuples and dicts of constants become literal displays)."""
    if isinstance(value, tuple):
        return py.Tuple(elts=[_const(v) for v in value], ctx=py.Load())
    if isinstance(value, list):
        return py.List(elts=[_const(v) for v in value], ctx=py.Load())
    if isinstance(value, dict):
        return py.Dict(keys=[_const(k) for k in value], values=[_const(v) for v in value.values()])
    if value is None or isinstance(value, (str, int, float, bool)):
        return py.Constant(value=value)
    if hasattr(value, "isoformat"):
        return _call(_attr("_rt", "Date"), [py.Constant(value.year), py.Constant(value.month), py.Constant(value.day)])
    raise TypeError(f"not a constant: {value!r}")


def _attr(base, *names):
    node = _name(base)
    for n in names:
        node = py.Attribute(value=node, attr=n, ctx=py.Load())
    return node


def _call(func, args=(), keywords=()):
    return py.Call(func=func, args=list(args), keywords=list(keywords))


class _Expr:
    """IR expression -> Python expression; ``subject`` names the predicate's argument."""

    def __init__(self, on: str):
        self.on = on

    def __call__(self, node):
        return getattr(self, "visit_" + type(node).__name__)(node)

    def visit_Const(self, node):
        return _const(node.value)

    def visit_EventField(self, node):
        return _call(_attr("x", "get"), [py.Constant(node.name)])

    def visit_Fact(self, node):
        return _call(_attr("ctx", "person", "get"), [py.Constant(node.name)])

    def visit_Age(self, node):
        return _call(_attr("ctx", "age_at"), [py.Constant(node.event), _name("x")])

    def visit_ParamValue(self, node):
        day = _name("x") if self.on == "day" else _attr("x", "date")
        return _call(_attr("ctx", "param"), [py.Constant(node.name), day])

    def visit_Op(self, node):
        if node.op in ("and", "or"):
            return py.BoolOp(op=py.And() if node.op == "and" else py.Or(), values=[self(a) for a in node.args])
        if node.op == "not":
            return py.UnaryOp(op=py.Not(), operand=self(node.args[0]))
        left, right = (self(a) for a in node.args)
        compare = py.Compare(left=left, ops=[_OPS[node.op]()], comparators=[right])
        if node.op in ("lt", "le", "gt", "ge"):
            # a missing optional value never satisfies an ordering
            return py.BoolOp(op=py.And(), values=[
                py.Compare(left=self(node.args[0]), ops=[py.IsNot()], comparators=[py.Constant(None)]), compare])
        return compare

    def visit_Test(self, node):
        return _call(_attr("_rt", node.fn), [_name("ctx"), _name("x"), *[_value(a) for a in node.args]])


def _value(node):
    """IR value -> Python expression."""
    if isinstance(node, ir.Const):
        return _const(node.value)
    if isinstance(node, ir.Tuple):
        return py.Tuple(elts=[_value(i) for i in node.items], ctx=py.Load())
    if isinstance(node, ir.Pred):
        args = py.arguments(posonlyargs=[], args=[py.arg("ctx"), py.arg("x")], kwonlyargs=[], kw_defaults=[],
                            defaults=[])
        return py.Lambda(args=args, body=_Expr(node.on)(node.body))
    raise TypeError(node)


def _checker(rule: ir.RuleIR) -> py.FunctionDef:
    """``def check_N(ctx): ctx.rule = RULES[N]; _rt.<evaluator>(ctx, RULES[N], ...)``."""
    rule_ref = py.Subscript(value=_name("RULES"), slice=py.Constant(rule.index), ctx=py.Load())
    call = _call(_attr("_rt", rule.call.fn), [_name("ctx"), rule_ref],
                 [py.keyword(arg=k, value=_value(v)) for k, v in rule.call.kwargs])
    body = [
        py.Expr(value=py.Constant(f"{rule.id}: {rule.info['duty']}")),
        py.Assign(targets=[py.Attribute(value=_name("ctx"), attr="rule", ctx=py.Store())], value=rule_ref),
        py.Expr(value=call),
    ]
    args = py.arguments(posonlyargs=[], args=[py.arg("ctx")], kwonlyargs=[], kw_defaults=[], defaults=[])
    func = py.FunctionDef(name=f"check_{rule.index}", args=args, body=body, decorator_list=[], returns=None,
                          type_params=[])
    line = rule.span.line if rule.span else 1
    for node in py.walk(func):
        if "lineno" in node._attributes:
            node.lineno = node.end_lineno = line
            node.col_offset = node.end_col_offset = 0
    return func


def _parameter_info(book: RuleBook) -> dict:
    """What an explanation says of a parameter: each version's value as written and the words of the
    source it came from (the parameter's ``doc`` is for editors, and stays out of the module)."""
    out = {}
    for name, spec in book.doc.get("parameters", {}).items():
        out[name] = {"versions": [
            {"from": v["from"], "value": v["value"], "source": v["cite"]["source"],
             "section": v["cite"].get("section"), "quote": v["cite"].get("quote")} for v in spec["versions"]]}
    return out


def module_ast(book: RuleBook, rules: list) -> py.Module:
    header = (f"frist {__version__} checkers for {book.path} (sha256 {book.digest}); "
              f"generated for Python {sys.version_info.major}.{sys.version_info.minor}. Do not edit.")
    book_const = {
        "name": book.doc.get("name", ""),
        "path": book.path,
        "digest": book.digest,
        "compiler": __version__,
        "month_rounding": book.month_rounding,
        "language": book.language,
        "parameter_info": _parameter_info(book),
        # an exception's reason in Danish, by the English words a result's ``reason`` carries
        "reasons_da": {reason["en"]: reason.get("da", reason["en"]) for r in book.rules for _, reason in r.exceptions},
        "sources": book.doc["sources"],
        "parameters": {k: tuple(v) for k, v in book.parameters.items()},
        "vocabulary": {k: v for k, v in book.vocabulary.items() if not k.startswith("_")},
        "states": book.vocabulary["states"],
        "clocks": {k: v["runs_while"] for k, v in book.vocabulary["clocks"].items()},
    }
    body = [
        py.Expr(value=py.Constant(header)),
        py.Import(names=[py.alias(name="frist.runtime.engine", asname="_rt")]),
        py.Assign(targets=[_name("BOOK", py.Store())], value=_const(book_const)),
        py.Assign(targets=[_name("RULES", py.Store())], value=py.Tuple(elts=[
            _call(_attr("_rt", "RuleInfo"), [], [py.keyword(arg=k, value=_const(v)) for k, v in r.info.items()])
            for r in sorted(rules, key=lambda r: r.index)], ctx=py.Load())),
    ]
    body.append(py.Assign(targets=[_name("APPLIES", py.Store())], value=py.Tuple(elts=[
        _value(dict(r.call.kwargs)["applies"]) for r in sorted(rules, key=lambda r: r.index)], ctx=py.Load())))
    families = {}
    for fid, (doc, applies) in book.families.items():
        families[fid] = py.Tuple(elts=[_const(doc["title"]["en"]), _value(ir.person_predicate(book, applies)),
                                       _const(doc.get("from")),
                                       _const(doc.get("until"))], ctx=py.Load())
    body.append(py.Assign(targets=[_name("FAMILIES", py.Store())],
                          value=py.Dict(keys=[_const(k) for k in families], values=list(families.values()))))
    body += [_checker(r) for r in rules]
    body.append(py.Assign(targets=[_name("CHECKERS", py.Store())],
                          value=py.Tuple(elts=[_name(f"check_{r.index}") for r in rules], ctx=py.Load())))
    body.append(py.Assign(targets=[_name("ORDER", py.Store())], value=_const(tuple(r.index for r in rules))))
    module = py.Module(body=body, type_ignores=[])
    line = 1
    for node in body:
        if not isinstance(node, py.FunctionDef):
            for sub in py.walk(node):
                if "lineno" in sub._attributes:
                    sub.lineno = sub.end_lineno = line
                    sub.col_offset = sub.end_col_offset = 0
    return module


def generate(book: RuleBook) -> str:
    """Python source of the checker module for ``book``."""
    rules = ir.lower(book)
    module = module_ast(book, rules)
    py.fix_missing_locations(module)
    source = py.unparse(module)
    return source + "\n"
