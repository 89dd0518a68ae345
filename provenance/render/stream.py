"""The JSON report written incrementally: each article as it is classified, then the
corpus-wide sections; byte for byte what ``data.to_json(data.report_dict(...))`` writes.

An article's item can be made where it is classified (``rendered``, on a pool's worker),
so that the writing process only copies its text and adds up its sizes.

The summary comes before the articles in the report but adds up all of them, so articles
go to a spool file first (one pass, totals kept as they go) and the report is then written
head, spooled articles, tail. The head comes from ``data.report_dict`` itself (on the
corpus without its articles and with its corpus-wide sections empty), and the corpus-wide
sections from ``data.tail_sections``, written an item at a time, so no section is ever held
whole as dicts or as one string; a test compares the two writers.
"""

from __future__ import annotations

import io
import itertools
import json
import shutil
import tempfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO

from provenance.config import Config
from provenance.model import LABEL_PRECEDENCE, ArticleResult, CorpusResult
from provenance.render.data import (
    TAIL,
    article_dict,
    encoder,
    report_dict,
    tail_sections,
    to_json,
)

_PLACEHOLDER = '  "articles": [],\n'
_INDENT = "    "
# Pieces of an item's JSON (``JSONEncoder.iterencode``'s: a key, a value, a bracket) joined
# and written at a time: an item is never one string, however large (at 1,000,000
# synthetic articles the largest quotation group is 2.9 million lines: its text, then its
# indented copy, were the write's peak), and writes stay few (a piece is a few bytes).
ITEM_PIECES = 1 << 16


def _write_item(handle: TextIO, value: Any) -> None:
    """One item of a top-level list of the report, indented as ``data.to_json`` does
    (``json.dumps`` joins the same pieces)."""
    pieces = encoder().iterencode(value)
    handle.write(_INDENT)
    while batch := list(itertools.islice(pieces, ITEM_PIECES)):
        handle.write("".join(batch).replace("\n", "\n" + _INDENT))


@dataclass(frozen=True)
class RenderedArticle:
    """An article's item of the JSON report, as ``write_json`` writes it (indented), and
    what the summary adds up of it."""

    text: str
    characters: int  # of the article's text
    composition: tuple[tuple[str, int], ...]  # (label, characters) of each of its spans


def rendered(result: ArticleResult) -> RenderedArticle:
    """The item of a classified article, made wherever it is classified."""
    item = io.StringIO()
    _write_item(item, article_dict(result))
    sizes = tuple((span.label.value, span.end - span.start) for span in result.spans)
    return RenderedArticle(item.getvalue(), len(result.article.text), sizes)


def _write_tail(handle: TextIO, sections: dict[str, Iterator[Any]]) -> None:
    """The report's sections after its articles and its closing brace, an item at a time."""
    for k, name in enumerate(TAIL):
        handle.write(f"  {json.dumps(name)}: [")
        count = 0
        for value in sections[name]:
            handle.write(",\n" if count else "\n")
            _write_item(handle, value)
            count += 1
        handle.write("\n  ]" if count else "]")
        handle.write(",\n" if k + 1 < len(TAIL) else "\n}\n")


def write_json(
    handle: TextIO,
    corpus: CorpusResult,
    outlets: Iterable[tuple[str, str | None]],
    articles: Iterable[ArticleResult | RenderedArticle],
    config: Config,
    spool_dir: Path | None = None,
) -> dict[str, Any]:
    """Write the JSON report of ``corpus`` (its ``articles`` empty) with ``articles``
    streamed in (in article-id order; each classified or its item ``rendered`` already)
    to ``handle``; returns the report's summary."""
    count = characters = 0
    composition = {label.value: 0.0 for label in LABEL_PRECEDENCE}
    with tempfile.TemporaryFile("w+", encoding="utf-8", dir=spool_dir) as spool:
        for result in articles:
            item = result if isinstance(result, RenderedArticle) else rendered(result)
            if count:
                spool.write(",\n")
            spool.write(item.text)
            count += 1
            characters += item.characters
            for label, size in item.composition:
                composition[label] += size
        data = report_dict(corpus, config, tail=False)
        data["summary"].update(
            articles=count,
            characters=characters,
            composition={
                k: round(v / characters, 4) if characters else 0.0 for k, v in composition.items()
            },
        )
        head, _ = to_json(data).split(_PLACEHOLDER)
        handle.write(head)
        if count:
            handle.write('  "articles": [\n')
            spool.seek(0)
            shutil.copyfileobj(spool, handle)
            handle.write("\n  ],\n")
        else:
            handle.write(_PLACEHOLDER)
        # the outlet table reads (id, outlet) through once beside the matches' columns
        _write_tail(handle, tail_sections(corpus, outlets))
    summary: dict[str, Any] = data["summary"]
    return summary
