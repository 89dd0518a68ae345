"""news-provenance: where each sentence of a news article came from."""

from importlib.metadata import PackageNotFoundError, version

from provenance import _datasketch

# Before any module of this package imports datasketch: see _datasketch.py.
_datasketch.load()

try:
    __version__ = version("news-provenance")
except PackageNotFoundError:  # pragma: no cover - running from a source tree without install
    __version__ = "0+unknown"

__all__ = ["__version__"]
