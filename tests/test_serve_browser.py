"""The whole cycle of `scoring serve` in a real headless Chromium (Playwright for Python, the system
Chromium): an owner uploads a workbook with an error, sees the cell and the fix, uploads it fixed;
the office scores a draft, finalizes and publishes it; a unit logs in, sees its own sheet and objects
with evidence; the office accepts with the corrected value and applies it as a correction run; the
unit sees its corrected sheet. Each step's page is photographed and the photographs are checked.

SCORING_SERVE_SHOTS=DIR also keeps the photographs there (docs/serve.md's pictures come from this test).
"""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import pytest
from serve_support import EXAMPLE, NEW_PASSWORD, Client, copy_store, need_serve_extra, serving

need_serve_extra()
sync_api = pytest.importorskip("playwright.sync_api", reason="the browser test needs Playwright: pip install -e '.[browser]'")
CHROMIUM = Path("/usr/bin/chromium")
if not CHROMIUM.exists():
    pytest.skip("the browser test needs the system Chromium (apt-get install chromium)", allow_module_level=True)

PHONE = {"width": 390, "height": 844}


def photo(page, path: Path, keep: str | None) -> Path:
    """A screenshot of the page, checked to show something: not one flat colour."""
    from PIL import Image

    page.screenshot(path=str(path), full_page=False)
    with Image.open(path) as im:
        colours = im.convert("RGB").getcolors(maxcolors=1 << 16)
    assert colours is None or len(colours) > 20, f"{path.name} is blank"
    if keep:  # for the docs: 256 colours are plenty for a page of text, and a third of the size
        with Image.open(path) as im:
            im.convert("RGB").quantize(256).save(Path(keep) / path.name, optimize=True)
    return path


def log_in(page, base: str, login: str, password: str) -> None:
    """The login page, then the forced password change of a first login."""
    page.goto(base + "/login")
    page.fill("#login", login)
    page.fill("#password", password)
    page.click("button[type=submit]")
    page.wait_for_url("**/password")
    assert "首次登录" in page.inner_text("main")
    page.fill("#old", password)
    page.fill("#new", NEW_PASSWORD)
    page.fill("#again", NEW_PASSWORD)
    page.click("main button[type=submit]")
    page.wait_for_load_state()


def test_the_whole_cycle_in_a_browser(serve_template, tmp_path):
    from scoring.serve import create_app
    from scoring.serve.portal import accounts, connect

    keep = os.environ.get("SCORING_SERVE_SHOTS")
    db, passwords = copy_store(serve_template, tmp_path)
    conn = connect(db)
    login_of = {a.owner: a.login for a in accounts(conn) if a.role == "owner"}
    conn.close()
    good = (EXAMPLE / "县委组织部.csv").read_bytes()
    bad_file = tmp_path / "县委组织部.csv"
    bad_file.write_bytes(good.decode("utf-8-sig").replace("90.08", "九十", 1).encode("utf-8"))
    good_file = tmp_path / "good" / "县委组织部.csv"
    good_file.parent.mkdir()
    good_file.write_bytes(good)
    evidence = tmp_path / "党建考核通报.pdf"
    evidence.write_bytes(b"%PDF-1.4\n% evidence\n")
    today = dt.date.today()

    with serving(create_app(db, os.environ["SCORING_KEY"])) as base, sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=["--lang=zh-CN"])
        try:
            # -- the data owner: an error, seen with its cell and fix, then fixed
            owner = browser.new_page(viewport={"width": 1100, "height": 900}, locale="zh-CN")
            log_in(owner, base, "o01", passwords["o01"])
            assert "县委组织部：报送数据" in owner.inner_text("h1")
            owner.set_input_files("input[name=file]", str(bad_file))
            owner.click("main button[type=submit]")
            text = owner.inner_text("main")
            assert "校验发现1个问题" in text and "单元格 C2" in text and "“九十”不是数字" in text and "修改建议" in text
            photo(owner, tmp_path / "serve-owner-problem.png", keep)
            owner.goto(base + "/owner")
            owner.set_input_files("input[name=file]", str(good_file))
            owner.click("main button[type=submit]")
            assert "校验通过" in owner.inner_text("main")
            photo(owner, tmp_path / "serve-owner-clean.png", keep)

            # the other owners send theirs (over HTTP, as the load benchmark does)
            for f in sorted(EXAMPLE.glob("*.csv")):
                if f.stem in ("units", "县委组织部"):
                    continue
                c = Client(base)
                c.login(login_of[f.stem], passwords[login_of[f.stem]])
                assert c.post("/owner/upload", files={"file": (f.name, f.read_bytes())}).status == 303

            # -- the office: progress, a draft, finalize, publish
            office = browser.new_page(viewport={"width": 1100, "height": 900}, locale="zh-CN")
            log_in(office, base, "office", passwords["office"])
            assert "7/9 份报送表已校验通过" in office.inner_text("h1")
            photo(office, tmp_path / "serve-office-progress.png", keep)
            office.click("text=评分并保存草稿")
            office.wait_for_url("**/office/runs/1")
            assert "第1号运行 · 草稿" in office.inner_text("h1")
            office.click("main button:has-text('定稿并加封')")
            office.wait_for_load_state()
            assert "第1号运行 · 定稿" in office.inner_text("h1")
            office.fill("#start", today.isoformat())
            office.fill("#end", (today + dt.timedelta(days=7)).isoformat())
            office.click("text=发布公示")
            office.wait_for_load_state()
            assert "公示期：" in office.inner_text("main")
            photo(office, tmp_path / "serve-office-run.png", keep)

            # -- the unit: its own sheet on a phone, then an objection with evidence
            unit = browser.new_page(viewport=PHONE, is_mobile=True, locale="zh-CN")
            log_in(unit, base, "DQ01", passwords["DQ01"])
            text = unit.inner_text("main")
            assert "县纪委监委机关：考核结果" in text and "82.54" in text and "12/13" in text and "党群部门平均分" in text
            assert "县委办公室：" not in text
            # readable on a phone: the page itself never scrolls sideways (wide tables scroll in their box)
            assert unit.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
            photo(unit, tmp_path / "serve-unit-sheet.png", keep)
            unit.select_option("#indicator", "D")
            unit.fill("#text", "我单位党建考核得分应为95分，见通报")
            unit.set_input_files("#evidence", str(evidence))
            unit.click("text=提交申诉")
            unit.wait_for_url("**/unit/objections/1")
            assert "待处理" in unit.inner_text("main") and "党建考核通报.pdf" in unit.inner_text("main")

            # -- the office accepts with the corrected value and applies it
            office.goto(base + "/office/objections/1")
            office.check("input[value=accept]")
            office.fill("#values", "党建考核得分=95")
            office.fill("#reason", "经核对组织部通报，予以更正")
            office.click("text=保存决定")
            office.wait_for_load_state()
            assert "已采纳" in office.inner_text("main")
            office.goto(base + "/office/runs/1")
            office.fill("#reason", "采纳第1号申诉")
            office.click("text=按已采纳的申诉更正")
            office.wait_for_load_state()
            text = office.inner_text("main")
            assert "已保存更正运行第2号" in text and "82.54" in text and "84.26" in text
            photo(office, tmp_path / "serve-office-applied.png", keep)
            office.click("text=查看第2号运行并定稿")
            office.click("main button:has-text('定稿并加封')")
            office.wait_for_load_state()
            assert "第2号运行 · 定稿" in office.inner_text("h1")
            log = office.inner_text("main")  # every change of the year, in order, on the run's page
            assert all(k in log for k in ("保存", "定稿加封", "公示", "登记申诉", "申诉决定", "更正运行"))

            # -- the unit sees its corrected sheet, and the answer to its objection
            unit.goto(base + "/unit")
            text = unit.inner_text("main")
            assert "已按申诉更正（第2号运行）" in text and "84.26" in text and "已采纳" in text
            photo(unit, tmp_path / "serve-unit-corrected.png", keep)

            # -- anyone: the 公示 page
            public = browser.new_page(viewport=PHONE, is_mobile=True, locale="zh-CN")
            public.goto(base + "/public")
            assert "考核结果公示" in public.inner_text("h1") and "县纪委监委机关" in public.inner_text("main")
            photo(public, tmp_path / "serve-public.png", keep)
        finally:
            browser.close()
