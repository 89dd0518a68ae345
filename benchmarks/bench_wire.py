"""Wire reuse on real wire text: is copied agency text labelled `wire`, graded right, and
flagged by `check` when uncredited? (a measurement, not a test)

    python benchmarks/bench_wire.py [EVAL_DIR] [--json] [--seed 0] [--limit N]

Wire stories: the agency-credited rows of ``attribution/wire-credits`` (AP, Reuters, AFP,
dpa, Anadolu, ... : real agency copy as member sites and the agencies printed it; the AP and
Reuters pages of the boilerplate sets, zyte ``hosted.ap.org`` / ``reuters.com`` and fundus
``APNews`` / ``Reuters``, are rows of that set already). Unrelated real articles: its rows
without a credit, split in two halves: one gives the outlets' own paragraphs, the other the
negatives. Each wire story becomes a wire article (``source_kind: wire``, outlet = the
agency), and outlet articles are built from it with the operations outlets apply, each
character's provenance known:

- ``verbatim``: the story's in-text credits (dateline, sign-off, credit lines, as
  ``attribution.find_credits`` finds them) stripped, the rest word for word (the lede too);
  every operation below starts from this stripped story, except ``credited``;
- ``trimmed``: the first N paragraphs only;
- ``light``: ~5% of the words of every paragraph edited (word swapped, word deleted,
  British spelling), plus re-casing (not a word edit);
- ``heavy``: ~25% of the words replaced or deleted;
- ``reordered``: paragraphs in another order; ``merged``: paragraphs of two agencies'
  stories in one language interleaved; ``inserted``: original paragraphs of an unrelated
  article between;
- ``credited``: the story as printed, its credits kept (a credit line "(AGENCY)" added
  when it has none in the text: credited in the byline only);
- ``negative``: an unrelated real article that copies nothing.

Measured, per operation and over all: character precision / recall / F1 of the `wire` label
(non-space characters; credits and datelines excluded), the same for the baseline a user
might script (exact match of normalised sentences of 32+ characters against the wire
stories, Media Cloud style), grade accuracy per copied paragraph against the applied
operation (verbatim -> verbatim, light -> edited, heavy -> rewritten), and, against an index
of the wire stories, precision / recall of `check`'s unattributed-wire finding (truth:
uncredited copy over ``check.unattributed_wire_max_share`` of the text) and the character
precision / recall of its listed stretches. Nothing of the data is written anywhere.
"""

from __future__ import annotations

import argparse
import json
import random
import re
import sys
import tempfile
import time
import unicodedata
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from evalsets import read_jsonl

from provenance import check, ingest, pipeline
from provenance.agencies import AgencyLexicon
from provenance.attribution import credit_boilerplate, find_credits
from provenance.config import Config
from provenance.match.units import story_pieces
from provenance.model import Article
from provenance.segment import segment
from provenance.store import Fingerprinter, Store, add_articles

ROOT = Path(__file__).resolve().parent.parent
SPELLING = {"ize": "ise", "izing": "ising", "ized": "ised", "or": "our", "er": "re"}
SPELLING_WORDS = ("color", "honor", "favor", "labor", "neighbor", "center", "theater")
GRADE_OF_OP = {"verbatim": "verbatim", "light": "edited", "heavy": "rewritten"}
_SENTENCE = re.compile(r"(?<=[.!?])[\"'”’)]*\s+")
_PUNCT = str.maketrans({"“": '"', "”": '"', "‘": "'", "’": "'", "—": "-", "–": "-"})


@dataclass
class Case:
    """An article to analyse, with the provenance of its characters."""

    id: str
    op: str
    text: str = ""
    outlet: str = ""  # "": an outlet of its own (``_records``)
    kind: str = "outlet"
    truth: list[tuple[int, int, str]] = field(default_factory=list)  # wire/original/credit
    grades: list[tuple[int, int, str]] = field(default_factory=list)  # expected per paragraph
    credited: bool = False

    def add(self, piece: str, label: str, grade: str | None = None) -> None:
        self.add_parts([(piece, label)], grade)

    def add_parts(self, parts: list[tuple[str, str]], grade: str | None = None) -> None:
        """One paragraph made of (text, label) parts."""
        if self.text:
            self.text += "\n"
        start = len(self.text)
        for piece, label in parts:
            self.truth.append((len(self.text), len(self.text) + len(piece), label))
            self.text += piece
        if grade is not None:
            self.grades.append((start, len(self.text), grade))


def _paragraphs(text: str) -> list[str]:
    return [p.strip() for p in text.split("\n") if p.strip()]


def _lang(paragraphs: list[str]) -> str:
    """A rough language guess from one very frequent word (enough to pair stories)."""
    text = " ".join(paragraphs).lower()
    cues = {"en": " the ", "de": " und ", "tr": " ve ", "fr": " et ", "es": " y "}
    return max(cues, key=lambda k: text.count(cues[k]))


def _story(text: str, lexicon: AgencyLexicon) -> tuple[list[str], list[list[tuple[str, str]]]]:
    """The wire story's paragraphs with its in-text credits (datelines, sign-offs, credit
    lines, as ``attribution.find_credits`` finds them) cut out, as an outlet strips them; and
    its paragraphs as printed, each cut into (text, "wire" | "credit") parts."""
    article = Article("story", text)
    seg = segment(text)
    credits = credit_boilerplate(find_credits(article, seg, lexicon))
    stripped: list[str] = []
    printed: list[list[tuple[str, str]]] = []
    for para in seg.paragraphs:
        pieces = story_pieces(text, para.start, para.end, credits)
        kept = " ".join(text[a:b] for a, b in pieces)
        if kept:
            stripped.append(kept)
        parts: list[tuple[str, str]] = []
        pos = para.start
        for c in sorted(credits, key=lambda c: c.start):
            if c.end <= para.start or c.start >= para.end:
                continue
            a, b = max(c.start, para.start), min(c.end, para.end)
            parts += [(text[pos:a], "wire"), (text[a:b], "credit")]
            pos = b
        parts.append((text[pos : para.end], "wire"))
        printed.append([(t, lab) for t, lab in parts if t])
    return stripped, printed


def _respell(word: str) -> str | None:
    low = word.lower()
    if low in SPELLING_WORDS:
        return word[:-2] + ("re" if low.endswith("er") else "our")
    for us, uk in SPELLING.items():
        if us in ("or", "er"):
            continue
        if low.endswith(us) and len(low) > len(us) + 3:
            return word[: -len(us)] + uk
    return None


def _edit(text: str, rate: float, rng: random.Random, vocabulary: list[str]) -> str:
    """About ``rate`` of the words edited (at least one): swapped for another real word,
    deleted, or re-spelt; plus one word re-cased, which is no word edit."""
    words = text.split(" ")
    count = max(1, round(len(words) * rate))
    real = [i for i, w in enumerate(words) if re.search(r"\w", w)]  # not a lone dash
    chosen = sorted(rng.sample(real, min(count, len(real))), reverse=True)
    for i in chosen:
        respelt = _respell(words[i])
        roll = rng.random()
        if respelt is not None and roll < 0.5:
            words[i] = respelt
        elif roll < 0.7 and len(words) > 3:
            del words[i]
        else:
            words[i] = rng.choice(vocabulary)
    k = rng.randrange(len(words))
    words[k] = words[k].upper() if rng.random() < 0.5 else words[k].lower()
    return " ".join(words)


def _load(eval_dir: Path, limit: int | None) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    rows = list(read_jsonl(eval_dir / "attribution" / "wire-credits" / "docs.jsonl"))
    wire = [r for r in rows if r.get("wire") not in (None, "unspecified")]
    wire = [r for r in wire if len(_paragraphs(r["text"])) >= 3][:limit]
    plain = [r for r in rows if r.get("wire") is None and len(_paragraphs(r["text"])) >= 3]
    return wire, plain


def build_cases(eval_dir: Path, seed: int, limit: int | None) -> list[Case]:
    rng = random.Random(seed)
    wire_rows, plain = _load(eval_dir, limit)
    rng.shuffle(plain)
    originals, negatives = plain[: len(plain) // 2], plain[len(plain) // 2 :]
    vocabulary = sorted({w for r in plain for w in r["text"].split() if w.isalpha()})
    cases: list[Case] = []
    lexicon = AgencyLexicon.load()
    # id, agency, paragraphs without credits, paragraphs as printed (credits marked)
    stories: list[tuple[str, str, list[str], list[list[tuple[str, str]]]]] = []
    for n, row in enumerate(wire_rows):
        agency = str(row["wire"])
        wire = Case(f"wire-{n:03d}", "wire", outlet=agency, kind="wire")
        for para in _paragraphs(row["text"]):
            wire.add(para, "wire")
        cases.append(wire)
        stripped, printed = _story(wire.text, lexicon)
        stories.append((wire.id, agency, stripped, printed))
    for n, (_wid, agency, paras, printed) in enumerate(stories):
        own = _paragraphs(originals[n % len(originals)]["text"])
        # the next story of another agency in the same language (mixing languages in one
        # article would test the boilerplate stage, not matching), else the next story
        later = stories[n + 1 :] + stories[:n]
        same = [st for st in later if _lang(st[2]) == _lang(paras)] or later or [stories[n]]
        other = next((st for st in same if st[1] != agency), same[0])
        ops: dict[str, list[tuple[str, str, str | None]]] = {
            "verbatim": [(p, "wire", "verbatim") for p in paras],
            "trimmed": [(p, "wire", "verbatim") for p in paras[: rng.randint(1, 3)]],
            "light": [(_edit(p, 0.05, rng, vocabulary), "wire", "edited") for p in paras],
            "heavy": [(_edit(p, 0.25, rng, vocabulary), "wire", "rewritten") for p in paras],
            "reordered": [(p, "wire", "verbatim") for p in rng.sample(paras, len(paras))],
            "merged": [
                (p, "wire", "verbatim") for pair in zip(paras, other[2], strict=False) for p in pair
            ],
        }
        inserted: list[tuple[str, str, str | None]] = [(p, "wire", "verbatim") for p in paras]
        for k, p in enumerate(own[:3]):
            inserted.insert(min(len(inserted), 1 + 2 * k), (p, "original", None))
        ops["inserted"] = inserted
        for op, pieces in ops.items():
            case = Case(f"{op}-{n:03d}", op)
            for text, label, grade in pieces:
                case.add(text, label, grade)
            cases.append(case)
        credited = Case(f"credited-{n:03d}", "credited", credited=True)
        for parts in printed:
            wire_part = any(lab == "wire" and t.strip() for t, lab in parts)
            credited.add_parts(parts, "verbatim" if wire_part else None)
        if not any(lab == "credit" for parts in printed for _, lab in parts):
            credited.add(f"({agency})", "credit")  # credited in the byline: say it in the text
        cases.append(credited)
    for n, row in enumerate(negatives[: len(stories)]):
        case = Case(f"negative-{n:03d}", "negative")
        for para in _paragraphs(row["text"]):
            case.add(para, "original")
        cases.append(case)
    return cases


def _mask(length: int, spans: list[tuple[int, int]]) -> list[bool]:
    out = [False] * length
    for start, end in spans:
        for i in range(max(0, start), min(length, end)):
            out[i] = True
    return out


def _prf(tp: int, fp: int, fn: int) -> dict[str, float]:
    p = tp / (tp + fp) if tp + fp else 1.0
    r = tp / (tp + fn) if tp + fn else 1.0
    return {
        "precision": round(p, 4),
        "recall": round(r, 4),
        "f1": round(2 * p * r / (p + r), 4) if p + r else 0.0,
        "tp": tp,
        "fp": fp,
        "fn": fn,
    }


def _char_counts(case: Case, predicted: list[tuple[int, int]]) -> tuple[int, int, int]:
    truth = _mask(len(case.text), [(s, e) for s, e, lab in case.truth if lab == "wire"])
    skip = _mask(len(case.text), [(s, e) for s, e, lab in case.truth if lab == "credit"])
    pred = _mask(len(case.text), predicted)
    tp = fp = fn = 0
    for i, ch in enumerate(case.text):
        if ch.isspace() or skip[i]:
            continue
        tp += truth[i] and pred[i]
        fp += pred[i] and not truth[i]
        fn += truth[i] and not pred[i]
    return tp, fp, fn


def _norm(sentence: str) -> str:
    text = unicodedata.normalize("NFKC", sentence).translate(_PUNCT).casefold()
    return " ".join(text.split())


def baseline_spans(case: Case, wire_sentences: set[str]) -> list[tuple[int, int]]:
    """Media Cloud style: a sentence of 32+ characters whose normalised form is a sentence
    of a wire story is wire copy."""
    out: list[tuple[int, int]] = []
    for para in re.finditer(r"[^\n]+", case.text):
        pos = para.start()
        for piece in _SENTENCE.split(para.group()):
            start = case.text.index(piece, pos) if piece else pos
            pos = start + len(piece)
            if len(piece.strip()) >= 32 and _norm(piece) in wire_sentences:
                out.append((start, pos))
    return out


def _grade_of(result: Any, start: int, end: int) -> str | None:
    """The grade of the wire alignment covering most of ``[start, end)``."""
    weight: Counter[str] = Counter()
    for span in result.spans:
        overlap = min(end, span.end) - max(start, span.start)
        if overlap > 0 and span.label.value == "wire" and span.sources:
            weight[span.sources[0].grade.value] += overlap
    return weight.most_common(1)[0][0] if weight else None


def _records(cases: list[Case]) -> list[dict[str, Any]]:
    """Article records; every outlet case is its own outlet (one outlet's repeated lines
    would be its boilerplate: ``outlet_repeat``)."""
    return [
        {
            "id": c.id,
            "text": c.text,
            "outlet": c.outlet or f"Outlet {c.id}",
            "source_kind": c.kind,
        }
        for c in cases
    ]


def measure(cases: list[Case], config: Config) -> dict[str, Any]:
    articles = ingest.load_records(_records(cases), "bench-wire")
    started = time.perf_counter()
    result = pipeline.analyze(articles, config)
    report_s = time.perf_counter() - started
    by_id = {r.article.id: r for r in result.articles}
    wire_sentences = {
        _norm(s)
        for c in cases
        if c.kind == "wire"
        for para in _paragraphs(c.text)
        for s in _SENTENCE.split(para)
        if len(s.strip()) >= 32
    }
    ours: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])
    base: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])
    grades: dict[str, Counter[str]] = defaultdict(Counter)
    negatives_with_wire = 0
    for case in cases:
        if case.kind == "wire":
            continue
        r = by_id[case.id]
        predicted = [(s.start, s.end) for s in r.spans if s.label.value == "wire"]
        for key in (case.op, "all"):
            for acc, spans in ((ours, predicted), (base, baseline_spans(case, wire_sentences))):
                for k, v in enumerate(_char_counts(case, spans)):
                    acc[key][k] += v
        if case.op == "negative" and predicted:
            negatives_with_wire += 1
        for start, end, expected in case.grades:
            got = _grade_of(r, start, end) or "none"
            grades[case.op][f"{expected}->{got}"] += 1
    graded = [(k.split("->"), n) for c in grades.values() for k, n in c.items()]
    grade_total = sum(n for (_, got), n in graded if got != "none")
    grade_right = sum(n for (want, got), n in graded if want == got)
    ungraded = sum(n for (_, got), n in graded if got == "none")
    return {
        "articles": len(cases),
        "report_seconds": round(report_s, 1),
        "wire_label": {k: _prf(*v) for k, v in sorted(ours.items())},
        "baseline_sentence_hash": {k: _prf(*v) for k, v in sorted(base.items())},
        "negatives_with_wire_label": negatives_with_wire,
        # over the copied paragraphs that carry a wire alignment (a paragraph under
        # min_passage_chars, or missed, has none: "ungraded")
        "grade_accuracy": round(grade_right / max(1, grade_total), 4),
        "graded_paragraphs": grade_total,
        "ungraded_paragraphs": ungraded,
        "grade_confusion": {k: dict(sorted(v.items())) for k, v in sorted(grades.items())},
    }


def measure_check(cases: list[Case], config: Config, work: Path) -> dict[str, Any]:
    wire = [c for c in cases if c.kind == "wire"]
    others = [c for c in cases if c.kind != "wire"]
    resources = pipeline.Resources.load()
    with Store(work / "wire.sqlite", Fingerprinter(config), create=True) as store:
        add_articles(store, ingest.load_records(_records(wire), "wire"), config)
        results = pipeline.analyze_each(
            ingest.load_records(_records(others), "check"), config, resources=resources
        )
        started = time.perf_counter()
        verdict = check.run(results, store, config, agencies=resources.agencies)
        check_s = time.perf_counter() - started
    found = {
        v.article.id: [f for f in v.findings if f.kind == check.FindingKind.UNATTRIBUTED_WIRE]
        for v in verdict.articles
    }
    tp = fp = fn = 0
    chars = [0, 0, 0]
    by_op: dict[str, Counter[str]] = defaultdict(Counter)
    for case in others:
        copied = sum(e - s for s, e, lab in case.truth if lab == "wire")
        truth = not case.credited and copied / max(1, len(case.text)) > (
            config.check.unattributed_wire_max_share
        )
        flagged = bool(found[case.id])
        tp += truth and flagged
        fp += flagged and not truth
        fn += truth and not flagged
        by_op[case.op]["flagged" if flagged else "passed"] += 1
        if not case.credited:
            stretches = [(w.start, w.end) for f in found[case.id] for w in f.wire]
            for k, v in enumerate(_char_counts(case, stretches)):
                chars[k] += v
    return {
        "check_seconds": round(check_s, 1),
        "unattributed_wire_finding": _prf(tp, fp, fn),
        "uncredited_stretch_chars": _prf(*chars),
        "by_op": {k: dict(v) for k, v in sorted(by_op.items())},
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("eval_dir", type=Path, nargs="?", default=ROOT.parent / "shared" / "eval")
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--limit", type=int, default=None, help="wire stories to use")
    args = parser.parse_args(argv)
    config = Config()
    cases = build_cases(args.eval_dir, args.seed, args.limit)
    print(f"{len(cases)} articles built", file=sys.stderr, flush=True)
    report = {"benchmark": "wire", "seed": args.seed, **measure(cases, config)}
    with tempfile.TemporaryDirectory(prefix="bench-wire-") as work:
        report.update(measure_check(cases, config, Path(work)))
    if args.json:
        print(json.dumps(report, indent=2))
        return 0
    for name in ("wire_label", "baseline_sentence_hash"):
        print(name)
        for op, m in report[name].items():
            print(f"  {op:<10} P {m['precision']:.3f} R {m['recall']:.3f} F1 {m['f1']:.3f}")
    print(f"negatives with a wire label: {report['negatives_with_wire_label']}")
    print(
        f"grade accuracy: {report['grade_accuracy']} of {report['graded_paragraphs']} graded "
        f"paragraphs ({report['ungraded_paragraphs']} ungraded)  {report['grade_confusion']}"
    )
    print(f"check unattributed_wire: {report['unattributed_wire_finding']}")
    print(f"check stretches (characters): {report['uncredited_stretch_chars']}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
