"""Raw HTML pages as article records: trafilatura extracts the text, comments and metadata.

trafilatura comes with the optional ``html`` extra (``pip install '.[html]'`` from a clone). It
is imported only when a page is actually read; when the import fails the reader raises
``MissingExtra`` naming the module that failed, why, and the extra to install.

What a page becomes (ingest validates the record like any other, and a sidecar ``NAME.json``
next to the page overrides any of these fields, because the user's metadata wins):

- ``id``: the file name without ``.html``/``.htm``/``.html.gz``/``.htm.gz``;
- ``text``: trafilatura's main text; when it found reader comments, they follow after a blank
  line and ``html_comments_start`` records where they begin, so that the boilerplate stage
  labels ``[html_comments_start, len(text))`` as ``reader_comment``;
- ``extracted_by``: ``"trafilatura"``; the pipeline then skips the boilerplate stage's
  length/stop-word feature pass, which would repeat trafilatura's own work (see
  ``pipeline._boilerplate_config``);
- ``title``, ``outlet`` (trafilatura's site name), ``authors`` (its author field, split on
  ``;``), ``published`` (its date), ``url`` and ``language`` (the page's ``<html lang>``), each
  only when present and well-formed, so that a page never fails validation because of a
  malformed ``<meta>`` tag.

Bytes are decoded with the page's declared charset (byte order mark, ``<meta charset>``,
``<meta http-equiv="Content-Type">`` or the XML declaration, in the first 4 KB); without a
declaration UTF-8 is tried, then windows-1252, as browsers do. ``.html.gz`` pages (or any page
starting with the gzip magic bytes) are decompressed up to the ingest size limit.
"""

from __future__ import annotations

import codecs
import re
import zlib
from typing import Any

from provenance.errors import InputError, MissingExtra
from provenance.ingest import HTML_SUFFIXES, HtmlReader
from provenance.model import Origin

COMMENTS_FIELD = "html_comments_start"
EXTRACTOR_FIELD = "extracted_by"  # the pipeline skips the boilerplate feature pass on these
PRESCAN_BYTES = 4096  # where a charset declaration is looked for (the HTML spec says 1024)
GZIP_MAGIC = b"\x1f\x8b"

# WHATWG Encoding Standard: browsers decode these labels as windows-1252, and a page that
# declares UTF-16 in a <meta> tag (which cannot be, since the tag was read as ASCII) as UTF-8.
_BROWSER_ALIASES = {
    "latin_1": "cp1252",
    "iso8859-1": "cp1252",
    "ascii": "cp1252",
    "utf-16": "utf-8",
    "utf-16-le": "utf-8",
    "utf-16-be": "utf-8",
}
# Python codecs that are not charsets a page can declare: bytes-to-bytes or text-to-text
# transforms (hex, base64, zlib, rot13, uu, ... are refused by ``_is_text_encoding``), and
# text codecs that decode no ordinary page. A page declaring one is read as undeclared.
_NOT_CHARSETS = frozenset(
    {"idna", "punycode", "undefined", "unicode_escape", "raw_unicode_escape", "mbcs", "oem"}
)
_BOMS = (
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
_META_CHARSET = re.compile(rb"<meta\b[^>]*?charset\s*=\s*[\"']?\s*([A-Za-z0-9_.:\-]+)", re.I)
_XML_ENCODING = re.compile(rb"<\?xml[^>]*encoding\s*=\s*[\"']([A-Za-z0-9_.:\-]+)", re.I)
_HTML_LANG = re.compile(r"<html\b[^>]*?\blang\s*=\s*(\"[^\"]*\"|'[^']*'|[^\s>]+)", re.I)
_LANGUAGE = re.compile(r"^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*$")  # as schemas/article
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_URL = re.compile(r"^https?://[^\s<>\"]+$", re.I)


def reader(max_bytes: int) -> HtmlReader:
    """The ``HtmlReader`` that ``ingest.load`` calls for each HTML file."""

    def read(data: bytes, origin: Origin) -> list[dict[str, Any]]:
        return [page_record(data, origin, max_bytes=max_bytes)]

    return read


def page_id(path: str) -> str:
    """The file name of ``path`` without its HTML suffix ("a/b.html.gz" -> "b")."""
    name = re.split(r"[\\/]", path)[-1]
    for suffix in sorted(HTML_SUFFIXES, key=len, reverse=True):
        if name.lower().endswith(suffix):
            return name[: -len(suffix)] or name
    return name


def gunzip(data: bytes, label: str, max_bytes: int) -> bytes:
    """Decompress a gzip page, refusing output over ``max_bytes`` (a gzip bomb guard)."""
    inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)
    try:
        out = inflater.decompress(data, max_bytes + 1)
    except zlib.error as exc:
        raise InputError(f"corrupt gzip data: {exc}", path=label) from None
    if len(out) > max_bytes:
        raise InputError(
            f"page is over the limit of {max_bytes} bytes once decompressed "
            "(raise ingest.max_record_bytes to read it)",
            path=label,
        )
    if not inflater.eof:
        raise InputError("truncated gzip data", path=label)
    return out


def declared_charset(data: bytes) -> str | None:
    """The Python codec of the page's declared encoding, or None when none is declared."""
    for bom, codec in _BOMS:
        if data.startswith(bom):
            return codec
    head = data[:PRESCAN_BYTES]
    found = _META_CHARSET.search(head) or _XML_ENCODING.search(head)
    if found is None:
        return None
    try:
        info = codecs.lookup(found.group(1).decode("ascii"))
    except LookupError:
        return None
    if not getattr(info, "_is_text_encoding", True) or info.name in _NOT_CHARSETS:
        return None
    return _BROWSER_ALIASES.get(info.name, info.name)


def decode(data: bytes) -> str:
    """The page as text, decoded as a browser would (see the module docstring)."""
    charset = declared_charset(data)
    try:
        text = data.decode(charset, errors="replace") if charset is not None else None
    except (LookupError, UnicodeError, ValueError):  # a codec that still cannot decode
        text = None
    if text is None:
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            text = data.decode("cp1252", errors="replace")
    return text.removeprefix("\ufeff")


def _extract(page: str) -> Any:
    try:
        import trafilatura
    except ImportError as exc:
        raise MissingExtra("html", "reading HTML pages", exc) from None
    return trafilatura.bare_extraction(page, include_comments=True, with_metadata=True)


def _clean(value: Any) -> str | None:
    if not isinstance(value, str):
        return None
    flat = " ".join(value.split())
    return flat or None


def page_record(data: bytes, origin: Origin, *, max_bytes: int) -> dict[str, Any]:
    """One article record from the bytes of one HTML page (gzip or not)."""
    label = origin.path
    if data.startswith(GZIP_MAGIC):
        data = gunzip(data, label, max_bytes)
    page = decode(data)
    doc = _extract(page) if page.strip() else None
    body = (getattr(doc, "text", None) or "").strip()
    if not body:
        raise InputError("no article text found in the HTML page", path=label)
    record: dict[str, Any] = {"id": page_id(label), "text": body, EXTRACTOR_FIELD: "trafilatura"}
    comments = (getattr(doc, "comments", None) or "").strip()
    if comments:
        record["text"] = f"{body}\n\n{comments}"
        record[COMMENTS_FIELD] = len(body) + 2
    if title := _clean(getattr(doc, "title", None)):
        record["title"] = title
    if outlet := _clean(getattr(doc, "sitename", None)):
        record["outlet"] = outlet
    authors = [a for a in (_clean(x) for x in (getattr(doc, "author", None) or "").split(";")) if a]
    if authors:
        record["authors"] = authors
    date = _clean(getattr(doc, "date", None))
    if date and _DATE.match(date):
        record["published"] = date
    url = _clean(getattr(doc, "url", None))
    if url and _URL.match(url):
        record["url"] = url
    found = _HTML_LANG.search(page[:PRESCAN_BYTES])
    lang = found.group(1).strip("\"' ").replace("_", "-") if found else ""
    if _LANGUAGE.match(lang):
        record["language"] = lang
    return record
