"""The heavy steps of the matching stage, behind one small interface so that an executor
can run them elsewhere: sign texts, propose band-key candidates, align candidate pairs, embed
sentences.
``reuse`` and ``claims`` call them and decide what their results mean.

``Local`` runs them in this process; ``run.dask.DaskExecutor`` on a Dask cluster, with the
same results.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Protocol

import numpy as np

from provenance.fingerprint import FingerprintParams
from provenance.match.align import Alignment, align_texts
from provenance.match.candidates import Candidate, Signatures, lsh_candidates
from provenance.match.signatures import BatchSigner, Matrix
from provenance.semantic import Vectors, load_embedder

# Texts signed at once by ``sign_in_chunks``: the shingles of a chunk are in memory at once.
SIGN_CHUNK = 4096

# the shingles of one text (a picklable, top-level function or partial for remote kernels)
Shingler = Callable[[str], Iterable[bytes]]


class Kernels(Protocol):
    def sign(self, texts: Sequence[str], params: FingerprintParams, shingler: Shingler) -> Matrix:
        """One signature row per text, of ``shingler(text)``."""
        ...

    def candidates(
        self, signatures: Signatures, threshold: float, max_candidates: int, bands_per_pass: int
    ) -> list[Candidate]:
        """What ``match.candidates.lsh_candidates`` returns for the same arguments."""
        ...

    def align(self, texts: Sequence[str], pairs: Sequence[Candidate]) -> list[Alignment | None]:
        """``align_texts`` of each pair of ``texts``, in order."""
        ...

    def embed(self, texts: Sequence[str], model: str) -> Vectors:
        """``load_embedder(model).encode(texts)``, bit for bit."""
        ...


class Local:
    """The kernels in this process."""

    def sign(self, texts: Sequence[str], params: FingerprintParams, shingler: Shingler) -> Matrix:
        return BatchSigner(params).sign_shingles(shingler(t) for t in texts)

    def candidates(
        self, signatures: Signatures, threshold: float, max_candidates: int, bands_per_pass: int
    ) -> list[Candidate]:
        return lsh_candidates(signatures, threshold, max_candidates, bands_per_pass)

    def align(self, texts: Sequence[str], pairs: Sequence[Candidate]) -> list[Alignment | None]:
        return [align_texts(texts[c.a], texts[c.b]) for c in pairs]

    def embed(self, texts: Sequence[str], model: str) -> Vectors:
        return load_embedder(model).encode(texts)


def sign_in_chunks(
    kernels: Kernels,
    texts: Sequence[str],
    params: FingerprintParams,
    shingler: Shingler,
    chunk: int = SIGN_CHUNK,
) -> Matrix:
    """``kernels.sign`` of ``texts``, ``chunk`` texts at a time (rows do not depend on each
    other: the same matrix, without every text's shingles in memory at once)."""
    blocks = [
        kernels.sign(texts[lo : lo + chunk], params, shingler)
        for lo in range(0, len(texts), max(1, chunk))
    ]
    return np.vstack(blocks) if blocks else kernels.sign([], params, shingler)
