"""The persistent, crash-safe index (SQLite): see ``sqlite.py`` for the file layout."""

from provenance.store.inspect import Stats
from provenance.store.keys import Entry, Fingerprinter, content_hash
from provenance.store.ops import AddSummary, add_articles, rebuild
from provenance.store.sqlite import Store, StoredArticle, ref_parts

__all__ = [
    "AddSummary",
    "Entry",
    "Fingerprinter",
    "Stats",
    "Store",
    "StoredArticle",
    "add_articles",
    "content_hash",
    "rebuild",
    "ref_parts",
]
