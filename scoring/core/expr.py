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

A cross-field check is two expressions and a comparison: ``已备案件数 <= 应备案件数``
(``<= >= = < >``, or ``≤ ≥``).  A formula may hold at most MAX_TOKENS tokens and nest
brackets, functions and signs at most MAX_DEPTH deep; reading it is linear in its length.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

FUNCS = {"min": np.fmin, "max": np.fmax, "abs": None}
# Bounds on what a formula may ask for, far above any real rule; reading stays linear and the
# recursive parser and evaluator stay well inside Python's stack.
MAX_TOKENS = 400
MAX_DEPTH = 30
COMPARISONS = {"<=": "<=", ">=": ">=", "=": "=", "==": "=", "<": "<", ">": ">", "≤": "<=", "≥": ">=", "＝": "="}


class ExprError(ValueError):
    def __init__(self, message_code: str, position: int, **args):
        self.code = message_code
        self.position = position  # 1-based character position in the formula
        self.args_ = args
        super().__init__(f"{message_code} at {position}: {args}")


@dataclass(frozen=True)
class Node:
    """One node of a parsed formula: a number, a field, or an operation on its ``args``."""

    op: str  # "num", "field", "neg", "+", "-", "*", "/", or a function name
    args: tuple = ()
    value: float | str | None = None
    pos: int = 0  # 1-based character position in the formula (for messages)


def _is_name_char(ch: str) -> bool:
    return ch.isalnum() or ch == "_"


def _tokens(text: str) -> list[tuple[str, str, int]]:
    """Tokens in one left-to-right pass (each character looked at a bounded number of times)."""
    out = []
    pos, n = 0, len(text)
    while pos < n:
        ch = text[pos]
        start = pos + 1
        if ch.isspace():
            pos += 1
            continue
        if ch.isdecimal() or (ch == "." and pos + 1 < n and text[pos + 1].isdecimal()):
            end = pos
            while end < n and text[end].isdecimal():
                end += 1
            if end < n and text[end] == ".":
                end += 1
                while end < n and text[end].isdecimal():
                    end += 1
            out.append(("num", text[pos:end], start))
            pos = end
        elif ch == "[":
            close = text.find("]", pos + 1)
            if close < 0:
                raise ExprError("expr.unclosed_bracket", start)
            out.append(("name", text[pos + 1 : close].strip(), start))
            pos = close + 1
        elif _is_name_char(ch):  # a letter (Chinese characters count) or underscore; digits were taken above
            end = pos + 1
            while end < n and _is_name_char(text[end]):
                end += 1
            out.append(("name", text[pos:end], start))
            pos = end
        else:
            two = text[pos : pos + 2]
            op = two if two in ("<=", ">=", "==") else ch
            out.append(("op", op, start))
            pos += len(op)
        if len(out) > MAX_TOKENS:
            raise ExprError("expr.too_long", start, most=MAX_TOKENS)
    out.append(("end", "", len(text) + 1))
    return out


class _Parser:
    def __init__(self, text: str):
        self.toks = _tokens(text)
        self.i = 0
        self.depth = 0

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

    def comparison(self) -> tuple[Node, str, Node]:
        left = self.expr()
        kind, val, pos = self.take()
        if kind != "op" or val not in COMPARISONS:
            raise ExprError("expr.no_comparison", pos, found=val or "expr.end")
        op = COMPARISONS[val]
        right = self.expr()
        kind, val, pos = self.peek()
        if kind != "end":
            raise ExprError("expr.unexpected", pos, found=val)
        return left, op, right

    def deeper(self, pos: int) -> None:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise ExprError("expr.too_deep", pos, most=MAX_DEPTH)

    def expr(self) -> Node:
        node = self.term()
        while self.peek()[:2] in (("op", "+"), ("op", "-")):
            _, op, pos = self.take()
            node = Node(op, (node, self.term()), pos=pos)
        return node

    def term(self) -> Node:
        node = self.unary()
        while self.peek()[:2] in (("op", "*"), ("op", "/")):
            _, op, pos = self.take()
            node = Node(op, (node, self.unary()), pos=pos)
        return node

    def unary(self) -> Node:
        if self.peek()[:2] == ("op", "-"):
            pos = self.take()[2]
            self.deeper(pos)
            node = Node("neg", (self.unary(),), pos=pos)
            self.depth -= 1
            return node
        return self.atom()

    def atom(self) -> Node:
        kind, val, pos = self.take()
        if kind == "num":
            return Node("num", value=float(val), pos=pos)
        if kind == "name":
            if val in FUNCS and self.peek()[:2] == ("op", "("):
                self.take()
                self.deeper(pos)
                args = [self.expr()]
                while self.peek()[:2] == ("op", ","):
                    self.take()
                    args.append(self.expr())
                self.expect(")")
                self.depth -= 1
                if val == "abs" and len(args) != 1:
                    raise ExprError("expr.arity", pos, func=val)
                return Node(val, tuple(args), pos=pos)
            if not val:
                raise ExprError("expr.empty_name", pos)
            return Node("field", value=val, pos=pos)
        if (kind, val) == ("op", "("):
            self.deeper(pos)
            node = self.expr()
            self.expect(")")
            self.depth -= 1
            return node
        raise ExprError("expr.unexpected", pos, found=val or "expr.end")


def parse(text: str) -> Node:
    return _Parser(text).parse()


def parse_comparison(text: str) -> tuple[Node, str, Node]:
    """``left OP right`` with OP one of <= >= = < > (or ≤ ≥), as a cross-field check is written."""
    return _Parser(text).comparison()


def constant(node: Node) -> float | None:
    """The value of a part of a formula that reads no field (``2 - 2``), else None."""
    if node.op == "num":
        return float(node.value)  # type: ignore[arg-type]
    if node.op == "field":
        return None
    vals = [constant(a) for a in node.args]
    if any(v is None for v in vals):
        return None
    with np.errstate(all="ignore"):
        got = evaluate(node, {})
    return float(got)


def zero_divisors(node: Node) -> list[Node]:
    """Every division whose divisor is a constant 0: its result would never have a value."""
    out = []
    if node.op == "/" and constant(node.args[1]) == 0:
        out.append(node)
    for a in node.args:
        out += zero_divisors(a)
    return out


def ordered_names(node: Node) -> list[str]:
    """The fields a formula reads, in the order they are written."""
    out: list[str] = []
    if node.op == "field":
        return [node.value]  # type: ignore[list-item]
    for a in node.args:
        for n in ordered_names(a):
            if n not in out:
                out.append(n)
    return out


def names(node: Node) -> set[str]:
    if node.op == "field":
        return {node.value}  # type: ignore[arg-type]
    out: set[str] = set()
    for a in node.args:
        out |= names(a)
    return out


def evaluate(node: Node, columns: dict[str, np.ndarray]) -> np.ndarray:
    """Evaluate over columns; NaN in, NaN out; x / 0 is NaN (no value). A step beyond any float
    (a divisor typed as 1e-300) gives inf, without numpy's warnings: :func:`overflowed` finds
    it, even where a later step hides it, and consistency.range_problems refuses it."""
    with np.errstate(over="ignore", invalid="ignore"):
        return _evaluate(node, columns, None)


def overflowed(node: Node, columns: dict[str, np.ndarray]) -> np.ndarray:
    """Where some step of ``node`` (an input included) is beyond any float, whatever the result
    shows: ``a / (b / c)`` gives 0 and ``min(b / c, 100)`` gives 100 when ``b / c`` is inf."""
    steps: list[np.ndarray] = []
    with np.errstate(over="ignore", invalid="ignore"):
        _evaluate(node, columns, steps)
    out = np.asarray(False)
    for v in steps:  # a constant's step is a 0-d array, a column's a whole one
        out = out | np.isinf(v)
    return out


def _evaluate(node: Node, columns: dict[str, np.ndarray], steps: list[np.ndarray] | None) -> np.ndarray:
    """``node``'s value; every step's value (the node's own last) added to ``steps`` when given."""
    op = node.op
    if op == "num":
        out = np.asarray(node.value, dtype=float)
    elif op == "field":
        out = columns[node.value]  # type: ignore[index]
    else:
        out = _step(op, [_evaluate(a, columns, steps) for a in node.args])
    if steps is not None:
        steps.append(out)
    return out


def _step(op: str, vals: list[np.ndarray]) -> np.ndarray:
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
        acc = np.where(np.isnan(acc) | np.isnan(v), np.nan, (np.fmin if op == "min" else np.fmax)(acc, v))
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
        return name if name.isidentifier() else f"[{name}]"  # a NAME token, else written in brackets
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
