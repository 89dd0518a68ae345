"""Boilerplate on plain text: which paragraphs and sentences are not part of the story, and why.

``detect`` works on the segmentation (paragraph = one line, sentences inside it) in passes;
every span it returns names its reason and the rule that fired:

1. Lexicon (``data/boilerplate/<lang>.toml``): whole-line patterns per reason ("(Read Also:
   ...)", "Subscribe to ...", bylines, footers), "split" patterns that cut a caption from the
   photo credit ending it ("... 2024.11.02 Moscow = AP/Newsis"), and whole-sentence patterns
   (generated filler: "This article will explore ..."). Lines equal to an author of the
   article's metadata ("by times news cr") are bylines (rule ``meta.author``).
2. Corpus evidence: a line or sentence that recurs in at least ``outlet_repeat_min_articles``
   articles of the same outlet is ``outlet_repeat`` (``outlet_repeats`` hashes them once); a
   sentence that many outlets' pages share without naming the story is ``template``
   (``templates.py``: a map/reduce over the corpus, handed in as ``templates``).
3. Structure: a terminator line ("Comments", "You may also like", "관련기사") ends the story
   when at least ``tail_min_story_share`` of the story-like characters come before it; it and
   everything after it are boilerplate (lines without a reason of their own inherit the
   terminator's: reader_comment after a comments marker, read_also after a related-links
   header). A comment widget line ("Reply", "ReplyDelete") makes the paragraph before it a
   reader comment, and further paragraphs back while they are not story-like.
   An HTML ingest hint ``extra["html_comments_start"]`` marks [offset, end) as reader comments.
4. Features, as jusText does but per script: each remaining paragraph is short / near-good /
   good / bad by length and stop-word density (thresholds in ``data/boilerplate/features.toml``;
   Korean lines are judged by length and ending punctuation). Then neighbours decide short and
   near-good paragraphs (lexicon boilerplate counts as a bad neighbour; a missing neighbour at
   either end of the text does not count, so a headline above the story is kept). Paragraphs
   that end up bad become ``navigation`` with rule ``features.*``. The article's own title is
   never cut by features.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from provenance.boilerplate_rules import BoilerplateLexicon, Rule
from provenance.config import BoilerplateConfig
from provenance.model import (
    Article,
    ArticleResult,
    BoilerplateReason,
    BoilerplateSpan,
    FrozenMap,
    Segment,
    Segmentation,
    outlet_key,
)
from provenance.pair_counts import PairCounts
from provenance.templates import TemplateSentences, fold, sentence_hash

R = BoilerplateReason
_WORD = re.compile(r"\w+", re.UNICODE)
_HANGUL = re.compile(r"[\uac00-\ud7af]")
_CJK = re.compile(r"[\u3040-\u30ff\u4e00-\u9fff]")
_CYRILLIC = re.compile(r"[\u0400-\u04ff]")
_END_PUNCT = re.compile(r"[.!?。！？…:;\"'”’»)\]]\s*$")
_SENTENCE_END = re.compile(r"[.!?。！？…][\"'”’»)]*\s*$")
# reasons that a terminator passes on to the unexplained lines after it
_TAIL_REASON = {R.COMMENTS_MARKER: R.READER_COMMENT}
GOOD, NEARGOOD, SHORT, BAD = "good", "neargood", "short", "bad"
FIXED = "fixed"  # lexicon/structure boilerplate: not a neighbour in the context pass


# ------------------------------------------------------------------ outlet repeats


@dataclass(frozen=True)
class OutletRepeats:
    """Hashes of lines and sentences that recur across one outlet's articles."""

    by_outlet: Mapping[str, frozenset[int]]

    @classmethod
    def empty(cls) -> OutletRepeats:
        return cls(FrozenMap({}))

    def of(self, outlet: str | None) -> frozenset[int]:
        """The hashes (``sentence_hash``) of ``outlet``'s repeated lines and sentences."""
        return self.by_outlet.get(outlet or "", frozenset())

    def contains(self, outlet: str | None, text: str) -> bool:
        hashes = self.of(outlet)
        return bool(hashes) and sentence_hash(text) in hashes


def _units(item: Article | ArticleResult, config: BoilerplateConfig) -> set[str]:
    if isinstance(item, ArticleResult):
        units = [s.text for s in item.segmentation.paragraphs]
        units += [s.text for s in item.segmentation.sentences]
    else:
        units = item.text.splitlines()
    low, high = config.outlet_repeat_min_chars, config.outlet_repeat_max_chars
    return {u.strip() for u in units if low <= len(u.strip()) <= high}


def unit_hashes(
    item: Article | ArticleResult, config: BoilerplateConfig
) -> tuple[str, frozenset[int]]:
    """The map step of ``outlet_repeats``: the article's outlet key and the hashes of its
    distinct lines and sentences ("" and nothing for an article without an outlet)."""
    article = item.article if isinstance(item, ArticleResult) else item
    key = outlet_key(article, by_host=True)
    if key in ("", f"#{article.id}"):  # no outlet name or host (or a blank name)
        return "", frozenset()
    return key, frozenset(sentence_hash(u) for u in _units(item, config))


def repeats_of(
    hashed: Iterable[tuple[str, frozenset[int]]], config: BoilerplateConfig
) -> OutletRepeats:
    """The reduce step: per outlet, the hashes found in at least
    ``outlet_repeat_min_articles`` of its articles."""
    return repeats_from_counts(count_units(hashed), config)


def count_units(hashed: Iterable[tuple[str, frozenset[int]]]) -> PairCounts:
    """Per outlet, in how many of the articles each hash occurs (``PairCounts``: numpy
    columns for a corpus, a dictionary for a few articles). Counts of disjoint parts of a
    corpus add up (``PairCounts.merge``), so a cluster can count per partition and add the
    counts in a tree (``run.dask_flow``) before ``repeats_from_counts``."""
    counts = PairCounts()
    for key, hashes in hashed:
        if key:
            counts.add(key, hashes)
    return counts


def repeats_from_counts(counts: PairCounts, config: BoilerplateConfig) -> OutletRepeats:
    """The hashes counted in at least ``outlet_repeat_min_articles`` articles, per outlet
    (every outlet counted, with no hash when none is)."""
    least = config.outlet_repeat_min_articles
    kept = counts.kept_by_name(lambda articles: articles >= least)
    return OutletRepeats(FrozenMap({outlet: kept[outlet] for outlet in sorted(kept)}))


def outlet_repeats(
    items: Iterable[Article | ArticleResult], config: BoilerplateConfig
) -> OutletRepeats:
    """Count, per outlet, in how many articles each line or sentence occurs (by hash, one
    pass over the corpus) and keep those at or above ``outlet_repeat_min_articles``."""
    return repeats_of((unit_hashes(item, config) for item in items), config)


# ------------------------------------------------------------------ features


def _script(text: str) -> str:
    letters = len(text)
    if len(_HANGUL.findall(text)) * 3 > letters:
        return "hangul"
    if len(_CJK.findall(text)) * 3 > letters:
        return "cjk"
    if len(_CYRILLIC.findall(text)) * 3 > letters:
        return "cyrillic"
    return "latin"


def _language(article: Article, lexicon: BoilerplateLexicon) -> str | None:
    """The stop-word list to use: the declared language's when the text bears it out, else
    the best-scoring list, else None (no list fits: the density test is skipped)."""
    tokens = _WORD.findall(article.text[:4000].lower())
    if not tokens:
        return None
    scores = {
        name: sum(1 for t in tokens if t in words) / len(tokens)
        for name, words in sorted(lexicon.stopwords.items())
        if words
    }
    declared = (article.language or "").split("-")[0].lower()
    floor = lexicon.min_language_density
    if scores.get(declared, 0.0) >= floor:
        return declared
    best = max(scores, key=lambda k: scores[k], default=None)
    return best if best is not None and scores[best] >= floor else None


def _first_pass(text: str, stop: frozenset[str] | None, lexicon: BoilerplateLexicon) -> str:
    script = _script(text)
    th = lexicon.scripts.get(script) or lexicon.scripts["latin"]
    length = len(text)
    punct = bool(_END_PUNCT.search(text))
    if length < th.length_low:
        # a short line that ends a sentence is prose more often than a menu item
        return NEARGOOD if _SENTENCE_END.search(text) else SHORT
    if stop is None or script in ("hangul", "cjk"):
        if punct:
            return GOOD if length > th.length_high else NEARGOOD
        return SHORT if length <= th.length_high else BAD
    tokens = _WORD.findall(text.lower())
    density = sum(1 for t in tokens if t in stop) / max(1, len(tokens))
    if density >= th.stop_high:
        return GOOD if length > th.length_high else NEARGOOD
    if density >= th.stop_low:
        return NEARGOOD
    if _SENTENCE_END.search(text) and density >= th.stop_low / 2:
        return NEARGOOD  # prose heavy with names and numbers ("beat X 6-4, 6-3 ...")
    if not punct and len(tokens) <= lexicon.heading_max_words:
        return SHORT  # a heading: let its neighbours decide
    return BAD


def _neighbour(classes: Sequence[str], i: int, step: int, skip: tuple[str, ...]) -> str | None:
    j = i + step
    while 0 <= j < len(classes):
        if classes[j] not in skip:
            return classes[j]
        j += step
    return None


def _smooth(classes: list[str]) -> list[str]:
    """The context pass. Near-good paragraphs first: bad only when the nearest non-short,
    non-near-good paragraphs on both sides are bad (a text edge does not count, so a story
    of medium paragraphs stands on its own). Then short paragraphs: good between good, bad
    otherwise; a text edge counts as bad, except that a short first line right above story
    text is a headline."""
    skip = (SHORT, NEARGOOD, FIXED)
    if GOOD not in classes:  # no long story paragraph: the near-good ones are the story
        classes = [GOOD if c == NEARGOOD else c for c in classes]
    out = list(classes)
    for i, cls in enumerate(classes):
        if cls == NEARGOOD:
            sides = [_neighbour(classes, i, -1, skip), _neighbour(classes, i, 1, skip)]
            present = [c for c in sides if c is not None]
            out[i] = BAD if present and all(c == BAD for c in present) else GOOD
    final = list(out)
    for i, cls in enumerate(out):
        if cls != SHORT:
            continue
        prev = _neighbour(out, i, -1, (SHORT, FIXED)) or BAD
        nxt = _neighbour(out, i, 1, (SHORT, FIXED)) or BAD
        headline = i == 0 and len(out) > 1 and out[1] == GOOD
        final[i] = GOOD if headline or prev == nxt == GOOD else BAD
    return final


# ------------------------------------------------------------------ detect


def _span(seg: Segment, reason: BoilerplateReason, rule: str) -> BoilerplateSpan:
    return BoilerplateSpan(seg.start, seg.end, reason, rule)


def _author_lines(article: Article) -> frozenset[str]:
    names = {fold(a) for a in article.authors if a.strip()}
    return frozenset(names | {"by " + n for n in names} | {"von " + n for n in names})


def _cut_tail(
    paras: Sequence[Segment],
    terminators: Mapping[int, Rule],
    fixed: list[BoilerplateSpan | None],
    classes: list[str],
    min_story_before: float,
) -> None:
    """The story ends at the first terminator with enough story characters before it: the
    terminator and every line after it become boilerplate (updates ``fixed``/``classes``)."""
    before = 0
    for i, para in enumerate(paras):
        rule = terminators.get(i)
        if rule is not None and before and before >= min_story_before:
            inherited = _TAIL_REASON.get(rule.reason, rule.reason)
            for j in range(i, len(paras)):
                if j in terminators:
                    fixed[j] = _span(paras[j], terminators[j].reason, terminators[j].id)
                elif fixed[j] is None:
                    fixed[j] = _span(paras[j], inherited, rule.id + ".tail")
                classes[j] = FIXED
            return
        if classes[i] in (GOOD, NEARGOOD):
            before += len(para.text)


def _mark_comments(
    paras: Sequence[Segment],
    widgets: Sequence[int],
    protected: set[int],
    fixed: list[BoilerplateSpan | None],
    classes: list[str],
    max_chars: int,
) -> None:
    """A comment widget closes the reader comment before it: the paragraph right above (up
    to ``max_chars`` if it looks like story) and further ones while they do not."""
    for w in widgets:
        j = w - 1
        while j >= 0 and fixed[j] is None and j not in protected:
            if classes[j] in (GOOD, NEARGOOD) and (j < w - 1 or len(paras[j].text) > max_chars):
                break
            fixed[j] = _span(paras[j], R.READER_COMMENT, "structure.before_comment_widget")
            classes[j] = FIXED
            j -= 1


def detect(
    article: Article,
    segmentation: Segmentation,
    lexicon: BoilerplateLexicon,
    config: BoilerplateConfig,
    repeats: OutletRepeats | None = None,
    templates: TemplateSentences | None = None,
) -> tuple[BoilerplateSpan, ...]:
    """Boilerplate spans of ``article`` in text order (see the module docstring)."""
    paras = segmentation.paragraphs
    fixed: list[BoilerplateSpan | None] = [None] * len(paras)
    extra: list[BoilerplateSpan] = []  # partial-paragraph spans (split credits, sentences)
    authors = _author_lines(article)
    outlet = outlet_key(article, by_host=True)
    title = fold(article.title or "")
    terminators: dict[int, Rule] = {}
    widgets: list[int] = []

    html_start = article.extra.get("html_comments_start")
    comments: BoilerplateSpan | None = None
    if isinstance(html_start, int) and 0 <= html_start < len(article.text):
        end = len(article.text)
        comments = BoilerplateSpan(html_start, end, R.READER_COMMENT, "html.trafilatura_comments")
    for i, para in enumerate(paras):
        if comments is not None and para.end > comments.start:
            fixed[i] = comments  # one span for the whole comment section
            continue
        hit = lexicon.line.first(para.text)
        if hit:
            fixed[i] = _span(para, hit[0].reason, hit[0].id)
            if hit[0].reason == R.COMMENT_WIDGET:
                widgets.append(i)
        elif authors and fold(para.text) in authors:
            fixed[i] = _span(para, R.BYLINE, "meta.author")
        elif repeats is not None and repeats.contains(outlet, para.text):
            fixed[i] = _span(para, R.OUTLET_REPEAT, "corpus.outlet_repeat")
        elif split := lexicon.split.first(para.text):
            rule, match = split
            cut = para.start + match.start("credit")
            fixed[i] = BoilerplateSpan(para.start, cut, R.CAPTION, rule.id)
            extra.append(BoilerplateSpan(cut, para.end, R.PHOTO_CREDIT, rule.id))
        term = lexicon.terminator.first(para.text)
        if term:
            terminators[i] = term[0]

    stop = None
    lang = _language(article, lexicon)
    if lang is not None:
        stop = lexicon.stopwords[lang]
    protected = {i for i, p in enumerate(paras) if title and fold(p.text) == title}
    classes = [
        GOOD if i in protected else FIXED if fixed[i] else _first_pass(p.text, stop, lexicon)
        for i, p in enumerate(paras)
    ]

    story = (GOOD, NEARGOOD)
    good_total = sum(len(p.text) for p, c in zip(paras, classes, strict=True) if c in story)
    _cut_tail(paras, terminators, fixed, classes, config.tail_min_story_share * good_total)
    _mark_comments(paras, widgets, protected, fixed, classes, config.reader_comment_max_chars)

    # Only texts that still look like whole pages get the feature pass: a text whose
    # story-like paragraphs already hold most characters is an extracted article, where
    # features mostly cut names, numbers and lists from the story (measured on Zyte pages).
    # With no story-like paragraph at all there is nothing to anchor the context on.
    total = sum(len(p.text) for p in paras)
    if config.feature_pass and 0 < good_total < config.feature_max_story_share * total:
        for i, cls in enumerate(_smooth(classes)):
            if cls == BAD and fixed[i] is None and i not in protected:
                why = "features.low_stopwords" if classes[i] == BAD else "features.context"
                fixed[i] = _span(paras[i], R.NAVIGATION, why)

    # sentences of the remaining paragraphs: filler, outlet repeats, templates (a sentence
    # hashed once for both, and only when either has hashes)
    open_paras = {i for i, f in enumerate(fixed) if f is None}
    repeated = repeats.of(outlet) if repeats is not None else frozenset()
    template = templates.hashes if templates is not None else frozenset()
    for sent in segmentation.sentences:
        if sent.paragraph not in open_paras:
            continue
        hit = lexicon.sentence.first(sent.text)
        if hit:
            extra.append(_span(sent, hit[0].reason, hit[0].id))
        elif repeated or template:
            key = sentence_hash(sent.text)
            if key in repeated:
                extra.append(_span(sent, R.OUTLET_REPEAT, "corpus.outlet_repeat"))
            elif key in template:
                extra.append(_span(sent, R.TEMPLATE, "corpus.template"))
    unique = dict.fromkeys(f for f in fixed if f is not None and f.end > f.start)
    spans = [*unique, *extra]
    return tuple(sorted(spans, key=lambda s: (s.start, s.end, s.reason.value, s.rule)))
