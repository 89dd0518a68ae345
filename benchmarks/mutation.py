"""Mutation testing of one core module against the tests that pin it (mutmut 3).

    python benchmarks/mutation.py MODULE [--workers 2] [--keep DIR]
    python benchmarks/mutation.py MODULE --keep DIR --rerun   # after writing tests
    python benchmarks/mutation.py store --only "provenance.store.inspect*"   # part of one

MODULE is one of ``MODULES`` below (check, store, boilerplate, attribution, classify, and
the matching stage, ``provenance/match/``: reuse (with duplicates), index (units, signatures,
candidates), align, claims (claim units, pairs, groups, origin), quotes (quotation
groups)). The repository's package, tests, corpus and
schemas are copied to a scratch folder whose ``pyproject.toml`` tells mutmut to mutate only
that module's files and to run only its targeted test files (a mutant of
``classify.partition`` would otherwise run nearly the whole suite), then ``mutmut run`` runs
there. Printed: one JSON line with the counts per
outcome, the kill rate (killed + timeout over all mutants that ran), the seconds and the
survivors' names (``mutmut show NAME`` in the scratch folder shows one; ``--keep`` keeps it).
``--rerun`` reuses a kept folder: it copies the repository's current tests into it and runs
again only the mutants that survived (or had no test), so new tests are measured against the
same mutants in minutes; killed mutants stay killed (a test added cannot revive one).
``--only GLOB`` (repeatable) runs only the mutants whose names match (mutmut's name globs),
for a module too slow to run whole on a shared machine (store: ~1,200 mutants, its tests
open SQLite files and analyse articles); with ``--rerun`` the globs are run as well.
Mutants listed in ``EQUIVALENT`` (no behaviour can tell them from the original) are counted
apart and left out of ``kill_rate_without_equivalent``; their names follow mutmut's
numbering of today's code, so check them again after the module changes.
Needs ``pip install mutmut``; not part of .ci/run (minutes per module).
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# module -> (files to mutate, test files that pin them)
MODULES: dict[str, tuple[list[str], list[str]]] = {
    "check": (
        ["provenance/check.py", "provenance/check_wire.py"],
        ["tests/test_check.py", "tests/test_quotes.py"],
    ),
    "store": (["provenance/store/*"], ["tests/test_store.py", "tests/test_index.py"]),
    "boilerplate": (
        ["provenance/boilerplate.py", "provenance/boilerplate_rules.py"],
        ["tests/test_boilerplate.py", "tests/test_boilerplate_rules.py"],
    ),
    "attribution": (["provenance/attribution.py"], ["tests/test_attribution.py"]),
    "classify": (["provenance/classify.py"], ["tests/test_classify.py"]),
    "reuse": (
        [
            "provenance/match/reuse.py",
            "provenance/match/links.py",
            "provenance/match/reuse_spans.py",
            "provenance/match/duplicates.py",
            "provenance/match/articles.py",
        ],
        ["tests/test_reuse.py", "tests/test_golden.py", "tests/test_match_articles.py"],
    ),
    "index": (  # units -> signatures -> candidates: what the index and the report match by
        [
            "provenance/match/units.py",
            "provenance/match/signatures.py",
            "provenance/match/candidates.py",
            "provenance/fingerprint.py",
        ],
        [
            "tests/test_index.py",
            "tests/test_reuse.py",
            "tests/test_match.py",
            "tests/test_bandkeys.py",
            "tests/test_store_signing.py",
        ],
    ),
    "align": (["provenance/match/align.py"], ["tests/test_align.py"]),
    "claims": (  # claim units, their pairs and groups, and the first outlet of each
        [
            "provenance/match/claim_corpus.py",
            "provenance/match/claim_columns.py",
            "provenance/match/claim_links.py",
            "provenance/match/claim_pairs.py",
            "provenance/match/claim_groups.py",
            "provenance/match/claims.py",
            "provenance/match/origin.py",
        ],
        ["tests/test_claims.py", "tests/test_claim_stars.py", "tests/test_memory.py"],
    ),
    "quotes": (
        ["provenance/match/quote_groups.py", "provenance/match/quote_corpus.py"],
        ["tests/test_quotes.py", "tests/test_quote_groups_bounded.py"],
    ),
}
# mutant name -> why no test can kill it (checked by reading ``mutmut show NAME``)
_SQL_CASE = "SQL keywords and table names are case-insensitive"
_STRICT_ZIP = "zip(strict=...) over two lists of equal length by construction"
EQUIVALENT: dict[str, str] = {
    # attribution
    "provenance.attribution.x__match__mutmut_22": "`requires` is a pre-check each credit "
    "pattern implies (agencies.toml); skipping it only costs time",
    "provenance.attribution.x__mentions__mutmut_8": "a word past the sentence end gives "
    "mention.match(pos > endpos) = None",
    "provenance.attribution.x__mentions__mutmut_12": "a Hangul word whose head is no alias "
    "head cannot start a mention; the filter only saves time",
    "provenance.attribution.x__mentions__mutmut_25": "mentions start at word starts, so two "
    "of them never touch",
    "provenance.attribution.x__raw_credits__mutmut_33": "every credit rule has an {agencies} "
    "group or an agency",
    "provenance.attribution.x__raw_credits__mutmut_34": "an {agencies} group always names an "
    "agency and every credit group is non-empty",
    "provenance.attribution.x__raw_credits__mutmut_37": "the skipped branch is never taken "
    "(as _33/_34)",
    "provenance.attribution.x_find_credits__mutmut_51": "`end` is unused when first < 0",
    "provenance.attribution.x_find_credits__mutmut_54": "`end` is unused when first < 0",
    "provenance.attribution.x_credit_boilerplate__mutmut_10": "find_credits never returns a "
    "text credit with end <= start; metadata credits have no boilerplate reason",
    "provenance.attribution.x_credit_boilerplate__mutmut_12": "as _10",
    "provenance.attribution.x_credit_mismatches__mutmut_24": "replace() with an empty "
    "mismatch gives an equal span",
    "provenance.attribution.x_metadata_credits__mutmut_14": "the pattern is case-insensitive",
    "provenance.attribution.x_metadata_credits__mutmut_32": "an outlet that names an agency "
    "is never empty",
    # store (numbers of today's code, checked by reading the diffs, session 7)
    **{
        f"provenance.store.{module}.x{name}__mutmut_{n}": _SQL_CASE
        for module, name, numbers in (
            ("inspect", "_stats", (6, 7, 11, 12, 56, 57, 61, 62, 66, 67, 71, 72, 78, 79)),
            ("inspect", "_verify", (5, 6)),
            ("inspect", "__count_problems", (6, 7, 12, 13)),
            ("ops", "__entry_problems", (9, 10, 29, 30)),
            ("ops", "_verify", (9, 10)),
            ("ops", "_rebuild", (4, 5, 8, 9, 12, 13)),
            ("sqlite", "__schema_problem", (5, 6)),
            ("sqlite", "__app_id", (4, 5)),
            ("sqlite", "\u01c1Store\u01c1_prepare", (5, 6, 18, 19, 22, 23)),
            ("sqlite", "\u01c1Store\u01c1_precheck", (32, 33)),
            ("sqlite", "\u01c1Store\u01c1_rollback", (4,)),
            ("sqlite", "\u01c1Store\u01c1_check_meta", (5, 6)),
            ("sqlite", "\u01c1Store\u01c1write_meta", (3, 4, 10, 11)),
            ("sqlite", "\u01c1Store\u01c1put", (13, 14, 44, 45)),
            ("sqlite", "\u01c1Store\u01c1_insert", (14, 15, 17, 18, 37, 38)),
            ("sqlite", "\u01c1Store\u01c1_delete", (7, 8, 21, 22, 37, 38, 44, 45, 51, 52)),
            ("sqlite", "\u01c1Store\u01c1remove", (28, 33, 34, 38)),
            ("sqlite", "\u01c1Store\u01c1count", (4, 5)),
            ("sqlite", "\u01c1Store\u01c1_stored", (73, 74)),
        )
        for n in numbers
    },
    **{f"provenance.store.ops.x_verify__mutmut_{n}": _STRICT_ZIP for n in (38, 41, 43)},
    **{
        f"provenance.store.keys.x\u01c1Fingerprinter\u01c1entry__mutmut_{n}": _STRICT_ZIP
        for n in (25, 28, 29)
    },
    "provenance.store.ops.x_verify__mutmut_1": "the batch size only bounds memory",
    **{
        f"provenance.store.ops.x_per_article_analysis__mutmut_{n}": "analyze_each loads the "
        "same data files itself when given none: passing them only saves loading them per batch"
        for n in (1, 4, 7)
    },
    "provenance.store.ops.x_rebuild__mutmut_21": "overlapping batches put the same articles "
    "again, which put() leaves unchanged",
    **{
        f"provenance.store.inspect.x_stats__mutmut_{n}": "no file named ':memory:' (or "
        "':memory:-wal') is in the working folder: a memory index adds 0 bytes either way"
        for n in (16, 17)
    },
    "provenance.store.keys.x_content_hash__mutmut_7": "'UTF-8' and 'utf-8' name one codec",
    "provenance.store.inspect.x__count_problems__mutmut_16": "GROUP BY gives one row per "
    "article, so = and += store the same count",
    **{
        f"provenance.store.sqlite.x\u01c1Store\u01c1__init____mutmut_{n}": "the connection's "
        "timeout is replaced by PRAGMA busy_timeout, its first statement"
        for n in (57, 59, 65, 66)
    },
    "provenance.store.sqlite.x\u01c1Store\u01c1__init____mutmut_56": "a read-only "
    "connection runs no INSERT/UPDATE/DELETE outside BEGIN, so the legacy implicit "
    "transactions of isolation_level='' never start",
    "provenance.store.sqlite.x\u01c1Store\u01c1_precheck__mutmut_13": "the immutable "
    "read-only connection runs no INSERT/UPDATE/DELETE (as __init__ 56)",
    **{
        f"provenance.store.sqlite.x\u01c1Store\u01c1{name}__mutmut_{n}": "SQLite is built "
        "with USE_URI here (pragma compile_options): a 'file:' name is read as a URI anyway"
        for name, n in (
            ("_precheck", 10),
            ("_precheck", 12),
            ("_precheck", 14),
            ("__init__", 52),
            ("__init__", 55),
            ("__init__", 58),
        )
    },
    "provenance.store.sqlite.x\u01c1Store\u01c1_precheck__mutmut_5": "a -wal of 1 byte holds "
    "no frame (its header is 32 bytes): the file is judged by its main file either way",
    **{
        f"provenance.store.sqlite.x\u01c1Store\u01c1{name}__mutmut_{n}": "the chunk size only "
        "bounds the SQL variables of one query (SQLite allows 32,766)"
        for name, n in (("kinds", 9), ("hashes", 8), ("articles", 9))
    },
    "provenance.store.sqlite.x\u01c1Store\u01c1_prepare__mutmut_56": "that branch runs only "
    "for a problem other than 'no tables', which _explain returns whatever `ours` is",
    "provenance.store.sqlite.x\u01c1Store\u01c1_insert__mutmut_21": "ensure_ascii=None is "
    "false, as False",
    "provenance.store.sqlite.x\u01c1Store\u01c1_insert__mutmut_31": "an INSERT into an "
    "AUTOINCREMENT table always sets lastrowid >= 1",
    "provenance.store.sqlite.x__chunks__mutmut_6": "overlapping chunks look the same rows up "
    "again, into a dict",
    "provenance.store.sqlite.x_check_identity__mutmut_9": "reading the whole file gives the "
    "same first 100 bytes",
    "provenance.store.sqlite.x_check_identity__mutmut_23": "int.from_bytes reads big-endian "
    "by default",
    "provenance.store.sqlite.x\u01c1Store\u01c1_meta_complete__mutmut_1": "both callers "
    "pass `rebuilding`: the default is never used",
    "provenance.store.sqlite.x\u01c1Store\u01c1_prepare__mutmut_34": "a new file and a "
    "memory index have just had our application id written, so the id test is true for them",
    **{
        f"provenance.store.sqlite.x\u01c1Store\u01c1_retry__mutmut_{n}": "the back-off and "
        "the deadline's edge only space the retries in time"
        for n in (4, 9, 15, 16, 17, 23, 24, 25)
    },
    "provenance.store.sqlite.x__is_busy__mutmut_8": "SQLite's busy error reads 'database is "
    "locked': no message holds 'busy'",
    "provenance.store.sqlite.x__is_busy__mutmut_9": "as _8",
    "provenance.store.sqlite.x__before__mutmut_3": "SQL keeps only rows whose published is "
    "not NULL, and a sound index stores it as text",
    # align
    **{
        f"provenance.match.align.x__refine__mutmut_{n}": "rapidfuzz's matching blocks are never "
        "adjacent (none in 20,000 random pairs) and end with one size-0 sentinel: the merge "
        "branch never runs, and blocks under 4 characters at the edges are popped anyway"
        for n in (24, 25, 44, 45, 46, 47, 48, 49, 50)
    },
    # claims (claim units, pairs, groups, origin)
    **{
        f"provenance.match.claim_pairs.x__article_pairs__mutmut_{n}": "sign_shingles takes the "
        "anchor sets as they are: word_shingle is read only by sign_texts"
        for n in (16, 18, 20)
    },
    "provenance.match.claim_pairs.x__article_pairs__mutmut_28": "codec names are case-insensitive",
    "provenance.match.claim_pairs.x__article_pairs__mutmut_38": "lsh_candidates' default "
    "bands_per_pass is FingerprintConfig's, and the pass size only bounds memory",
    "provenance.match.claim_pairs.x__article_pairs__mutmut_66": "each pair is offered once "
    "(codes are unique), so an article's items (score, -partner) are never equal",
    **{
        f"provenance.match.claim_corpus.x\u01c1ClaimCorpus\u01c1__init____mutmut_{n}": "for "
        "c >= common, log(common / c) <= 0 and max(0.0, ...) makes it the 0.0 of the else"
        for n in (135, 143)
    },
    "provenance.fingerprint.x_claim_shingles__mutmut_15": "codec names are case-insensitive",
    "provenance.fingerprint.x_load_stopwords__mutmut_2": "data/stopwords.txt is ASCII: "
    "the locale's encoding (UTF-8, Latin-1, ...) reads it alike",
    "provenance.fingerprint.x_load_stopwords__mutmut_10": "codec names are case-insensitive",
    **{
        f"provenance.match.claims.x__links__mutmut_{n}": "`mutual` is only tested for truth "
        "(confidence): None and False alike"
        for n in (3, 5)
    },
    **{
        f"provenance.match.claims.x__links__mutmut_{n}": _STRICT_ZIP + " (an executor maps "
        "one result per item)"
        for n in (55, 58, 59)
    },
    "provenance.match.claims.x__group__mutmut_7": "units are numbered in id order, then in "
    "text order: sorted by number they are sorted by (article id, start)",
    **{
        f"provenance.match.claims.x__group__mutmut_{n}": "find_claims replaces every group's id"
        for n in (57, 67)
    },
    # quotes (quotation groups)
    **{
        f"provenance.match.quote_groups.x_compare__mutmut_{n}": "an inner change is followed "
        "by an equal run (edge changes are dropped), so j1 < len(occ) always"
        for n in (81, 83)
    },
    "provenance.match.quote_groups.x_compare__mutmut_103": "align_texts rounds its score to 2 "
    "places already",
    "provenance.match.quote_groups.x_compare__mutmut_28": "autojunk=None is false, as False",
    "provenance.match.quote_groups.x__last__mutmut_14": "a name without words gets a key no "
    "normalised (lower-case) word equals, '' or 'XXXX' alike",
    **{
        f"provenance.match.quote_groups.x__components__mutmut_{n}": "only skips work: a pair "
        "of one owner or one component is joined already, and linked() of a pair tried "
        "again gives the same answer"
        for n in (38, 42, 43, 45)
    },
    "provenance.match.quote_groups.x__components__mutmut_35": "lsh_candidates' default "
    "bands_per_pass is FingerprintConfig's, and the pass size only bounds memory",
    **{
        f"provenance.match.quote_groups.x_group__mutmut_{n}": "first_appearance of one article "
        "is that article"
        for n in (3, 5)
    },
    "provenance.match.quote_groups.x_group__mutmut_36": "only undated articles get the "
    "default, all the same one",
    "provenance.match.quote_groups.x_group__mutmut_101": "the reference is its own partner and "
    "a text aligns with itself at 100",
    "provenance.match.quote_groups.x__partner__mutmut_26": "the loop runs at least once (over "
    "the reference), so best is set",
    **{
        f"provenance.match.quote_groups.x__lead__mutmut_{n}": "the slice's end changes only "
        "trailing characters; the leading white space of a quotation with words is the same"
        for n in (4, 5)
    },
    **{
        f"provenance.match.quote_groups.x_find_quote_groups__mutmut_{n}": "items are numbered in "
        "id order, then in each article's quotation order: by number is by (id, start)"
        for n in (22, 24, 26, 28)
    },
    # index (units, signatures, candidates)
    **{
        f"provenance.match.candidates.x_lsh_bands__mutmut_{n}": why
        for n, why in (
            (8, "rows past num_perm give no band and end the loop"),
            (13, "the loop never reaches a banding with no band"),
            (26, "keys end with rows, so two keys are never equal"),
        )
    },
    **{
        f"provenance.match.candidates.x_candidates__mutmut_{n}": "when links are folded "
        "(np.unique) only bounds memory: the final np.unique gives the same links"
        for n in (1, 15, 17, 29, 34, 35, 36)
    },
    "provenance.match.candidates.x_lsh_candidates__mutmut_14": "the bands per pass only "
    "bound memory: every pass size gives the same candidates",
    **{
        f"provenance.match.{name}__mutmut_{n}": why
        for name, numbers, why in (
            ("candidates.x_candidate_list", (31, 35, 36), _STRICT_ZIP),
            (
                "candidates.x_candidate_list",
                (1, 10),
                "fold_every (its default or the one passed) only bounds memory: the final "
                "np.unique gives the same links",
            ),
            (
                "candidates.x_candidates",
                (57, 59),
                "the chunk only bounds memory: overlapping or open-ended chunks write the "
                "same counts",
            ),
            (
                "candidates.x_band_links",
                (3,),
                "the key order of lexsort only orders the buckets: each is still one run of "
                "rows, its hubs sorted",
            ),
            (
                "candidates.x_band_links",
                (61, 62),
                "a bucket of 4 x max_candidates rows or fewer is linked all to all already: "
                "its hub links (added by the mutant, 4 / m <= 4 m) are among those",
            ),
            (
                "signatures.x_sign",
                (26, 28),
                "the block only bounds memory: overlapping or open-ended blocks take the "
                "same minima",
            ),
            (
                "signatures.x\u01c1Permutations\u01c1of",
                (12, 14),
                "np.array infers uint64 from the uint64 draws",
            ),
            (
                "signatures.x\u01c1Permutations\u01c1of",
                (20, 27),
                "RandomState draws the same value under 2**61 as int64 or as uint64 (one "
                "masked 64-bit draw), stored as uint64",
            ),
            (
                "signatures.x\u01c1Permutations\u01c1of",
                (25,),
                "randint(high) draws from [0, high) as randint(0, high) does",
            ),
            (
                "signatures.x\u01c1Permutations\u01c1of",
                (64,),
                "a power-of-two range masks one draw; doubling modulo 2**width drops the "
                "extra top bit",
            ),
            (
                "signatures.x\u01c1Permutations\u01c1hash_shingles",
                (30,),
                "legacy hashes as uint32 are promoted to uint64 by permute's uint64 a and b: "
                "the same products",
            ),
            (
                "signatures.x\u01c1Permutations\u01c1permute",
                (7, 14),
                "numpy reads a negative size as 'the rest'",
            ),
        )
        for n in numbers
    },
    **{
        f"provenance.match.units.x_story_pieces__mutmut_{n}": "the overlap test only skips a "
        "span that would leave every piece as it is (its parts outside the piece are empty)"
        for n in (2, 3, 4)
    },
    "provenance.match.units.x_story_pieces__mutmut_16": "an empty part stays empty through "
    "later spans and the final e > s test drops it",
    "provenance.match.units.x_story_pieces__mutmut_28": "the loop goes on only when e == s, a "
    "piece the final e > s test drops anyway",
    "provenance.match.units.x_passages_of__mutmut_3": "the segment-length test only skips "
    "segments whose story pieces are shorter still, which the piece test drops",
    "provenance.match.units.x_sentence_units__mutmut_19": "a sentence end at a piece's start "
    "is a run of 0 characters, under any floor (min_passage_chars >= 1): nothing is cut there",
    "provenance.match.units.x_sentence_units__mutmut_35": "a lone run is the whole piece, never "
    "under the floor (shorter pieces are skipped before)",
    # reuse (reuse.py, links.py, reuse_spans.py, duplicates.py), session 7's run
    "provenance.match.reuse_spans.x__match__mutmut_15": "a source is never the span's own "
    "article (text_spans skips it), so the two sides never tie",
    **{
        f"provenance.match.duplicates.x_find_duplicates__mutmut_{n}": "an empty signature's "
        "fill depends on the scheme alone (the seed and num_perm only draw a and b)"
        for n in (7, 8)
    },
    "provenance.match.duplicates.x_duplicates_of__mutmut_54": "``len(g) > 1`` -> ``>= 1``: "
    "proposed pairs are two distinct articles, so a component never has one member",
    "provenance.match.claim_columns.x_text_digest__mutmut_7": "'UTF-8' and 'utf-8' name one codec",
    **{
        f"provenance.match.reuse.x\u01c1Corpus\u01c1build__mutmut_{n}": "numpy reads a "
        "negative size as 'the rest', and np.unique's inverse is already flat (numpy 2.4)"
        for n in (37, 63, 65)
    },
    "provenance.match.reuse.x\u01c1Corpus\u01c1build__mutmut_62": "with no passage, "
    "rank[inverse] is the same empty int64 array",
    **{
        f"provenance.match.reuse.x\u01c1Corpus\u01c1build__mutmut_{n}": "with no passage the "
        "array is empty and its dtype is never read"
        for n in (67, 69)
    },
    "provenance.match.reuse.x\u01c1Corpus\u01c1of__mutmut_7": "numpy reads the sort kind "
    "case-insensitively",
    "provenance.match.reuse.x_find_reuse__mutmut_41": "the extra cut equals the last (no "
    "passage belongs past the last article): no article's range changes",
    "provenance.match.reuse_spans.x\u01c1Ranking\u01c1key__mutmut_6": "an undated article's "
    "timestamp stand-in is only compared after `at is None`, which already orders it",
    "provenance.match.reuse_spans.x_spans_for__mutmut_8": "a text found once with no link has "
    "no occurrence in another article: text_spans gives it no span (the test only saves time)",
    **{
        f"provenance.match.links.x__aligned__mutmut_{n}": _STRICT_ZIP + " (the kernels "
        "align one pair per candidate of the chunk)"
        for n in (25, 28, 33)
    },
    # boilerplate
    "provenance.boilerplate_rules.x\u01c1BoilerplateLexicon\u01c1load__mutmut_19": (
        "features.toml always sets the initial value"
    ),
    "provenance.boilerplate_rules.x\u01c1BoilerplateLexicon\u01c1load__mutmut_21": (
        "paths in one folder sort as their names"
    ),
    "provenance.boilerplate_rules.x\u01c1BoilerplateLexicon\u01c1load__mutmut_23": (
        "paths in one folder sort as their names"
    ),
    "provenance.boilerplate_rules.x\u01c1BoilerplateLexicon\u01c1load__mutmut_34": (
        "'UTF-8' and 'utf-8' name one codec"
    ),
    "provenance.boilerplate_rules.x\u01c1BoilerplateLexicon\u01c1load__mutmut_32": (
        "read_text(None) reads with the locale's encoding, UTF-8 wherever Python runs here "
        "(PEP 538/540 coerce the C locale to UTF-8)"
    ),
    **{f"provenance.boilerplate.x_detect__mutmut_{n}": _STRICT_ZIP for n in (147, 150, 151)},
    "provenance.boilerplate.x_detect__mutmut_27": "an offset at the text's end marks no "
    "paragraph and its empty span is not reported",
    "provenance.boilerplate.x_detect__mutmut_252": "no fixed span is empty: paragraphs are "
    "non-empty and a split's caption part has 10+ characters",
    "provenance.boilerplate.x__cut_tail__mutmut_38": "the tail runs to the text's end, where "
    "_neighbour finds nothing beyond a FIXED line or stops at an unknown class alike",
    "provenance.boilerplate.x__language__mutmut_16": "'xxxx' names no list, as '' does",
    "provenance.boilerplate.x\u01c1OutletRepeats\u01c1empty__mutmut_2": "FrozenMap(None) is "
    "FrozenMap({})",
    "provenance.boilerplate.x__first_pass__mutmut_41": "a one-token line reaches this test only "
    "with 70+ characters, and no stop word is that long: the density is 0 either way",
    "provenance.boilerplate.x__language__mutmut_31": "scores is never empty: the lexicon has "
    "stop-word lists and a text without tokens returned before",
    **{
        f"provenance.boilerplate.x__first_pass__mutmut_{n}": "features.toml has thresholds for "
        "every script _script returns, so the fallback is never read"
        for n in (6, 7)
    },
    "provenance.boilerplate.x\u01c1OutletRepeats\u01c1contains__mutmut_4": (
        "no outlet key is '' or 'XXXX' (keys are casefolded; the empty key is never counted)"
    ),
    # check
    "provenance.check.x\u01c1ArticleVerdict\u01c1line_of__mutmut_23": "count(x, None, n) "
    "starts at 0 as count(x, 0, n)",
    "provenance.check.x\u01c1ArticleVerdict\u01c1column_of__mutmut_23": "rfind(x, None, n) "
    "starts at 0 as rfind(x, 0, n)",
    "provenance.check.x\u01c1ArticleVerdict\u01c1column_of__mutmut_2": "only a .txt origin "
    "gets past the next test, and ingest gives a .txt file no record",
    "provenance.check.x\u01c1ArticleVerdict\u01c1column_of__mutmut_6": "standard input "
    "('-') is never a .txt path, so the next test returns None as well",
    "provenance.check.x__quote_findings__mutmut_2": "with no quotations the loop finds "
    "nothing; with both kinds off no finding is appended (its level is off)",
    "provenance.check.x__candidates__mutmut_21": "the total only divides when some passage "
    "has hits, so it is never 0 there",
    "provenance.check.x__quote_findings__mutmut_9": "the query entry is only looked up by its "
    "band keys (_matches): its content hash is never read",
    **{
        f"provenance.check.x_run__mutmut_{n}": _STRICT_ZIP + " (entries and queries are made "
        "one per result of `ordered`)"
        for n in (34, 38, 39)
    },
    **{
        f"provenance.check_wire.x_aligned_wire__mutmut_{n}": what
        for what, numbers in (
            (
                "the estimate (None, or the default 0.0) only goes to Match.estimated_jaccard, "
                "which WireMatch does not keep",
                (12, 16),
            ),
            (
                "a passage's article id (new, wire) only goes to the Match's sides, and "
                "WireMatch takes the wire id from the stored article",
                (17, 27),
            ),
            ("align_passages does not read a passage's end (new, wire)", (19, 29)),
            ("align_passages does not read a passage's kind (new, wire)", (21, 31)),
        )
        for n in numbers
    },
    # classify. _order_key 2, 4, 6, 8 and 13 hold over the candidates the pipeline builds; on
    # hand-built spans they change only which of two candidates over one stretch wins when one
    # lacks the field, a tie-break that stays independent of the input order (what
    # test_candidates_differing_in_one_field_do_not_depend_on_order pins) and that no stated
    # behaviour chooses. _order_key 12 (``first and ""``) is killed by
    # test_a_shared_stretch_names_the_one_first_publisher_any_candidate_knows (None < "" raises).
    "provenance.classify.x__order_key__mutmut_2": "a missing reason as 'XXXX' instead of '': "
    "every BoilerplateReason value is lower-case, after both",
    **{
        f"provenance.classify.x__order_key__mutmut_{n}": why
        for n, why in (
            (
                4,
                "a missing agency as 'XXXX': every wire candidate names one (credit_candidates: "
                "the credit's agency; reuse_spans: the outlet or the wire id) and no other label "
                "has one, so a missing agency is never compared with a present one",
            ),
            (
                6,
                "a missing evidence as 'XXXX': evidence is 'alignment' or 'credit' (model.Span), "
                "lower-case, after both",
            ),
            (
                8,
                "a missing rule as 'XXXX': a boilerplate candidate always has a rule "
                "(BoilerplateSpan.rule is a str) and no other label has one",
            ),
            (
                13,
                "a missing first as 'XXXX': only shared candidates carry a first (reuse_spans), "
                "and a shared piece takes its first from every covering candidate and merges "
                "their sources, so which one sorts first does not show",
            ),
        )
    },
    "provenance.classify.x_partition__mutmut_53": "only shared candidates carry a first, and a "
    "shared piece's first is computed on the next lines",
    **{
        f"provenance.classify.x__absorb_whitespace__mutmut_{n}": "the branch is reached only "
        "when `out` is empty or the piece is not blank (the test before took the rest), and "
        "with `out` empty the last branch appends the piece as this one does"
        for n in (20, 21)
    },
}
COPY = ("provenance", "tests", "corpus", "schemas", "README.md", "CHANGELOG.md")
_RESULT = re.compile(r"^\s+(\S+): (\w[\w ]*)$")


def _config(module: str) -> str:
    mutate, tests = MODULES[module]
    return f"""
[tool.mutmut]
source_paths = ["provenance/"]
only_mutate = {json.dumps(mutate)}
also_copy = ["corpus/", "schemas/", "README.md", "CHANGELOG.md"]
pytest_add_cli_args = ["-q", "-p", "no:cacheprovider", "-m", "not slow and not browser"]
pytest_add_cli_args_test_selection = {json.dumps(tests)}
"""


def _scratch(module: str, folder: Path) -> None:
    for name in COPY:
        source = ROOT / name
        if source.is_dir():
            shutil.copytree(source, folder / name, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy2(source, folder / name)
    text = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    text = text.split("\n[tool.mutmut]")[0]  # the repository's own mutmut table, if any
    (folder / "pyproject.toml").write_text(text + _config(module), encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("module", choices=sorted(MODULES))
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--keep", type=Path, default=None, help="scratch folder to keep")
    parser.add_argument(
        "--rerun", action="store_true", help="in the kept folder: only the previous survivors"
    )
    parser.add_argument(
        "--only", action="append", default=[], metavar="GLOB", help="mutant names to run"
    )
    args = parser.parse_args(argv)
    if args.rerun and (args.keep is None or not (args.keep / "mutants").is_dir()):
        parser.error("--rerun needs --keep DIR naming the folder of an earlier run")
    folder = args.keep or Path(tempfile.mkdtemp(prefix=f"mutation-{args.module}-"))
    folder.mkdir(parents=True, exist_ok=True)
    mutmut = [sys.executable, "-m", "mutmut"]
    try:
        names: list[str] = []
        if args.rerun:
            before = _outcomes(mutmut, folder)
            names = [*before.get("survived", []), *before.get("no tests", [])]
            shutil.rmtree(folder / "tests")
            shutil.copytree(
                ROOT / "tests", folder / "tests", ignore=shutil.ignore_patterns("__pycache__")
            )
        else:
            _scratch(args.module, folder)
        names += args.only
        started = time.perf_counter()
        run = subprocess.run(
            [*mutmut, "run", "--max-children", str(args.workers), *names],
            cwd=folder,
            capture_output=True,
            text=True,
            check=False,
        )
        seconds = time.perf_counter() - started
        outcomes = _outcomes(mutmut, folder)
        counts = {k: len(v) for k, v in sorted(outcomes.items())}
        ran = sum(n for k, n in counts.items() if k not in ("not checked", "skipped"))
        killed = counts.get("killed", 0) + counts.get("timeout", 0)
        left = [*outcomes.get("survived", []), *outcomes.get("no tests", [])]
        equivalent = sorted(n for n in left if n in EQUIVALENT)
        real = ran - len(equivalent)
        print(
            json.dumps(
                {
                    "module": args.module,
                    "tests": MODULES[args.module][1],
                    "counts": counts,
                    "rerun_of": len(names) if args.rerun else None,
                    "kill_rate": round(killed / ran, 3) if ran else None,
                    "equivalent": len(equivalent),
                    "kill_rate_without_equivalent": round(killed / real, 3) if real else None,
                    "seconds": round(seconds),
                    "survivors": [n for n in left if n not in EQUIVALENT],
                    "mutmut_exit": run.returncode,
                    "mutmut_tail": run.stdout.strip().splitlines()[-1:] if run.returncode else [],
                }
            )
        )
        return 0 if run.returncode == 0 else 1
    finally:
        if args.keep is None:
            shutil.rmtree(folder, ignore_errors=True)


def _outcomes(mutmut: list[str], folder: Path) -> dict[str, list[str]]:
    """Mutant names by outcome ("killed", "survived", "no tests", ...) of the folder's run."""
    listed = subprocess.run(
        [*mutmut, "results", "--all", "true"],
        cwd=folder,
        capture_output=True,
        text=True,
        check=False,
    )
    outcomes: dict[str, list[str]] = {}
    for line in listed.stdout.splitlines():
        found = _RESULT.match(line)
        if found:
            outcomes.setdefault(found.group(2), []).append(found.group(1))
    return outcomes


if __name__ == "__main__":
    raise SystemExit(main())
