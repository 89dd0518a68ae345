"""Index operations that need the pipeline: adding articles and rebuilding the index.

Analysis (segmentation, boilerplate, fingerprints) runs outside any transaction, one batch at
a time; only the writes of a batch hold the database lock.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from provenance import pipeline
from provenance.config import Config
from provenance.errors import StoreError
from provenance.model import Article, ArticleResult
from provenance.store import inspect
from provenance.store.keys import REF_BITS, Entry, content_hash
from provenance.store.sqlite import Store, StoredArticle, describe_sqlite_error

# progress(done, total)
AddProgress = Callable[[int, int], None]
# The per-article analysis whose boilerplate spans decide the indexed passages.
Analyze = Callable[[Sequence[Article], Config], Sequence[ArticleResult]]


def per_article_analysis() -> Analyze:
    """``pipeline.analyze_each`` with its data files loaded once, not once per batch."""
    resources = pipeline.Resources.load()

    def analyze(articles: Sequence[Article], config: Config) -> Sequence[ArticleResult]:
        return pipeline.analyze_each(articles, config, resources=resources)

    return analyze


@dataclass(frozen=True)
class AddSummary:
    added: int
    replaced: int
    unchanged: int


def add_articles(
    store: Store,
    articles: Sequence[Article],
    config: Config,
    *,
    replace: bool = False,
    progress: AddProgress | None = None,
    analyze: Analyze | None = None,
) -> AddSummary:
    """Add ``articles`` in batches of ``config.index.batch_size``, one transaction each.

    Articles already indexed with the same text are skipped before any analysis. A changed
    text under an existing id is refused before anything is written (unless ``replace``);
    a concurrent writer can still cause the refusal in a later batch, after earlier batches
    were committed, which leaves the index consistent.
    """
    stored = store.hashes(a.id for a in articles)
    todo = [a for a in articles if stored.get(a.id) != content_hash(a.text)]
    changed = sorted(a.id for a in todo if a.id in stored)
    if changed and not replace:
        shown = ", ".join(repr(i) for i in changed[:5]) + (" ..." if len(changed) > 5 else "")
        raise StoreError(
            f"{len(changed)} article(s) already indexed with a different text: {shown}; "
            "use --replace to replace them"
        )
    added = replaced = 0
    analyze = analyze or per_article_analysis()
    size = config.index.batch_size
    todo.sort(key=lambda a: a.id)
    for start in range(0, len(todo), size):
        batch = todo[start : start + size]
        results = analyze(batch, config)
        put = store.put(store.fp.entries(results), replace=replace)
        added += len(put.added)
        replaced += len(put.replaced)
        if progress is not None:
            progress(start + len(batch), len(todo))
    return AddSummary(added, replaced, len(articles) - added - replaced)


def rebuild(store: Store, config: Config) -> int:
    """Re-fingerprint every stored article with this run's parameters, in one transaction
    (a crash leaves the old index intact). Returns the number of articles."""
    with store.transaction():
        articles = [s.article for s in store.iter_articles()]
        store.conn.execute("DELETE FROM bands")
        store.conn.execute("DELETE FROM passages")
        store.conn.execute("DELETE FROM articles")
        store.write_meta()
        size = config.index.batch_size
        analyze = per_article_analysis()
        for start in range(0, len(articles), size):
            results = analyze(articles[start : start + size], config)
            store.put(store.fp.entries(results))
    return len(articles)


def verify(store: Store, config: Config, *, batch: int = 200) -> list[str]:
    """Every problem found in an index, as lines (empty when sound); never raises for a
    damaged file. SQLite's ``integrity_check`` and the row counts (``inspect.verify``),
    then the project's own check: each article's content hash against its text, its
    metadata readable, and its passages and band keys recomputed from its text (as
    ``index add`` would store them) and compared with the stored rows."""
    problems = inspect.verify(store)
    try:
        pks = [int(r[0]) for r in store.conn.execute("SELECT pk FROM articles ORDER BY pk")]
    except (sqlite3.DatabaseError, TypeError, ValueError) as exc:
        return [*problems, f"cannot list the articles: {describe_sqlite_error(exc)}"]
    analyze = per_article_analysis()
    for start in range(0, len(pks), batch):
        stored: list[StoredArticle] = []
        for pk in pks[start : start + batch]:
            try:
                stored.extend(store.articles([pk]).values())
            except (sqlite3.DatabaseError, StoreError) as exc:
                reason = describe_sqlite_error(exc) if isinstance(exc, sqlite3.Error) else exc
                problems.append(f"article pk {pk}: unreadable: {reason}")
        stored.sort(key=lambda s: s.article.id)  # the order of the analysis results
        results = analyze([s.article for s in stored], config)
        for item, entry in zip(stored, store.fp.entries(results), strict=True):
            try:
                problems.extend(_entry_problems(store, item, entry))
            except (sqlite3.DatabaseError, TypeError) as exc:  # TypeError: a NULL hash
                problems.append(
                    f"article {item.article.id!r}: cannot read its rows: "
                    f"{describe_sqlite_error(exc)}"
                )
    return problems


def _entry_problems(store: Store, item: StoredArticle, entry: Entry) -> list[str]:
    """How the stored rows of one article differ from those recomputed from its text."""
    name = f"article {item.article.id!r}"
    out: list[str] = []
    (digest,) = store.conn.execute(
        "SELECT content_hash FROM articles WHERE pk = ?", (item.pk,)
    ).fetchone()
    if bytes(digest) != content_hash(item.article.text):
        out.append(f"{name}: its text does not match its content hash (text damaged)")
    spans = tuple((p.start, p.end) for _, p in entry.numbered())
    if item.passages != spans:
        out.append(
            f"{name}: {len(item.passages)} stored passages differ from the {len(spans)} "
            "recomputed from its text"
        )
    missing = sum(
        1
        for seq, p in entry.numbered()
        for key in p.keys
        if store.conn.execute(
            "SELECT 1 FROM bands WHERE key = ? AND ref = ?", (key, item.pk << REF_BITS | seq)
        ).fetchone()
        is None
    )
    if missing:
        total = sum(len(p.keys) for _, p in entry.numbered())
        out.append(f"{name}: {missing} of its {total} band keys are missing from the index")
    return out
