"""Which quotation-marked spans are quotations, and which sentences report speech (used by
``quotes``; the word lists are ``data/quotes/<language>.toml``, thresholds ``QuoteConfig``).

- A span right after a title noun ("der Film „...“") is a name or a title: dropped.
- A span without a speaker is kept only from ``QuoteConfig.min_words_unattributed`` words,
  unless ``keep_short_unattributed``; a short one whose words are all capitalised is a name
  (“Rundschau am Sonntag”); in German, a short uncued one that opens with a capital and does
  not end a sentence is a noun, a name or a title („Nackt unter Wölfen“).
- German reported speech: a verb form of the Konjunktiv I in the main clause ("Damit seien
  „...“") marks a sentence that goes on with an earlier speaker.
"""

from __future__ import annotations

from provenance.config import QuoteConfig
from provenance.model import Quote
from provenance.quote_lexicon import QuoteLexicon
from provenance.quote_phrases import SENTENCE_END, STOPS, WORD, word_core

_REPORTED_REACH = 200  # characters after a quotation searched for its sentence's verb


def name_like(text: str, lex: QuoteLexicon) -> bool:
    """Every word capitalised (joiners and determiners aside): a name or a title
    (“Rundschau am Sonntag”, “PLoS Biology”), not speech."""
    words = WORD.findall(text)
    rest = [w for w in words if w.casefold() not in lex.joiners | lex.determiners]
    return bool(rest) and all(w[0].isupper() or w[0].isdigit() for w in rest)


def titled(text: str, q_start: int, lex: QuoteLexicon) -> bool:
    """Whether the word right before the quotation introduces a name or a title ("der Film
    „...“", "so genannte „...“"); in German also as the head of a compound ("Fachblatt")."""
    before = text[max(0, q_start - 40) : q_start].split()
    if not before or not lex.title_nouns or before[-1][-1:] in ":,":
        return False  # "Das Motto lautet: „...“" is introduced by its verb, not by the noun
    bare = word_core(before[-1])
    if bare in lex.title_nouns:
        return True
    return lex.capitalised_nouns and bare.endswith(tuple(lex.title_nouns))


def keep(quote: Quote, lex: QuoteLexicon, config: QuoteConfig, titled_by: bool) -> bool:
    """Whether a quotation-marked span is listed as a quotation."""
    words = len(WORD.findall(quote.text))
    if config.drop_short_names and titled_by:
        return False
    if words >= config.min_words_unattributed:
        return True
    if not words or (config.drop_short_names and name_like(quote.text, lex)):
        return False
    if (
        config.drop_short_names
        and lex.capitalised_nouns
        and quote.cue is None
        and quote.text[:1].isupper()
        and quote.text.rstrip()[-1:] not in STOPS
    ):
        # German: a short uncued quotation opening with a capital is a noun, a name or a
        # title („Nackt unter Wölfen“); quoted fragments of speech open lowercase, and a
        # quoted sentence ends in its own punctuation („Wir gehen.“)
        return False
    return quote.speaker is not None or config.keep_short_unattributed


def reported(text: str, s_start: int, q_start: int, q_end: int, lex: QuoteLexicon) -> bool:
    """Whether the main clause of the quotation's sentence (the text before its first comma,
    outside the quotation) holds a verb form of reported speech (German Konjunktiv I:
    "Damit seien „...“", "Bisher habe die Regierung „...“"); a subordinate clause's ("Er
    glaubt, dass ... sei: „...“") belongs to someone who speaks in the main clause."""
    if not lex.reported_verbs:
        return False
    reach = min(len(text), q_end + _REPORTED_REACH)
    end = SENTENCE_END.search(text, q_end, reach)
    before = text[s_start:q_start]
    after = "" if "," in before else text[q_end : end.start() if end else reach].split(",")[0]
    words = WORD.findall(before.split(",")[0] + " " + after)
    return any(w.casefold() in lex.reported_verbs for w in words)
