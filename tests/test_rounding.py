"""四舍五入 as offices do it, ranking on fixed point, numbers shown without float noise."""

from __future__ import annotations

import math
from decimal import ROUND_HALF_UP, Decimal

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from builders import examples
from scoring.core.rounding import fmt, round_array, round_half_up, to_fixed

NaN = float("nan")


@pytest.mark.parametrize(
    "x,places,want",
    [
        (2.675, 2, 2.68),  # stored as 2.67499999…; naive round() gives 2.67
        (1.005, 2, 1.01),
        (0.125, 2, 0.13),
        (0.5, 0, 1.0),
        (1.5, 0, 2.0),
        (2.5, 0, 3.0),  # half up, not to even
        (92.035, 2, 92.04),
        (0.1 + 0.2, 1, 0.3),
        (-2.675, 2, -2.68),  # half away from zero
        (-0.5, 0, -1.0),
        (-1.005, 2, -1.01),
        (-2.674, 2, -2.67),
        (12.3449, 2, 12.34),
    ],
)
def test_round_half_up(x, places, want):
    assert round_half_up(x, places) == want
    assert round_array(np.array([x]), places)[0] == want


def test_no_negative_zero():
    for x in (-0.0, -0.001, -0.004):
        r = round_half_up(x, 2)
        assert r == 0 and np.copysign(1, r) == 1
        assert np.copysign(1, round_array(np.array([x]), 2)[0]) == 1


def test_missing_stays_missing():
    assert np.isnan(round_half_up(NaN, 2))
    assert np.isnan(round_array(np.array([1.0, NaN]), 2)[1])


decimals = st.decimals(min_value=-(10**6), max_value=10**6, places=6, allow_nan=False, allow_infinity=False)


@settings(max_examples=examples(300), deadline=None)
@given(decimals, st.integers(0, 4))
def test_rounding_agrees_with_decimal_half_up(d, places):
    want = float(d.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP))
    assert round_half_up(float(d), places) == want
    assert round_array(np.array([float(d)]), places)[0] == want


def test_fixed_point_makes_float_noise_a_tie():
    # 0.1 + 0.2 and 0.3 differ as floats but are one score at any declared precision
    a = np.array([0.1 + 0.2, 0.3, 85.0 * 0.17 + 10.0, 14.45 + 10.0])
    assert to_fixed(a, 2).tolist() == [30, 30, 2445, 2445]
    assert to_fixed(np.array([2.675]), 2).tolist() == [268]


# --------------------------------------------------------------------------- fmt
@pytest.mark.parametrize(
    "x,places,text",
    [
        (0.1 + 0.2, None, "0.3"),
        (1 - 0.9, None, "0.1"),
        (100.0, None, "100"),
        (3, None, "3"),
        (1.2, None, "1.2"),
        (-0.0, None, "0"),
        (-1e-10, None, "0"),
        (2.675, 2, "2.68"),
        (3, 2, "3.00"),
        (-0.001, 2, "0.00"),
        (-2.675, 2, "-2.68"),
        (None, None, "—"),
        (NaN, 2, "—"),
    ],
)
def test_fmt(x, places, text):
    assert fmt(x, places) == text


@settings(max_examples=examples(300), deadline=None)
@given(
    st.decimals(min_value=-(10**4), max_value=10**4, places=3, allow_nan=False, allow_infinity=False),
    st.decimals(min_value=-(10**4), max_value=10**4, places=3, allow_nan=False, allow_infinity=False),
)
def test_fmt_never_shows_float_noise(a, b):
    # sums of numbers people typed read back as people would write the exact sum
    text = fmt(float(a) + float(b))
    assert Decimal(text) == a + b
    assert text == _plain(a + b)
    for places in (0, 1, 2, 4):
        want = (a + b).quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
        assert fmt(float(a) + float(b), places) == f"{abs(want) if want == 0 else want:f}"


def _plain(d: Decimal) -> str:
    if d == 0:
        return "0"
    text = f"{d:f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def test_fixed_point_of_a_missing_total_sorts_last_without_a_warning():
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        fixed = to_fixed(np.array([12.5, NaN, -3.0]), 2)
    assert fixed[0] == 1250 and fixed[2] == -300
    assert fixed[1] < fixed[2] and -fixed[1] > -fixed[0]  # lowest either way round


@settings(max_examples=examples(200), deadline=None)
@given(
    st.lists(
        st.one_of(
            st.floats(-1e7, 1e7),
            st.just(NaN),
            st.integers(-(10**6), 10**6).map(lambda k: k / 1000 + 0.0005),
            st.integers(-(10**5), 10**5).map(lambda k: k / 8),
            st.floats(-1e17, 1e17),  # too many digits for a double's shortest text: written as trimmed writes them
            st.floats(-1e-3, 1e-3),  # shortest texts with an exponent (1e-05)
        ),
        min_size=1,
        max_size=50,
    ),
    st.integers(0, 7),
)
def test_round_column_is_round_half_up_bit_for_bit(values, places):
    from scoring.core.rounding import round_column, trimmed, trimmed_column

    got = round_column(np.array(values), places)
    want = np.array([round_half_up(x, places) for x in values])
    assert np.array_equal(got, want, equal_nan=True) and np.array_equal(np.signbit(got), np.signbit(want))
    assert trimmed_column(np.array(values), places) == [trimmed(x, places) for x in values]


_CODED = st.one_of(
    st.integers(-(10**6), 10**6).map(lambda k: k / 100),
    st.sampled_from([0.0, -0.0, NaN, 2.0**41, 1e300, 0.1 + 0.2]),
    st.floats(-1e3, 1e3),
)


@settings(max_examples=80, deadline=None)
@given(st.data())
def test_rows_numbered_together_give_each_value_back_and_a_column_alone_is_one_row(data):
    """decimal_rows numbers the rows of whole multiples of 10^-places together; each code gives its value
    back bit for bit (NaN the last slot), a -0.0 or too large a multiple numbers none; decimal_codes of a
    column is decimal_rows of that column alone."""
    from scoring.core.rounding import decimal_codes, decimal_rows

    places = data.draw(st.integers(0, 3))
    n = data.draw(st.integers(0, 8))
    x = np.array(data.draw(st.lists(st.lists(_CODED, min_size=n, max_size=n), min_size=1, max_size=5)), dtype=float)
    rows = data.draw(st.lists(st.integers(0, len(x) - 1), min_size=1, max_size=len(x), unique=True))
    before = x.copy()
    got = decimal_rows(x, rows, places)
    assert np.array_equal(x.view(np.uint64), before.view(np.uint64))  # x itself is left as it was
    f = 10.0**places
    y = np.nan_to_num(x, nan=0.0)
    with np.errstate(over="ignore", invalid="ignore"):
        k = np.rint(y * f)
        fitting = [r for r in rows if np.array_equal(k[r] / f, y[r])]
    if got is None:
        multiples = k[rows]
        assert (
            not fitting
            or np.signbit(multiples[multiples == 0]).any()  # -0.0, or a small negative value, in any row
            or np.abs(k[fitting]).max() >= 2.0**40
            or k[fitting].max() - k[fitting].min() + 2 > 4 * k[fitting].size + 1024
        )
    else:
        fits, code, low, span, nan = got
        assert [r for r, ok in zip(rows, fits.tolist()) if ok] == fitting and np.array_equal(nan, np.isnan(x[rows]))
        assert np.array_equal(code == span - 1, np.isnan(x[fitting]))
        values = (code + low) / f
        same = values.view(np.uint64) == x[fitting].view(np.uint64)
        assert (same | np.isnan(x[fitting])).all()  # bit for bit: never a -0.0 written as 0.0
    for r in range(len(x)):
        alone = decimal_rows(x, [r], places)
        one = decimal_codes(x[r], places)
        assert (alone is None) == (one is None)
        if one is not None and alone is not None:
            assert np.array_equal(one[0], alone[1][0]) and one[1:] == alone[2:4]


def test_a_minus_zero_in_a_row_that_does_not_fit_leaves_the_others_numbered():
    """A -0.0 cannot be numbered (its code would give 0.0 back), but only a fitting row's -0.0 stops the
    numbering: a row that does not fit is sorted by the caller, whatever it holds."""
    from scoring.core.rounding import decimal_rows

    x = np.array([[-0.0, 0.1 + 0.2, 1.0], [1.5, 2.5, NaN], [-1.25, 0.0, 3.0]])
    fits, code, low, span, nan = decimal_rows(x, [0, 1, 2], 2)
    assert fits.tolist() == [False, True, True] and low == -125
    assert ((code + low) / 100).tolist()[:2] == [[1.5, 2.5, (span - 1 + low) / 100], [-1.25, 0.0, 3.0]]
    assert code[0, 2] == span - 1 and nan.tolist() == [[False] * 3, [False, False, True], [False] * 3]
    assert decimal_rows(x, [0, 2], 2) is not None and decimal_rows(np.array([[-0.0, 1.0]]), [0], 2) is None
    assert decimal_rows(np.array([[-1.5, -0.0]]), [0], 2) is None  # a value below 0 beside it


def test_rows_taken_a_few_at_a_time_are_numbered_as_one():
    """Long rows are looked at a few at a time (here one): the least and greatest multiple, a NaN, a row
    that does not fit and a -0.0 in the last row are all seen, wherever they are."""
    from scoring.core.rounding import decimal_rows

    rng = np.random.default_rng(7)
    n = 70_000  # more than one step's numbers: a row a step
    x = rng.integers(-500, 90_000, size=(5, n)) / 100
    x[1, 3] = NaN
    x[2, 5] = 0.1 + 0.2  # this row does not fit
    x[4, -1] = -1234.56  # the least multiple, in the last row
    fits, code, low, span, nan = decimal_rows(x, [0, 1, 2, 3, 4], 2)
    assert fits.tolist() == [True, True, False, True, True] and low == -123456
    assert span == int(np.rint(np.nanmax(x[fits]) * 100)) - low + 2 and code[1, 3] == span - 1
    values = (code + low) / 100
    values[1, 3] = NaN  # (its slot: the last)
    assert np.array_equal(values, x[fits], equal_nan=True) and np.array_equal(nan, np.isnan(x))
    x[4, 7] = -0.0  # a fitting row's -0.0: nothing numbered
    assert decimal_rows(x, [0, 1, 2, 3, 4], 2) is None and decimal_rows(x, [0, 1, 2, 3], 2) is not None


def test_a_value_beyond_the_scale_of_its_places_comes_back_as_it_is():
    """An infinity or a float near the limit times 10^places overflows: nothing to round, and no
    OverflowError out of a message or a sheet that shows it."""
    from scoring.core.rounding import trimmed

    for x in (math.inf, -math.inf, 1.7e308, -1.7e308):
        assert round_half_up(x, 2) == x
    assert trimmed(1.7e308, 4) == f"{1.7e308:.0f}"
