"""Calibration and quality of the reuse matcher (run through benchmarks/quality.py).

    python benchmarks/quality.py [EVAL_DIR] --sets paraphrase/msrp reuse/clough-stevenson

- ``paraphrase/msrp``: the claim matcher (``match.claims.claim_score`` at
  ``AlignConfig.claim_min_score``) as a paraphrase classifier: accuracy and positive-class
  precision / recall / F1 at the default threshold, a threshold table, and the threshold that
  maximises accuracy (the calibration). "with_lsh" also requires the pair to share an LSH
  band of the claim index (``FingerprintConfig.claim_lsh_threshold``), as in the pipeline.
  Calibration out of sample: the rows are split in two halves (even / odd position in id
  order); the threshold that maximises accuracy on one half is reported with its accuracy,
  precision, recall and F1 on the other half, both ways (``split.*``).
- ``reuse/clough-stevenson``: the grade as a 4-class reuse-level classifier. An answer's
  score is the character-weighted mean of the alignment scores of its sentences (each
  aligned with ``align.align_texts`` inside the source text, as the pipeline aligns a
  passage inside a longer one); below ``match_min_score`` it is "non", else the grade
  (verbatim = cut, edited = light, rewritten = heavy). Reports the confusion matrix at the
  default thresholds, and the calibration out of sample: 5-fold cross-validation (answers in
  id order, fold = position mod 5), the thresholds that maximise accuracy over a grid on
  four folds scored on the fifth (``cv.*``: pooled accuracy over the five held-out folds and
  each fold's thresholds). The set has no other split.
Nothing of the data is copied; rows are read from EVAL_DIR.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

from evalsets import read_jsonl

from provenance.config import AlignConfig, Config
from provenance.fingerprint import FingerprintParams, Signer, band_keys, lsh_bands
from provenance.match.align import align_texts
from provenance.match.claims import claim_score, claim_shingles, load_stopwords
from provenance.segment import Abbreviations, segment

CS_CLASSES = ("cut", "light", "heavy", "non")
GRADE_TO_CLASS = {"verbatim": "cut", "edited": "light", "rewritten": "heavy"}


def _prf(tp: int, fp: int, fn: int, tn: int) -> dict[str, float]:
    p = tp / (tp + fp) if tp + fp else 0.0
    r = tp / (tp + fn) if tp + fn else 0.0
    return {
        "accuracy": (tp + tn) / max(1, tp + fp + fn + tn),
        "precision": p,
        "recall": r,
        "f1": 2 * p * r / (p + r) if p + r else 0.0,
    }


def _counts(scored: list[tuple[float, bool, int]], threshold: float) -> tuple[int, ...]:
    tp = sum(1 for s, cand, y in scored if cand and s >= threshold and y == 1)
    fp = sum(1 for s, cand, y in scored if cand and s >= threshold and y == 0)
    fn = sum(1 for s, cand, y in scored if not (cand and s >= threshold) and y == 1)
    tn = len(scored) - tp - fp - fn
    return tp, fp, fn, tn


def msrp(set_dir: Path, limit: int | None) -> dict[str, Any]:
    config = Config()
    rows = list(read_jsonl(set_dir / "pairs.jsonl"))[:limit]
    params = FingerprintParams.from_config(config.fingerprint)
    n = config.fingerprint.claim_word_shingle
    signer = Signer(params)
    bands, rows_per_band = lsh_bands(params.num_perm, config.fingerprint.claim_lsh_threshold)
    scored: list[tuple[float, bool, int]] = []  # score, LSH candidate, label
    stopwords = load_stopwords()
    for row in rows:
        sa = signer.sign_shingles(claim_shingles(row["a"], params, stopwords, n))
        sb = signer.sign_shingles(claim_shingles(row["b"], params, stopwords, n))
        ka = band_keys(sa, bands, rows_per_band)
        kb = band_keys(sb, bands, rows_per_band)
        candidate = any(x == y for x, y in zip(ka, kb, strict=True))
        scored.append((claim_score(row["a"], row["b"]), candidate, int(row["label"])))
    everything = [(s, True, y) for s, _, y in scored]
    default = config.align.claim_min_score
    out: dict[str, Any] = {"pairs": len(rows), "positives": sum(y for *_, y in scored)}
    out["default_threshold"] = default
    for name, data in (("score_only", everything), ("with_lsh", scored)):
        for key, value in _prf(*_counts(data, default)).items():
            out[f"{name}.{key}"] = round(value, 4)
    out["lsh_recall_of_positives"] = round(
        sum(1 for _, c, y in scored if c and y == 1) / max(1, out["positives"]), 4
    )
    halves = (everything[0::2], everything[1::2])
    for name, (fit, held) in (("a_to_b", halves), ("b_to_a", halves[::-1])):
        best = _best_threshold(fit)
        m = _prf(*_counts(held, best))
        out[f"split.{name}.threshold"] = best
        out[f"split.{name}.held_out"] = (
            f"acc {m['accuracy']:.3f}  P {m['precision']:.3f}  R {m['recall']:.3f}  "
            f"F1 {m['f1']:.3f}  ({len(held)} pairs)"
        )
    for t in range(55, 100, 5):
        m = _prf(*_counts(scored, t))
        out[f"table.t{t}"] = (
            f"acc {m['accuracy']:.3f}  P {m['precision']:.3f}  R {m['recall']:.3f}  "
            f"F1 {m['f1']:.3f}"
        )
    return out


def _best_threshold(scored: list[tuple[float, bool, int]]) -> int:
    """The integer threshold in 40-99 with the best accuracy on ``scored`` (ties: lowest)."""
    return max(range(40, 100), key=lambda t: (_prf(*_counts(scored, t))["accuracy"], -t))


def _answer_score(text: str, source: str, abbreviations: Abbreviations, min_chars: int) -> float:
    total = weight = 0.0
    for s in segment(text, abbreviations).sentences:
        if len(s.text) < min_chars:
            continue
        found = align_texts(s.text, source)
        total += (found.score if found else 0.0) * len(s.text)
        weight += len(s.text)
    return total / weight if weight else 0.0


def _classify(score: float, config: AlignConfig) -> str:
    if score < config.match_min_score:
        return "non"
    if score >= config.verbatim_min_score:
        return "cut"
    return "light" if score >= config.edited_min_score else "heavy"


def _confusion(
    scored: list[tuple[float, str]], classify: Callable[[float], str]
) -> dict[str, dict[str, int]]:
    matrix = {gold: dict.fromkeys(CS_CLASSES, 0) for gold in CS_CLASSES}
    for score, gold in scored:
        matrix[gold][classify(score)] += 1
    return matrix


def _accuracy(matrix: dict[str, dict[str, int]]) -> float:
    total = sum(sum(row.values()) for row in matrix.values())
    return sum(matrix[c][c] for c in CS_CLASSES) / max(1, total)


def clough_stevenson(set_dir: Path, limit: int | None) -> dict[str, Any]:
    config = Config()
    abbreviations = Abbreviations.load()
    rows = list(read_jsonl(set_dir / "texts.jsonl"))[:limit]
    minimum = config.fingerprint.min_passage_chars
    scored = [
        (_answer_score(r["text"], r["source"], abbreviations, minimum), r["label"]) for r in rows
    ]
    out: dict[str, Any] = {"answers": len(rows)}
    default = _confusion(scored, lambda s: _classify(s, config.align))
    out["default.thresholds"] = (
        f"match {config.align.match_min_score} edited {config.align.edited_min_score} "
        f"verbatim {config.align.verbatim_min_score}"
    )
    out["default.accuracy"] = round(_accuracy(default), 4)
    binary = sum(1 for s, gold in scored if (s >= config.align.match_min_score) == (gold != "non"))
    out["default.binary_reused_accuracy"] = round(binary / max(1, len(scored)), 4)
    out["default.confusion(gold -> cut/light/heavy/non)"] = "  ".join(
        f"{g}: " + "/".join(str(default[g][p]) for p in CS_CLASSES) for g in CS_CLASSES
    )
    folds = 5
    correct = 0
    chosen = []
    for k in range(folds):
        fit = [x for i, x in enumerate(scored) if i % folds != k]
        held = [x for i, x in enumerate(scored) if i % folds == k]
        trial = _fit_grades(fit, config.align)
        matrix = _confusion(held, lambda s, c=trial: _classify(s, c))  # type: ignore[misc]
        correct += sum(matrix[c][c] for c in CS_CLASSES)
        chosen.append(
            f"{trial.match_min_score:.0f}/{trial.edited_min_score:.0f}/"
            f"{trial.verbatim_min_score:.0f}"
        )
    out["cv.folds"] = folds
    out["cv.accuracy(held_out, pooled)"] = round(correct / max(1, len(scored)), 4)
    out["cv.thresholds_per_fold(match/edited/verbatim)"] = " ".join(chosen)
    return out


def _fit_grades(scored: list[tuple[float, str]], align: AlignConfig) -> AlignConfig:
    """The match/edited/verbatim thresholds (integers 40-100) with the best 4-class accuracy
    on ``scored`` (ties: the lowest thresholds)."""
    best: tuple[float, int, int, int] | None = None
    for m, e, v in itertools.combinations(range(40, 101), 3):
        trial = replace(align, match_min_score=m, edited_min_score=e, verbatim_min_score=v)
        acc = _accuracy(_confusion(scored, lambda s, c=trial: _classify(s, c)))  # type: ignore[misc]
        key = (acc, -m, -e, -v)
        if best is None or key > best:
            best = key
    assert best is not None
    return replace(
        align, match_min_score=-best[1], edited_min_score=-best[2], verbatim_min_score=-best[3]
    )


SETS: dict[str, Callable[[Path, int | None], dict[str, Any]]] = {
    "paraphrase/msrp": msrp,
    "reuse/clough-stevenson": clough_stevenson,
}
