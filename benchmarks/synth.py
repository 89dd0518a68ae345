"""Deterministic synthetic corpora built from real news sentences of an evaluation folder.

    python benchmarks/synth.py EVAL_DIR N OUT.jsonl [--seed S]

Sentences come from ``paraphrase/msrp`` (news sentences) and the gold bodies of
``boilerplate/zyte`` and ``attribution/wire-credits``. Articles are made of 3-6 paragraphs
of 1-4 sentences each. The sentences are dealt from the shuffled pool without replacement;
once the pool is used up it is dealt again, each sentence now with ``REDEAL_RATE`` of its
words replaced, so that (as in a real corpus) the amount of unplanted reuse per article does
not grow with the size of the corpus: only the planted copies below repeat text. About
``wire_share`` of the articles are wire stories (``source_kind: wire``)
and about ``copy_share`` of the outlet articles copy one or two paragraphs of an earlier wire
story, verbatim or with some words changed, so that matching has real work to do.
The corpus is written outside the repository (the sentences belong to their publishers).
"""

from __future__ import annotations

import argparse
import json
import random
import re
import sys
from collections.abc import Iterable, Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any

SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z“\"])")
OUTLETS = tuple(f"Outlet {i:02d}" for i in range(40))
AGENCIES = ("AP", "Reuters", "AFP", "Yonhap", "dpa")


def _rows(path: Path) -> Iterator[dict[str, Any]]:
    with path.open(encoding="utf-8") as handle:
        for line in handle:
            if line.strip():
                yield json.loads(line)


def load_sentences(eval_dir: Path) -> list[str]:
    """Distinct sentences of 40-400 characters, in a deterministic order."""
    found: set[str] = set()
    msrp = eval_dir / "paraphrase" / "msrp" / "pairs.jsonl"
    if msrp.is_file():
        for row in _rows(msrp):
            found.update((row["a"], row["b"]))
    for rel, key in (
        ("boilerplate/zyte/pages.jsonl", "body"),
        ("attribution/wire-credits/docs.jsonl", "text"),
    ):
        path = eval_dir / rel
        if path.is_file():
            for row in _rows(path):
                for para in str(row.get(key) or "").split("\n"):
                    found.update(s.strip() for s in SENTENCE_END.split(para))
    sentences = sorted(s for s in found if 40 <= len(s) <= 400)
    if not sentences:
        raise SystemExit(f"no sentences found under {eval_dir}")
    return sentences


def mutate_words(text: str, rate: float, rng: random.Random, vocabulary: list[str]) -> str:
    """Replace about ``rate`` of the words of ``text`` with words from ``vocabulary``."""
    words = text.split(" ")
    count = round(len(words) * rate)
    for i in rng.sample(range(len(words)), min(count, len(words))):
        words[i] = rng.choice(vocabulary)
    return " ".join(words)


# Share of words replaced when the sentence pool is dealt again. Two re-dealt versions of a
# sentence then share few word 3-shingles (each survives with probability 0.6**3), so they
# are not near-duplicates; lower would leave more accidental reuse in big corpora.
REDEAL_RATE = 0.4


def _dealer(sentences: list[str], vocabulary: list[str], rng: random.Random) -> Iterator[str]:
    """Sentences without replacement; each later pass mutates them (see REDEAL_RATE)."""
    passes = 0
    while True:
        order = list(sentences)
        rng.shuffle(order)
        for sentence in order:
            yield sentence if passes == 0 else mutate_words(sentence, REDEAL_RATE, rng, vocabulary)
        passes += 1


def iter_corpus(
    sentences: list[str],
    n: int,
    seed: int = 0,
    wire_share: float = 0.1,
    copy_share: float = 0.3,
) -> Iterator[dict[str, Any]]:
    """``n`` article records (id, text, outlet, published, source_kind)."""
    rng = random.Random(seed)
    vocabulary = sorted({w for s in sentences[:5000] for w in s.split() if w.isalpha()})
    deal = _dealer(sentences, vocabulary, random.Random(seed + 1))
    recent_wire: list[list[str]] = []
    start = date(2024, 1, 1)
    for i in range(n):
        paragraphs = [
            " ".join(next(deal) for _ in range(rng.randint(1, 4))) for _ in range(rng.randint(3, 6))
        ]
        is_wire = rng.random() < wire_share
        if not is_wire and recent_wire and rng.random() < copy_share:
            source = rng.choice(recent_wire)
            for _ in range(rng.randint(1, 2)):
                copied = rng.choice(source)
                if rng.random() < 0.5:
                    copied = mutate_words(copied, 0.1, rng, vocabulary)
                paragraphs.insert(rng.randint(0, len(paragraphs)), copied)
        if is_wire:
            recent_wire.append(paragraphs)
            recent_wire = recent_wire[-200:]
        yield {
            "id": f"synth-{seed}-{i:07d}",
            "text": "\n".join(paragraphs),
            "outlet": rng.choice(AGENCIES) if is_wire else rng.choice(OUTLETS),
            "published": (start + timedelta(days=i * 365 // max(n, 1))).isoformat(),
            "source_kind": "wire" if is_wire else "outlet",
            "language": "en",
        }


def corpora(
    eval_dir: Path, sizes: Iterable[int], seed: int, folder: Path
) -> Iterator[tuple[int, Path]]:
    """A synthetic corpus of each of ``sizes`` (smallest first), each written to ``folder``
    (``synth-N.jsonl``) when its turn comes: the size and the file."""
    for n in sorted(sizes):
        path = folder / f"synth-{n}.jsonl"
        main([str(eval_dir), str(n), str(path), "--seed", str(seed)])
        yield n, path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("eval_dir", type=Path)
    parser.add_argument("n", type=int)
    parser.add_argument("out", type=Path)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    sentences = load_sentences(args.eval_dir)
    with args.out.open("w", encoding="utf-8") as handle:
        for record in iter_corpus(sentences, args.n, args.seed):
            handle.write(json.dumps(record, ensure_ascii=False) + "\n")
    print(f"wrote {args.n} articles to {args.out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
