"""Input bytes to text and JSON values, each problem an ``InputError`` naming the file and
the record: reads bounded by the per-record limit (``ingest.max_record_bytes``), a file line
by line without ever holding a line over the limit, strict UTF-8 decoding and strict JSON
(no duplicate keys, no NaN). ``ingest`` builds articles from what these return."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

from provenance.errors import InputError

_CHUNK = 1 << 20  # bytes per read of an input file
BOM = "\ufeff"


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


def over_limit(limit: int, label: str, what: str, record: str | None = None) -> InputError:
    return InputError(
        f"{what} over the limit of {limit} bytes per record "
        "(raise ingest.max_record_bytes to read it)",
        path=label,
        record=record,
    )


def read_whole(handle: BinaryIO, limit: int, label: str, path: Path | None) -> bytes:
    """The whole of a one-record file at ``path`` (None: standard input), refused over
    ``limit`` without reading more than one byte past it."""
    if path is not None:
        size = path.stat().st_size
        if size > limit:
            raise over_limit(limit, label, f"file is {size} bytes,")
    data = read_limited(handle, limit)
    if len(data) > limit:
        raise over_limit(limit, label, "input is" if path is None else "file is")
    return data


@dataclass(frozen=True)
class Line:
    """One line of a file read line by line."""

    number: int  # 1-based
    offset: int  # of its first byte in the file
    data: bytes | None  # with its line end; None when it is longer than the limit
    size: int  # bytes, without the line end


def lines(handle: BinaryIO, limit: int) -> Iterator[Line]:
    """The lines of ``handle`` one at a time; a line over ``limit`` bytes (its line end not
    counted) is skipped in chunks, never held whole, and comes back without its data."""
    number = offset = 0
    while True:
        data = handle.readline(limit + 1)
        if not data:
            return
        number += 1
        length, last = len(data), data
        while len(last) and not last.endswith(b"\n") and length > limit:  # skip the rest
            last = handle.readline(_CHUNK)
            length += len(last)
        size = length - int(last.endswith(b"\n"))
        yield Line(number, offset, data if size <= limit else None, size)
        offset += length


def decode(
    data: bytes, label: str, *, offset: int = 0, record: str | None = None, first: bool = True
) -> str:
    """UTF-8 text of ``data`` (found at byte ``offset`` of the file); ``first``: it starts
    the file, where a byte order mark is dropped and a UTF-16 one refused."""
    if first and data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise InputError("UTF-16 text (byte order mark); convert the file to UTF-8", path=label)
    nul = data.find(b"\x00")
    if nul != -1:
        raise InputError(
            f"binary file (NUL byte at byte {offset + nul}); expected UTF-8 text",
            path=label,
            record=record,
        )
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InputError(
            f"invalid UTF-8 at byte {offset + exc.start} (0x{data[exc.start]:02x}); "
            "convert the file to UTF-8",
            path=label,
            record=record,
        ) from None
    return text.removeprefix(BOM) if first else text


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


def parse_json(text: str, label: str, record: str | None = None) -> Any:
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
