"""Problems name their true cause, each with the fix of that cause, in Chinese without library English."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from helpers import example_copy
from scoring.cli import main
from scoring.i18n import MESSAGES

ROOT = Path(__file__).resolve().parents[1]
CRITERIA = ROOT / "criteria" / "yitong-2020.toml"
EXAMPLE = ROOT / "examples" / "yitong-2020"
NOTES = ("note.", "template.no_units", "template.unused_field")  # told, not refused: nothing to fix


def _codes() -> set[str]:
    out = set()
    for p in [*(ROOT / "scoring").rglob("*.py"), *(ROOT / "plugins").rglob("*.py")]:
        text = p.read_text(encoding="utf-8")
        out |= set(re.findall(r'Problem\(\s*"([a-z_]+\.[a-z_.]+)"', text))
        out |= set(re.findall(r'"(criteria\.toml\.[a-z_]+)"', text))
    return out


def test_every_refusal_carries_a_fix_of_its_own():
    codes = _codes()
    assert len(codes) > 100  # the scan finds the codes the sources use
    lacking = sorted(c for c in codes if not c.startswith(NOTES) and f"{c}.hint" not in MESSAGES)
    assert lacking == []


@pytest.mark.parametrize("code", ["data.corrupt", "data.cannot_open", "data.bad_csv", "criteria.toml_syntax"])
def test_chinese_messages_keep_library_english_out(code):
    zh, en = MESSAGES[code]
    assert "{detail}" not in zh and "{detail}" in en


@pytest.mark.parametrize(
    "make",
    [
        lambda p: p.with_suffix(".xlsx").write_bytes(b"PK\x03\x04 broken" * 10),  # damaged workbook
        lambda p: p.with_suffix(".xlsx").write_bytes(b"hello, this is not a workbook"),  # not a ZIP at all
        lambda p: p.with_suffix(".xls").write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(600)),  # old format
        lambda p: p.with_suffix(".xlsx").write_bytes(b""),  # empty
    ],
)
def test_an_unreadable_file_is_one_problem_naming_it(tmp_path, capsys, make):
    data = example_copy(tmp_path)
    (data / "县司法局.csv").unlink()
    make(data / "县司法局")
    assert main(["run", str(CRITERIA), "--data", str(data)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("报送数据有1个问题") and "县司法局.xls" in err, err
    assert "缺少" not in err and "未收到" not in err  # no follow-on "missing" lines for what the file held
    assert not re.search(r"[A-Za-z]{3,} [A-Za-z]{3,}", err.split("\n", 1)[1].split("修改建议")[0]), err


def test_an_unknown_unit_is_not_called_a_data_problem(capsys):
    assert main(["explain", str(CRITERIA), "县司法", "--data", str(EXAMPLE)]) == 2
    err = capsys.readouterr().err
    assert "报送数据" not in err and "县司法局" in err and "修改建议" in err


def test_an_output_clash_is_not_called_a_data_problem(tmp_path, capsys):
    out = tmp_path / "模板"
    assert main(["template", str(CRITERIA), "--data", str(EXAMPLE), "--out", str(out)]) == 0
    capsys.readouterr()
    assert main(["template", str(CRITERIA), "--data", str(EXAMPLE), "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert "报送数据" not in err and "--force" in err


def test_a_plugins_own_english_validator_text_stays_out_of_the_chinese_message():
    from pydantic import BaseModel, ValidationError, field_validator

    from scoring.core.plan import pydantic_problems

    class Params(BaseModel):  # a third-party method's parameters, with a message of its own in English
        n: int

        @field_validator("n")
        @classmethod
        def _odd(cls, v):
            if v % 2 == 0:
                raise ValueError("must be odd")
            return v

    with pytest.raises(ValidationError) as e:
        Params(n=2)
    (p,) = pydantic_problems(e.value, "indicators[0].params")
    assert "must be odd" in p.render("en") and "must be odd" not in p.render("zh") and "取值不符合要求" in p.render("zh")
