"""Read articles from files, folders and stdin, and validate them against the article schema.

Formats:
- ``.txt``: UTF-8 text, one article. Its id is the file's stem unless a sidecar ``NAME.json``
  next to it gives metadata (including ``id``); the sidecar may not carry ``text``.
- ``.json``: one article record, or a list of them.
- ``.jsonl``: one article record per line (blank lines are skipped).
- ``.html``/``.htm``/``.html.gz``: extracted by the optional ``html`` extra (see htmlinput).
- a folder: every supported file below it, recursively, in sorted order; README and hidden
  files are skipped, and sidecars are read with their ``.txt``.
- ``-``: standard input, JSON, JSONL or plain text (detected from how it starts).

A UTF-8 byte order mark is dropped; line ends are kept as stored (CRLF stays CRLF), so
offsets refer to the text as stored. Every problem is collected and raised together as
``InputErrors`` so the user sees all of them at once; nothing is returned half-read.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any, BinaryIO

from provenance import schemas
from provenance.config import IngestConfig
from provenance.errors import InputError, InputErrors
from provenance.model import Article, Origin, SourceKind
from provenance.render.safe import path_label

TEXT_SUFFIXES = (".txt",)
JSON_SUFFIXES = (".json",)
JSONL_SUFFIXES = (".jsonl",)
HTML_SUFFIXES = (".html", ".htm", ".html.gz", ".htm.gz")
# record fields that become Article attributes; every other field goes to Article.extra
KNOWN_FIELDS = frozenset(f.name for f in fields(Article)) - {"extra", "origin"}
STDIN = "-"
_CHUNK = 1 << 20  # bytes per read of an input file
BOM = "\ufeff"

# An HTML extractor: (raw bytes, origin) -> list of article records (dicts). Injected by the
# caller so that this module does not import the optional html extra.
HtmlReader = Callable[[bytes, Origin], list[dict[str, Any]]]
# One entry read from a file: a raw record and where it came from, or why it is unreadable.
_Item = tuple[Any, Origin] | InputError


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
    """``NAME.json`` beside ``NAME.txt`` or ``NAME.html`` (``.htm``, ``.html.gz``, ...)."""
    suffix = _suffix(path)
    if suffix in HTML_SUFFIXES:
        return path.with_name(path.name[: -len(suffix)] + ".json")
    return path.with_suffix(".json")


def _skipped(path: Path, root: Path) -> bool:
    """Hidden files and folders and README files are not articles."""
    parts = path.relative_to(root).parts
    return any(part.startswith(".") for part in parts) or path.name.upper().startswith("README")


def _walk(root: Path, given: str, errors: list[InputError]) -> list[Path]:
    """Supported files below ``root``, sorted; a folder that cannot be listed (permission
    denied, ...) is an error naming it, never silently skipped."""
    found: list[Path] = []

    def failed(exc: OSError) -> None:
        where = path_label(str(exc.filename)) if exc.filename else path_label(given)
        errors.append(InputError(f"cannot list folder: {exc.strerror or exc}", path=where))

    for folder, dirs, files in os.walk(root, onerror=failed):
        base = Path(folder)
        dirs[:] = [d for d in dirs if not d.startswith(".")]
        for name in files:
            path = base / name
            if path.is_file() and _is_supported(path) and not _skipped(path, root):
                found.append(path)
    return sorted(found)


def _expand(paths: Sequence[str], errors: list[InputError]) -> list[_Source]:
    """Files to read, in the order given; folders expanded recursively and sorted."""
    sources: list[_Source] = []
    for given in paths:
        if given == STDIN:
            sources.append(_Source(None, "<stdin>"))
            continue
        path = Path(given)
        label = path_label(given)
        if path.is_dir():
            before = len(errors)
            chosen = [_Source(p, path_label(str(p))) for p in _walk(path, given, errors)]
            if not chosen and len(errors) == before:
                errors.append(
                    InputError("no article files (.txt, .json, .jsonl) in folder", path=label)
                )
            sources.extend(chosen)
        elif path.is_file():
            if not _is_supported(path):
                errors.append(
                    InputError(
                        f"unsupported file type {path_label(_suffix(path)) or '(none)'}; "
                        "expected .txt, .json, .jsonl or .html",
                        path=label,
                    )
                )
            else:
                sources.append(_Source(path, label))
        elif path.exists():
            errors.append(InputError("not a regular file or folder", path=label))
        else:
            errors.append(InputError("no such file or folder", path=label))
    # a sidecar beside its article (in a folder, or named: "a.txt a.json") is not an article
    given_sidecars = {
        _sidecar_of(s.path).resolve()
        for s in sources
        if s.path is not None and _suffix(s.path) in TEXT_SUFFIXES + HTML_SUFFIXES
    }
    return [s for s in sources if s.path is None or s.path.resolve() not in given_sidecars]


def article_files(paths: Sequence[str]) -> list[Path]:
    """The article files under ``paths`` that ``load`` reads (their sidecars are read
    beside them), in order; a missing or unsupported entry raises ``InputErrors``."""
    errors: list[InputError] = []
    sources = _expand(paths, errors)
    if errors:
        raise InputErrors(errors)
    return [s.path for s in sources if s.path is not None]


def input_files(paths: Sequence[str]) -> list[Path]:
    """Every file that ``load(paths)`` reads (articles and their sidecars), for callers that
    must not overwrite one of them; unreadable entries are simply left out."""
    sources = _expand(paths, [])
    files = [s.path for s in sources if s.path is not None]
    return files + [_sidecar_of(p) for p in files if _sidecar_of(p).is_file()]


def read_limited(handle: BinaryIO, limit: int) -> bytes:
    """At most ``limit + 1`` bytes of ``handle`` (one byte over is enough to refuse the
    input), read in chunks so that a huge limit allocates nothing up front."""
    chunks: list[bytes] = []
    size = 0
    while size <= limit:
        chunk = handle.read(min(_CHUNK, limit + 1 - size))
        if not chunk:
            break
        chunks.append(chunk)
        size += len(chunk)
    return b"".join(chunks)


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
            data = read_limited(handle, limit)
    if len(data) > limit:
        raise InputError(
            f"input is over the limit of {limit} bytes (raise ingest.max_file_bytes to read it)",
            path=source.label,
        )
    return data


def _decode(data: bytes, label: str) -> str:
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise InputError("UTF-16 text (byte order mark); convert the file to UTF-8", path=label)
    nul = data.find(b"\x00")
    if nul != -1:
        raise InputError(f"binary file (NUL byte at byte {nul}); expected UTF-8 text", path=label)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InputError(
            f"invalid UTF-8 at byte {exc.start} (0x{data[exc.start]:02x}); "
            "convert the file to UTF-8",
            path=label,
        ) from None
    return text.removeprefix(BOM)


class _JsonRefused(ValueError):
    """Valid JSON syntax that an article file may not contain (duplicate keys, NaN)."""


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in pairs:
        if key in out:
            raise _JsonRefused(f"duplicate key {key!r} in one object")
        out[key] = value
    return out


def _no_constants(name: str) -> Any:
    raise _JsonRefused(f"{name} is not a JSON number")


def _parse_json(text: str, label: str, record: str | None = None) -> Any:
    try:
        return json.loads(text, object_pairs_hook=_unique_keys, parse_constant=_no_constants)
    except json.JSONDecodeError as exc:
        where = f"line {exc.lineno} column {exc.colno}"
        if record is not None:
            where = f"{record} column {exc.colno}"
        raise InputError(f"malformed JSON: {exc.msg}", path=label, record=where) from None
    except _JsonRefused as exc:
        raise InputError(f"refused JSON: {exc}", path=label, record=record) from None
    except (ValueError, RecursionError) as exc:  # too deeply nested, a number too long
        reason = "nested too deeply" if isinstance(exc, RecursionError) else "number too long"
        raise InputError(f"unreadable JSON: {reason}", path=label, record=record) from None


def _unencodable(record: dict[str, Any]) -> Iterator[str]:
    """JSON paths of strings that cannot be written as UTF-8 (lone surrogates such as \\ud800)."""
    stack: list[tuple[str, Any]] = [("$", record)]
    while stack:
        path, value = stack.pop()
        if isinstance(value, str):
            try:
                value.encode("utf-8")
            except UnicodeEncodeError:
                yield path
        elif isinstance(value, dict):
            stack.extend((f"{path}.{k}", v) for k, v in reversed(value.items()))
            stack.extend((f"{path} (key)", k) for k in value)
        elif isinstance(value, list):
            stack.extend((f"{path}[{i}]", v) for i, v in reversed(list(enumerate(value))))


def _record_errors(record: Any, origin: Origin) -> list[InputError]:
    """Every problem of one record, each naming its JSON path; empty when it is valid."""

    def error(message: str, field: str) -> InputError:
        return InputError(message, path=origin.path, record=origin.record, field=field)

    if not isinstance(record, dict):
        return [error(f"expected an article object, got {schemas.json_type(record)}", "$")]
    found = [error(m, f) for f, m in map(schemas.describe, schemas.errors("article", record))]
    found += [error("unpaired surrogate; not valid Unicode text", p) for p in _unencodable(record)]
    text = record.get("text")
    if not found and isinstance(text, str) and not text.strip():
        found.append(error("empty text (only white space)", "$.text"))
    return found


def _to_article(record: dict[str, Any], origin: Origin) -> Article:
    """Build the Article of a record that ``_record_errors`` accepted."""
    extra = {k: v for k, v in record.items() if k not in KNOWN_FIELDS}
    return Article(
        id=record["id"],
        text=record["text"],
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


def _sidecar(path: Path, label: str, config: IngestConfig) -> tuple[dict[str, Any], Origin]:
    """The metadata of the sidecar ``NAME.json`` of ``path`` (empty if there is none)."""
    record: dict[str, Any] = {}
    origin = Origin(label)
    sidecar = _sidecar_of(path)
    if sidecar.is_file():
        side_label = path_label(str(sidecar))
        meta = _parse_json(
            _decode(_read_bytes(_Source(sidecar, side_label), config, None), side_label),
            side_label,
        )
        if not isinstance(meta, dict):
            raise InputError("sidecar metadata must be a JSON object", path=side_label, field="$")
        if "text" in meta:
            raise InputError(
                "sidecar metadata may not carry the text", path=side_label, field="$.text"
            )
        record.update(meta)
        origin = Origin(label, f"metadata {sidecar.name}")
    return record, origin


def _text_record(source: _Source, text: str, config: IngestConfig) -> tuple[Any, Origin]:
    """The record of a plain-text article, with its sidecar ``NAME.json`` metadata if any."""
    if source.path is None:
        return {"id": "stdin", "text": text}, Origin(source.label)
    record, origin = _sidecar(source.path, source.label, config)
    record.setdefault("id", path_label(source.path.stem))
    record["text"] = text
    return record, origin


def _sniff(text: str) -> str:
    """The format of standard input: JSON, JSONL or plain text, from how it starts.

    A list counts as JSON only if an object (or nothing) follows "[": Korean wire copy
    starts with a bracketed credit, "[서울=뉴시스] ...", and is plain text."""
    start = text.lstrip()
    lines = [ln for ln in text.splitlines() if ln.strip()]
    if start.startswith("{") and len(lines) > 1 and lines[0].rstrip().endswith("}"):
        return ".jsonl"
    if start.startswith("{") or (start.startswith("[") and start[1:].lstrip()[:1] in "{]"):
        return ".json"
    return ".txt"


def _records(
    source: _Source,
    data: bytes,
    config: IngestConfig,
    html_reader: HtmlReader | None,
) -> list[_Item]:
    """The raw records of one file, in order; a JSONL line that does not parse is an error
    in its place, so that the other lines are still checked."""
    label = source.label
    kind = _suffix(source.path) if source.path is not None else None
    if kind in HTML_SUFFIXES:
        if html_reader is None:
            raise InputError("HTML input is not available in this build", path=label)
        pages = html_reader(data, Origin(label))
        if source.path is None:
            return [(r, Origin(label)) for r in pages]
        meta, origin = _sidecar(source.path, label, config)  # the user's metadata wins
        return [({**r, **meta}, origin) for r in pages]
    text = _decode(data, label)
    if not text.strip():
        raise InputError("empty file" if not text else "empty file (only white space)", path=label)
    kind = kind or _sniff(text)
    if kind in TEXT_SUFFIXES:
        return [_text_record(source, text, config)]
    if kind in JSONL_SUFFIXES:
        out: list[_Item] = []
        for number, line in enumerate(text.split("\n"), start=1):
            if line.strip():
                record = f"line {number}"
                try:
                    out.append((_parse_json(line, label, record), Origin(label, record)))
                except InputError as exc:
                    out.append(exc)
        return out
    parsed = _parse_json(text, label)
    if isinstance(parsed, list):
        if not parsed:
            raise InputError("empty list of articles", path=label, field="$")
        return [(r, Origin(label, f"[{i}]")) for i, r in enumerate(parsed)]
    return [(parsed, Origin(label))]


def _where(origin: Origin | None) -> str:
    if origin is None:
        return "?"
    return f"{origin.path} {origin.record}" if origin.record else origin.path


def _unique(articles: list[Article], errors: list[InputError]) -> list[Article]:
    """Articles sorted by id; every repeated id is an error naming where it was first seen."""
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
    return sorted(seen.values(), key=lambda a: a.id)


def _collect(items: Iterable[_Item], errors: list[InputError]) -> list[Article]:
    articles: list[Article] = []
    for item in items:
        if isinstance(item, InputError):
            errors.append(item)
            continue
        record, origin = item
        problems = _record_errors(record, origin)
        if problems:
            errors.extend(problems)
        else:
            articles.append(_to_article(record, origin))
    return _unique(articles, errors)


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
        errors.append(InputError("no article files given", path="."))
    items: list[_Item] = []
    for source in sources:
        try:
            items.extend(_records(source, _read_bytes(source, config, stdin), config, html_reader))
        except InputError as exc:
            items.append(exc)
        except OSError as exc:
            items.append(InputError(f"cannot read: {exc.strerror or exc}", path=source.label))
    articles = _collect(items, errors)
    if errors:
        raise InputErrors(errors)
    return articles


def load_records(records: Iterable[dict[str, Any]], label: str = "<records>") -> list[Article]:
    """Validate in-memory records (library use); same rules and errors as ``load``."""
    errors: list[InputError] = []
    articles = _collect(((r, Origin(label, f"[{i}]")) for i, r in enumerate(records)), errors)
    if errors:
        raise InputErrors(errors)
    return articles
