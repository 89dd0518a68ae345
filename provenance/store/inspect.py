"""Read-only views of an index: statistics, and the consistency check used after crashes."""

from __future__ import annotations

import sqlite3
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from provenance.store.keys import REF_BITS

if TYPE_CHECKING:
    from provenance.store.sqlite import Store


@dataclass(frozen=True)
class Stats:
    articles: int
    by_source_kind: dict[str, int]
    outlets: int
    passages: int
    band_rows: int
    first_published: str | None
    last_published: str | None
    file_bytes: int
    text_bytes: int
    meta: dict[str, str]


def stats(store: Store) -> Stats:
    """Counts, dates, sizes and the recorded parameters of an open index."""
    one = store.conn.execute
    kinds = dict(one("SELECT source_kind, count(*) FROM articles GROUP BY 1").fetchall())
    first, last = one("SELECT min(published), max(published) FROM articles").fetchone()
    size = 0
    if store.path != ":memory:":
        for suffix in ("", "-wal"):
            file = Path(store.path + suffix)
            size += file.stat().st_size if file.is_file() else 0
    return Stats(
        articles=sum(kinds.values()),
        by_source_kind=dict(sorted((str(k), int(v)) for k, v in kinds.items())),
        outlets=one("SELECT count(DISTINCT outlet) FROM articles").fetchone()[0],
        passages=one("SELECT count(*) FROM passages").fetchone()[0],
        band_rows=one("SELECT count(*) FROM bands").fetchone()[0],
        first_published=first,
        last_published=last,
        file_bytes=size,
        text_bytes=one(
            "SELECT coalesce(sum(length(CAST(text AS BLOB))), 0) FROM articles"
        ).fetchone()[0],
        meta=dict(sorted(one("SELECT key, value FROM meta").fetchall())),
    )


def verify(store: Store) -> list[str]:
    """Consistency problems (empty when sound): SQLite's integrity check, and every
    article complete with its passages and ``bands`` rows per passage. A file too damaged
    for a query is a problem line too, never an exception."""
    try:
        problems = [
            f"integrity_check: {r[0]}"
            for r in store.conn.execute("PRAGMA integrity_check").fetchall()
            if r[0] != "ok"
        ]
    except sqlite3.DatabaseError as exc:
        problems = [f"integrity_check could not run: {exc}"]
    try:
        problems += _count_problems(store)
    except (sqlite3.DatabaseError, TypeError, ValueError) as exc:  # NULL or text for a number
        problems.append(f"cannot count the rows of each article: {exc}")
    return problems


def _count_problems(store: Store) -> list[str]:
    problems: list[str] = []
    expected = dict(store.conn.execute("SELECT pk, n_passages FROM articles").fetchall())
    passages = dict(
        store.conn.execute("SELECT article, count(*) FROM passages GROUP BY 1").fetchall()
    )
    bands: Counter[int] = Counter()
    for ref, count in store.conn.execute(
        f"SELECT ref >> {REF_BITS}, count(*) FROM bands GROUP BY 1"
    ):
        bands[int(ref)] += int(count)
    for pk in sorted(set(expected) | set(passages) | set(bands)):
        n = expected.get(pk)
        if n is None:
            problems.append(f"passages or band rows of a missing article (pk {pk})")
        elif passages.get(pk, 0) != n or bands.get(pk, 0) != n * store.fp.bands:
            problems.append(
                f"article pk {pk}: {passages.get(pk, 0)} passages and {bands.get(pk, 0)} "
                f"band rows, expected {n} and {n * store.fp.bands}"
            )
    return problems
