"""``number_distinct``: units numbered by their distinct text's first occurrence."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from provenance.match import claim_columns
from provenance.match.claim_columns import number_distinct

# 16-byte hashes from a few halves, so that equal first halves with different second
# halves (and the reverse) come up often
HALF = st.sampled_from([bytes(8), b"\x01" * 8, b"\xff" * 8, bytes(range(8))])
DIGEST = st.builds(lambda a, b: a + b, HALF, HALF)


def by_dictionary(digests: list[bytes]) -> tuple[list[int], list[int]]:
    numbers: dict[bytes, int] = {}
    firsts: list[int] = []
    per_unit = []
    for k, d in enumerate(digests):
        if d not in numbers:
            numbers[d] = len(numbers)
            firsts.append(k)
        per_unit.append(numbers[d])
    return per_unit, firsts


@pytest.mark.parametrize("chunk", [1, 2, 3, claim_columns.DISTINCT_CHUNK])
@given(digests=st.lists(DIGEST, max_size=40))
def test_numbers_by_first_occurrence(chunk: int, digests: list[bytes]) -> None:
    with pytest.MonkeyPatch.context() as m:
        m.setattr(claim_columns, "DISTINCT_CHUNK", chunk)
        numbers, firsts = number_distinct(bytearray(b"".join(digests)))
    want_numbers, want_firsts = by_dictionary(digests)
    assert numbers.tolist() == want_numbers
    assert firsts.tolist() == want_firsts
    assert (numbers.dtype, firsts.dtype) == ("int32", "int32")  # 4 bytes a unit and text


def test_a_hand_made_case() -> None:
    a, b, c = b"a" * 16, b"a" * 8 + b"b" * 8, b"b" * 8 + b"a" * 8
    numbers, firsts = number_distinct(b"".join([c, a, c, b, a, b]))
    assert numbers.tolist() == [0, 1, 0, 2, 1, 2]
    assert firsts.tolist() == [0, 1, 3]
