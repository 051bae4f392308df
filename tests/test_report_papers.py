"""The papers for each reader, read back as the reader gets them: a unit's pack holds nothing about any other
unit; the public 公示 holds no codes, hashes, proposals or margins; the office's file is marked internal.

PDFs are read with pdftotext/pdffonts (poppler-utils), workbooks with openpyxl, HTML as parsed text.
"""

from __future__ import annotations

import io
import re
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from helpers import example_copy
from scoring.cli import main
from scoring.report.view import build

from report_support import EXAMPLE_CRITERIA, EXAMPLE_DATA, example, has_cjk_font, tool

PUB = ["--public-from", "2021-01-15", "--public-to", "2021-01-21", "--contact", "0434-4222222", "--address", "伊通县人民大街1号"]
ARGS = [str(EXAMPLE_CRITERIA), "--data", str(EXAMPLE_DATA)]


def _pdf_tools():
    pytest.importorskip("typst")
    if not has_cjk_font():
        pytest.skip("no CJK font (Debian package fonts-noto-cjk)")
    if not all(tool(t) for t in ("pdftotext", "pdffonts", "pdfinfo")):
        pytest.skip("poppler-utils is not installed")


def pdf_text(path: Path) -> str:
    """The PDF's text without whitespace, read twice: in reading order (a wrapped cell whole) and as laid
    out (a table row whole); whatever is looked for in either is in the paper."""
    read = [subprocess.run([tool("pdftotext"), *mode, str(path), "-"], capture_output=True, text=True, check=True).stdout for mode in ([], ["-layout"])]
    return "\n".join(re.sub(r"\s+", "", t) for t in read)


def fonts_embedded(path: Path) -> bool:
    out = subprocess.run([tool("pdffonts"), str(path)], capture_output=True, text=True, check=True).stdout
    rows = [line.split() for line in out.splitlines()[2:] if line.strip()]
    return bool(rows) and all(r[-5] == "yes" for r in rows)  # the "emb" column


class _Text(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag, attrs):
        self._skip += tag in ("style", "title")

    def handle_endtag(self, tag):
        self._skip -= tag in ("style", "title")

    def handle_data(self, data):
        if not self._skip:
            self.parts.append(data)


def html_text(data: bytes) -> str:
    p = _Text()
    p.feed(data.decode("utf-8"))
    return re.sub(r"\s+", "", "".join(p.parts))


def xlsx_text(data: bytes) -> str:
    openpyxl = pytest.importorskip("openpyxl")
    wb = openpyxl.load_workbook(io.BytesIO(data))
    vals = [str(c.value) for ws in wb.worksheets for row in ws.iter_rows() for c in row if c.value is not None]
    props = [wb.properties.title or "", wb.properties.creator or ""]
    return re.sub(r"\s+", "", "".join(vals + props))


def foreign(view, unit) -> dict[str, set[str]]:
    """What a unit's paper must not contain: other units' names, totals and source files.

    A name that is part of this unit's own name, or a number that is one of this unit's own figures, or a
    file or data owner its own sheet names (a unit such as 县统计局 also scores others: 评分责任单位), is this
    unit's own data too and is not counted."""
    own_numbers = {
        view.num(x)
        for x in [unit.total]
        + [c["points"] for c in unit.cells]
        + [c["lost"] for c in unit.cells if c["lost"]]
        + [m["score"] for m in unit.modules]
        + [m["contribution"] for m in unit.modules]
        + unit.averages
    }
    own_sources = " ".join(c["source"] for c in unit.cells)
    names, totals, files = set(), set(), set()
    for other in view.units:
        if other.id == unit.id:
            continue
        if other.name not in unit.name and other.name not in own_sources:
            names.add(other.name)
        t = view.num(other.total)
        if t not in own_numbers:
            totals.add(t)
        for c in other.cells:
            for part in re.split(r"[；、]", c["source"]):
                if part.strip() and part.strip() not in own_sources:
                    files.add(part.strip())
    return {"name": names, "total": totals, "file": files}


def assert_nothing_foreign(text: str, view, unit, what: str):
    assert unit.name in text, what
    for kind, items in foreign(view, unit).items():
        found = sorted(x for x in items if re.sub(r"\s+", "", x) in text)
        assert not found, f"{what}: another unit's {kind} in {unit.name}'s paper: {found[:5]}"
    others = [u.id for u in view.units if u.id != unit.id]
    assert not [i for i in others if re.search(rf"(?<![A-Z0-9]){i}(?![0-9])", text)], what


@pytest.fixture(scope="module")
def view():
    res, dec, stamp = example()
    view = build(res, dec, None, stamp, "zh")
    view.units = list(view.units)  # built once here: the tests look at every sheet many times
    return view


@pytest.fixture(scope="module")
def pdf_pack(tmp_path_factory) -> Path:
    _pdf_tools()
    out = tmp_path_factory.mktemp("pack") / "反馈"
    assert main(["report", *ARGS, "--for", "unit", *PUB, "--out", str(out)]) == 0
    return out


def test_unit_pack_one_pdf_per_unit_named_to_send(pdf_pack, view):
    names = sorted(p.name for p in pdf_pack.iterdir())
    assert names == sorted(f"2020-{u.name}-考核结果反馈.pdf" for u in view.units)
    assert not [p for p in pdf_pack.iterdir() if p.name.startswith(".")]  # no temporary file left


def test_unit_pdf_holds_nothing_about_other_units(pdf_pack, view):
    for u in view.units:
        path = pdf_pack / f"2020-{u.name}-考核结果反馈.pdf"
        text = pdf_text(path)
        assert_nothing_foreign(text, view, u, path.name)
        assert f"在{u.category}{u.of}个单位中列第{u.rank}名" in text  # its rank and the size of its category
        assert "平均分" in text and "2021年1月21日前" in text and "0434-4222222" in text  # average; how and by when to object
        assert "附件" in text and "评分表" in text and "—1—" in text  # the sheet as 附件; 公文 page numbers
        assert fonts_embedded(path)


def test_a_unit_paper_says_what_was_lost_and_what_to_correct(pdf_pack, view):
    u = next(u for u in view.units if any(c["lost"] and c["leaf"] for c in u.cells))
    text = pdf_text(pdf_pack / f"2020-{u.name}-考核结果反馈.pdf")
    assert "主要失分及整改方向" in text and "整改方向：" in text
    worst = max((c for c in u.cells if c["lost"] and c["leaf"]), key=lambda c: c["lost"])
    assert re.sub(r"\s+", "", f"{worst['label']}：扣{view.num(worst['lost'])}分") in text


@pytest.mark.parametrize("fmt", ["html", "xlsx"])
def test_unit_html_and_xlsx_hold_nothing_about_other_units(tmp_path, view, fmt):
    out = tmp_path / "反馈"
    assert main(["report", *ARGS, "--for", "unit", "--format", fmt, *PUB, "--out", str(out)]) == 0
    files = sorted(out.iterdir())
    assert len(files) == len(view.units)
    read = html_text if fmt == "html" else xlsx_text
    for u in view.units:
        text = read((out / f"2020-{u.name}-考核结果反馈.{fmt}").read_bytes())
        assert_nothing_foreign(text, view, u, f"{u.name}.{fmt}")


def test_one_unit_by_id_or_name(tmp_path, view):
    _pdf_tools()
    u = view.units[3]
    one = tmp_path / "one.pdf"
    assert main(["report", *ARGS, "--for", "unit", "--unit", u.id, *PUB, "--out", str(one)]) == 0
    assert_nothing_foreign(pdf_text(one), view, u, "one.pdf")
    folder = tmp_path / "folder"
    assert main(["report", *ARGS, "--for", "unit", "--unit", u.name, *PUB, "--out", str(folder) + "/"]) == 0
    assert [p.name for p in folder.iterdir()] == [f"2020-{u.name}-考核结果反馈.pdf"]


def _public_forbidden(view, stamp) -> list[str]:
    """Codes, hashes, proposals and margins: what the public must not see."""
    out = [u.id for u in view.units] + [v[:16] for v in stamp.values() if isinstance(v, str) and len(v) >= 32]
    for p in view.proposals:
        out += [p.consequence, p.name, "约谈", "拟处理", "距脱离", "临界"]
        out += [u["margin_text"] for u in p.units if u["margin_text"]]
    return sorted({re.sub(r"\s+", "", x) for x in out if x})


@pytest.mark.parametrize("fmt", ["pdf", "html"])
def test_public_notice_has_ranking_grades_period_and_nothing_internal(tmp_path, view, fmt):
    if fmt == "pdf":
        _pdf_tools()
    out = tmp_path / f"公示.{fmt}"
    assert main(["report", *ARGS, "--for", "public", *PUB, "--out", str(out)]) == 0
    text = pdf_text(out) if fmt == "pdf" else html_text(out.read_bytes())
    _, _, stamp = example()
    leaked = [x for x in _public_forbidden(view, stamp) if x in text]
    assert not leaked, leaked
    for cat in view.categories:
        for r in cat.rows:
            assert f"{r.rank}{r.name}{view.num(r.total)}{r.grade}" in text
    assert "公示期为2021年1月15日至2021年1月21日" in text and "0434-4222222" in text and "伊通县人民大街1号" in text
    assert "附件" in text and "伊通满族自治县绩效考核办公室（示例）2021年1月15日" in text  # 落款
    if fmt == "pdf":
        assert "—1—" in text and fonts_embedded(out)
        info = subprocess.run([tool("pdfinfo"), str(out)], capture_output=True, text=True).stdout
        assert "小标宋" in info and "仿宋" in info  # which free font stands in for which, in the metadata


def test_office_file_is_marked_internal_and_keeps_the_proposals(tmp_path):
    _pdf_tools()
    out = tmp_path / "底稿.pdf"
    assert main(["report", *ARGS, "--out", str(out)]) == 0
    text = pdf_text(out)
    assert text.startswith("内部资料") and "拟处理建议（约谈名单）" in text and "差0.06分" in text


def test_papers_sent_out_need_the_period_and_contact(tmp_path, capsys):
    out = tmp_path / "公示.html"
    assert main(["report", *ARGS, "--for", "public", "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert "public_from" in err and "contact" in err and "[publication]" in err and "Traceback" not in err
    assert not out.exists()
    assert main(["report", *ARGS, "--for", "public", "--public-from", "2021-01-21", "--public-to", "2021-01-15", "--contact", "x", "--out", str(out)]) == 2
    assert "晚于" in capsys.readouterr().err and not out.exists()
    assert main(["report", *ARGS, "--for", "unit", "--unit", "没有这个单位", *PUB, "--out", str(tmp_path / "u.html")]) == 2
    assert "没有这个单位" in capsys.readouterr().err


def test_publication_from_the_criteria(tmp_path, capsys):
    text = EXAMPLE_CRITERIA.read_text(encoding="utf-8")
    crit = tmp_path / "细则.toml"
    crit.write_text(
        text + '\n[publication]\npublic_from = 2021-02-01\npublic_to = 2021-02-07\ncontact = "电话 0434-1"\nissuer = "县考评办"\n', encoding="utf-8"
    )
    out = tmp_path / "公示.html"
    assert main(["report", str(crit), "--data", str(EXAMPLE_DATA), "--for", "public", "--out", str(out)]) == 0
    t = html_text(out.read_bytes())
    assert "公示期为2021年2月1日至2021年2月7日" in t and "2021年2月7日前" in t and "县考评办2021年2月1日" in t
    bad = tmp_path / "坏.toml"
    bad.write_text(text + "\n[publication]\npublic_from = 2021-02-07\npublic_to = 2021-02-01\n", encoding="utf-8")
    assert main(["check", str(bad)]) == 2
    err = capsys.readouterr().err
    line = text.count("\n") + 4  # the line of public_to
    assert f"第{line}行" in err and "publication.public_to" in err and "公示期开始日 2021-02-07 晚于结束日 2021-02-01" in err


def test_papers_from_a_stored_run(tmp_path, view):
    """The papers of a saved run are the papers of its criteria and data."""
    db = tmp_path / "h.db"
    assert main(["run", *ARGS, "--save", "--db", str(db), "--format", "csv", "--out", str(tmp_path / "r.csv")]) == 0
    stored, fresh = tmp_path / "stored", tmp_path / "fresh"
    assert main(["report", "1", "--db", str(db), "--for", "unit", "--format", "html", *PUB, "--out", str(stored)]) == 0
    assert main(["report", *ARGS, "--for", "unit", "--format", "html", *PUB, "--out", str(fresh)]) == 0
    names = sorted(p.name for p in fresh.iterdir())
    assert names == sorted(p.name for p in stored.iterdir()) and len(names) == len(view.units)
    for n in names:
        assert (stored / n).read_bytes() == (fresh / n).read_bytes()


MARKUP = ["#set", "[x]", "*粗*", "_斜_", "$x$", "\\", "<b>", "@ref", "//", "/*", "=", "`", "~", "县#局", "{a}", "\"引\""]


@settings(max_examples=6, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(names=st.lists(st.lists(st.sampled_from(MARKUP), min_size=1, max_size=3).map("".join), min_size=2, max_size=4, unique=True))
def test_names_are_text_in_the_pdf_never_markup(names):
    """Unit names reach the typesetter as data: whatever they contain is printed as it is."""
    _pdf_tools()
    import datetime

    from scoring.report import render_papers
    from scoring.report.papers import publication

    from report_support import small

    res, dec = small(names)
    pub = publication(res.criteria, {"public_from": datetime.date(2025, 1, 6), "public_to": datetime.date(2025, 1, 10), "contact": "#电话[1]"})
    ((_, data),) = render_papers("pdf", "public", res, dec, None, None, "zh", pub)
    import tempfile

    with tempfile.TemporaryDirectory() as d:
        path = Path(d) / "p.pdf"
        path.write_bytes(data)
        text = pdf_text(path)
    for n in names:
        assert re.sub(r"\s+", "", n) in text, n
    assert "#电话[1]" in text


def test_public_notice_with_grades_only(tmp_path, view):
    """An office that publishes grades only: ranks, names and grades, and no unit's total anywhere."""
    out = tmp_path / "公示.html"
    assert main(["report", *ARGS, "--for", "public", *PUB, "--grades-only", "--out", str(out)]) == 0
    text = html_text(out.read_bytes())
    for cat in view.categories:
        for r in cat.rows:
            assert f"{r.rank}{r.name}{r.grade}" in text
            assert view.num(r.total) not in text, r.name
    crit = tmp_path / "细则.toml"
    crit.write_text(EXAMPLE_CRITERIA.read_text(encoding="utf-8") + "\n[publication]\nshow_total = false\n", encoding="utf-8")
    out2 = tmp_path / "公示2.html"
    assert main(["report", str(crit), "--data", str(EXAMPLE_DATA), "--for", "public", *PUB, "--out", str(out2)]) == 0
    assert html_text(out2.read_bytes()) == text


def test_a_pack_is_never_written_into_the_data_folder(tmp_path, capsys):
    """The next run would read the papers as submissions: refused before any work, nothing written."""
    data = example_copy(tmp_path)
    before = sorted(p.name for p in data.rglob("*"))
    assert main(["report", str(EXAMPLE_CRITERIA), "--data", str(data), "--for", "unit", *PUB, "--out", str(data / "反馈") + "/"]) == 2
    assert "Traceback" not in capsys.readouterr().err
    assert sorted(p.name for p in data.rglob("*")) == before


@pytest.mark.parametrize("written", ["20210115", "2021-W03-5", "2021-13-01", "明天"])
def test_an_odd_paper_date_is_refused_naming_the_option_and_the_value(tmp_path, capsys, written):
    # ISO's compact and week forms are dates to Python, not to an office: only the forms --due takes
    out = tmp_path / "公示.html"
    with pytest.raises(SystemExit) as e:
        main(["report", *ARGS, "--for", "public", *PUB, "--date", written, "--out", str(out)])
    assert e.value.code == 2 and not out.exists()
    err = capsys.readouterr().err
    assert f"argument --date: “{written}”不是日期：日期写作 2021-01-15" in err and "Traceback" not in err


def test_a_paper_date_is_read_in_the_forms_due_dates_are(tmp_path, capsys):
    for k, written in enumerate(("2021-01-20", "2021/1/20", "2021年1月20日")):
        out = tmp_path / f"公示{k}.html"
        assert main(["report", *ARGS, "--for", "public", *PUB, "--date", written, "--out", str(out)]) == 0
        assert "2021年1月20日" in html_text(out.read_bytes())
