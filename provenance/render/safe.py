"""Making article data safe to show: terminals and CI logs, Markdown, valid UTF-8.

Ids, titles, outlets and file names come from the articles and may hold anything: ANSI
escape sequences, carriage returns that overwrite a line, bidirectional overrides that
reorder it, bytes of a file name that are not UTF-8 (Python keeps them as lone surrogates).
``visible`` turns each of these into a visible escape (``\\x1b``, ``\\r``, ``\\u202e``,
``\\xff``) so that what is printed is what the data holds, one line stays one line and the
output is always valid UTF-8. ``markdown`` also escapes HTML and Markdown syntax.
"""

from __future__ import annotations

import re

# C0 and C1 controls and DEL, line and paragraph separators, bidirectional controls, and
# lone surrogates (undecodable bytes of a file name arrive as U+DC80..U+DCFF).
_UNSAFE = re.compile(
    "[\x00-\x1f\x7f-\x9f\u2028\u2029\u200e\u200f\u202a-\u202e\u2066-\u2069\ud800-\udfff]"
)
_UNSAFE_KEEP_NEWLINES = re.compile(
    "[\x00-\x09\x0b-\x1f\x7f-\x9f\u2028\u2029\u200e\u200f\u202a-\u202e\u2066-\u2069\ud800-\udfff]"
)
_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}
# Characters with a meaning in CommonMark/GFM inline text (emphasis, code, links and
# images, tables, strikethrough; "_" only at a word edge, since intraword "_" emphasises
# nothing), "://" and "www." (GFM autolinks); "&", "<" and ">" become
# entities so that no raw HTML (a <link>, a <meta http-equiv=refresh>) survives. Text is
# always inline (table cells, after "## " or "- "), so line-start syntax ("#", "-", "1.")
# needs no escape and ordinary punctuation stays readable.
_MARKDOWN = re.compile(r"[\\`*\[\]|~<>&]|(?<!\w)_|_(?!\w)|:(?=//)|(?<=www)\.", re.IGNORECASE)
_ENTITIES = {"&": "&amp;", "<": "&lt;", ">": "&gt;"}


def _escape(match: re.Match[str]) -> str:
    char = match.group(0)
    if char in _NAMED:
        return _NAMED[char]
    code = ord(char)
    if 0xDC80 <= code <= 0xDCFF:  # a byte that was not UTF-8 (surrogateescape)
        return f"\\x{code - 0xDC00:02x}"
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def visible(value: str, *, keep_newlines: bool = False) -> str:
    """``value`` with control characters, bidi controls and lone surrogates escaped."""
    pattern = _UNSAFE_KEEP_NEWLINES if keep_newlines else _UNSAFE
    return pattern.sub(_escape, value)


def path_label(value: str) -> str:
    """A file name as shown and reported (JSON included): undecodable bytes as ``\\xNN``."""
    return visible(value)


def _markdown_char(match: re.Match[str]) -> str:
    char = match.group(0)
    return _ENTITIES.get(char, "\\" + char)


def markdown(value: str) -> str:
    """Inline Markdown text that shows ``value`` literally: control characters escaped,
    line breaks flattened, HTML turned into entities, Markdown syntax backslash-escaped."""
    flat = " ".join(value.split())
    return _MARKDOWN.sub(_markdown_char, visible(flat))
