"""The persistent, crash-safe index (SQLite): see ``sqlite.py`` for the file layout."""

from provenance.store.inspect import Stats
from provenance.store.keys import Entry, Fingerprinter, content_hash
from provenance.store.ops import AddSummary, add_articles, rebuild, verify
from provenance.store.sqlite import Store, StoredArticle, describe_sqlite_error, ref_parts

__all__ = [
    "AddSummary",
    "Entry",
    "Fingerprinter",
    "Stats",
    "Store",
    "StoredArticle",
    "add_articles",
    "content_hash",
    "describe_sqlite_error",
    "rebuild",
    "ref_parts",
    "verify",
]
