"""Hits and false hits of boilerplate lexicon rules on the DEV eval pages.

    python benchmarks/rule_hits.py EVAL_DIR [--table generated_filler] [--lang en]

For every rule of the chosen tables (``data/boilerplate/<lang>.toml``), applied as the
lexicon applies it (``fullmatch`` on a trimmed line, or on a sentence for ``sentence``
rules), on the pages of ``boilerplate/zyte`` and ``boilerplate/fundus``:

- ``hits``: lines (sentences) of the page's visible text (``evalsets.visible_text``) that
  the rule matches and that are not in the page's gold article body: page chrome removed;
- ``false_hits``: lines (sentences) of the gold body (zyte ``body``; fundus paragraphs and
  subheadings) that it matches: article text the rule would cut.

Only counts are printed (JSON, one object per rule), never eval text.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
if str(HERE) not in sys.path:
    sys.path.insert(0, str(HERE))

import evalsets as ev  # noqa: E402

from provenance.boilerplate_rules import BoilerplateLexicon, Rule  # noqa: E402
from provenance.segment import segment  # noqa: E402

SETS = ("zyte", "fundus")
_SPACE = re.compile(r"\s+")


def _norm(text: str) -> str:
    return _SPACE.sub(" ", text).strip().casefold()


def _gold(name: str, row: dict[str, Any]) -> str:
    if name == "zyte":
        return str(row["body"])
    return "\n".join([*(row.get("subheadings") or []), *(row.get("paragraphs") or [])])


def _units(text: str, sentences: bool) -> Iterator[str]:
    seg = segment(text)
    for unit in seg.sentences if sentences else seg.paragraphs:
        if unit.text.strip():
            yield unit.text.strip()


def count(eval_dir: Path, rules: list[Rule]) -> list[dict[str, Any]]:
    kinds = {r.id: r.id.split(".")[2] for r in rules}
    totals = {r.id: {"hits": 0, "false_hits": 0} for r in rules}
    units = {"pages": 0}
    for name in SETS:
        folder = eval_dir / "boilerplate" / name
        for row in ev.read_jsonl(folder / "pages.jsonl"):
            gold = _gold(name, row)
            gold_norm = _norm(gold)
            page = ev.visible_text(ev.load_html(folder, row))
            units["pages"] += 1
            for sentences in (False, True):
                wanted = [r for r in rules if (kinds[r.id] == "sentence") == sentences]
                if not wanted:
                    continue
                page_units = [u for u in _units(page, sentences) if _norm(u) not in gold_norm]
                gold_units = list(_units(gold, sentences))
                unit = "sentences" if sentences else "lines"
                units[f"page_{unit}"] = units.get(f"page_{unit}", 0) + len(page_units)
                units[f"gold_{unit}"] = units.get(f"gold_{unit}", 0) + len(gold_units)
                for rule in wanted:
                    totals[rule.id]["hits"] += sum(
                        1 for u in page_units if rule.pattern.fullmatch(u)
                    )
                    totals[rule.id]["false_hits"] += sum(
                        1 for u in gold_units if rule.pattern.fullmatch(u)
                    )
    return [{"rule": r.id, **totals[r.id]} for r in rules] + [units]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("eval_dir", type=Path)
    parser.add_argument("--table", action="append", help="reason table(s); default: all")
    parser.add_argument("--lang", default="en")
    args = parser.parse_args()
    lexicon = BoilerplateLexicon.load()
    everything = [
        *lexicon.line.rules,
        *lexicon.sentence.rules,
        *lexicon.terminator.rules,
        *lexicon.split.rules,
    ]
    rules = [
        r
        for r in everything
        if r.id.startswith(f"{args.lang}.") and (not args.table or r.id.split(".")[1] in args.table)
    ]
    started = time.perf_counter()
    for line in count(args.eval_dir, rules):
        print(json.dumps(line))
    print(json.dumps({"seconds": round(time.perf_counter() - started, 1)}))


if __name__ == "__main__":
    main()
