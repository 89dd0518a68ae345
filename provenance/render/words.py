"""Counted nouns for every renderer and the CLI: "1 article", "2 articles", "1 match"."""

from __future__ import annotations


def plural(noun: str, n: int) -> str:
    """``noun`` as it reads after the number ``n`` (the reports count regular nouns only:
    article, match, claim group, passage, ...)."""
    if n == 1:
        return noun
    return noun + ("es" if noun.endswith(("ch", "sh", "s", "x")) else "s")


def count(n: int, noun: str) -> str:
    """``n`` and ``noun``, pluralised: count(1, "claim group") == "1 claim group"."""
    return f"{n:,} {plural(noun, n)}"
