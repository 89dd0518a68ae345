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

import io
import os
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, fields
from itertools import chain
from pathlib import Path
from typing import Any, BinaryIO, Protocol

from provenance import schemas
from provenance.config import IngestConfig
from provenance.errors import InputError, InputErrors
from provenance.model import Article, Origin, SourceKind
from provenance.rawinput import BOM, Line, decode, over_limit, parse_json, read_limited, read_whole
from provenance.rawinput import lines as read_lines
from provenance.render.safe import path_label

TEXT_SUFFIXES = (".txt",)
JSON_SUFFIXES = (".json",)
JSONL_SUFFIXES = (".jsonl",)
HTML_SUFFIXES = (".html", ".htm", ".html.gz", ".htm.gz")
# record fields that become Article attributes; every other field goes to Article.extra
KNOWN_FIELDS = frozenset(f.name for f in fields(Article)) - {"extra", "origin"}
STDIN = "-"

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
        with sidecar.open("rb") as handle:
            data = read_whole(handle, config.max_record_bytes, side_label, sidecar)
        meta = parse_json(decode(data, side_label), side_label)
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


def _whole_records(
    source: _Source,
    data: bytes,
    kind: str | None,
    config: IngestConfig,
    html_reader: HtmlReader | None,
) -> list[_Item]:
    """The raw records of a file read whole (text, JSON, HTML; standard input that is not
    JSONL), in order."""
    label = source.label
    if kind in HTML_SUFFIXES:
        if html_reader is None:
            raise InputError("HTML input is not available in this build", path=label)
        pages = html_reader(data, Origin(label))
        if source.path is None:
            return [(r, Origin(label)) for r in pages]
        meta, origin = _sidecar(source.path, label, config)  # the user's metadata wins
        return [({**r, **meta}, origin) for r in pages]
    text = decode(data, label)
    if not text.strip():
        raise InputError("empty file" if not text else "empty file (only white space)", path=label)
    kind = kind or _sniff(text)
    if kind in TEXT_SUFFIXES:
        return [_text_record(source, text, config)]
    parsed = parse_json(text, label)
    if isinstance(parsed, list):
        if not parsed:
            raise InputError("empty list of articles", path=label, field="$")
        return [(r, Origin(label, f"[{i}]")) for i, r in enumerate(parsed)]
    return [(parsed, Origin(label))]


def _jsonl_records(lines: Iterable[Line], label: str, limit: int) -> Iterator[_Item]:
    """The records of a JSONL file, one line at a time; a line that does not parse, or is
    over the limit, is an error in its place, so that the other lines are still checked.
    Undecodable bytes end the file (one error, not one per line of a binary file)."""
    empty = True
    blank = True
    for line in lines:
        record = f"line {line.number}"
        if line.data is None:
            blank = empty = False
            yield over_limit(limit, label, f"record is {line.size} bytes,", record)
            continue
        text = decode(line.data, label, offset=line.offset, record=record, first=line.offset == 0)
        empty = empty and not text
        if text.strip():
            blank = False
            try:
                yield parse_json(text, label, record), Origin(label, record)
            except InputError as exc:
                yield exc
    if blank:
        raise InputError("empty file" if empty else "empty file (only white space)", path=label)


def _object_line(line: Line) -> bool:
    """Whether a line holds (at most) one JSON object: how JSONL starts."""
    data = line.data or b""
    if line.offset == 0:
        data = data.removeprefix(BOM.encode())
    data = data.strip()
    return data.startswith(b"{") and data.endswith(b"}")


def _stdin_records(
    source: _Source, handle: BinaryIO, config: IngestConfig, html_reader: HtmlReader | None
) -> Iterator[_Item]:
    """Standard input: JSONL when its first two non-blank lines are there and the first is
    one JSON object (streamed line by line), else JSON or plain text read whole."""
    limit = config.max_record_bytes
    lines = read_lines(handle, limit)
    ahead: list[Line] = []
    filled: list[Line] = []
    for line in lines:
        ahead.append(line)
        if line.data is None or line.data.strip():
            filled.append(line)
            if len(filled) == 2 or not _object_line(line):
                break
    if len(filled) == 2 and _object_line(filled[0]):
        yield from _jsonl_records(chain(ahead, lines), source.label, limit)
        return
    if any(line.data is None for line in ahead):
        raise over_limit(limit, source.label, "input is")
    head = b"".join(line.data or b"" for line in ahead)
    data = head + read_limited(handle, limit - len(head))
    if len(data) > limit:
        raise over_limit(limit, source.label, "input is")
    yield from _whole_records(source, data, None, config, html_reader)


def _source_records(
    source: _Source,
    config: IngestConfig,
    stdin: BinaryIO,
    html_reader: HtmlReader | None,
) -> Iterator[_Item]:
    """The raw records of one file (or of standard input) in order, read one at a time for
    JSONL; a problem that ends the file comes as its last item."""
    limit = config.max_record_bytes
    try:
        if source.path is None:
            yield from _stdin_records(source, stdin, config, html_reader)
            return
        kind = _suffix(source.path)
        with source.path.open("rb") as handle:
            if kind in JSONL_SUFFIXES:
                yield from _jsonl_records(read_lines(handle, limit), source.label, limit)
                return
            data = read_whole(handle, limit, source.label, source.path)
        yield from _whole_records(source, data, kind, config, html_reader)
    except InputError as exc:
        yield exc
    except (OSError, ValueError) as exc:  # ValueError: standard input closed under us
        if isinstance(exc, ValueError) and source.path is not None:
            raise
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else exc
        yield InputError(f"cannot read: {reason}", path=source.label)


def _where(origin: Origin) -> str:
    return f"{origin.path} {origin.record}" if origin.record else origin.path


class Seen(Protocol):
    """The ids read so far and where each was first seen (in memory, or in the work store
    of a report: ``WorkStore.seen``, so that a million ids are not held in memory)."""

    def first(self, id: str, origin: Origin) -> Origin | None:
        """Where ``id`` was first seen; ``None``, with ``origin`` recorded, when it is new."""
        ...


class SeenHere:
    """``Seen`` in a dictionary."""

    def __init__(self) -> None:
        self._first: dict[str, Origin] = {}

    def first(self, id: str, origin: Origin) -> Origin | None:
        earlier = self._first.get(id)
        if earlier is None:
            self._first[id] = origin
        return earlier


def _articles(
    items: Iterable[_Item], errors: list[InputError], seen: Seen | None = None
) -> Iterator[Article]:
    """The valid articles of ``items`` in their order, until the first problem: the rest is
    still read and checked, so that every problem is found in one pass, and they are raised
    together as ``InputErrors`` at the end (``errors`` may hold some already). A repeated id
    is an error naming where it was first seen (``seen``: the ids read so far)."""
    seen = seen if seen is not None else SeenHere()
    repeated: list[InputError] = []
    for item in items:
        if isinstance(item, InputError):
            errors.append(item)
            continue
        record, origin = item
        problems = _record_errors(record, origin)
        if problems:
            errors.extend(problems)
            continue
        article = _to_article(record, origin)
        earlier = seen.first(article.id, origin)
        if earlier is not None:
            repeated.append(
                InputError(
                    f"duplicate id {article.id!r}, first seen in {_where(earlier)}",
                    path=origin.path,
                    record=origin.record,
                    field="$.id",
                )
            )
            continue
        if not errors and not repeated:
            yield article
    errors.extend(repeated)
    if errors:
        raise InputErrors(errors)


def stream(
    paths: Sequence[str],
    config: IngestConfig | None = None,
    *,
    stdin: bytes | BinaryIO | None = None,
    html_reader: HtmlReader | None = None,
    seen: Seen | None = None,
) -> Iterator[Article]:
    """The articles under ``paths`` in input order, read and validated one record at a time
    (a JSONL file is never held whole; ``ingest.max_record_bytes`` bounds each record).
    ``seen`` records the ids read (default: in memory) to refuse a repeated one.

    When anything is wrong the iterator stops yielding, reads on to find every problem, and
    raises them together as ``InputErrors`` once the input is exhausted: a caller that writes
    must consume it to the end before it commits anything. ``stdin``: what ``-`` reads.
    """
    config = config or IngestConfig()
    handle = io.BytesIO(stdin or b"") if stdin is None or isinstance(stdin, bytes) else stdin
    errors: list[InputError] = []
    sources = _expand(paths, errors)
    if not sources and not errors:
        errors.append(InputError("no article files given", path="."))
    items = chain.from_iterable(
        _source_records(source, config, handle, html_reader) for source in sources
    )
    return _articles(items, errors, seen)


def load(
    paths: Sequence[str],
    config: IngestConfig | None = None,
    *,
    stdin: bytes | BinaryIO | None = None,
    html_reader: HtmlReader | None = None,
) -> list[Article]:
    """Read and validate every article under ``paths`` (``stream``); all problems raise
    ``InputErrors``.

    Articles come back sorted by id, so results do not depend on the order of the inputs.
    """
    articles = stream(paths, config, stdin=stdin, html_reader=html_reader)
    return sorted(articles, key=lambda a: a.id)


def load_records(records: Iterable[dict[str, Any]], label: str = "<records>") -> list[Article]:
    """Validate in-memory records (library use); same rules and errors as ``load``."""
    items = ((r, Origin(label, f"[{i}]")) for i, r in enumerate(records))
    return sorted(_articles(items, []), key=lambda a: a.id)
