"""The one typed configuration. Every threshold lives here with what it trades off.

Sections are frozen dataclasses; ``Config`` holds one of each. The CLI and a config file
(``[tool.provenance]`` in pyproject.toml or ``provenance.toml``) fill it; the library only
reads it. ``Config.to_dict()`` is what the report prints as its effective config.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass(frozen=True)
class IngestConfig:
    # Files larger than this are refused with an error instead of being read into memory.
    # Raising it admits bigger dumps at the cost of memory; one news article is < 200 KB.
    max_file_bytes: int = 64 * 1024 * 1024


@dataclass(frozen=True)
class BoilerplateConfig:
    # Minimum number of distinct articles of one outlet that must contain the same line before
    # it is called an outlet_repeat. 2 catches more templates but risks flagging a quote that
    # an outlet reused in two stories; 3 is safer on small corpora.
    outlet_repeat_min_articles: int = 3
    # Lines shorter than this (in characters, after trimming) are not used for outlet_repeat.
    outlet_repeat_min_chars: int = 12


@dataclass(frozen=True)
class FingerprintConfig:
    # datasketch permutation scheme. "affine32" is datasketch 2's default; signatures made
    # with another scheme, seed or num_perm are refused, never compared.
    scheme: str = "affine32"
    # More permutations estimate Jaccard more precisely but cost time and space linearly.
    num_perm: int = 128
    seed: int = 1
    # Word shingle size for spaced scripts: 3 tolerates more rewording than 5 but matches
    # more boilerplate-like common phrases.
    word_shingle: int = 3
    # Character shingle size for scripts written without spaces (Korean, Chinese, Japanese).
    char_shingle: int = 4
    # LSH Jaccard threshold at which passages become candidates: lower finds more
    # rewritten pairs at the cost of more alignments to run.
    lsh_threshold: float = 0.3
    # Passages (sentences, paragraphs) shorter than this many characters are not matched:
    # too little text for a meaningful alignment ("He said." matches everywhere). Lower finds
    # short shared lines at the cost of noise.
    min_passage_chars: int = 40
    # At most this many candidates (highest estimated Jaccard first) are aligned per distinct
    # passage, so that a passage repeated in thousands of articles does not go quadratic.
    # Higher finds more sources per passage at the cost of alignments.
    max_candidates: int = 20
    # Claim candidates come from a second LSH over word unigrams (paraphrases share words
    # but few 3-word shingles); lower proposes more paraphrases at the cost of alignments.
    claim_word_shingle: int = 1
    claim_lsh_threshold: float = 0.4
    # Whole-article LSH threshold for near-duplicate candidates (verified by similarity).
    duplicate_lsh_threshold: float = 0.5


@dataclass(frozen=True)
class AlignConfig:
    # Minimum rapidfuzz score (0-100) for a candidate pair of passages to be a match.
    match_min_score: float = 60.0
    # Grade cut-offs on the alignment score (calibrated on Clough-Stevenson; see benchmarks).
    verbatim_min_score: float = 95.0
    edited_min_score: float = 80.0
    # Claim threshold: two sentences make one claim at or above this score (calibrated on MSRP).
    claim_min_score: float = 70.0
    # Sentences longer than this are cut into clauses at ";" and "," for claim matching:
    # shorter finds claims buried in long sentences at the cost of clauses out of context.
    claim_max_chars: int = 250
    # Articles at or above this verified similarity are near-duplicates.
    duplicate_min_similarity: float = 85.0
    # A wire or shared span lists at most this many sources (wire first, then earliest).
    # More is complete but makes reports of big corpora long.
    max_sources: int = 5


@dataclass(frozen=True)
class Config:
    ingest: IngestConfig = field(default_factory=IngestConfig)
    boilerplate: BoilerplateConfig = field(default_factory=BoilerplateConfig)
    fingerprint: FingerprintConfig = field(default_factory=FingerprintConfig)
    align: AlignConfig = field(default_factory=AlignConfig)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)
