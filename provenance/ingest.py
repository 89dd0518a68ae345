"""Read articles from files, folders and stdin, and validate them against the article schema.

Formats:
- ``.txt``: UTF-8 text, one article. Its id is the file's stem unless a sidecar ``NAME.json``
  next to it gives metadata (including ``id``); the sidecar may not carry ``text``.
- ``.json``: one article record, or a list of them.
- ``.jsonl``: one article record per line (blank lines are skipped).
- ``.html``/``.htm``/``.html.gz``: extracted by the optional ``html`` extra (see htmlinput).
- a folder: every supported file below it, recursively, in sorted order; README and hidden
  files are skipped, and sidecars are read with their ``.txt``.
- ``-``: standard input, JSON, JSONL or plain text (detected from the first character).

A UTF-8 byte order mark is dropped; line ends are kept as stored (CRLF stays CRLF), so
offsets refer to the text as stored. Every problem is collected and raised together as
``InputErrors`` so the user sees all of them at once; nothing is returned half-read.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from provenance import schemas
from provenance.config import IngestConfig
from provenance.errors import InputError, InputErrors
from provenance.model import Article, Origin, SourceKind

TEXT_SUFFIXES = (".txt",)
JSON_SUFFIXES = (".json",)
JSONL_SUFFIXES = (".jsonl",)
HTML_SUFFIXES = (".html", ".htm", ".html.gz", ".htm.gz")
KNOWN_FIELDS = (
    "id",
    "text",
    "title",
    "outlet",
    "url",
    "published",
    "source_kind",
    "language",
    "authors",
)
STDIN = "-"
BOM = "\ufeff"

# An HTML extractor: (raw bytes, origin) -> list of article records (dicts). Injected by the
# caller so that this module does not import the optional html extra.
HtmlReader = Callable[[bytes, Origin], list[dict[str, Any]]]


@dataclass(frozen=True)
class _Source:
    path: Path | None  # None for stdin
    label: str  # as shown to the user


def _suffix(path: Path) -> str:
    name = path.name.lower()
    for suffix in HTML_SUFFIXES + TEXT_SUFFIXES + JSONL_SUFFIXES + JSON_SUFFIXES:
        if name.endswith(suffix):
            return suffix
    return path.suffix.lower()


def _is_supported(path: Path) -> bool:
    return _suffix(path) in TEXT_SUFFIXES + JSON_SUFFIXES + JSONL_SUFFIXES + HTML_SUFFIXES


def _sidecar_of(path: Path) -> Path:
    return path.with_suffix(".json")


def _expand(paths: Sequence[str], errors: list[InputError]) -> list[_Source]:
    """Files to read, in the order given; folders expanded recursively and sorted."""
    sources: list[_Source] = []
    for given in paths:
        if given == STDIN:
            sources.append(_Source(None, "<stdin>"))
            continue
        path = Path(given)
        if path.is_dir():
            found = sorted(
                p
                for p in path.rglob("*")
                if p.is_file()
                and _is_supported(p)
                and not any(part.startswith(".") for part in p.relative_to(path).parts)
            )
            texts = {p for p in found if _suffix(p) in TEXT_SUFFIXES}
            sources.extend(
                _Source(p, str(p))
                for p in found
                if not (_suffix(p) in JSON_SUFFIXES and p.with_suffix(".txt") in texts)
            )
        elif path.is_file():
            if not _is_supported(path):
                errors.append(
                    InputError(
                        "unsupported file type; expected .txt, .json, .jsonl or .html", path=given
                    )
                )
            else:
                sources.append(_Source(path, given))
        elif path.exists():
            errors.append(InputError("not a regular file or folder", path=given))
        else:
            errors.append(InputError("no such file or folder", path=given))
    return sources


def _read_bytes(source: _Source, config: IngestConfig, stdin: bytes | None) -> bytes:
    limit = config.max_file_bytes
    if source.path is None:
        data = stdin if stdin is not None else b""
    else:
        size = source.path.stat().st_size
        if size > limit:
            raise InputError(
                f"file is {size} bytes, over the limit of {limit} bytes "
                "(raise ingest.max_file_bytes to read it)",
                path=source.label,
            )
        with source.path.open("rb") as handle:
            data = handle.read(limit + 1)
    if len(data) > limit:
        raise InputError(f"input is over the limit of {limit} bytes", path=source.label)
    return data


def _decode(data: bytes, label: str) -> str:
    if b"\x00" in data[:8192]:
        raise InputError("binary file (NUL byte found); expected UTF-8 text", path=label)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InputError(
            f"invalid UTF-8 at byte {exc.start} (0x{data[exc.start]:02x}); "
            "convert the file to UTF-8",
            path=label,
        ) from None
    return text.removeprefix(BOM)


def _parse_json(text: str, label: str, record: str | None = None) -> Any:
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        where = f"line {exc.lineno} column {exc.colno}"
        if record is not None:
            where = f"{record} column {exc.colno}"
        raise InputError(f"malformed JSON: {exc.msg}", path=label, record=where) from None


def _to_article(record: Any, origin: Origin) -> Article:
    """Validate one record and build the Article; raises InputError naming the field."""
    if not isinstance(record, dict):
        raise InputError(
            f"expected an article object, got {type(record).__name__}",
            path=origin.path,
            record=origin.record,
            field="$",
        )
    for error in schemas.errors("article", record):
        json_path, message = schemas.describe(error)
        raise InputError(message, path=origin.path, record=origin.record, field=json_path)
    text = record["text"]
    if not text.strip():
        raise InputError(
            "empty text (only white space)", path=origin.path, record=origin.record, field="$.text"
        )
    extra = {k: v for k, v in record.items() if k not in KNOWN_FIELDS}
    return Article(
        id=record["id"],
        text=text,
        title=record.get("title"),
        outlet=record.get("outlet"),
        url=record.get("url"),
        published=record.get("published"),
        source_kind=SourceKind(record.get("source_kind", "outlet")),
        language=record.get("language"),
        authors=tuple(record.get("authors", ())),
        extra=extra,
        origin=origin,
    )


def _records_of_text_file(source: _Source, text: str, config: IngestConfig) -> list[Any]:
    record: dict[str, Any] = {}
    if source.path is not None:
        sidecar = _sidecar_of(source.path)
        if sidecar.is_file():
            side_label = str(sidecar)
            meta = _parse_json(
                _decode(_read_bytes(_Source(sidecar, side_label), config, None), side_label),
                side_label,
            )
            if not isinstance(meta, dict):
                raise InputError("sidecar metadata must be a JSON object", path=side_label)
            if "text" in meta:
                raise InputError(
                    "sidecar metadata may not carry the text", path=side_label, field="$.text"
                )
            record.update(meta)
        record.setdefault("id", source.path.stem)
    else:
        record["id"] = "stdin"
    record["text"] = text
    return [record]


def _records(
    source: _Source, data: bytes, config: IngestConfig, html_reader: HtmlReader | None
) -> list[tuple[Any, Origin]]:
    label = source.label
    kind = _suffix(source.path) if source.path is not None else None
    if kind in HTML_SUFFIXES:
        if html_reader is None:
            raise InputError("HTML input is not available in this build", path=label)
        origin = Origin(label)
        return [(r, origin) for r in html_reader(data, origin)]
    text = _decode(data, label)
    if not text.strip():
        raise InputError("empty file", path=label)
    if kind is None:  # stdin: sniff
        first = text.lstrip()[:1]
        lines = [ln for ln in text.splitlines() if ln.strip()]
        if first == "{" and len(lines) > 1 and lines[0].rstrip().endswith("}"):
            kind = ".jsonl"
        elif first in "[{":
            kind = ".json"
        else:
            kind = ".txt"
    if kind in TEXT_SUFFIXES:
        return [(r, Origin(label)) for r in _records_of_text_file(source, text, config)]
    if kind in JSONL_SUFFIXES:
        out: list[tuple[Any, Origin]] = []
        for number, line in enumerate(text.split("\n"), start=1):
            if line.strip():
                record = f"line {number}"
                out.append((_parse_json(line, label, record), Origin(label, record)))
        return out
    parsed = _parse_json(text, label)
    if isinstance(parsed, list):
        if not parsed:
            raise InputError("empty list of articles", path=label)
        return [(r, Origin(label, f"[{i}]")) for i, r in enumerate(parsed)]
    return [(parsed, Origin(label))]


def _where(origin: Origin | None) -> str:
    if origin is None:
        return "?"
    return f"{origin.path} {origin.record}" if origin.record else origin.path


def load(
    paths: Sequence[str],
    config: IngestConfig | None = None,
    *,
    stdin: bytes | None = None,
    html_reader: HtmlReader | None = None,
) -> list[Article]:
    """Read and validate every article under ``paths``; all problems raise ``InputErrors``.

    Articles come back sorted by id, so results do not depend on the order of the inputs.
    """
    config = config or IngestConfig()
    errors: list[InputError] = []
    sources = _expand(paths, errors)
    if not sources and not errors:
        errors.append(InputError("no article files found", path=", ".join(paths) or "."))
    articles: list[Article] = []
    for source in sources:
        try:
            data = _read_bytes(source, config, stdin)
            records = _records(source, data, config, html_reader)
        except InputError as exc:
            errors.append(exc)
            continue
        except OSError as exc:
            errors.append(InputError(f"cannot read: {exc.strerror}", path=source.label))
            continue
        for record, origin in records:
            try:
                articles.append(_to_article(record, origin))
            except InputError as exc:
                errors.append(exc)
    seen: dict[str, Article] = {}
    for article in articles:
        if article.id in seen:
            errors.append(
                InputError(
                    f"duplicate id {article.id!r}, first seen in {_where(seen[article.id].origin)}",
                    path=article.origin.path if article.origin else None,
                    record=article.origin.record if article.origin else None,
                    field="$.id",
                )
            )
        else:
            seen[article.id] = article
    if errors:
        raise InputErrors(errors)
    return sorted(articles, key=lambda a: a.id)


def load_records(records: Iterable[dict[str, Any]], label: str = "<records>") -> list[Article]:
    """Validate in-memory records (library use); same rules and errors as ``load``."""
    errors: list[InputError] = []
    articles: list[Article] = []
    for i, record in enumerate(records):
        try:
            articles.append(_to_article(record, Origin(label, f"[{i}]")))
        except InputError as exc:
            errors.append(exc)
    counts = Counter(a.id for a in articles)
    dupes = sorted(i for i, n in counts.items() if n > 1)
    errors.extend(InputError(f"duplicate id {d!r}", path=label, field="$.id") for d in dupes)
    if errors:
        raise InputErrors(errors)
    return sorted(articles, key=lambda a: a.id)
