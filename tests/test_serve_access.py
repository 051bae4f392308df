"""Who may open what in `scoring serve`: every route × every person, from one table.

The table names each route as the application declares it ("METHOD path"); the test reads the
routes off the running application, so a route added without an entry here fails the suite, and
an entry whose route is gone fails too. Each POST is sent with the person's valid CSRF token and an
empty form: a person the route refuses gets 403 (or 303 to the login page), a person it admits gets
the route's own answer to an empty form (400, nothing done) — the refusal is the role's, not the form's.
"""

from __future__ import annotations

import os
from urllib.parse import quote

import pytest
from serve_support import copy_store, logged_in, need_serve_extra, publish_example, serving

need_serve_extra()

ROLES = ("office", "owner_a", "owner_b", "unit_a", "unit_b", "anonymous")
OFFICE_GET = (200, 403, 403, 403, 403, 303)
OFFICE_POST = (400, 403, 403, 403, 403, 303)

# "METHOD path" → the answer each person of ROLES gets
EXPECTED = {
    "GET /": (303, 303, 303, 303, 303, 303),
    "GET /login": (303, 303, 303, 303, 303, 200),
    "POST /login": (400, 400, 400, 400, 400, 400),
    "GET /password": (200, 200, 200, 200, 200, 303),
    "POST /password": (400, 400, 400, 400, 400, 303),
    "GET /public": (200, 200, 200, 200, 200, 200),
    "GET /static/{path}": (200, 200, 200, 200, 200, 200),
    "GET /owner": (403, 200, 200, 403, 403, 303),
    "GET /owner/template": (403, 200, 200, 403, 403, 303),
    "POST /owner/upload": (403, 400, 400, 403, 403, 303),
    "GET /owner/uploads/{upload}": (403, 200, 404, 403, 403, 303),  # owner A's upload
    "GET /office": OFFICE_GET,
    "POST /office/due": (303, 403, 403, 403, 403, 303),
    "GET /office/accounts": OFFICE_GET,
    "POST /office/accounts/{login}/reset": (303, 403, 403, 403, 403, 303),
    "GET /office/uploads/{upload}": OFFICE_GET,
    "GET /office/uploads/{upload}/file": OFFICE_GET,
    "POST /office/run": OFFICE_POST,  # only owner A has sent data: the office is told what is missing
    "GET /office/runs": OFFICE_GET,
    "GET /office/runs/{run}": OFFICE_GET,
    "GET /office/runs/{run}/units/{unit}": OFFICE_GET,
    "GET /office/runs/{run}/report.{fmt}": OFFICE_GET,
    "GET /office/runs/{run}/public.{fmt}": OFFICE_GET,
    "GET /office/runs/{run}/units/{unit}/paper.{fmt}": OFFICE_GET,
    "POST /office/runs/{run}/publish": OFFICE_POST,
    "POST /office/runs/{run}/finalize": OFFICE_POST,  # this portal has no signing key: explained
    "POST /office/runs/{run}/apply": OFFICE_POST,
    "GET /office/objections/{oid}": OFFICE_GET,
    "POST /office/objections/{oid}/decide": OFFICE_POST,
    "GET /office/objections/{oid}/letter": OFFICE_GET,
    "GET /office/objections/{oid}/evidence/{name}": OFFICE_GET,
    "GET /unit": (403, 403, 403, 200, 200, 303),
    "POST /unit/objections": (403, 403, 403, 400, 400, 303),
    "GET /unit/objections/{oid}": (403, 403, 403, 200, 404, 303),  # unit A's objection
    "GET /unit/objections/{oid}/evidence/{name}": (403, 403, 403, 200, 404, 303),
    "GET /unit/paper.{fmt}": (403, 403, 403, 200, 200, 303),
    "POST /logout": (303, 303, 303, 303, 303, 303),  # last: it ends the sessions
}


def declared(app) -> list[str]:
    """Every route of the application as "METHOD path" (a mounted folder as GET /mount/{path})."""
    from starlette.routing import Mount, Route

    out = []
    for r in app.routes:
        if isinstance(r, Route):
            out += [f"{m} {r.path}" for m in sorted(r.methods or ()) if m != "HEAD"]
        elif isinstance(r, Mount):
            out.append(f"GET {r.path}/{{path}}")
    return out


def _plain(route: str) -> str:
    """'GET /office/runs/{run:int}' → 'GET /office/runs/{run}'."""
    import re

    return re.sub(r"\{(\w+):\w+\}", r"{\1}", route)


@pytest.fixture(scope="module")
def world(serve_template, tmp_path_factory):
    from scoring import api
    from scoring.serve import create_app

    db, passwords = copy_store(serve_template, tmp_path_factory.mktemp("serve-access"))
    run_id = publish_example(db, os.environ["SCORING_KEY"])
    o = api.add_objection(run_id, "DQ01", "党建考核得分漏计", "考核办", indicator="D", evidence=[("证明.pdf", b"%PDF-1.4 evidence")], db=db)
    api.decide_objection(o.id, False, "经核对无误", "考核办", db=db)
    from scoring.serve.portal import connect, writing

    conn = connect(db)
    with writing(conn):  # the contact the papers print, as the office gives it when publishing
        conn.execute("INSERT INTO portal_info (key, value) VALUES ('contact', '0434-4222222')")
    conn.close()
    app = create_app(db)  # no signing key
    with serving(app) as base:
        people = logged_in(base, passwords)
        owner_file = db.parent / "upload.csv"
        from serve_support import EXAMPLE

        owner_file.write_bytes((EXAMPLE / "县委组织部.csv").read_bytes())
        r = people["owner_a"].post("/owner/upload", files={"file": ("县委组织部.csv", owner_file.read_bytes())})
        assert r.status == 303
        upload = int(r.headers["location"].rsplit("/", 1)[1])
        yield (
            app,
            people,
            {"run": run_id, "unit": "DQ01", "fmt": "html", "oid": o.id, "upload": upload, "path": "site.css", "name": quote("证明.pdf"), "login": "DQ05"},
        )


def test_every_route_has_an_entry_and_every_entry_a_route(world):
    app = world[0]
    routes = [_plain(r) for r in declared(app)]
    assert len(routes) > 25
    assert sorted(set(routes) - set(EXPECTED)) == []  # a new route must say who may use it
    assert sorted(set(EXPECTED) - set(routes)) == []


def test_a_unit_changing_an_id_sees_nothing_of_another_unit(world):
    app, people, ids = world
    r = people["unit_b"].get(f"/unit/objections/{ids['oid']}")
    assert r.status == 404 and "党建考核得分漏计" not in r.text
    page = people["unit_b"].get("/unit").text
    assert "县委办公室" in page and "县纪委监委机关" not in page  # its own sheet, never unit A's
    assert "无权访问" in people["unit_b"].get("/office").text  # a refusal is a page in Chinese, not a bare error
    paper = people["unit_b"].get("/unit/paper.html").text  # its own 考核结果反馈 only
    assert "县委办公室" in paper and "县纪委监委机关" not in paper
    r = people["unit_a"].get(f"/unit/objections/{ids['oid']}/evidence/{ids['name']}")
    assert r.content == b"%PDF-1.4 evidence"


def test_the_office_resets_a_forgotten_password(world, serve_template):
    import re

    from serve_support import Client

    app, people, ids = world
    office = people["office"]
    office.get("/office/accounts")
    assert office.post("/office/accounts/DQ06/reset").status == 303
    page = office.get("/office/accounts").text
    fresh = re.search(r"<code>DQ06</code></td>\s*<td><code>(\w+)</code>", page).group(1)
    assert fresh != serve_template[1]["DQ06"]
    person = Client(office.base)
    assert person.login("DQ06", serve_template[1]["DQ06"], change_to=None).status == 400  # the old one is gone
    r = person.login("DQ06", fresh)
    assert r.status == 303 and person.get("/unit").status == 200
    assert office.post("/office/accounts/NOBODY/reset").status == 404


def test_unknown_addresses_and_methods_are_answered_in_chinese(world):
    app, people, ids = world
    r = people["unit_a"].get("/no/such/page")
    assert r.status == 404 and "没有这一项" in r.text
    r = people["unit_a"].request("DELETE", "/unit")
    assert r.status == 405 and "不接受这种请求" in r.text


def test_the_office_sees_who_is_late_once_the_due_date_has_passed(world):
    app, people, ids = world
    office = people["office"]
    office.get("/office")
    assert office.post("/office/due", {"due": "2021-01-15"}).status == 303
    page = office.get("/office").text
    # owner A sent its workbook; every other owner sent nothing, and the due date is past
    assert page.count("已逾期") == len(app.state.settings.year.workbooks) - 1
    office.post("/office/due", {"due": ""})
    assert "已逾期" not in office.get("/office").text


# last: the table ends with logging everyone out
def test_each_person_gets_the_answer_of_the_table(world):
    app, people, ids = world
    got, wrong = {}, []
    for route, expected in EXPECTED.items():
        method, path = route.split(" ", 1)
        url = path.format(**ids)
        for role, want in zip(ROLES, expected):
            c = people[role]
            c.get("/password" if role != "anonymous" else "/login")  # a fresh CSRF token of this person's session
            r = c.get(url) if method == "GET" else c.post(url, {})
            got[(route, role)] = r.status
            if r.status != want:
                wrong.append((route, role, want, r.status))
    assert wrong == []
