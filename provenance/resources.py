"""The data files the per-article stages need, loaded once per process."""

from __future__ import annotations

from dataclasses import dataclass

from provenance.agencies import AgencyLexicon
from provenance.boilerplate_rules import BoilerplateLexicon
from provenance.segment import Abbreviations


@dataclass(frozen=True)
class Resources:
    """Data files loaded once per process (lexicons, abbreviations) and handed to the
    stages; never sent between processes (each worker loads its own)."""

    abbreviations: Abbreviations
    boilerplate: BoilerplateLexicon
    agencies: AgencyLexicon

    @classmethod
    def load(cls) -> Resources:
        return cls(
            abbreviations=Abbreviations.load(),
            boilerplate=BoilerplateLexicon.load(),
            agencies=AgencyLexicon.load(),
        )
