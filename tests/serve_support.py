"""A real portal for the tests: a store set up from the bundled example, uvicorn serving it on a free
port of 127.0.0.1 in a thread, and a small HTTP client that keeps its cookies, reads the CSRF token
off each page and does not follow redirects (so a test sees the 303 itself)."""

from __future__ import annotations

import http.client
import json
import re
import secrets
import socket
import threading
import time
from contextlib import contextmanager
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parents[1]
CRITERIA = ROOT / "criteria" / "yitong-2020.toml"
EXAMPLE = ROOT / "examples" / "yitong-2020"
UNITS = EXAMPLE / "units.csv"
NEW_PASSWORD = "a-new-pass-2021"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def serving(app):
    """uvicorn serving ``app`` on 127.0.0.1 in a thread → its base URL; stopped afterwards."""
    import uvicorn

    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="off"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the test server did not start")
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(10)


def set_up(db: Path) -> dict[str, str]:
    """The example's accounts in a new store → login: initial password."""
    from scoring.serve.portal import setup

    return {a.login: pw for a, pw in setup(db, CRITERIA, UNITS)}


class Client:
    """One person's browser, without the browser: cookies kept, CSRF token taken from each page."""

    def __init__(self, base: str):
        self.base = base
        self.host, self.port = base.split("//")[1].split(":")
        self.cookies: dict[str, str] = {}
        self.csrf = ""

    def request(self, method: str, path: str, body: bytes | None = None, headers: dict | None = None):
        conn = http.client.HTTPConnection(self.host, int(self.port), timeout=60)
        h = dict(headers or {})
        if self.cookies:
            h["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        conn.request(method, path, body=body, headers=h)
        r = conn.getresponse()
        content = r.read()
        for value in r.headers.get_all("set-cookie") or []:
            c = SimpleCookie()
            c.load(value)
            for k, m in c.items():
                if m.value and m["max-age"] != "0" and "expires=thu, 01 jan 1970" not in value.lower():
                    self.cookies[k] = m.value
                else:
                    self.cookies.pop(k, None)
        conn.close()
        text = content.decode("utf-8", "replace")
        found = re.search(r'name="csrf" value="([^"]+)"', text)
        if found:
            self.csrf = found.group(1)
        return Reply(r.status, content, text, dict(r.headers.items()), r.headers.get_all("set-cookie") or [])

    def get(self, path: str):
        return self.request("GET", path)

    def post(self, path: str, fields: dict | None = None, files: dict | None = None, csrf: str | None = None):
        fields = {"csrf": self.csrf if csrf is None else csrf, **(fields or {})}
        if files:
            body, ctype = multipart(fields, files)
        else:
            body, ctype = urlencode(fields).encode(), "application/x-www-form-urlencoded"
        return self.request("POST", path, body, {"Content-Type": ctype})

    def login(self, login: str, password: str, change_to: str | None = NEW_PASSWORD):
        """Log in; at first login change the password (as the portal asks) → the last reply."""
        self.get("/login")
        r = self.post("/login", {"login": login, "password": password})
        if r.status == 303 and r.headers.get("location") == "/password" and change_to:
            self.get("/password")
            r = self.post("/password", {"old": password, "new": change_to, "again": change_to})
        if r.status == 303:  # the page a browser lands on, with the new session's CSRF token
            self.get(r.headers["location"])
        return r


class Reply:
    def __init__(self, status, content, text, headers, cookies):
        self.status, self.content, self.text, self.headers, self.cookies = status, content, text, headers, cookies
        self.headers = {k.lower(): v for k, v in headers.items()}

    def json(self):
        return json.loads(self.text)


def multipart(fields: dict, files: dict) -> tuple[bytes, str]:
    """multipart/form-data: ``files`` maps a field to (file name, bytes) or a list of them."""
    boundary = "----scoring" + secrets.token_hex(8)
    out = b""
    for k, v in fields.items():
        out += f'--{boundary}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n{v}\r\n'.encode()
    for k, items in files.items():
        for name, data in items if isinstance(items, list) else [items]:
            out += (
                (f'--{boundary}\r\nContent-Disposition: form-data; name="{k}"; filename="{name}"\r\nContent-Type: application/octet-stream\r\n\r\n').encode()
                + data
                + b"\r\n"
            )
    out += f"--{boundary}--\r\n".encode()
    return out, f"multipart/form-data; boundary={boundary}"


PEOPLE = {"office": "office", "owner_a": "o01", "owner_b": "o02", "unit_a": "DQ01", "unit_b": "DQ02"}


def need_serve_extra():
    import pytest

    for module in ("starlette", "jinja2", "uvicorn", "multipart", "itsdangerous"):
        pytest.importorskip(module, reason="the portal needs the serve extra: pip install -e '.[serve]'")


def copy_store(template, dest: Path) -> tuple[Path, dict[str, str]]:
    import shutil

    db, passwords = template
    shutil.copy(db, dest / "office.sqlite")
    return dest / "office.sqlite", passwords


def publish_example(db: Path, key: str, days: int = 10) -> int:
    """The bundled example scored, saved, finalized and published from today for ``days`` → the run id
    (straight through the API: the tests that need a published year start from one)."""
    import datetime as dt

    from scoring import api

    run = api.score(api.load_criteria(CRITERIA), EXAMPLE, db=db)
    run_id = api.save(run, EXAMPLE, "考核办", db=db)
    api.finalize(run_id, "考核办", key=key, db=db)
    today = dt.date.today()
    api.publish(run_id, today.isoformat(), (today + dt.timedelta(days=days)).isoformat(), "考核办", db=db)
    return run_id


def logged_in(base: str, passwords: dict[str, str]) -> dict[str, Client]:
    """A client per person of PEOPLE, logged in (password changed), and one for the anonymous."""
    out = {}
    for role, login in PEOPLE.items():
        c = Client(base)
        r = c.login(login, passwords[login])
        assert r.status == 303, (role, r.status, r.text[:300])
        out[role] = c
    out["anonymous"] = Client(base)
    out["anonymous"].get("/login")  # a session with a CSRF token, as a browser on the login page has
    return out
