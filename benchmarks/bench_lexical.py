"""Memory and time of the claims' lexical candidates (``match.candidates.candidate_codes``
over the claim texts' MinHash signatures, as ``claim_links._lexical_candidates`` runs it on
a work store), this tree's code beside an earlier commit's, on the same signatures.

    python benchmarks/bench_lexical.py EVAL_DIR [--sizes N ...] [--base REF] [--json]
    python benchmarks/bench_lexical.py --signatures FILE [--width W] --sizes ROWS ...
        [--base none] [--expect KEPT.npz]

The signatures are either made here, from a synthetic corpus of N articles
(benchmarks/synth.py): its distinct sentences signed as the claims corpus signs a claim
text (``claim_corpus.describe``; a claim text is a sentence or a clause of one, so this is
close to, not the same as, the report's claim texts), or read from FILE, a file of uint32
rows (a work store's ``claim-signatures.u32``), its first ROWS rows. Each side (``--base``,
extracted with ``git archive``, and this tree) then runs in a process of its own: the rows
are written to a ``StoredMatrix`` in a temporary folder (as the claims corpus writes them),
the peak is reset (VmHWM), and the candidates are made and kept in a work store in that
folder as the report keeps them (``claim_links._kept_codes``; a tree without it: the
candidates as arrays, with their equal values). Reported per side: resident memory
before, the peak above it, the seconds (and this process's CPU seconds), the number of
pair codes and a digest of the codes (the two sides must agree). ``--base none`` runs
this tree alone;
``--expect`` compares its codes with an earlier run's kept lexical codes over the same
signatures (all of FILE's rows). Nothing is written to the repository.
"""

from __future__ import annotations

import hashlib
import inspect
import json
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))

import memory  # noqa: E402
import sides  # noqa: E402
import synth  # noqa: E402

_BLOCK = 1 << 16  # rows copied into a side's stored matrix at once


def _signed(eval_dir: Path, n: int, seed: int, path: Path) -> tuple[int, float]:
    """The signatures of the distinct sentences of ``n`` synthetic articles, in the order
    they first occur, written to ``path`` as raw uint32 rows; (rows, seconds)."""
    from provenance.anchors import AnchorLexicon
    from provenance.config import Config
    from provenance.match.claim_corpus import Describer, describe

    config = Config()
    describer = Describer.of(config, AnchorLexicon.load())
    seen: set[str] = set()
    batch: list[str] = []
    rows = 0
    started = time.perf_counter()
    with path.open("wb") as out:

        def flush() -> int:
            signed = describe(batch, describer)[2]
            out.write(np.ascontiguousarray(signed, dtype="<u4").tobytes())
            batch.clear()
            return len(signed)

        for record in synth.iter_corpus(synth.load_sentences(eval_dir), n, seed):
            for paragraph in str(record["text"]).split("\n"):
                for sentence in synth.SENTENCE_END.split(paragraph.strip()):
                    if sentence and sentence not in seen:
                        seen.add(sentence)
                        batch.append(sentence)
            if len(batch) >= 4096:
                rows += flush()
        if batch:
            rows += flush()
    return rows, time.perf_counter() - started


def _measure(source: Path, width: int, rows: int, folder: Path) -> dict[str, Any]:
    """The lexical candidates of the first ``rows`` rows of ``source`` (this process's
    ``provenance``), from a stored matrix in ``folder``."""
    from provenance.config import Config
    from provenance.match import claim_links
    from provenance.match.candidates import Banding, candidate_codes
    from provenance.run.stored import StoredMatrix

    fp = Config().fingerprint
    stored = StoredMatrix(folder / "claim-signatures.u32", width)
    values = np.memmap(source, dtype="<u4", mode="r", shape=(rows, width))
    for lo in range(0, rows, _BLOCK):
        stored.extend(np.array(values[lo : lo + _BLOCK]))
    del values
    banding = Banding.for_threshold(width, fp.claim_lsh_threshold)
    out: dict[str, Any] = {"rss_before_mb": round(memory.status()["VmRSS"] / 1024, 1)}
    memory._reset_peak()
    started, cpu = time.perf_counter(), time.process_time()
    if hasattr(claim_links, "_kept_codes"):  # as the report makes and keeps them
        codes = _kept(claim_links, stored, rows, folder)
        equal = None
    else:  # an older tree: the candidates as arrays
        extra: dict[str, Any] = {}  # a tree whose candidates spill, spill as the report does
        if "spill" in inspect.signature(candidate_codes).parameters:
            extra["spill"] = stored.beside
        codes, equal = candidate_codes(
            stored, banding, fp.max_candidates, fp.lsh_bands_per_pass, **extra
        )
    out["seconds"] = round(time.perf_counter() - started, 2)
    out["cpu_seconds"] = round(time.process_time() - cpu, 2)  # on a loaded machine too
    peak = memory.status()["VmHWM"] / 1024
    out["peak_mb"] = round(peak, 1)
    out["added_mb"] = round(peak - out["rss_before_mb"], 1)
    out["codes"] = len(codes)
    digest = hashlib.sha256()
    for lo in range(0, len(codes), _BLOCK):
        digest.update(np.ascontiguousarray(codes[lo : lo + _BLOCK], dtype="<i8").tobytes())
    out["codes_sha256"] = digest.hexdigest()
    if equal is not None:
        digest.update(np.ascontiguousarray(equal, dtype="<i8").tobytes())
        out["sha256"] = digest.hexdigest()
    stored.close()
    return out


def _kept(claim_links: Any, stored: Any, rows: int, folder: Path) -> Any:
    """The lexical codes made and kept in a work store in ``folder`` as the report's claim
    links make them (``_kept_codes`` of ``_lexical_candidates``), read back as a column."""
    from provenance.config import Config
    from provenance.run.kernels import Local
    from provenance.run.workstore import WorkStore

    class Corpus:  # what the lexical candidates read of the claims corpus
        signatures = stored

        def __len__(self) -> int:
            return rows

    store = WorkStore(folder, resume=False)
    made = claim_links._lexical_candidates(Corpus(), Config(), Local())
    return claim_links._kept_codes(store, claim_links.LEXICAL, lambda: {"codes": made})


def _side(tree: Path, source: Path, width: int, rows: int) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="bench-lexical-side-") as folder:
        return sides.measure_in(tree, __file__, str(source), str(width), str(rows), folder)


def main(argv: list[str] | None = None) -> int:
    doc = __doc__.split("\n\n")[0]
    parser = sides.arguments(doc, memory.DEFAULT_EVAL, "92ba498", measure=4)
    parser.add_argument("--signatures", type=Path, help="a file of uint32 rows to read")
    parser.add_argument("--width", type=int, default=128, help="values per row of --signatures")
    parser.add_argument(
        "--expect",
        type=Path,
        help="an .npz whose 'codes' are the expected pair codes (a work store's kept "
        "claim-lexical.npz: an earlier run's lexical step over the same signatures)",
    )
    args = parser.parse_args(argv)
    if args.measure:  # a side's process
        source, width, rows, folder = args.measure
        print(json.dumps(_measure(Path(source), int(width), int(rows), Path(folder))))
        return 0
    runs: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory(prefix="bench-lexical-") as tmp:
        base = Path(tmp) / "base"
        if args.base != "none":  # this tree alone
            sides.extract(args.base, base)
        for size in sorted(args.sizes):
            run: dict[str, Any]
            if args.signatures is not None:
                source, width = args.signatures, args.width
                available = source.stat().st_size // (4 * width)
                rows = min(size, available)
                run = {"source": source.name, "rows": rows}
            else:
                source, width = Path(tmp) / f"signed-{size}.u32", 128
                rows, seconds = _signed(args.eval_dir, size, args.seed, source)
                run = {"articles": size, "rows": rows, "sign_seconds": round(seconds, 1)}
            run["new"] = _side(ROOT, source, width, rows)
            if args.base != "none":
                run["base"] = {"commit": args.base, **_side(base, source, width, rows)}
                run["same_codes"] = run["base"]["codes_sha256"] == run["new"]["codes_sha256"]
            if args.expect is not None:
                with np.load(args.expect) as kept:
                    expected = np.ascontiguousarray(kept["codes"], dtype="<i8")
                digest = hashlib.sha256(expected.tobytes()).hexdigest()
                run["expected_codes"] = len(expected)
                run["same_as_expected"] = digest == run["new"]["codes_sha256"]
            runs.append(run)
            if args.signatures is None:
                source.unlink()
            sides.show(run, args.json)
    return sides.finish(runs, args.json, "same_codes", "same_as_expected")


if __name__ == "__main__":
    raise SystemExit(main())
