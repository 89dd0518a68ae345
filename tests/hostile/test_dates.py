"""Issue 11, failure 5: "who had it first" compared date strings, not instants."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from provenance.match.origin import first_appearance
from provenance.model import Article, parse_instant
from tests.hostile.conftest import cli, write_records

SHARED = (
    "The harbour authority said on Thursday that the northern pier would reopen to "
    "fishing boats next week after repairs to the storm wall were finished."
)
# 2024-05-01T23:00:00-05:00 is 04:00 UTC on 2 May: after 01:00 UTC on 2 May, although its
# string sorts first.
LATE_BY_OFFSET = "2024-05-01T23:00:00-05:00"
EARLY_UTC = "2024-05-02T01:00:00+00:00"


def _records() -> list[dict[str, object]]:
    return [
        {
            "id": "a-west",
            "outlet": "West Coast Daily",
            "published": LATE_BY_OFFSET,
            "text": f"Fishing crews gathered at dawn.\n\n{SHARED}\n\nMore boats are expected.",
        },
        {
            "id": "b-utc",
            "outlet": "Harbour Times",
            "published": EARLY_UTC,
            "text": f"A short notice for readers.\n\n{SHARED}\n\nThe council meets on Monday.",
        },
    ]


def test_first_appearance_compares_instants() -> None:
    late = Article(id="a-west", text="x", published=LATE_BY_OFFSET)
    early = Article(id="b-utc", text="x", published=EARLY_UTC)
    assert first_appearance([late, early]) == "b-utc"
    same = Article(id="c", text="x", published="2024-05-02T04:00:00Z")
    assert first_appearance([late, same]) == "unknown"  # one instant, two spellings


def test_a_date_alone_is_the_start_of_its_day_in_utc() -> None:
    assert parse_instant("2024-05-02") == parse_instant("2024-05-02T00:00:00Z")
    day = Article(id="d", text="x", published="2024-05-02")
    assert first_appearance([day, Article(id="e", text="x", published=EARLY_UTC)]) == "d"


def test_the_report_credits_the_earlier_instant(tmp_path: Path) -> None:
    records = write_records(tmp_path / "two.jsonl", _records())
    run = cli("report", str(records), "--format", "json")
    assert run.code == 0, run.stderr
    shared = [
        span
        for article in json.loads(run.stdout)["articles"]
        for span in article["spans"]
        if span["label"] == "shared"
    ]
    assert shared, "the shared paragraph must be found"
    assert {span["first"] for span in shared} == {"b-utc"}


def test_remove_before_compares_instants(tmp_path: Path) -> None:
    """`index remove --before` compared strings too."""
    index = tmp_path / "i.sqlite"
    records = write_records(tmp_path / "two.jsonl", _records())
    assert cli("index", "add", str(records), "--index", str(index)).code == 0
    run = cli("index", "remove", "--before", "2024-05-02T02:00:00Z", "--index", str(index))
    assert run.stdout == "removed 1 article\n"  # b-utc (01:00Z), not a-west (04:00Z)
    stats = cli("index", "stats", "--format", "json", "--index", str(index))
    assert json.loads(stats.stdout)["articles"] == 1
    run = cli("index", "remove", "--before", "2024-05-03", "--index", str(index))
    assert run.stdout == "removed 1 article\n"


@pytest.mark.parametrize(
    "value",
    ["2024-01-01xyz", "2024-13-01", "2024-01-01T10:00", "01/02/2024", "2024-01-01T25:00:00Z"],
)
def test_before_takes_a_strict_date_or_date_time(tmp_path: Path, value: str) -> None:
    """`--before 2024-01-01xyz` was accepted."""
    index = tmp_path / "i.sqlite"
    run = cli("index", "remove", "--before", value, "--index", str(index))
    assert run.one_error_line() == (
        f"error: --before: not a date (YYYY-MM-DD) or RFC 3339 date-time: {value!r}"
    )
