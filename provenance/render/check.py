"""Rendering of a check verdict: JSON (schemas/check.schema.json), text, GitHub annotations."""

from __future__ import annotations

import json
from typing import Any

from provenance.check import ArticleVerdict, Finding, Status, Verdict
from provenance.config import Policy
from provenance.render.safe import visible
from provenance.render.words import count

SCHEMA_VERSION = "1"


def _finding(verdict: ArticleVerdict, finding: Finding) -> dict[str, Any]:
    other = None
    if finding.other_id is not None:
        other = {"id": finding.other_id, "outlet": finding.other_outlet}
    return {
        "kind": finding.kind.value,
        "level": finding.level.value,
        "message": finding.message,
        "start": finding.start,
        "end": finding.end,
        "line": verdict.line_of(finding.start),
        "other": other,
        "similarity": finding.similarity,
        "estimated_jaccard": finding.estimated_jaccard,
        "share": finding.share,
        "reason": finding.reason,
        "wire": [
            {
                "start": w.start,
                "end": w.end,
                "line": verdict.line_of(w.start),
                "other": {"id": w.other_id, "outlet": w.other_outlet},
                "other_start": w.other_start,
                "other_end": w.other_end,
                "score": round(w.score, 2),
                "grade": w.grade.value,
            }
            for w in finding.wire
        ],
    }


def to_dict(verdict: Verdict) -> dict[str, Any]:
    """The verdict as plain data, valid against ``schemas/check.schema.json``."""
    counts = {s.value: 0 for s in Status}
    for article in verdict.articles:
        counts[article.status.value] += 1
    return {
        "schema_version": SCHEMA_VERSION,
        "status": verdict.status.value,
        "summary": {
            "articles": len(verdict.articles),
            **counts,
            "added": sum(1 for a in verdict.articles if a.added),
            "indexed": verdict.indexed,
        },
        "articles": [
            {
                "id": a.article.id,
                "path": a.article.origin.path if a.article.origin else None,
                "record": a.article.origin.record if a.article.origin else None,
                "status": a.status.value,
                "added": a.added,
                "findings": [_finding(a, f) for f in a.findings],
            }
            for a in verdict.articles
        ],
    }


def to_json(verdict: Verdict) -> str:
    text = json.dumps(to_dict(verdict), ensure_ascii=False, indent=2, allow_nan=False)
    return text + "\n"


def _where(article: ArticleVerdict, finding: Finding) -> str:
    origin = article.article.origin
    if origin is None:
        return article.article.id
    place = origin.path
    line = article.line_of(finding.start)
    if line is not None:
        place += f":{line}"
        column = article.column_of(finding.start)
        if column is not None:
            place += f":{column}"
    if origin.record and not origin.record.startswith("line "):
        place += f" {origin.record}"
    return place


def text(verdict: Verdict) -> str:
    """A readable verdict: one line per article, one indented line per finding."""
    lines: list[str] = []
    for article in verdict.articles:
        added = " (added to the index)" if article.added else ""
        lines.append(f"{article.status.value.upper():4}  {article.article.id}{added}")
        for f in article.findings:
            lines.append(f"      {f.level.value}: {_where(article, f)}: {f.message}")
            for w in f.wire:
                lines.append(
                    f"        characters {w.start}-{w.end} = {w.other_id} "
                    f"({w.other_outlet or 'outlet unknown'}) characters "
                    f"{w.other_start}-{w.other_end}: {w.grade.value}, score {w.score:.1f}"
                )
    summary = to_dict(verdict)["summary"]
    lines.append(
        f"{verdict.status.value.upper()}: {count(summary['articles'], 'article')} checked "
        f"against {summary['indexed']:,} indexed; {summary['fail']} failed, "
        f"{summary['warn']} warned, "
        f"{summary['pass']} passed, {summary['added']} added"
    )
    # ids cannot hold a line break (the article schema); other control characters (ANSI
    # escapes, "\r", bidi overrides) in ids, paths and messages are made visible
    return visible("\n".join(lines) + "\n", keep_newlines=True)


def _escape_data(value: str) -> str:
    return value.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(value: str) -> str:
    return _escape_data(value).replace(":", "%3A").replace(",", "%2C")


def github(verdict: Verdict) -> str:
    """GitHub Actions workflow commands: ``::error`` for failing findings, ``::warning``
    for warnings, with the file and line where they can be computed."""
    lines: list[str] = []
    for article in verdict.articles:
        origin = article.article.origin
        for f in article.findings:
            command = "error" if f.level == Policy.FAIL else "warning"
            props = []
            if origin is not None and origin.path != "-":
                props.append(f"file={_escape_property(visible(origin.path))}")
                line = article.line_of(f.start)
                if line is not None:
                    props.append(f"line={line}")
                    column = article.column_of(f.start)
                    if column is not None:
                        props.append(f"col={column}")
            props.append(f"title={_escape_property(f'provenance {f.kind.value}')}")
            message = f"{article.article.id}: {f.message}"
            lines.append(f"::{command} {','.join(props)}::{_escape_data(visible(message))}")
    lines.append(text(verdict).splitlines()[-1])
    return "\n".join(lines) + "\n"
