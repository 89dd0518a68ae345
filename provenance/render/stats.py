"""Rendering of ``provenance index stats``: JSON (schemas/stats.schema.json) and aligned text."""

from __future__ import annotations

import dataclasses
import json
from typing import Any

from provenance.render.words import count
from provenance.store import Stats

SCHEMA_VERSION = "1"
_LABEL_WIDTH = 14  # longest label below ("first published") plus a space or two


def to_dict(path: str, stats: Stats, problems: list[str] | None) -> dict[str, Any]:
    """The stats as plain data; ``problems`` only when the index was verified."""
    data: dict[str, Any] = {"schema_version": SCHEMA_VERSION, "index": path}
    data.update(dataclasses.asdict(stats))
    if problems is not None:
        data["problems"] = problems
    return data


def to_json(data: dict[str, Any]) -> str:
    return json.dumps(data, ensure_ascii=False, indent=2) + "\n"


def _size(n: int) -> str:
    if n < 1024:
        return f"{n:,} bytes"
    value, unit = n / 1024, "KiB"
    for bigger in ("MiB", "GiB"):
        if value < 1024:
            break
        value, unit = value / 1024, bigger
    return f"{value:.1f} {unit} ({n:,} bytes)"


def text(data: dict[str, Any]) -> str:
    """One aligned ``label  value`` line per figure, the parameters indented below."""
    kinds = ", ".join(f"{kind} {n:,}" for kind, n in data["by_source_kind"].items())
    first, last = data["first_published"], data["last_published"]
    rows = [
        ("index", data["index"]),
        ("articles", f"{data['articles']:,}" + (f" ({kinds})" if kinds else "")),
        ("outlets", f"{data['outlets']:,}"),
        ("passages", f"{data['passages']:,}"),
        ("band rows", f"{data['band_rows']:,}"),
        ("published", f"{first} to {last}" if first else "no dates"),
        ("file size", _size(data["file_bytes"])),
        ("text size", _size(data["text_bytes"])),
    ]
    if "problems" in data:
        problems = data["problems"]
        rows.append(("consistency", "ok" if not problems else count(len(problems), "problem")))
    lines = [f"{label:<{_LABEL_WIDTH}} {value}" for label, value in rows]
    lines += [f"  {problem}" for problem in data.get("problems", [])]
    lines.append("parameters")
    width = max((len(k) for k in data["meta"]), default=0)
    lines += [f"  {key:<{width}}  {value}" for key, value in data["meta"].items()]
    return "\n".join(lines) + "\n"
