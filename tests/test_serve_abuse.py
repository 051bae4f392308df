"""`scoring serve` against abuse: each gets a clear refusal in Chinese, and nothing changes.

Uploads that are too large, not a spreadsheet, a zip bomb, a workbook of a million rows; names and
texts with <script>; a forged or missing CSRF token; a session cookie of another portal (another
port, another secret); a hundred wrong passwords."""

from __future__ import annotations

import io
import zipfile

import pytest
from serve_support import EXAMPLE, Client, copy_store, logged_in, need_serve_extra, serving

need_serve_extra()


@pytest.fixture(scope="module")
def portal(serve_template, tmp_path_factory):
    import os

    from scoring.serve import create_app
    from serve_support import publish_example

    db, passwords = copy_store(serve_template, tmp_path_factory.mktemp("serve-abuse"))
    publish_example(db, os.environ["SCORING_KEY"])
    with serving(create_app(db)) as base:
        yield db, base, passwords, logged_in(base, passwords)


def uploads(db) -> int:
    from scoring.serve.portal import connect

    conn = connect(db)
    try:
        return conn.execute("SELECT COUNT(*) FROM uploads").fetchone()[0]
    finally:
        conn.close()


def xlsx(parts: dict[str, bytes]) -> bytes:
    """A zip with the given parts (what an .xlsx is)."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in parts.items():
            z.writestr(name, data)
    return buf.getvalue()


def refused(portal, name: str, content: bytes, status: int, words: str):
    db, base, _, people = portal
    before = uploads(db)
    owner = people["owner_a"]
    owner.get("/owner")
    r = owner.post("/owner/upload", files={"file": (name, content)})
    assert r.status == status, r.text[:500]
    assert words in r.text
    assert uploads(db) == before  # nothing kept
    return r


def test_a_file_over_the_limit_is_refused_before_it_is_read(portal):
    r = refused(portal, "县委组织部.xlsx", b"x" * (11 * 2**20), 413, "超过上限 10")
    assert "文件" in r.text


def test_a_file_that_is_not_a_spreadsheet_is_refused(portal):
    png = b"\x89PNG\r\n\x1a\n" + bytes(2000)
    refused(portal, "县委组织部.xlsx", png, 400, "不是可以读取的表格文件")
    refused(portal, "县委组织部.exe", b"MZ" + bytes(100), 400, "不是可以读取的表格文件")


def test_a_zip_bomb_is_refused_from_the_sizes_its_zip_declares(portal):
    bomb = xlsx({"[Content_Types].xml": b"<Types/>", "xl/worksheets/sheet1.xml": b"0" * (200 * 2**20)})
    assert len(bomb) < 2**20  # small on the wire, 200 MiB unpacked
    refused(portal, "县委组织部.xlsx", bomb, 400, "解压后达 200")


def test_a_workbook_of_a_million_rows_is_refused_by_its_row_count(portal):
    rows = b"".join(b'<row r="%d"><c r="A%d"><v>1</v></c></row>' % (i, i) for i in range(1, 1_000_001))
    sheet = b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>' + rows + b"</sheetData></worksheet>"
    book = xlsx({"[Content_Types].xml": b"<Types/>", "xl/worksheets/sheet1.xml": sheet})
    # counting stopped at the limit: "20000+" rows, never the million read
    refused(portal, "县委组织部.xlsx", book, 400, "表格有20000+行")


def test_script_in_names_and_texts_is_shown_as_text(portal):
    db, base, _, people = portal
    evil = "<script>alert(1)</script>"
    evil_file = "<img src=x onerror=alert(1)>.csv"  # a file name holds no "/": the tag that needs none
    owner = people["owner_a"]
    owner.get("/owner")
    r = owner.post("/owner/upload", files={"file": (evil_file, (EXAMPLE / "县委组织部.csv").read_bytes())})
    assert r.status == 303
    for page in (owner.get("/owner").text, people["office"].get("/office/uploads/" + r.headers["location"].rsplit("/", 1)[1]).text):
        assert "&lt;img src=x onerror=alert(1)&gt;.csv" in page and "<img" not in page
    unit = people["unit_a"]
    unit.get("/unit")
    r = unit.post("/unit/objections", {"indicator": "D", "text": evil})
    assert r.status == 303
    page = people["office"].get("/office/objections/" + r.headers["location"].rsplit("/", 1)[1]).text
    assert "&lt;script&gt;" in page and evil not in page
    anon = Client(base)
    anon.get("/login")
    r = anon.post("/login", {"login": evil, "password": "x"})  # the login typed is shown back, escaped
    assert "&lt;script&gt;" in r.text and evil not in r.text
    # and no page would run a script even if one got through
    assert "script-src 'none'" in r.headers["content-security-policy"]


def test_a_forged_or_missing_csrf_token_changes_nothing(portal):
    db, base, _, people = portal
    owner, other = people["owner_a"], people["owner_b"]
    owner.get("/owner")
    other.get("/owner")
    content = (EXAMPLE / "县委组织部.csv").read_bytes()
    before = uploads(db)
    for token in ("forged-token", "", other.csrf):  # made up, missing, another person's
        r = owner.post("/owner/upload", files={"file": ("县委组织部.csv", content)}, csrf=token)
        assert r.status == 403 and "表单已过期或不是从本系统页面提交的" in r.text
    assert uploads(db) == before
    # and the token that belongs to the session works
    owner.get("/owner")
    assert owner.post("/owner/upload", files={"file": ("县委组织部.csv", content)}).status == 303


def test_the_session_cookie_is_signed_httponly_and_samesite_strict(portal):
    db, base, passwords, people = portal
    c = Client(base)
    r = c.get("/login")
    cookie = next(v for v in r.cookies if v.startswith("scoring-"))
    assert "httponly" in cookie.lower() and "samesite=strict" in cookie.lower()
    name, value = next(iter(c.cookies.items()))
    c.cookies[name] = value[:-4] + ("AAAA" if not value.endswith("AAAA") else "BBBB")  # a signature that does not match
    assert c.post("/login", {"login": "DQ01", "password": "x"}).status == 403  # no session: no CSRF token either


def test_a_cookie_of_another_portal_is_not_a_session_here(portal, tmp_path):
    """Two portals on one host (other ports, each its own secret): one's cookie opens nothing on the other."""
    import secrets
    import shutil

    from scoring.serve import create_app
    from scoring.serve.portal import connect, writing

    db, base, _, people = portal
    other_db = tmp_path / "other.sqlite"
    shutil.copy(db, other_db)
    conn = connect(other_db)
    with writing(conn):
        conn.execute("UPDATE portal_info SET value = ? WHERE key = 'secret'", (secrets.token_hex(32),))
    conn.close()
    stolen = dict(people["office"].cookies)
    assert people["office"].get("/office").status == 200
    with serving(create_app(other_db)) as other_base:
        thief = Client(other_base)
        assert thief.get("/login").status == 200
        own_name = next(iter(thief.cookies))
        thief.cookies = {**stolen, own_name: next(iter(stolen.values()))}  # under both names
        r = thief.get("/office")
        assert r.status == 303 and r.headers["location"] == "/login"


def test_a_hundred_wrong_passwords_are_stopped_and_change_nothing(portal):
    """Last in this module: after it, logins from 127.0.0.1 to this portal are held back for a while."""
    from scoring.serve.portal import PER_ACCOUNT, account, connect

    db, base, passwords, people = portal
    conn = connect(db)
    stamp = account(conn, "DQ02").stamp
    answers = []
    guesser = Client(base)
    for k in range(100):
        guesser.get("/login")
        answers.append(guesser.post("/login", {"login": "DQ02", "password": f"guess{k}"}).status)
    assert answers[:PER_ACCOUNT] == [400] * PER_ACCOUNT and set(answers[PER_ACCOUNT:]) == {429}
    guesser.get("/login")
    r = guesser.post("/login", {"login": "DQ02", "password": "a-new-pass-2021"})  # the right one, too late
    assert r.status == 429 and "登录失败次数过多" in r.text
    assert guesser.get("/unit").status == 303  # not logged in
    assert account(conn, "DQ02").stamp == stamp  # the password is as it was
    assert people["unit_b"].get("/unit").status == 200  # a session made before goes on
    # and one client guessing across accounts is held back too, once its failures reach the limit
    from scoring.serve.portal import PER_CLIENT

    failed = conn.execute("SELECT COUNT(*) FROM login_attempts WHERE client = '127.0.0.1' AND ok = 0").fetchone()[0]
    conn.close()
    answers = []
    for k in range(PER_CLIENT - failed + 1):
        guesser.get("/login")
        answers.append(guesser.post("/login", {"login": f"DQ{k + 3:02d}", "password": "guess"}).status)
    assert answers == [400] * (PER_CLIENT - failed) + [429]
