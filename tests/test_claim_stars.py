"""Claim groups are stars: the heap that picks each centre picks the one a full scan picks."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from provenance.match import claims
from provenance.match.claim_corpus import ClaimCorpus
from provenance.model import ClaimLink, Confidence


def _scan(
    corpus: ClaimCorpus, links: dict[tuple[int, int], ClaimLink]
) -> list[tuple[int, dict[int, ClaimLink]]]:
    """The rule as the module docstring states it, one scan of the free texts per group:
    the centre reaches the most outlets through strong links, then through any link, then
    has the smallest number; it takes every free text it links to."""

    def links_of(node: int, free: set[int]) -> dict[int, ClaimLink]:
        ends = {(a, b): b if a == node else a for a, b in links if node in (a, b)}
        return {other: links[pair] for pair, other in ends.items() if other in free}

    def outlets(node: int, free: set[int], strong: bool) -> int:
        reached = set(corpus.text_outlets[node])
        for other, link in links_of(node, free).items():
            if not strong or link.confidence == Confidence.STRONG:
                reached.update(corpus.text_outlets[other])
        return len(reached)

    free = {x for pair in links for x in pair}
    groups = []
    while free:
        ranked = sorted(free, key=lambda n: (-outlets(n, free, True), -outlets(n, free, False), n))
        centre = ranked[0]
        members = links_of(centre, free)
        free -= {centre, *members}
        if members:
            groups.append((centre, members))
    return groups


@settings(max_examples=300, deadline=None)
@given(
    outlets=st.lists(st.frozensets(st.sampled_from("ABCDE"), min_size=1), min_size=2, max_size=14),
    edges=st.lists(st.tuples(st.integers(0, 13), st.integers(0, 13), st.booleans()), max_size=40),
)
def test_star_centres_are_those_of_a_full_scan(
    outlets: list[frozenset[str]], edges: list[tuple[int, int, bool]]
) -> None:
    corpus = ClaimCorpus.__new__(ClaimCorpus)
    corpus.text_outlets = outlets
    links = {}
    for a, b, strong in edges:
        if a != b and max(a, b) < len(outlets):
            level = Confidence.STRONG if strong else Confidence.POSSIBLE
            links[(min(a, b), max(a, b))] = ClaimLink(80.0, None, (), level)
    assert claims._stars(corpus, links) == _scan(corpus, links)
