"""news-provenance: where each sentence of a news article came from."""

from __future__ import annotations

__all__ = ["__version__"]


def __getattr__(name: str) -> str:
    """``__version__`` is read from the installed metadata on first use only: importing
    ``importlib.metadata`` costs a cold command ~50 ms it rarely needs."""
    if name != "__version__":
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("news-provenance")
    except PackageNotFoundError:  # pragma: no cover - a source tree without install
        return "0+unknown"
