"""Sealing what is published: a 定稿 run is re-scored, then bound by a digest and the office's
signature, chained to the seal before it; every later read checks the seal first.

The sealed document (``document``) is canonical JSON (sorted keys, no spaces, UTF-8) of:
the run's own fields, the sha256 of its stored criteria text and of its stored data (both
recomputed from the stored bytes), engine and plugin versions and the methods used, the
submitted files' hashes, the aliases it declared, every unit's result (total, rank, of,
grade, vetoes, the sha256 of its score sheet), every module score, and the digest of the
previous seal of the store.  The digest is the sha256 of those bytes; the signature is
Ed25519 over the same bytes, made with the office's private key (``scoring keygen``), which
is kept outside the store.  A printed paper carries the full digest and the public key.

What a seal catches: any change to a sealed run's inputs, results, fields or seal record,
a final run without a seal (inserted or finalized outside the program), a seal moved out
of its place in the chain, a signature by another key than the office's.  What it cannot
catch: someone holding the office's private key; someone who replaces the store and signs
it with a key of their own, unless the office's public key is pinned (``SCORING_PUBLIC_KEY``
or ``--public-key``; it is printed on every paper) — see docs/history.md.
"""

from __future__ import annotations

import hashlib
import json
import os
import stat
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Sequence

from ..errors import HistoryError, Problem
from ..i18n import t
from . import canonical
from .store import RunInfo, Store

FORMAT = "scoring-seal/1"
KEY_ENV = "SCORING_KEY"  # path of the office's private key (PEM)
PUBLIC_ENV = "SCORING_PUBLIC_KEY"  # the office's public key (hex, or a PEM file), pinned
SHOWN = 8  # differences named in a message


class Said(str):
    """A difference in Chinese (the str itself) with its English (``.en``).  Field names are the
    keys of the sealed document (run-N.seal.json), so an auditor finds them there."""

    en: str

    def __new__(cls, zh: str, en: str | None = None) -> "Said":
        obj = super().__new__(cls, zh)
        obj.en = zh if en is None else en
        return obj

    @classmethod
    def of(cls, code: str, **args) -> "Said":
        """The catalogue's message ``code`` in both languages; a Said argument gives each language its own."""
        return cls(*(t(code, lang, **{k: (v.en if lang == "en" else str(v)) if isinstance(v, Said) else v for k, v in args.items()}) for lang in ("zh", "en")))

    def squeezed(self) -> "Said":
        """Double spaces left by an empty part made single, in both languages."""
        return Said(self.replace("  ", " "), self.en.replace("  ", " "))


def said(items: Sequence[str], lang: str, limit: int | None = SHOWN) -> str:
    texts = [said_in(w, lang) for w in items]
    if limit is not None and len(texts) > limit:
        texts = texts[:limit] + [f"(+{len(texts) - limit})"]
    return t("sep.items", lang).join(texts)


def said_in(w: str, lang: str) -> str:
    """A difference in the reader's language (a plain string is the same in both)."""
    return w.en if isinstance(w, Said) and lang == "en" else str(w)


# ---------------------------------------------------------------------------- keys
def _crypto():
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

    return Ed25519PrivateKey, Ed25519PublicKey, serialization, InvalidSignature


def public_hex(private) -> str:
    _, _, ser, _ = _crypto()
    return private.public_key().public_bytes(ser.Encoding.Raw, ser.PublicFormat.Raw).hex()


def public_pem(key_hex: str) -> bytes:
    _, Pub, ser, _ = _crypto()
    return Pub.from_public_bytes(bytes.fromhex(key_hex)).public_bytes(ser.Encoding.PEM, ser.PublicFormat.SubjectPublicKeyInfo)


def keygen(out: str | os.PathLike) -> str:
    """Write a new private key (PEM, mode 0600) to ``out``, never over an existing file; returns the public key (hex)."""
    Priv, _, ser, _ = _crypto()
    p = Path(out)
    key = Priv.generate()
    pem = key.private_bytes(ser.Encoding.PEM, ser.PrivateFormat.PKCS8, ser.NoEncryption())
    try:
        fd = os.open(p, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        raise HistoryError(Problem("seal.key_exists", {"path": str(p)}, file=str(p))) from None
    except OSError as e:
        raise HistoryError(Problem("seal.key_unwritable", {"path": str(p), "detail": e.strerror or str(e)}, file=str(p))) from None
    with os.fdopen(fd, "wb") as f:
        f.write(pem)
    os.chmod(p, stat.S_IRUSR | stat.S_IWUSR)
    return public_hex(key)


def load_key(path: str | os.PathLike | None):
    """The office's private key from ``path`` (else ``$SCORING_KEY``)."""
    Priv, _, ser, _ = _crypto()
    where = path or os.environ.get(KEY_ENV)
    if not where:
        raise HistoryError(Problem("seal.no_key"))
    try:
        raw = Path(where).read_bytes()
    except OSError as e:
        raise HistoryError(Problem("seal.key_unreadable", {"path": str(where), "detail": e.strerror or str(e)}, file=str(where))) from None
    try:
        key = ser.load_pem_private_key(raw, password=None)
    except (ValueError, TypeError):
        key = None
    if not isinstance(key, Priv):
        raise HistoryError(Problem("seal.key_invalid", {"path": str(where)}, file=str(where)))
    return key


def pinned_key(given: str | None = None) -> str | None:
    """The office's public key the user pinned (hex, or a PEM file), if any."""
    text = given or os.environ.get(PUBLIC_ENV)
    if not text:
        return None
    text = text.strip()
    if len(text) == 64 and all(c in "0123456789abcdefABCDEF" for c in text):
        return text.lower()
    _, Pub, ser, _ = _crypto()
    try:
        key = ser.load_pem_public_key(Path(text).read_bytes())
    except (OSError, ValueError) as e:
        raise HistoryError(Problem("seal.pinned_invalid", {"key": text, "detail": str(e)[:120]})) from None
    if not isinstance(key, Pub):
        raise HistoryError(Problem("seal.pinned_invalid", {"key": text, "detail": "not Ed25519"}))
    return key.public_bytes(ser.Encoding.Raw, ser.PublicFormat.Raw).hex()


def signature_ok(key_hex: str, signature_hex: str, data: bytes) -> bool:
    _, Pub, _, Invalid = _crypto()
    try:
        Pub.from_public_bytes(bytes.fromhex(key_hex)).verify(bytes.fromhex(signature_hex), data)
        return True
    except (Invalid, ValueError):
        return False


# ---------------------------------------------------------------------------- the document
def dumps(doc: dict[str, Any]) -> bytes:
    """Canonical bytes: sorted keys, no spaces, UTF-8, floats as Python writes them (shortest exact)."""
    return json.dumps(doc, ensure_ascii=False, sort_keys=True, separators=(",", ":"), allow_nan=False).encode("utf-8")


def document(store: Store, run: RunInfo, previous: str, events_at: int | None = None) -> dict[str, Any]:
    """What a seal binds, read from the store as it is now (see the module doc).

    ``events_at``: the event log's last row when the seal was made; the document then binds
    the log's chain digest up to it, so every earlier event (公示, objections, decisions of
    any run) is covered by the signature too."""
    crit = store.query("SELECT text FROM criteria_texts WHERE sha256 = ?", (run.criteria_sha256,))
    data = store.query("SELECT packed FROM datasets WHERE sha256 = ?", (run.data_sha256,))
    try:
        data_sha = canonical.sha256(canonical.unpack(data[0][0])) if data else "missing"
    except Exception:  # noqa: BLE001 - unreadable stored bytes: the digest cannot match
        data_sha = "unreadable"
    used = {p: run.plugins.get(p, "") for p in sorted(set(run.methods.values()))}
    units = store.query(
        "SELECT unit_id, name, category, total, rank, of, grade, failed, no_excellent, sheet FROM unit_results WHERE run_id = ? ORDER BY unit_id", (run.id,)
    )
    modules = store.query(
        "SELECT unit_id, module_id, name, weight, score, contribution FROM module_results WHERE run_id = ? ORDER BY unit_id, module_id", (run.id,)
    )
    aliases = store.query("SELECT old, new, year, note FROM aliases WHERE run_id = ? ORDER BY old, new", (run.id,))
    doc = {
        "format": FORMAT,
        "run": {
            "id": run.id,
            "series": run.series,
            "year": run.year,
            "assessment": run.assessment,
            "status": run.status,
            "created": run.created,
            "operator": run.operator,
            "finalized": run.finalized,
            "finalized_by": run.finalized_by,
            "corrects": run.corrects,
            "root": run.root,
            "reason": run.reason,
            "note": run.note,
            "precision": run.precision,
            "units": run.units,
            "criteria_path": run.criteria_path,
            "data_path": run.data_path,
        },
        "criteria_sha256": canonical.sha256(crit[0][0].encode("utf-8")) if crit else "missing",
        "data_sha256": data_sha,
        "engine": run.engine,
        "plugins": used,
        "methods": dict(sorted(run.methods.items())),
        "files": [list(f) for f in store.files(run.id)],
        "aliases": [list(a) for a in aliases],
        "units": [[u[0], u[1], u[2], u[3], u[4], u[5], u[6], bool(u[7]), bool(u[8]), hashlib.sha256(u[9].encode("utf-8")).hexdigest()] for u in units],
        "modules": [list(m) for m in modules],
        "previous": previous,
    }
    if events_at is not None:
        from .store import chain_at

        digest, bad = chain_at(store, events_at)
        doc["events"] = {"seq": events_at, "digest": digest if not bad else f"rows {bad} altered"}
    return doc


UNIT_COLS = ("unit", "name", "category", "total", "rank", "of", "grade", "failed", "no_excellent", "sheet")
MODULE_COLS = ("unit", "module", "name", "weight", "score", "contribution")


def differences(sealed: dict[str, Any], now: dict[str, Any]) -> list[str]:
    """What differs between the sealed document and the store today, in words people can check."""
    out: list[str] = []
    for k in ("criteria_sha256", "data_sha256", "engine", "plugins", "methods", "files", "aliases", "previous", "events"):
        if sealed.get(k) != now.get(k):
            out.append(Said.of("seal.diff.value", key=k, old=_short(sealed.get(k)), new=_short(now.get(k))))
    for k, v in sealed.get("run", {}).items():
        if now.get("run", {}).get(k) != v:
            out.append(Said.of("seal.diff.value", key=f"run.{k}", old=_short(v), new=_short(now["run"].get(k))))
    out += _rows(Said.of("seal.diff.what_unit"), sealed.get("units", []), now.get("units", []), UNIT_COLS, 1)
    out += _rows(Said.of("seal.diff.what_module"), sealed.get("modules", []), now.get("modules", []), MODULE_COLS, 2)
    return out


def _rows(what: Said, old: list, new: list, cols: tuple[str, ...], key: int) -> list[Said]:
    a = {tuple(r[:key]): r for r in old}
    b = {tuple(r[:key]): r for r in new}
    out = []
    for k in sorted(set(a) | set(b), key=str):
        name = "/".join(map(str, k))
        if k not in b:
            out.append(Said.of("seal.diff.removed", what=what, name=name))
        elif k not in a:
            out.append(Said.of("seal.diff.added", what=what, name=name))
        elif a[k] != b[k]:
            out += [Said.of("seal.diff.cell", what=what, name=name, column=c, old=_short(x), new=_short(y)) for c, x, y in zip(cols, a[k], b[k]) if x != y]
    return out


def _short(v) -> str:
    text = json.dumps(v, ensure_ascii=False) if not isinstance(v, str) else v
    return text if len(text) <= 80 else text[:77] + "…"


# ---------------------------------------------------------------------------- checking
@dataclass(frozen=True)
class SealRow:
    seq: int
    run_id: int
    document: str
    digest: str
    previous: str
    public_key: str
    signature: str


def seal_rows(store: Store) -> list[SealRow]:
    return [SealRow(*r) for r in store.query("SELECT seq, run_id, document, digest, previous, public_key, signature FROM seals ORDER BY seq")]


def _seal_of(store: Store, run_id: int) -> SealRow | None:
    rows = store.query("SELECT seq, run_id, document, digest, previous, public_key, signature FROM seals WHERE run_id = ?", (run_id,))
    return SealRow(*rows[0]) if rows else None


def _previous_digest(store: Store, seq: int) -> str:
    rows = store.query("SELECT digest FROM seals WHERE seq < ? ORDER BY seq DESC LIMIT 1", (seq,))
    return rows[0][0] if rows else ""


def office_key(store: Store) -> str | None:
    rows = store.query("SELECT value FROM store_info WHERE key = 'office_public_key'")
    return rows[0][0] if rows else None


def problems_of(store: Store, run: RunInfo, pinned: str | None = None) -> list[str]:
    """Everything wrong with the seal of ``run`` (empty: intact, or a draft never sealed)."""
    seal = _seal_of(store, run.id)
    if seal is None:
        return ["unsealed"] if run.final else []
    what: list[str] = []
    if not run.final:
        what.append(Said.of("seal.diff.status", status=run.status))
    raw = seal.document.encode("utf-8")
    if hashlib.sha256(raw).hexdigest() != seal.digest:
        what.append(Said.of("seal.diff.digest"))
    if not signature_ok(seal.public_key, seal.signature, raw):
        what.append(Said.of("seal.diff.signature"))
    known = office_key(store)
    if known is not None and seal.public_key != known:
        what.append(Said.of("seal.diff.other_key", key=seal.public_key, known=known))
    if pinned is not None and seal.public_key != pinned:
        what.append(Said.of("seal.diff.not_pinned", key=seal.public_key, pinned=pinned))
    expected_prev = _previous_digest(store, seal.seq)
    if seal.previous != expected_prev:
        what.append(Said.of("seal.diff.chain", previous=seal.previous or "—", expected=expected_prev or "—"))
    try:
        sealed = json.loads(seal.document)
    except ValueError:
        return what + [Said.of("seal.diff.unreadable")]
    at = sealed.get("events", {}).get("seq") if isinstance(sealed.get("events"), dict) else None
    what += differences(sealed, document(store, run, seal.previous, at))
    return what


def check(store: Store, run: RunInfo) -> None:
    """Refuse to read a run whose seal is broken (a draft passes: it prints as 草稿)."""
    ok = store.sealed_ok
    if run.id in ok:
        return
    what = problems_of(store, run, pinned_key())
    if what:
        raise broken(store, run, what)
    if run.final:
        ok.add(run.id)


def broken(store: Store, run: RunInfo, what: list[str]) -> HistoryError:
    if what == ["unsealed"]:
        return HistoryError(Problem("seal.unsealed", {"run": run.id, "year": run.year, "path": str(store.path)}, file=str(store.path)))
    return HistoryError(
        Problem(
            "seal.broken",
            {"run": run.id, "year": run.year, "what": said(what, "zh"), "what_en": said(what, "en"), "path": str(store.path)},
            file=str(store.path),
        )
    )


def check_all(store: Store, pinned: str | None = None) -> list[tuple[RunInfo | None, list[str]]]:
    """Every final run and every seal of the store: (run, what is wrong) for each one that is wrong."""
    out: list[tuple[RunInfo | None, list[str]]] = []
    runs = {r.id: r for r in store.runs()}
    seen = set()
    for seal in seal_rows(store):
        seen.add(seal.run_id)
        run = runs.get(seal.run_id)
        if run is None:
            out.append((None, [Said.of("seal.diff.run_gone", seq=seal.seq, run=seal.run_id)]))
            continue
        what = problems_of(store, run, pinned)
        if what:
            out.append((run, what))
    for run in runs.values():
        if run.final and run.id not in seen:
            out.append((run, ["unsealed"]))
    return out


@dataclass
class StoreCheck:
    """The whole store checked (``scoring verify --all``)."""

    path: Path
    triggers_missing: list[str]  # the store's protecting triggers that are gone
    problems: list[tuple[RunInfo | None, list[str]]]  # (run or None, what is wrong) per seal that does not hold
    seals: list[SealRow]  # every seal, oldest first
    log_rows_altered: list[int]  # rows of the event log whose chain no longer holds (also after the last seal)

    @property
    def intact(self) -> bool:
        return not self.triggers_missing and not self.problems and not self.log_rows_altered


def check_store(store: Store, pinned: str | None = None) -> StoreCheck:
    from .store import chain_at, trigger_problems

    head = store.query("SELECT MAX(seq) FROM events")[0][0] or 0
    return StoreCheck(store.path, trigger_problems(store), check_all(store, pinned), seal_rows(store), chain_at(store, head)[1])


# ---------------------------------------------------------------------------- sealing
def finalize(
    store: Store, run_id: int, operator: str, key_path: str | os.PathLike | None = None, plugin_args: Sequence[str] = (), rescore: bool = True
) -> tuple[RunInfo, bool]:
    """Re-score the run from its stored criteria and data; if the results match, make it final
    and seal it, in one transaction.  A final run sealed before is left as it is; a final run
    without a seal (finalized before sealing existed) is verified and sealed.

    ``rescore=False`` only for a run imported from an earlier year's published sheet, which
    has no criteria scoring to repeat (imported.py): it is sealed as it was read."""
    from .reproduce import imported_run, verify

    key = load_key(key_path)
    run = store.run(run_id)
    if run.final and _seal_of(store, run.id) is not None:
        check(store, run)
        return run, False
    before = document(store, run, "")
    if rescore:
        imported_run(store, run)  # an imported run cannot be re-scored: say so, do not fail half-way
        rep = verify(store, run_id, plugin_args)
    if rescore and (rep.altered or rep.changes):  # (its seal is what is being made: not part of this check)
        what = [Said.of("seal.diff.altered", what=w) for w in rep.altered]
        what += [Said.of("seal.diff.rescored", unit=c.unit_id, what=c.what, item=c.item, old=_short(c.old), new=_short(c.new)).squeezed() for c in rep.changes]
        raise HistoryError(Problem("seal.finalize_differs", {"run": run_id, "what": said(what, "zh"), "what_en": said(what, "en")}))
    mine = public_hex(key)
    known = office_key(store)
    if known is not None and known != mine:
        raise HistoryError(Problem("seal.other_key", {"run": run_id, "key": mine, "office": known}))

    def seal(conn, final: RunInfo) -> None:
        now = document(store, final, "")
        strip = lambda d: {k: v for k, v in d.items() if k != "run"}  # noqa: E731 - status/finalized change now
        if strip(now) != strip(before):
            diff = differences(before, now)
            raise HistoryError(Problem("seal.changed_meanwhile", {"run": run_id, "what": said(diff, "zh"), "what_en": said(diff, "en")}))
        prev = conn.execute("SELECT digest FROM seals ORDER BY seq DESC LIMIT 1").fetchone()
        head = conn.execute("SELECT MAX(seq) FROM events").fetchone()[0]
        doc = document(store, final, prev[0] if prev else "", head)
        raw = dumps(doc)
        conn.execute(
            "INSERT INTO seals (run_id, document, digest, previous, public_key, signature) VALUES (?, ?, ?, ?, ?, ?)",
            (final.id, raw.decode("utf-8"), hashlib.sha256(raw).hexdigest(), doc["previous"], mine, key.sign(raw).hex()),
        )
        if known is None:
            conn.execute("INSERT OR IGNORE INTO store_info (key, value) VALUES ('office_public_key', ?)", (mine,))

    return store.finalize(run_id, operator, seal)


def export(store: Store, run: RunInfo, folder: str | os.PathLike) -> list[Path]:
    """The sealed document, its signature and the public key as files an auditor checks with
    standard tools (``sha256sum``, ``openssl pkeyutl -verify``)."""
    from ..outfile import write_out

    seal = _seal_of(store, run.id)
    if seal is None:
        raise broken(store, run, ["unsealed"]) if run.final else HistoryError(Problem("seal.draft", {"run": run.id}))
    check(store, run)
    d = Path(folder)
    files = [
        (d / f"run-{run.id}.seal.json", seal.document.encode("utf-8")),
        (d / f"run-{run.id}.sig", bytes.fromhex(seal.signature)),
        (d / f"run-{run.id}.pub.pem", public_pem(seal.public_key)),
    ]
    for path, data in files:
        write_out(path, data)
    return [p for p, _ in files]
