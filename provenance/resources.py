"""The data files the per-article stages need, loaded once per process."""

from __future__ import annotations

from dataclasses import dataclass

from provenance.agencies import AgencyLexicon
from provenance.anchors import AnchorFinder, AnchorLexicon
from provenance.boilerplate_rules import BoilerplateLexicon
from provenance.fingerprint import load_stopwords
from provenance.quotes import QuoteLexicons
from provenance.segment import Abbreviations


@dataclass(frozen=True)
class Resources:
    """Data files loaded once per process (lexicons, abbreviations) and handed to the
    stages; never sent between processes (each worker loads its own)."""

    abbreviations: Abbreviations
    boilerplate: BoilerplateLexicon
    agencies: AgencyLexicon
    quotes: QuoteLexicons
    # the anchors' lexicon with its finder: one per process, so that each capitalised word
    # of the corpus is folded once (its memory is bounded: anchors.FOLD_CACHE)
    anchor_finder: AnchorFinder

    @property
    def anchors(self) -> AnchorLexicon:
        """The anchors' lexicon (the finder's: one object, not two to keep in step)."""
        return self.anchor_finder.lexicon

    @classmethod
    def load(cls) -> Resources:
        lexicon = BoilerplateLexicon.load()
        function_words = frozenset().union(load_stopwords(), *lexicon.stopwords.values())
        return cls(
            abbreviations=Abbreviations.load(),
            boilerplate=lexicon,
            agencies=AgencyLexicon.load(),
            quotes=QuoteLexicons.load(),
            anchor_finder=AnchorFinder(AnchorLexicon.load(function_words)),
        )
