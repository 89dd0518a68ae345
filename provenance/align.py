"""Alignment of candidate passages with rapidfuzz: exact spans, a score and a grade.

This first version only offers ``similarity``; the reuse stage extends it.
"""

from __future__ import annotations

from rapidfuzz import fuzz

from provenance.fingerprint import normalize


def similarity(a: str, b: str) -> float:
    """Normalised Indel similarity (0-100) of two texts after case and Unicode folding."""
    return float(fuzz.ratio(" ".join(normalize(a).split()), " ".join(normalize(b).split())))
