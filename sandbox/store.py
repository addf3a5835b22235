"""The sandbox's state: JSON documents per kind with integer ids, in one SQLite file.

Deliberately not the Django ORM: the emulators run as their own process and must never touch
the middleware's database. Every request runs in one `BEGIN IMMEDIATE` transaction, so
concurrent request threads (and separate processes sharing the file) see consistent state.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

SCHEMA = """
CREATE TABLE IF NOT EXISTS docs (
    kind TEXT NOT NULL, id INTEGER NOT NULL, body TEXT NOT NULL, PRIMARY KEY (kind, id)
);
CREATE TABLE IF NOT EXISTS seq (kind TEXT PRIMARY KEY, next_id INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS kv (key TEXT PRIMARY KEY, value TEXT NOT NULL);
"""
# (kind, field) pairs with an index on the field: `Tx.where` and `Tx.slice_truthy` over
# them search the index instead of decoding every document of the kind (at 100,000 products
# a scan costs ~1 s: the last product page, or each stock write's lookup of its product's
# rows). Partial expression indexes, so the queries name both in literal text.
INDEXED_FIELDS = (
    ("picqer.products", "active"),
    ("ps.stock_availables", "id_product"),
    ("ps.combinations", "id_product"),
    ("ps.combinations", "reference"),
    ("ps.products", "reference"),
)
SCHEMA += "".join(
    f"CREATE INDEX IF NOT EXISTS docs_{kind.replace('.', '_')}_{field} ON docs "
    f"(json_extract(body, '$.\"{field}\"'), id) WHERE kind = '{kind}';\n"
    for kind, field in INDEXED_FIELDS
)


def _field_condition(kind: str, field: str) -> tuple[str, tuple]:
    """`kind = … AND json_extract(body, …)` and its parameters: literal text for an indexed
    pair (SQLite matches a partial expression index only on the same text)."""
    if (kind, field) in INDEXED_FIELDS:
        return f"kind = '{kind}' AND json_extract(body, '$.\"{field}\"')", ()
    return "kind = ? AND json_extract(body, ?)", (kind, f'$."{field}"')


class Tx:
    """One open transaction; obtained from `Store.tx()`."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self._conn = conn
        self._on_commit: list[Callable[[], None]] = []

    # documents -----------------------------------------------------------------------------
    def get(self, kind: str, id_: int | str) -> dict | None:
        """The document `kind`/`id_`, or None."""
        try:
            key = int(id_)
        except (TypeError, ValueError):
            return None
        row = self._conn.execute(
            "SELECT body FROM docs WHERE kind = ? AND id = ?", (kind, key)
        ).fetchone()
        return json.loads(row[0]) if row else None

    def all(self, kind: str) -> list[dict]:
        """Every document of `kind`, by ascending id."""
        rows = self._conn.execute("SELECT body FROM docs WHERE kind = ? ORDER BY id", (kind,))
        return [json.loads(r[0]) for r in rows]

    def iter_after(self, kind: str, after_id: int = 0) -> Iterator[dict]:
        """Documents of `kind` with an id above `after_id`, by ascending id, parsed one at a
        time: a caller that stops after a page never decodes the rest of a large kind."""
        rows = self._conn.execute(
            "SELECT body FROM docs WHERE kind = ? AND id > ? ORDER BY id", (kind, after_id)
        )
        return (json.loads(r[0]) for r in rows)

    def slice_truthy(self, kind: str, field: str | None, offset: int, limit: int) -> list[dict]:
        """`limit` documents of `kind` from `offset`, by id, counting only those whose
        top-level `field` is true (all when `field` is None); the skip happens in SQLite."""
        if field is None:
            condition, params = "kind = ?", (kind,)
        else:
            condition, params = _field_condition(kind, field)
            condition += " = 1"
        rows = self._conn.execute(
            f"SELECT body FROM docs WHERE {condition} ORDER BY id LIMIT ? OFFSET ?",  # noqa: S608 - constants
            (*params, limit, offset),
        )
        return [json.loads(r[0]) for r in rows]

    def where(self, kind: str, field: str, value: Any) -> list[dict]:
        """Documents of `kind` whose top-level `field` equals `value` (exact), by id."""
        condition, params = _field_condition(kind, field)
        rows = self._conn.execute(
            f"SELECT body FROM docs WHERE {condition} = ? ORDER BY id",  # noqa: S608 - constants
            (*params, value),
        )
        return [json.loads(r[0]) for r in rows]

    def count(self, kind: str) -> int:
        """How many documents of `kind` exist."""
        return self._conn.execute("SELECT COUNT(*) FROM docs WHERE kind = ?", (kind,)).fetchone()[0]

    def next_id(self, kind: str, start: int = 1) -> int:
        """Reserve the next id of `kind` (auto-increment; ids are never reused)."""
        row = self._conn.execute("SELECT next_id FROM seq WHERE kind = ?", (kind,)).fetchone()
        value = row[0] if row else start
        self._conn.execute(
            "INSERT INTO seq (kind, next_id) VALUES (?, ?) "
            "ON CONFLICT(kind) DO UPDATE SET next_id = excluded.next_id",
            (kind, value + 1),
        )
        return value

    def insert(self, kind: str, doc: dict, *, id_field: str = "id", start: int = 1) -> dict:
        """Store a new document, assigning `doc[id_field]` unless already set."""
        if not doc.get(id_field):
            doc[id_field] = self.next_id(kind, start)
        self.put(kind, int(doc[id_field]), doc)
        return doc

    def put(self, kind: str, id_: int, doc: dict) -> None:
        """Create or replace the document `kind`/`id_`."""
        self._conn.execute(
            "INSERT INTO docs (kind, id, body) VALUES (?, ?, ?) "
            "ON CONFLICT(kind, id) DO UPDATE SET body = excluded.body",
            (kind, int(id_), json.dumps(doc)),
        )

    def delete(self, kind: str, id_: int) -> bool:
        """Remove a document; True when it existed."""
        cur = self._conn.execute("DELETE FROM docs WHERE kind = ? AND id = ?", (kind, int(id_)))
        return cur.rowcount > 0

    # key/value (knobs, counters) -------------------------------------------------------------
    def kv_get(self, key: str, default: Any = None) -> Any:
        """A JSON value stored under `key`."""
        row = self._conn.execute("SELECT value FROM kv WHERE key = ?", (key,)).fetchone()
        return json.loads(row[0]) if row else default

    def kv_set(self, key: str, value: Any) -> None:
        """Store a JSON value under `key`."""
        self._conn.execute(
            "INSERT INTO kv (key, value) VALUES (?, ?) "
            "ON CONFLICT(key) DO UPDATE SET value = excluded.value",
            (key, json.dumps(value)),
        )

    def on_commit(self, fn: Callable[[], None]) -> None:
        """Run `fn` after a successful commit (webhooks must not fire for rolled-back work)."""
        self._on_commit.append(fn)


class Store:
    """A handle on the state file; cheap to share between threads."""

    def __init__(self, path: str | Path) -> None:
        self.path = str(path)
        if self.path != ":memory:":
            Path(self.path).parent.mkdir(parents=True, exist_ok=True)
        self._memory_conn: sqlite3.Connection | None = None
        self._memory_lock = threading.Lock()
        with self._connect() as conn:
            if self.path != ":memory:":
                conn.execute("PRAGMA journal_mode=WAL")
            conn.executescript(SCHEMA)

    @contextmanager
    def _connect(self) -> Iterator[sqlite3.Connection]:
        if self.path == ":memory:":
            # One shared connection: a fresh :memory: connection would be a fresh database.
            with self._memory_lock:
                if self._memory_conn is None:
                    self._memory_conn = sqlite3.connect(
                        ":memory:", isolation_level=None, check_same_thread=False
                    )
                yield self._memory_conn
            return
        conn = sqlite3.connect(self.path, timeout=30, isolation_level=None)
        try:
            yield conn
        finally:
            conn.close()

    @contextmanager
    def tx(self) -> Iterator[Tx]:
        """A write-locked transaction; commits on success, rolls back on any exception."""
        with self._connect() as conn:
            conn.execute("BEGIN IMMEDIATE")
            tx = Tx(conn)
            try:
                yield tx
            except BaseException:
                conn.execute("ROLLBACK")
                raise
            conn.execute("COMMIT")
        for fn in tx._on_commit:
            fn()

    def wipe(self) -> None:
        """Delete every document, sequence and key (the knobs included)."""
        with self.tx() as tx:
            for table in ("docs", "seq", "kv"):
                tx._conn.execute(f"DELETE FROM {table}")  # noqa: S608 - fixed table names
