"""The portal's own records, kept in the history store's file beside the runs.

The store (scoring.history.store) guards its tables with triggers and a schema version; the
portal adds tables of its own next to them, made when the portal is set up
(``CREATE TABLE IF NOT EXISTS``), and touches none of the store's:

    portal_info     the criteria file the year is scored by, the unit list (bytes), the
                    cookie-signing secret (kept here so a restart keeps everyone logged in)
    accounts        office, data owners, units: scrypt hash with a salt of its own, whether
                    the password must still be changed, the initial password until it is
    uploads         every workbook an owner sent: bytes, sha256, who, when, and what the
                    validation said (kept even when it had problems)
    login_attempts  when, which account, from where, whether it succeeded (login limits)

Every write is one short ``BEGIN IMMEDIATE`` transaction with a busy timeout, so many
people saving at once queue instead of failing.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
import sqlite3
import time
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from ..errors import Problem, UsageError
from ..history.store import now

TIMEOUT = 30.0
TABLES = """
CREATE TABLE IF NOT EXISTS portal_info (key TEXT PRIMARY KEY, value BLOB NOT NULL) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS accounts (
    login TEXT PRIMARY KEY, role TEXT NOT NULL CHECK (role IN ('office', 'owner', 'unit')), name TEXT NOT NULL,
    owner TEXT, unit_id TEXT, salt BLOB NOT NULL, hash BLOB NOT NULL, must_change INTEGER NOT NULL,
    initial TEXT, created TEXT NOT NULL, changed TEXT) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS uploads (
    id INTEGER PRIMARY KEY AUTOINCREMENT, owner TEXT NOT NULL, login TEXT NOT NULL, at TEXT NOT NULL,
    name TEXT NOT NULL, stored_as TEXT NOT NULL, size INTEGER NOT NULL, sha256 TEXT NOT NULL,
    content BLOB NOT NULL, ok INTEGER NOT NULL CHECK (ok IN (0, 1)), problems TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS uploads_by_owner ON uploads(owner, id);
CREATE TABLE IF NOT EXISTS login_attempts (at REAL NOT NULL, login TEXT NOT NULL, client TEXT NOT NULL,
    ok INTEGER NOT NULL);
CREATE INDEX IF NOT EXISTS attempts_by_login ON login_attempts(login, at);
CREATE INDEX IF NOT EXISTS attempts_by_client ON login_attempts(client, at);
"""

# scrypt: 16 MiB of memory per guess (n * r * 128 bytes), about 50 ms on an office PC
SCRYPT = {"n": 2**14, "r": 8, "p": 1, "dklen": 32}
# initial passwords: no look-alike characters (0/O, 1/l/I), read off a printed sheet
ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"
# login limits: failures counted over the window; an account or a client over its limit is
# refused before any password is checked
WINDOW = 15 * 60
PER_ACCOUNT = 5
PER_CLIENT = 30


@dataclass(frozen=True)
class Account:
    login: str
    role: str  # "office" | "owner" | "unit"
    name: str
    owner: str | None  # the workbook it submits: a data owner's name, or a unit's id for a self-reported one
    unit_id: str | None  # a unit account's unit
    must_change: bool
    initial: str | None
    stamp: str  # changes with the password: sessions made before a change end

    @property
    def workbook(self) -> str | None:
        return self.owner


@dataclass(frozen=True)
class Upload:
    id: int
    owner: str
    login: str
    at: str
    name: str
    stored_as: str
    size: int
    sha256: str
    ok: bool
    problems: list[dict]


def connect(db: str | Path) -> sqlite3.Connection:
    conn = sqlite3.connect(str(db), timeout=TIMEOUT, isolation_level=None, check_same_thread=False)
    conn.execute("PRAGMA foreign_keys = ON")
    conn.execute(f"PRAGMA busy_timeout = {int(TIMEOUT * 1000)}")
    return conn


@contextmanager
def writing(conn: sqlite3.Connection):
    """One write, all or nothing; the write lock is taken at once so writers queue."""
    conn.execute("BEGIN IMMEDIATE")
    try:
        yield conn
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")


def ready(conn: sqlite3.Connection) -> bool:
    """Whether the portal was set up in this store."""
    return conn.execute("SELECT 1 FROM sqlite_master WHERE name = 'accounts'").fetchone() is not None


def info(conn: sqlite3.Connection, key: str):
    row = conn.execute("SELECT value FROM portal_info WHERE key = ?", (key,)).fetchone()
    return None if row is None else row[0]


# ------------------------------------------------------------------------------ passwords
def hash_password(password: str, salt: bytes) -> bytes:
    return hashlib.scrypt(password.encode("utf-8"), salt=salt, **SCRYPT)


def new_password(length: int = 10) -> str:
    return "".join(secrets.choice(ALPHABET) for _ in range(length))


def _account(row) -> Account:
    login, role, name, owner, unit_id, hashed, must, initial = row
    return Account(login, role, name, owner, unit_id, bool(must), initial, hashlib.sha256(hashed).hexdigest()[:16])


_ACCOUNT_COLS = "login, role, name, owner, unit_id, hash, must_change, initial"


def account(conn: sqlite3.Connection, login: str) -> Account | None:
    row = conn.execute(f"SELECT {_ACCOUNT_COLS} FROM accounts WHERE login = ?", (login,)).fetchone()
    return None if row is None else _account(row)


def accounts(conn: sqlite3.Connection) -> list[Account]:
    order = "CASE role WHEN 'office' THEN 0 WHEN 'owner' THEN 1 ELSE 2 END, login"
    return [_account(r) for r in conn.execute(f"SELECT {_ACCOUNT_COLS} FROM accounts ORDER BY {order}")]


def check_login(conn: sqlite3.Connection, login: str, password: str, client: str) -> tuple[Account | None, str | None]:
    """(the account, None) when the password is right; (None, message code) otherwise.

    An account or a client with too many recent failures is refused before any password is
    checked, so guessing costs the guesser the wait, not the server a hash."""
    since = time.time() - WINDOW
    by_login = conn.execute("SELECT COUNT(*) FROM login_attempts WHERE login = ? AND at > ? AND ok = 0", (login, since)).fetchone()[0]
    by_client = conn.execute("SELECT COUNT(*) FROM login_attempts WHERE client = ? AND at > ? AND ok = 0", (client, since)).fetchone()[0]
    if by_login >= PER_ACCOUNT or by_client >= PER_CLIENT:
        return None, "serve.login.limited"
    row = conn.execute("SELECT salt, hash FROM accounts WHERE login = ?", (login,)).fetchone()
    # an unknown login costs the same hash as a known one: timing does not tell which logins exist
    salt, stored = row if row is not None else (b"\0" * 16, b"")
    good = hmac.compare_digest(hash_password(password, salt), stored) and row is not None
    with writing(conn):
        at = time.time()
        conn.execute("INSERT INTO login_attempts (at, login, client, ok) VALUES (?, ?, ?, ?)", (at, login, client, int(good)))
        conn.execute("DELETE FROM login_attempts WHERE at < ?", (at - 30 * 86400,))  # a month is kept, for who tried
    if not good:
        return None, "serve.login.wrong"
    return account(conn, login), None


def set_password(conn: sqlite3.Connection, login: str, password: str) -> None:
    salt = secrets.token_bytes(16)
    with writing(conn):
        conn.execute(
            "UPDATE accounts SET salt = ?, hash = ?, must_change = 0, initial = NULL, changed = ? WHERE login = ?",
            (salt, hash_password(password, salt), now(), login),
        )


def reset_password(conn: sqlite3.Connection, login: str) -> str | None:
    """A new initial password for an account (the office's answer to a forgotten one) → it, or None when
    there is no such account. It must be changed at first login; the account's sessions end (the hash
    changes) and its failed logins are forgotten, so a locked-out person can log in at once."""
    password, salt = new_password(), secrets.token_bytes(16)
    with writing(conn):
        done = conn.execute(
            "UPDATE accounts SET salt = ?, hash = ?, must_change = 1, initial = ?, changed = ? WHERE login = ?",
            (salt, hash_password(password, salt), password, now(), login),
        ).rowcount
        conn.execute("DELETE FROM login_attempts WHERE login = ? AND ok = 0", (login,))
    return password if done else None


# ------------------------------------------------------------------------------ setting up
def setup(db: str | Path, criteria: str | Path, units: str | Path) -> list[tuple[Account, str]]:
    """Make the portal's tables in the store at ``db`` (the store made if missing) and an account for
    the office, each data owner and each unit → [(account, initial password)]. Refused when the
    portal is set up already: accounts are never replaced behind people's backs."""
    from .. import api
    from ..load.template import plan_templates
    from .data import read_units

    crit = api.load_criteria(criteria)
    unit_bytes = Path(units).read_bytes()
    unit_list = read_units(crit, unit_bytes, Path(units).name)
    api.open_store(db, create=True).close()
    jobs, _ = plan_templates(crit.plan, unit_list)
    conn = connect(db)
    try:
        with writing(conn):
            if ready(conn) and conn.execute("SELECT COUNT(*) FROM accounts").fetchone()[0]:
                raise UsageError(Problem("serve.setup_done", {"path": str(db)}))
            for stmt in TABLES.strip().split(";\n"):
                if stmt.strip():
                    conn.execute(stmt)
            conn.executemany(
                "INSERT OR REPLACE INTO portal_info (key, value) VALUES (?, ?)",
                [
                    ("criteria", str(Path(criteria).resolve())),
                    ("units", unit_bytes),
                    ("units_name", Path(units).name),
                    ("secret", secrets.token_hex(32)),
                    ("created", now()),
                ],
            )
            made = []
            people: list[tuple[str, str, str, str | None, str | None]] = [("office", "office", crit.criteria.assessment.office or "考核办", None, None)]
            owners = [(o, fields) for name, o, fields, rows in jobs if o not in unit_list.ids]
            people += [(f"o{k:02d}", "owner", o, o, None) for k, (o, _) in enumerate(owners, start=1)]
            self_owned = {o for name, o, fields, rows in jobs if o in unit_list.ids}
            people += [(uid, "unit", f"{uid} {uname}", uid if uid in self_owned else None, uid) for uid, uname in zip(unit_list.ids, unit_list.names)]
            for login, role, name, owner, unit_id in people:
                password = new_password()
                salt = secrets.token_bytes(16)
                conn.execute(
                    "INSERT INTO accounts (login, role, name, owner, unit_id, salt, hash, must_change, initial, created) VALUES (?, ?, ?, ?, ?, ?, ?, 1, ?, ?)",
                    (login, role, name, owner, unit_id, salt, hash_password(password, salt), password, now()),
                )
                made.append(login)
        return [(a, a.initial or "") for a in accounts(conn) if a.login in made]
    finally:
        conn.close()


# ------------------------------------------------------------------------------ uploads
_UPLOAD_COLS = "id, owner, login, at, name, stored_as, size, sha256, ok, problems"


def _upload(r) -> Upload:
    return Upload(r[0], r[1], r[2], r[3], r[4], r[5], r[6], r[7], bool(r[8]), json.loads(r[9]))


def add_upload(conn: sqlite3.Connection, owner: str, login: str, name: str, stored_as: str, content: bytes, problems: list[dict]) -> int:
    with writing(conn):
        cur = conn.execute(
            f"INSERT INTO uploads ({_UPLOAD_COLS.replace('id, ', '', 1)}, content) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                owner,
                login,
                now(),
                name,
                stored_as,
                len(content),
                hashlib.sha256(content).hexdigest(),
                int(not problems),
                json.dumps(problems, ensure_ascii=False),
                content,
            ),
        )
        return int(cur.lastrowid or 0)


def uploads(conn: sqlite3.Connection, owner: str | None = None) -> list[Upload]:
    if owner is None:
        rows = conn.execute(f"SELECT {_UPLOAD_COLS} FROM uploads ORDER BY id DESC")
    else:
        rows = conn.execute(f"SELECT {_UPLOAD_COLS} FROM uploads WHERE owner = ? ORDER BY id DESC", (owner,))
    return [_upload(r) for r in rows]


def upload(conn: sqlite3.Connection, upload_id: int) -> Upload | None:
    r = conn.execute(f"SELECT {_UPLOAD_COLS} FROM uploads WHERE id = ?", (upload_id,)).fetchone()
    return None if r is None else _upload(r)


def upload_bytes(conn: sqlite3.Connection, upload_id: int) -> bytes:
    return conn.execute("SELECT content FROM uploads WHERE id = ?", (upload_id,)).fetchone()[0]


def latest_clean(conn: sqlite3.Connection) -> list[tuple[str, bytes]]:
    """Each owner's latest upload that passed: (file name, bytes) — what a year is scored from."""
    rows = conn.execute(
        "SELECT u.stored_as, u.content FROM uploads u JOIN (SELECT owner, MAX(id) AS id FROM uploads "
        "WHERE ok = 1 GROUP BY owner) m ON u.id = m.id ORDER BY u.owner"
    )
    return [(r[0], r[1]) for r in rows]
