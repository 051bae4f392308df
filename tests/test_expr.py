"""The safe formula language for derived fields (scoring/core/expr.py): no eval, missing stays missing."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from builders import examples
from scoring.core import expr

NaN = float("nan")


def ev(text: str, **cols) -> np.ndarray:
    return np.asarray(expr.evaluate(expr.parse(text), {k: np.asarray(v, dtype=float) for k, v in cols.items()}), dtype=float)


# --------------------------------------------------------------------------- missing and division
def test_rate_from_two_counts():
    got = ev("出庭次数 / 应诉案件数 * 100", 出庭次数=[3, 1, 0], 应诉案件数=[4, 2, 5])
    assert got.tolist() == [75, 50, 0]


def test_zero_over_zero_is_missing_not_zero():
    # a unit with no 应诉 cases has no 出庭率: it is not 0 %
    got = ev("出庭次数 / 应诉案件数 * 100", 出庭次数=[0, 2], 应诉案件数=[0, 0])
    assert np.isnan(got).all()


def test_missing_input_gives_missing_result():
    got = ev("a + b", a=[1, NaN, 3], b=[1, 1, NaN])
    assert got[0] == 2 and np.isnan(got[1:]).all()


def test_min_max_with_a_missing_argument_are_missing():
    assert np.isnan(ev("min(a, 100)", a=[NaN])).all()
    assert np.isnan(ev("max(a, b)", a=[1], b=[NaN])).all()
    assert ev("max(a, b, 0)", a=[-1, 5], b=[-2, 7]).tolist() == [0, 7]
    assert ev("abs(a - b)", a=[1, 5], b=[4, 2]).tolist() == [3, 3]


def test_no_infinity_ever():
    got = ev("a / b", a=[1, -1, 0], b=[0, 0, 0])
    assert not np.isinf(got).any() and np.isnan(got).all()


# --------------------------------------------------------------------------- grammar
@pytest.mark.parametrize(
    "text,value",
    [
        ("2 + 3 * 4", 14),
        ("(2 + 3) * 4", 20),
        ("2 - 3 - 4", -5),  # left to right
        ("8 / 4 / 2", 1),
        ("2 * 3 / 4", 1.5),
        ("-2 * 3", -6),
        ("-(2 + 3)", -5),
        ("2 - -3", 5),
        ("10 - 2 * 3 + 1", 5),
        (".5 + 1.", 1.5),
        ("min(3, 1 + 1) * max(1, 2)", 4),
        ("  1+2 ", 3),
    ],
)
def test_precedence_and_associativity(text, value):
    assert float(ev(text)) == value


def test_bracketed_names_hold_any_characters():
    node = expr.parse("[党建得分(百分制)] / 2 + [ 出庭率 %] ")
    assert expr.names(node) == {"党建得分(百分制)", "出庭率 %"}
    assert ev("[党建得分(百分制)] / 2", **{"党建得分(百分制)": [90]}).tolist() == [45]


def test_names_of_a_formula():
    assert expr.names(expr.parse("(a + b_2) * 已备案 / max(应备案, 1)")) == {"a", "b_2", "已备案", "应备案"}


def test_function_names_are_fields_without_parentheses():
    assert expr.names(expr.parse("max + 1")) == {"max"}


@pytest.mark.parametrize(
    "text,code,position",
    [
        ("a +", "expr.unexpected", 4),  # the end of the text, one past the last character
        ("a * (b + c", "expr.expected", 11),
        ("(a", "expr.expected", 3),
        ("a b", "expr.unexpected", 3),
        ("1 + * 2", "expr.unexpected", 5),
        ("2 ** 3", "expr.unexpected", 4),
        ("a # b", "expr.unexpected", 3),
        ("出庭次数 ÷ 应诉案件数", "expr.unexpected", 6),
        ("[]", "expr.empty_name", 1),
        ("abs(a, b)", "expr.arity", 1),
        ("max()", "expr.unexpected", 5),
        ("", "expr.unexpected", 1),
    ],
)
def test_errors_name_the_character_position(text, code, position):
    with pytest.raises(expr.ExprError) as e:
        expr.parse(text)
    assert e.value.code == code
    assert e.value.position == position


@pytest.mark.parametrize(
    "text",
    [
        "__import__('os').system('echo hi')",
        "a.b",
        "a; b",
        "lambda: 1",
        "open('x')",
        "a if b else c",
    ],
)
def test_python_is_not_a_formula(text):
    with pytest.raises(expr.ExprError):
        expr.parse(text)


@settings(max_examples=examples(300), deadline=None)
@given(st.text(alphabet=st.sampled_from(list("ab12.+-*/()[], 出庭率minaxs_\t%#'\"")), max_size=24))
def test_any_text_parses_or_fails_with_a_position_inside_it(text):
    try:
        expr.parse(text)
    except expr.ExprError as e:
        assert 1 <= e.position <= len(text) + 1
        assert e.code.startswith("expr.")


# --------------------------------------------------------------------------- property: same value as the tree it was written from
COLS = {"a": np.array([0.0, 1.0, -2.5, NaN, 7.0]), "b": np.array([0.0, 3.0, 0.0, 1.0, -4.0])}
PREC = {"+": 1, "-": 1, "*": 2, "/": 2}


def _leaf():
    return st.one_of(
        st.integers(0, 20).map(lambda n: ("num", float(n))),
        st.sampled_from([0.5, 2.5, 0.25]).map(lambda x: ("num", x)),
        st.sampled_from(["a", "b"]).map(lambda n: ("field", n)),
    )


trees = st.recursive(
    _leaf(),
    lambda kids: st.one_of(
        st.tuples(st.sampled_from(["+", "-", "*", "/"]), kids, kids),
        st.tuples(st.just("neg"), kids),
        st.tuples(st.sampled_from(["min", "max"]), kids, kids),
        st.tuples(st.just("abs"), kids),
    ),
    max_leaves=8,
)


def render(t) -> str:
    """Written as a person would: parentheses only where precedence needs them."""
    op = t[0]
    if op == "num":
        return f"{t[1]:g}"
    if op == "field":
        return t[1] if t[1] == "a" else "[b]"
    if op == "neg":
        inner = render(t[1])
        return f"-({inner})" if t[1][0] in PREC else f"-{inner}"
    if op in ("min", "max", "abs"):
        return f"{op}({', '.join(render(x) for x in t[1:])})"
    left, right = render(t[1]), render(t[2])
    if t[1][0] in PREC and PREC[t[1][0]] < PREC[op]:
        left = f"({left})"
    if t[2][0] in PREC and (PREC[t[2][0]] < PREC[op] or (PREC[t[2][0]] == PREC[op] and op in "-/")):
        right = f"({right})"
    return f"{left} {op} {right}"


def reference(t) -> np.ndarray:
    op = t[0]
    if op == "num":
        return np.full(5, t[1])
    if op == "field":
        return COLS[t[1]]
    v = [reference(x) for x in t[1:]]
    with np.errstate(all="ignore"):
        if op == "neg":
            return -v[0]
        if op == "abs":
            return np.abs(v[0])
        if op in ("min", "max"):
            r = np.minimum(v[0], v[1]) if op == "min" else np.maximum(v[0], v[1])
            return np.where(np.isnan(v[0]) | np.isnan(v[1]), np.nan, r)
        if op == "/":
            return np.where(v[1] == 0, np.nan, v[0] / np.where(v[1] == 0, 1, v[1]))
        return {"+": np.add, "-": np.subtract, "*": np.multiply}[op](v[0], v[1])


@settings(max_examples=examples(200), deadline=None)
@given(trees)
def test_formula_text_evaluates_like_its_tree(t):
    text = render(t)
    got = np.broadcast_to(expr.evaluate(expr.parse(text), COLS), (5,))
    np.testing.assert_allclose(got, reference(t), rtol=1e-12, atol=1e-12, equal_nan=True, err_msg=text)
