"""Issue 11: no traceback for any input or file state, as a property.

Hypothesis fuzzes (1) article files of every supported kind, (2) config files built from
the real keys with hostile values (NaN, huge integers, wrong types), and (3) the bytes of
an index file (overwritten ranges, truncation). Every run must end with exit 0, 1 or 2,
with nothing on stderr that looks like a traceback or the CLI's last-resort "internal
error" line (which would mean an exception the code did not expect). Examples are few and
small so that the whole module stays well under a minute.
"""

from __future__ import annotations

import dataclasses
import json
import os
import shutil
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from provenance.config import Config
from tests.hostile.conftest import Run, cli

# PROVENANCE_FUZZ_EXAMPLES=500 for a long hunt; the default keeps the module under a minute
SETTINGS = settings(
    max_examples=int(os.environ.get("PROVENANCE_FUZZ_EXAMPLES", "15")),
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
SUFFIXES = (".txt", ".json", ".jsonl", ".html", ".htm")


def _sound(run: Run, codes: tuple[int, ...] = (0, 1, 2)) -> None:
    assert run.code in codes, (run.code, run.stdout[-500:], run.stderr[-500:])
    assert "Traceback" not in run.stderr
    assert "internal error" not in run.stderr, run.stderr
    if run.code == 2:
        assert all(
            line.startswith("error: ") or "Usage" in run.stderr
            for line in run.stderr.splitlines()
            if line.strip() and not line.startswith(" ")
        )


json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=60),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=12,
)
article_fields = st.fixed_dictionaries(
    {},
    optional={
        "id": st.one_of(st.text(max_size=20), json_values),
        "text": st.one_of(st.text(min_size=1, max_size=300), json_values),
        "title": json_values,
        "outlet": st.one_of(st.text(max_size=20), json_values),
        "published": st.one_of(
            st.sampled_from(
                [
                    "2024-05-01",
                    "2024-05-01T23:00:00-05:00",
                    "2024-02-30",
                    "2024-05-01T24:00:00Z",
                    "2016-12-31T23:59:60Z",
                    "0001-01-01T00:00:00+14:00",
                    "9999-12-31T23:59:59-14:00",
                ]
            ),
            json_values,
        ),
        "source_kind": st.one_of(st.sampled_from(["outlet", "wire", "press_release"]), json_values),
        "url": json_values,
        "language": json_values,
        "authors": json_values,
    },
)


@st.composite
def article_files(draw: st.DrawFn) -> tuple[str, bytes]:
    suffix = draw(st.sampled_from(SUFFIXES))
    kind = draw(st.sampled_from(["raw", "record", "records", "html"]))
    if kind == "raw":
        data = draw(st.binary(max_size=400))
    elif kind == "record":
        data = json.dumps(draw(article_fields)).encode("utf-8", "surrogatepass")
    elif kind == "records":
        lines = draw(st.lists(article_fields, min_size=1, max_size=3))
        data = "\n".join(json.dumps(r) for r in lines).encode("utf-8", "surrogatepass")
    else:
        charset = draw(st.sampled_from(["utf-8", "hex", "utf-16", "x-bogus", "cp1252", "rot13"]))
        body = draw(st.text(max_size=200))
        data = (
            f'<html><head><meta charset="{charset}"></head><body><p>{body}</p></body></html>'
        ).encode("utf-8", "surrogatepass")
    return suffix, data


@SETTINGS
@given(article_files())
def test_any_article_file_is_an_answer_or_one_line(tmp_path: Path, file: tuple[str, bytes]) -> None:
    suffix, data = file
    path = tmp_path / f"fuzz{suffix}"
    path.write_bytes(data)
    _sound(cli("validate", str(path)), (0, 2))
    _sound(cli("report", str(path), "--format", "json"), (0, 2))
    _sound(cli("validate", "-", stdin=data), (0, 2))


CONFIG_KEYS = [
    (section.name, key.name)
    for section in dataclasses.fields(Config)
    for key in dataclasses.fields(getattr(Config(), section.name))
]
toml_values = st.one_of(
    st.sampled_from(
        [
            "nan",
            "inf",
            "-inf",
            "0",
            "-1",
            "1",
            "0.5",
            "1e308",
            "100",
            "101",
            "9223372036854775807",
            "-9223372036854775808",
            '"x"',
            '""',
            "true",
            "[]",
            '["promo"]',
            "{}",
            '"affine64"',
            '"legacy"',
            "16",
            "1024",
            "2",
        ]
    ),
    st.integers(min_value=-(2**63), max_value=2**63 - 1).map(str),
)


@SETTINGS
@given(st.lists(st.tuples(st.sampled_from(CONFIG_KEYS), toml_values), min_size=1, max_size=4))
def test_any_config_is_refused_in_one_line_or_works(
    tmp_path: Path, entries: list[tuple[tuple[str, str], str]]
) -> None:
    tables: dict[str, dict[str, str]] = {}
    for (section, key), value in entries:
        tables.setdefault(section, {})[key] = value
    config = tmp_path / "provenance.toml"
    config.write_text(
        "".join(
            f"[{section}]\n" + "".join(f"{k} = {v}\n" for k, v in values.items())
            for section, values in tables.items()
        ),
        encoding="utf-8",
    )
    article = tmp_path / "a.txt"
    article.write_text(
        "The ferry resumed service on Monday after the storm.\n\n"
        "The ferry resumed service on Monday after the storm, officials said.",
        encoding="utf-8",
    )
    _sound(cli("report", str(article), "--config", str(config)), (0, 2))


@pytest.fixture(scope="module")
def index_bytes(tmp_path_factory: pytest.TempPathFactory) -> bytes:
    from tests.hostile.conftest import CORPUS

    path = tmp_path_factory.mktemp("fuzz-index") / "i.sqlite"
    assert (
        cli("index", "add", str(CORPUS / "002_c4b8d3a7b7e2cae7.json"), "--index", str(path)).code
        == 0
    )
    return path.read_bytes()


@SETTINGS
@given(
    st.lists(st.tuples(st.integers(min_value=0), st.binary(min_size=1, max_size=64)), max_size=4),
    st.one_of(st.none(), st.integers(min_value=0)),
)
def test_any_index_bytes_are_refused_in_one_line_or_read(
    tmp_path: Path,
    index_bytes: bytes,
    copies: Path,
    patches: list[tuple[int, bytes]],
    cut: int | None,
) -> None:
    data = bytearray(index_bytes)
    for offset, chunk in patches:
        at = offset % len(data)
        data[at : at + len(chunk)] = chunk
    if cut is not None:
        data = data[: cut % (len(data) + 1)]
    index = tmp_path / "fuzzed.sqlite"
    for suffix in ("-wal", "-shm"):
        Path(f"{index}{suffix}").unlink(missing_ok=True)
    index.write_bytes(bytes(data))
    _sound(cli("check", str(copies), "--index", str(index)))
    _sound(cli("index", "verify", "--index", str(index)))
    _sound(cli("index", "stats", "--verify", "--index", str(index)))
    shutil.copyfile(index, tmp_path / "w.sqlite")
    _sound(cli("index", "add", str(copies), "--index", str(tmp_path / "w.sqlite")))
    for suffix in ("", "-wal", "-shm"):
        Path(f"{tmp_path / 'w.sqlite'}{suffix}").unlink(missing_ok=True)
