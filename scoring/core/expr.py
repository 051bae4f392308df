"""A small, safe expression language for derived fields (no eval, no Python).

    负责人出庭应诉率 = 出庭次数 / 应诉案件数 * 100

Grammar::

    expr   := term (("+" | "-") term)*
    term   := unary (("*" | "/") unary)*
    unary  := "-" unary | atom
    atom   := NUMBER | NAME | "[" any text "]" | FUNC "(" expr ("," expr)* ")" | "(" expr ")"
    FUNC   := min | max | abs

A NAME is a run of letters, digits and underscores (Chinese characters count as
letters); a field whose name has other characters is written in brackets:
``[党建得分(百分制)]``.  Evaluation is over whole columns (numpy arrays).  A missing
input gives a missing result, and so does a division by zero: 0 ÷ 0 出庭率 has no
value, it is not 0 %.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

FUNCS = {"min": np.fmin, "max": np.fmax, "abs": None}
_TOKEN = re.compile(r"\s*(?:(\d+(?:\.\d*)?|\.\d+)|(\[[^\]]*\])|([^\W\d]\w*)|(.))", re.UNICODE)


class ExprError(ValueError):
    def __init__(self, message_code: str, position: int, **args):
        self.code = message_code
        self.position = position  # 1-based character position in the formula
        self.args_ = args
        super().__init__(f"{message_code} at {position}: {args}")


@dataclass(frozen=True)
class Node:
    op: str  # "num", "field", "neg", "+", "-", "*", "/", or a function name
    args: tuple = ()
    value: float | str | None = None


def _tokens(text: str) -> list[tuple[str, str, int]]:
    out = []
    pos = 0
    while pos < len(text):
        m = _TOKEN.match(text, pos)
        if not m or m.end() == pos:
            break
        num, bracket, name, other = m.groups()
        start = m.start(m.lastindex) + 1 if m.lastindex else pos + 1
        if num is not None:
            out.append(("num", num, start))
        elif bracket is not None:
            out.append(("name", bracket[1:-1].strip(), start))
        elif name is not None:
            out.append(("name", name, start))
        elif other is not None and not other.isspace():
            out.append(("op", other, start))
        pos = m.end()
    out.append(("end", "", len(text) + 1))
    return out


class _Parser:
    def __init__(self, text: str):
        self.toks = _tokens(text)
        self.i = 0

    def peek(self):
        return self.toks[self.i]

    def take(self):
        tok = self.toks[self.i]
        self.i += 1
        return tok

    def expect(self, op: str):
        kind, val, pos = self.take()
        if (kind, val) != ("op", op):
            raise ExprError("expr.expected", pos, expected=op, found=val or "expr.end")

    def parse(self) -> Node:
        node = self.expr()
        kind, val, pos = self.peek()
        if kind != "end":
            raise ExprError("expr.unexpected", pos, found=val)
        return node

    def expr(self) -> Node:
        node = self.term()
        while self.peek()[:2] in (("op", "+"), ("op", "-")):
            op = self.take()[1]
            node = Node(op, (node, self.term()))
        return node

    def term(self) -> Node:
        node = self.unary()
        while self.peek()[:2] in (("op", "*"), ("op", "/")):
            op = self.take()[1]
            node = Node(op, (node, self.unary()))
        return node

    def unary(self) -> Node:
        if self.peek()[:2] == ("op", "-"):
            self.take()
            return Node("neg", (self.unary(),))
        return self.atom()

    def atom(self) -> Node:
        kind, val, pos = self.take()
        if kind == "num":
            return Node("num", value=float(val))
        if kind == "name":
            if val in FUNCS and self.peek()[:2] == ("op", "("):
                self.take()
                args = [self.expr()]
                while self.peek()[:2] == ("op", ","):
                    self.take()
                    args.append(self.expr())
                self.expect(")")
                if val == "abs" and len(args) != 1:
                    raise ExprError("expr.arity", pos, func=val)
                return Node(val, tuple(args))
            if not val:
                raise ExprError("expr.empty_name", pos)
            return Node("field", value=val)
        if (kind, val) == ("op", "("):
            node = self.expr()
            self.expect(")")
            return node
        raise ExprError("expr.unexpected", pos, found=val or "expr.end")


def parse(text: str) -> Node:
    return _Parser(text).parse()


def names(node: Node) -> set[str]:
    if node.op == "field":
        return {node.value}  # type: ignore[arg-type]
    out: set[str] = set()
    for a in node.args:
        out |= names(a)
    return out


def evaluate(node: Node, columns: dict[str, np.ndarray]) -> np.ndarray:
    """Evaluate over columns; NaN in, NaN out; x / 0 is NaN (no value), never inf."""
    op = node.op
    if op == "num":
        return np.asarray(node.value, dtype=float)
    if op == "field":
        return columns[node.value]  # type: ignore[index]
    vals = [evaluate(a, columns) for a in node.args]
    if op == "neg":
        return -vals[0]
    if op == "+":
        return vals[0] + vals[1]
    if op == "-":
        return vals[0] - vals[1]
    if op == "*":
        return vals[0] * vals[1]
    if op == "/":
        num, den = np.broadcast_arrays(vals[0], vals[1])
        out = np.full(num.shape, np.nan)
        ok = den != 0
        np.divide(num, den, out=out, where=ok)
        return out
    if op == "abs":
        return np.abs(vals[0])
    # min / max: a missing argument makes the result missing (no silent choice)
    acc = vals[0]
    for v in vals[1:]:
        acc = np.where(np.isnan(acc) | np.isnan(v), np.nan, FUNCS[op](acc, v))
    return acc


def zero_division(node: Node, columns: dict[str, np.ndarray], zero: dict[str, np.ndarray]) -> np.ndarray:
    """Where some division in ``node`` was 0 ÷ 0 (submitted zeros, not a gap).

    ``zero`` holds the same mask for derived fields already evaluated, so a formula built
    on a rate whose denominator was 0 inherits that state instead of reading as missing.
    """
    if node.op == "field":
        return np.asarray(zero.get(node.value, False))  # type: ignore[arg-type]
    out = np.asarray(False)
    for a in node.args:
        out = out | zero_division(a, columns, zero)
    if node.op == "/":  # 0 ÷ 0 only: 3 replies to 0 applications is a contradiction, not "no such work"
        out = out | ((evaluate(node.args[1], columns) == 0) & (evaluate(node.args[0], columns) == 0))
    return out


def zero_denominators(node: Node, columns: dict[str, np.ndarray]) -> list[Node]:
    """The denominators of ``node`` that are exactly 0 in ``columns`` (one unit's values)."""
    out: list[Node] = []
    for a in node.args:
        out += [d for d in zero_denominators(a, columns) if d not in out]
    if node.op == "/" and np.all(evaluate(node.args[1], columns) == 0) and node.args[1] not in out:
        out.append(node.args[1])
    return out


def text(node: Node) -> str:
    """A node written back as formula text (fields by name, brackets only where needed)."""
    op = node.op
    if op == "num":
        v = float(node.value)  # type: ignore[arg-type]
        return str(int(v)) if v.is_integer() else repr(v)
    if op == "field":
        name = str(node.value)
        return name if re.fullmatch(r"[^\W\d]\w*", name) else f"[{name}]"
    if op == "neg":
        return "-" + _wrapped(node.args[0], "*")
    if op in FUNCS:
        return f"{op}({', '.join(text(a) for a in node.args)})"
    left, right = node.args
    return f"{_wrapped(left, op)} {op} {_wrapped(right, op, right=True)}"


_BINDS = {"+": 1, "-": 1, "*": 2, "/": 2}


def _wrapped(node: Node, parent: str, right: bool = False) -> str:
    inner = _BINDS.get(node.op)
    outer = _BINDS[parent] if parent in _BINDS else 3
    if inner is not None and (inner < outer or (right and inner == outer and parent in "-/")):
        return f"({text(node)})"
    return text(node)
