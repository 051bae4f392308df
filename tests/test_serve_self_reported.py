"""Fields a unit reports itself (owner 本单位): the unit's account also owes a workbook — its own row only."""

from __future__ import annotations

from serve_support import Client, need_serve_extra, serving
from xlsx_support import CRITERIA, write_units

need_serve_extra()


def test_a_unit_uploads_its_own_workbook_and_sees_no_other_units(tmp_path):
    from scoring.serve import create_app
    from scoring.serve.portal import setup

    (tmp_path / "criteria.toml").write_text(CRITERIA, encoding="utf-8")
    units = write_units(tmp_path / "data")
    made = {a.login: (a, pw) for a, pw in setup(tmp_path / "o.sqlite", tmp_path / "criteria.toml", units)}
    assert made["B01"][0].owner == "B01" and made["B01"][0].role == "unit"  # the unit owes its own workbook
    assert not any(a.owner == "本单位" for a, _ in made.values())  # no account for "本单位" itself
    with serving(create_app(tmp_path / "o.sqlite")) as base:
        unit, other = Client(base), Client(base)
        unit.login("B01", made["B01"][1])
        other.login("B02", made["B02"][1])
        assert "B01-县发展和改革局" in unit.get("/owner").text
        r = unit.get("/owner/template")
        assert r.status == 200 and "B01" in r.headers["content-disposition"]
        unit.get("/owner")
        r = unit.post("/owner/upload", files={"file": ("自评.csv", "单位编号,单位名称,自评得分\nB01,县发展和改革局,8\n".encode())})
        assert r.status == 303
        mine = r.headers["location"]
        assert "校验通过" in unit.get(mine).text
        assert other.get(mine).status == 404  # another unit's upload does not exist for it
        unit.get("/owner")
        r = unit.post("/owner/upload", files={"file": ("自评.csv", "单位编号,单位名称,自评得分\nB01,县发展和改革局,80\n".encode())})
        page = unit.get(r.headers["location"]).text
        assert "校验发现" in page and "自评.csv" in page  # out of its range (at most 10), located in the file it sent
