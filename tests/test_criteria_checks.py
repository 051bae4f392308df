"""Static checks of criteria files: every problem found at once, each located by file, line and key."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from builders import examples
from scoring.errors import CriteriaError
from scoring.load.criteria_file import load_criteria

BASE = """\
[assessment]
name = "测试县2020年度考核"
year = 2020
precision = 2
categories = ["党群部门", "政府部门"]

[[fields]]
name = "学法次数"
kind = "count"

[[fields]]
name = "党建得分"
max = 100

[[fields]]
name = "迟报次数"
kind = "count"

[[fields]]
name = "负面事件数"
kind = "count"

[[modules]]
id = "fz"
name = "法治政府建设"
weights = { "党群部门" = 40, "政府部门" = 50 }

[[modules]]
id = "dj"
name = "党的建设"
weights = { "党群部门" = 60, "政府部门" = 50 }

[[indicators]]
id = "F1"
module = "fz"
name = "会前学法"
full = 60
method = "quota"
field = "学法次数"
params = { required = 6, per_short = 10 }

[[indicators]]
id = "F2"
module = "fz"
name = "信息报送"
full = 40
method = "events_by_level"
params = { per = { "迟报次数" = 0.5 } }

[[indicators]]
id = "D1"
module = "dj"
name = "党建"
full = 100
method = "supplied"
field = "党建得分"

[[vetoes]]
id = "V1"
name = "重大负面影响"
kind = "fail"
field = "负面事件数"

[[grades]]
bands = [
  { name = "优秀", min = 90 },
  { name = "良好", min = 80, max = 90 },
  { name = "较差", max = 80 },
]
"""


def write(tmp_path: Path, text: str, name: str = "细则.toml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def edit(text: str, *pairs: tuple[str, str]) -> str:
    for old, new in pairs:
        assert old in text, old
        text = text.replace(old, new, 1)
    return text


def line_of(text: str, needle: str, nth: int = 1) -> int:
    hits = [n for n, line in enumerate(text.splitlines(), start=1) if needle in line]
    return hits[nth - 1]


def problems(tmp_path, registry, text):
    path = write(tmp_path, text)
    with pytest.raises(CriteriaError) as e:
        load_criteria(path, registry)
    for p in e.value.problems:
        assert p.file == str(path)
        for lang in ("zh", "en"):
            shown = p.render(lang)
            assert not re.search(r"\{[a-z_]+\}", shown), shown  # every placeholder filled
    return e.value.problems


def by_code(ps, code):
    hits = [p for p in ps if p.code == code]
    assert hits, (code, [p.code for p in ps])
    return hits


def test_base_file_is_valid(tmp_path, registry):
    plan = load_criteria(write(tmp_path, BASE), registry)
    assert set(plan.leaves) == {"F1", "F2", "D1"}
    assert plan.applies["F1"] == {"党群部门", "政府部门"}


def test_weights_not_adding_up_per_category(tmp_path, registry):
    text = edit(BASE, ('"政府部门" = 50 }\n\n[[modules]]\nid = "dj"', '"政府部门" = 55 }\n\n[[modules]]\nid = "dj"'))
    (p,) = by_code(problems(tmp_path, registry, text), "criteria.weights_sum")
    assert p.args["category"] == "政府部门" and p.args["sum"] == 105
    assert "政府部门" in p.message() and "105" in p.message() and "100" in p.message()
    assert p.key == "modules" and p.line == line_of(text, "[[modules]]")
    assert "weights" in p.hint("en")


def test_unknown_method_with_suggestion(tmp_path, registry):
    text = edit(BASE, ('method = "supplied"', 'method = "suplied"'))
    (p,) = by_code(problems(tmp_path, registry, text), "criteria.unknown_method")
    assert p.key == "indicators[2].method" and p.line == line_of(text, 'method = "suplied"')
    assert "supplied" in p.args["known"] and "supplied" in p.hint() and "suplied" in p.message()


def test_bad_params_give_key_path_and_line(tmp_path, registry):
    text = edit(BASE, ("params = { required = 6, per_short = 10 }", "params = { required = 6, per_short = -1, per_miss = 2 }"))
    ps = problems(tmp_path, registry, text)
    (bad,) = by_code(ps, "criteria.bad_value")
    (unknown,) = by_code(ps, "criteria.unknown_key")
    assert bad.key == "indicators[0].params.per_short" and unknown.key == "indicators[0].params.per_miss"
    assert bad.line == unknown.line == line_of(text, "per_short = -1")
    assert "-1" in bad.message()


def test_param_of_the_wrong_type(tmp_path, registry):
    text = edit(BASE, ("per_short = 10", 'per_short = "十"'))
    (p,) = by_code(problems(tmp_path, registry, text), "criteria.bad_value")
    assert p.key == "indicators[0].params.per_short" and p.line == line_of(text, "per_short")


def test_missing_required_param(tmp_path, registry):
    text = edit(BASE, ("params = { required = 6, per_short = 10 }", "params = { required = 6 }"))
    (p,) = by_code(problems(tmp_path, registry, text), "criteria.missing_key")
    assert p.key == "indicators[0].params.per_short" and p.line == line_of(text, "params = { required = 6 }")


@pytest.mark.parametrize(
    "bands,code,at",
    [
        ('{ name = "良好", min = 80, max = 88 }', "criteria.band_gap", 2),  # 88–90 has no grade
        ('{ name = "良好", min = 80, max = 92 }', "criteria.band_overlap", 2),
    ],
)
def test_band_gaps_and_overlaps(tmp_path, registry, bands, code, at):
    text = edit(BASE, ('{ name = "良好", min = 80, max = 90 }', bands))
    (p,) = by_code(problems(tmp_path, registry, text), code)
    assert p.key == f"grades[0].bands[{at - 1}]"
    assert p.line == line_of(text, "bands = [")  # inline array: the line where the bands start
    assert p.args["a"] == "良好" and p.args["b"] == "优秀"


def test_band_gap_at_the_bottom(tmp_path, registry):
    text = edit(BASE, ('{ name = "较差", max = 80 }', '{ name = "较差", max = 75 }'))
    (p,) = by_code(problems(tmp_path, registry, text), "criteria.band_gap")
    assert (p.args["a"], p.args["b"]) == ("较差", "良好")


def test_lowest_band_must_reach_the_lowest_total(tmp_path, registry):
    text = edit(BASE, ('{ name = "较差", max = 80 }', '{ name = "较差", min = 10, max = 80 }'))
    by_code(problems(tmp_path, registry, text), "criteria.band_floor")


@pytest.mark.parametrize(
    "old,new,what",
    [
        ('id = "F2"', 'id = "F1"', "indicator"),
        ('id = "dj"\nname = "党的建设"', 'id = "fz"\nname = "党的建设"', "module"),
        ('name = "迟报次数"', 'name = "学法次数"', "field"),
    ],
)
def test_duplicate_ids(tmp_path, registry, old, new, what):
    text = edit(BASE, (old, new))
    ps = [p for p in problems(tmp_path, registry, text) if p.code == "criteria.duplicate"]
    assert [p.args["what"] for p in ps] == [what]
    assert ps[0].line == line_of(text, new.splitlines()[0], 2)


def test_unknown_fields_everywhere_a_field_is_read(tmp_path, registry):
    text = edit(
        BASE,
        ('field = "学法次数"', 'field = "学法次"'),
        ('"迟报次数" = 0.5', '"迟报次数" = 0.5, "漏报次数" = 1'),
        ('field = "负面事件数"', 'field = "负面事件"'),
    )
    text += '\n[ranking]\ntie_break = ["任务数"]\n'
    ps = by_code(problems(tmp_path, registry, text), "criteria.unknown_field")
    got = {p.args["name"]: p for p in ps}
    assert set(got) == {"学法次", "漏报次数", "负面事件", "任务数"}
    assert "学法次数" in got["学法次"].args["known"]  # suggests the near one
    assert got["学法次"].line == line_of(text, 'field = "学法次"')
    assert got["漏报次数"].line == line_of(text, '"漏报次数" = 1')
    assert got["负面事件"].key == "vetoes[0].field"
    assert got["任务数"].line == line_of(text, "tie_break")


def test_an_unknown_field_a_method_also_reads_last_years_value_of_is_located_where_it_is_named(tmp_path, registry):
    """A method that compares with last year reads the field and its last year's value: both unknown, both
    are said where the indicator names the field, not under its params."""
    text = edit(
        BASE,
        (
            'method = "quota"\nfield = "学法次数"\nparams = { required = 6, per_short = 10 }',
            'method = "change_vs_last_year"\nfield = "学法次"\nparams = { per_loss = 1 }',
        ),
    )
    ps = by_code(problems(tmp_path, registry, text), "criteria.unknown_field")
    assert len(ps) == 2 and all(p.key == "indicators[0].field" and p.line == line_of(text, 'field = "学法次"') for p in ps), [(p.args, p.key) for p in ps]


def test_unknown_field_in_a_formula(tmp_path, registry):
    text = BASE + '\n[[fields]]\nname = "出庭率"\nkind = "rate"\nformula = "出庭次数 / 应诉案件数 * 100"\n'
    ps = by_code(problems(tmp_path, registry, text), "criteria.unknown_field")
    assert {p.args["name"] for p in ps} == {"出庭次数", "应诉案件数"}
    assert all(p.line == line_of(text, "formula =") for p in ps)


def test_formula_syntax_error_names_the_character(tmp_path, registry):
    text = BASE + '\n[[fields]]\nname = "出庭率"\nformula = "学法次数 / (迟报次数 * 100"\n'
    (p,) = by_code(problems(tmp_path, registry, text), "criteria.formula")
    assert p.args["pos"] == len("学法次数 / (迟报次数 * 100") + 1
    assert p.line == line_of(text, "formula =")


def test_unknown_key_in_a_table(tmp_path, registry):
    text = edit(BASE, ("precision = 2", "precision = 2\nprecison = 3"))
    (p,) = by_code(problems(tmp_path, registry, text), "criteria.unknown_key")
    assert p.key == "assessment.precison" and p.line == line_of(text, "precison")


def test_undeclared_category(tmp_path, registry):
    # a veto applies to categories only (an indicator's applies_to may also name units: checked at run time)
    text = edit(BASE, ('field = "负面事件数"\n', 'field = "负面事件数"\napplies_to = ["乡镇"]\n'))
    (p,) = by_code(problems(tmp_path, registry, text), "criteria.unknown_category")
    assert p.args["name"] == "乡镇" and p.line == line_of(text, "applies_to")


@pytest.mark.parametrize(
    "old,new,line_no,col,cause,fix",
    [
        ('name = "测试县2020年度考核"\n', 'name = "测试县2020年度考核"\n名称 = 1\n', 3, 1, "bare_key", "加英文双引号"),  # bare Chinese keys are not TOML
        ("year = 2020", "year = 2020\nyear = 2021", 4, None, "duplicate_key", "删去重复的一行"),  # the same key twice
        ('name = "测试县2020年度考核"', 'name = "未闭合', 2, None, "unterminated", "补上英文双引号"),
        ('weights = { "党群部门" = 40, "政府部门" = 50 }', 'weights = { 党群部门 = 40, "政府部门" = 50 }', 26, 13, "bare_key", "加英文双引号"),
        ("precision = 2", "precision = 0,17", None, None, "decimal_comma", "改为 0.17"),
        ("year = 2020", "year = ２０２０", None, None, "fullwidth", "改为半角数字 2020"),
        ('name = "测试县2020年度考核"', 'name = “测试县”', 2, None, "chinese_quotes", "英文双引号"),
        ("[assessment]", "[assessment]\nyear = 1\n[assessment]", None, None, "duplicate_table", "合并到同一个 [assessment]"),
    ],
)
def test_toml_syntax_error_names_its_cause_and_its_own_fix(tmp_path, registry, old, new, line_no, col, cause, fix):
    text = edit(BASE, (old, new))
    (p,) = problems(tmp_path, registry, text)
    assert p.code == f"criteria.toml.{cause}"
    assert p.line is not None and p.column is not None
    if line_no is not None:
        assert p.line == line_no
    if col is not None:
        assert p.column == col
    assert f"第{p.line}行" in p.render("zh") and f"line {p.line}" in p.render("en")
    assert fix in p.hint("zh")
    # the parser's English text is kept for English readers, and kept out of the Chinese message
    assert p.args["detail"] in p.render("en") and p.args["detail"] not in p.render("zh")


@pytest.mark.parametrize("end", ["\n", "", "\r\n"])
def test_a_toml_error_at_the_end_of_the_file_is_located_there(tmp_path, registry, end):
    """An array left open on the last line: the parser says "at end of document", on the line after a
    final line end (a line the file's lines do not hold)."""
    text = BASE + "[[extra]]\nids = [1, 2" + end
    (p,) = problems(tmp_path, registry, text)
    assert p.code == "criteria.toml_syntax" and p.line == text.count("\n") + 1
    assert f"第{p.line}行" in p.render("zh")


def test_a_line_separator_in_a_comment_does_not_shift_the_line_read_for_the_cause(tmp_path, registry):
    """The parser counts lines by "\n" alone: a U+2028 in a comment above is not a line end, and the
    line its error names is the one read for the cause."""
    text = edit(BASE, ("precision = 2", "# 精度\u2028说明\nprecision = 0,17"))
    (p,) = problems(tmp_path, registry, text)
    assert p.code == "criteria.toml.decimal_comma" and p.line == text[: text.index("precision = 0,17")].count("\n") + 1 == 5


def test_several_problems_reported_at_once(tmp_path, registry):
    text = edit(
        BASE,
        ('"政府部门" = 50 }\n\n[[modules]]\nid = "dj"', '"政府部门" = 45 }\n\n[[modules]]\nid = "dj"'),
        ('method = "supplied"', 'method = "suplied"'),
        ("per_short = 10", "per_short = 0"),
        ('id = "F2"', 'id = "F1"'),
        ('{ name = "良好", min = 80, max = 90 }', '{ name = "良好", min = 80, max = 85 }'),
        ('field = "学法次数"', 'field = "学法"'),
    )
    ps = problems(tmp_path, registry, text)
    codes = {p.code for p in ps}
    assert {"criteria.weights_sum", "criteria.unknown_method", "criteria.bad_value", "criteria.duplicate", "criteria.band_gap"} <= codes
    assert all(p.line is not None for p in ps)
    assert len({p.line for p in ps}) >= 5  # each at its own place


def test_file_not_found_and_not_utf8(tmp_path, registry):
    with pytest.raises(CriteriaError) as e:
        load_criteria(tmp_path / "无此文件.toml", registry)
    assert e.value.problems[0].code == "criteria.file_missing"
    path = tmp_path / "gbk.toml"
    path.write_bytes(BASE.encode("gbk"))
    with pytest.raises(CriteriaError) as e:
        load_criteria(path, registry)
    (p,) = e.value.problems
    assert p.code == "criteria.not_utf8" and p.line == 2


def test_utf8_with_bom_is_accepted(tmp_path, registry):
    path = tmp_path / "bom.toml"
    path.write_bytes(BASE.encode("utf-8-sig"))
    load_criteria(path, registry)


# --------------------------------------------------------------------------- generated files
def _key(k: str) -> str:
    return k if re.fullmatch(r"[A-Za-z0-9_-]+", k) else json.dumps(k, ensure_ascii=False)


def _value(v) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, (int, float)):
        return repr(v)
    if isinstance(v, str):
        return json.dumps(v, ensure_ascii=False)
    if isinstance(v, list):
        return "[" + ", ".join(_value(x) for x in v) + "]"
    return "{ " + ", ".join(f"{_key(k)} = {_value(x)}" for k, x in v.items()) + " }"


def to_toml(doc: dict) -> str:
    out = []
    for name, part in doc.items():
        blocks = part if isinstance(part, list) else [part]
        for block in blocks:
            out.append(f"[[{name}]]" if isinstance(part, list) else f"[{name}]")
            out += [f"{_key(k)} = {_value(v)}" for k, v in block.items()]
            out.append("")
    return "\n".join(out)


CATS = ["党群部门", "政府部门", "乡镇(街道)"]
# method, its params, and the fields it reads (field, or params naming fields)
LEAVES = [
    ("quota", {"required": 6, "per_short": 0.3, "max_deduction": 1.2}, "学法次数"),
    ("deduct_per_count", {"per": 0.5}, "迟报次数"),
    ("presence", {"deduction": 1}, "法律顾问"),
    ("rate_threshold", {"target": 90, "step": 10, "per_step": 1}, "结案率"),
    ("must_be_full", {}, "备案率"),
    ("vs_average", {"per_step": 0.1}, "结案率"),
    ("relative_to_best", {}, "学法次数"),
    ("rank_points", {"decay": 0.02}, "学法次数"),
    ("supplied", {}, "党建得分"),
    ("events_by_level", {"per": {"省级通报": 3, "市级通报": 2}}, None),
    ("graded_review", {"grades": {"A票": 1, "B票": 0.8}}, None),
]
FIELDS = [
    {"name": "学法次数", "kind": "count"},
    {"name": "迟报次数", "kind": "count"},
    {"name": "法律顾问", "kind": "bool"},
    {"name": "结案率", "kind": "rate"},
    {"name": "备案率", "kind": "rate"},
    {"name": "党建得分", "max": 100},
    {"name": "省级通报", "kind": "count"},
    {"name": "市级通报", "kind": "count"},
    {"name": "A票", "kind": "count"},
    {"name": "B票", "kind": "count"},
    {"name": "事故数", "kind": "count"},
]


@st.composite
def criteria_docs(draw):
    cats = CATS[: draw(st.integers(1, 3))]
    n_mod = draw(st.integers(1, 3))
    weights = [{} for _ in range(n_mod)]
    for c in cats:  # integer weights adding up to 100 per category
        cuts = sorted(draw(st.lists(st.integers(1, 99), min_size=n_mod - 1, max_size=n_mod - 1, unique=True)))
        for m, (a, b) in enumerate(zip([0] + cuts, cuts + [100])):
            weights[m][c] = b - a
    modules = [{"id": f"m{i}", "name": f"模块{i}", "weights": weights[i]} for i in range(n_mod)]
    indicators = []
    for i in range(n_mod):
        n_ind = draw(st.integers(1, 3))
        fulls = [100 // n_ind] * n_ind
        fulls[-1] += 100 - sum(fulls)
        for j, full in enumerate(fulls):
            method, params, field = draw(st.sampled_from(LEAVES))
            ind = {"id": f"I{i}.{j}", "module": f"m{i}", "name": f"指标{i}.{j}", "full": full, "method": method}
            if field:
                ind["field"] = field
            if params:
                ind["params"] = params
            if draw(st.booleans()):
                ind["missing"] = draw(st.sampled_from(["error", "exclude", "zero"]))
            indicators.append(ind)
    doc = {
        "assessment": {"name": "生成的考核", "year": 2020, "precision": draw(st.integers(0, 3)), "categories": cats},
        "fields": FIELDS,
        "modules": modules,
        "indicators": indicators,
    }
    if draw(st.booleans()):
        doc["vetoes"] = [{"id": "V1", "name": "事故", "kind": draw(st.sampled_from(["fail", "no_excellent"])), "field": "事故数"}]
        top = draw(st.integers(60, 95))
        doc["grades"] = [{"bands": [{"name": "优秀", "min": top}, {"name": "合格", "min": 50, "max": top}, {"name": "不合格", "max": 50}]}]
    return doc


def _mutate(doc: dict, kind: str, draw) -> None:
    inds, mods = doc["indicators"], doc["modules"]
    i = draw(st.integers(0, len(inds) - 1))
    if kind == "weight":
        m = draw(st.sampled_from(mods))
        c = draw(st.sampled_from(sorted(m["weights"])))
        m["weights"][c] += draw(st.sampled_from([-7, 3, 0.5]))
    elif kind == "unknown_method":
        inds[i]["method"] = inds[i]["method"][:-2] + "xx"
    elif kind == "unknown_key":
        inds[i]["wieght"] = 1
    elif kind == "missing_key":
        inds[i].pop("name", None)
    elif kind == "duplicate_id":
        inds[i]["id"] = inds[(i + 1) % len(inds)]["id"] if len(inds) > 1 else inds[i]["id"]
        if len(inds) == 1:
            mods.append(dict(mods[0]))
    elif kind == "bad_param":
        inds[i]["params"] = {**inds[i].get("params", {}), "max_deduction": "很多"}
    elif kind == "unknown_field":
        if "field" in inds[i]:
            inds[i]["field"] = "未声明字段"
        else:
            inds[i]["params"] = {**inds[i]["params"], "extra": 1}
    elif kind == "unknown_category":  # module weights name categories only (applies_to may name units)
        mods[0]["weights"] = {**mods[0]["weights"], "开发区": 0}
    elif kind == "band":
        doc["grades"] = [{"bands": [{"name": "优秀", "min": 90}, {"name": "合格", "min": 60, "max": 85}, {"name": "不合格", "max": 60}]}]
    elif kind == "module_sum":
        inds[i]["full"] = inds[i]["full"] + 5
    elif kind == "negative_full":
        inds[i]["full"] = -1


MUTATIONS = [
    "weight",
    "unknown_method",
    "unknown_key",
    "missing_key",
    "duplicate_id",
    "bad_param",
    "unknown_field",
    "unknown_category",
    "band",
    "module_sum",
    "negative_full",
]
SYNTAX = ['名称 = "x"', "[modules", 'x = "unclosed', "y = ", "= 1", "categories = [1, 2"]


@st.composite
def criteria_files(draw):
    doc = draw(criteria_docs())
    kinds = draw(st.lists(st.sampled_from(MUTATIONS), max_size=3))
    for kind in kinds:
        _mutate(doc, kind, draw)
    text = to_toml(doc)
    syntax = None
    if draw(st.integers(0, 5)) == 0:
        lines = text.splitlines()
        at = draw(st.integers(0, len(lines)))
        lines.insert(at, draw(st.sampled_from(SYNTAX)))
        text = "\n".join(lines) + "\n"
        syntax = at + 1
    return text, kinds, syntax


@settings(max_examples=examples(80), deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(case=criteria_files())
def test_generated_files_validate_or_fail_with_located_problems(tmp_path, registry, case):
    text, kinds, syntax = case
    path = write(tmp_path, text)
    try:
        load_criteria(path, registry)
    except CriteriaError as e:
        event("refused: " + ("syntax" if syntax else "model/consistency"))
        assert e.problems
        for p in e.problems:
            assert p.file == str(path)
            assert p.line is not None or p.key, p
            assert p.line is not None, (p, text)  # every section named in these files exists, so a line is found
            assert not re.search(r"\{[a-z_]+\}", p.render("zh") + p.render("en"))
        if syntax is not None:
            (p,) = e.problems
            assert p.code.startswith("criteria.toml") and p.line is not None and p.column is not None
        return
    event("accepted")
    assert not kinds and syntax is None, f"accepted a broken file ({kinds}):\n{text}"


def test_band_worth_more_than_its_indicator_is_refused(tmp_path):
    """瑞安 bands give up to 200 points: on a 100-point indicator that is a mistake in the file, not a cut."""
    from scoring.errors import CriteriaError
    from scoring.api import load_criteria

    path = tmp_path / "c.toml"
    path.write_text(
        """[assessment]
name = "x"
year = 2020
categories = ["部门"]
[[modules]]
id = "m"
name = "m"
weights = { "部门" = 100 }
[[indicators]]
id = "A"
module = "m"
name = "优秀票率"
full = 100
method = "bands"
field = "f"
params = { bands = [ { min = 90, points = 200 }, { min = 80, points = 190 } ] }
[[fields]]
name = "f"
""",
        encoding="utf-8",
    )
    with pytest.raises(CriteriaError) as e:
        load_criteria(str(path))
    (p,) = e.value.problems
    assert p.code == "criteria.points_over_full" and p.line == 16  # the params line
    assert "200" in p.message("zh") and "100" in p.message("zh")


def test_a_ratio_to_the_best_is_refused_on_a_field_that_may_be_negative(tmp_path, registry):
    """relative_to_best has no meaning below 0 (a negative value would be clipped to 0, or given full points
    where lower is better): a field whose range allows it is refused at the check, with the fix."""
    text = edit(BASE, ('method = "supplied"\nfield = "党建得分"', 'method = "relative_to_best"\nfield = "党建得分"'))
    (p,) = by_code(problems(tmp_path, registry, text), "criteria.field_below_method")
    assert p.key == "indicators[2].field" and p.line == line_of(text, 'method = "relative_to_best"') + 1
    assert "党建得分" in p.message() and "relative_to_best" in p.message() and "min = 0" in p.hint()
    declared = edit(text, ('name = "党建得分"\nmax = 100', 'name = "党建得分"\nmin = 0\nmax = 100'))
    assert "D1" in load_criteria(write(tmp_path, declared, "declared.toml"), registry).leaves
    negative = edit(text, ('name = "党建得分"\nmax = 100', 'name = "党建得分"\nmin = -5\nmax = 100'))
    assert [q.code for q in problems(tmp_path, registry, negative)] == ["criteria.field_below_method"]


@pytest.mark.parametrize("method, table", [("survey", "options"), ("graded_review", "grades")])
def test_a_share_of_votes_is_refused_on_a_vote_field_that_may_be_negative(tmp_path, registry, method, table):
    """Votes are counted from 0: with −5 against, 10 for scored full points and a share of 0 valid votes
    was no score at all. A vote field whose range allows negatives is refused where the params name it."""
    survey = f'method = "{method}"\nparams = {{ {table} = {{ "党建得分" = 1, "学法次数" = 0 }} }}'
    text = edit(BASE, ('method = "supplied"\nfield = "党建得分"', survey))
    (p,) = by_code(problems(tmp_path, registry, text), "criteria.field_below_method")  # 学法次数 is a count: from 0
    assert p.key == "indicators[2].params" and p.line == line_of(text, f"{table} = ")
    assert "党建得分" in p.message() and method in p.message() and "min = 0" in p.hint()
    declared = edit(text, ('name = "党建得分"\nmax = 100', 'name = "党建得分"\nmin = 0\nmax = 100'))
    assert "D1" in load_criteria(write(tmp_path, declared, "declared.toml"), registry).leaves
