"""The Dask engine's connection: a client of the scheduler whose workers run this very
code (``connect`` checks every worker's packages and ``code_identity``), and the worker
plugin that loads the data files once per worker (``RESOURCES_PLUGIN``; tasks read them
with ``resources``)."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from importlib import metadata, resources
from typing import Any

from provenance.errors import MissingExtra, ProvenanceError
from provenance.resources import Resources

try:
    from distributed import Client, WorkerPlugin, get_worker
except ImportError as exc:  # pragma: no cover - the tests install the extra
    raise MissingExtra("dask", "--engine dask", exc) from exc

RESOURCES_PLUGIN = "provenance-resources"


class EngineError(ProvenanceError):
    """The cluster cannot be used: unreachable, or its workers run other versions."""


def code_identity() -> str:
    """The package version and a digest of its code and data files: a worker whose
    identity differs from the client's would not compute the same report."""
    digest = hashlib.sha256()
    root = resources.files("provenance")

    def walk(node: Any, prefix: str) -> Iterator[tuple[str, bytes]]:
        for child in sorted(node.iterdir(), key=lambda c: c.name):
            name = f"{prefix}/{child.name}"
            if child.is_dir():
                if child.name != "__pycache__":
                    yield from walk(child, name)
            elif not child.name.endswith((".pyc", ".pyo")):
                yield name, child.read_bytes()

    for name, data in walk(root, ""):
        digest.update(name.encode() + b"\0" + data + b"\0")
    return f"{metadata.version('news-provenance')}+{digest.hexdigest()[:16]}"


class _ResourcesPlugin(WorkerPlugin):
    """Loads the data files once per worker process (also on workers that join later)."""

    name = RESOURCES_PLUGIN

    def setup(self, worker: Any) -> None:
        self.resources = Resources.load()


def worker_resources() -> Resources:
    """The data files loaded on this worker (inside a task)."""
    plugin = get_worker().plugins[RESOURCES_PLUGIN]
    if not isinstance(plugin, _ResourcesPlugin):  # another plugin took the name
        raise EngineError(f"worker plugin {RESOURCES_PLUGIN!r} is not news-provenance's")
    return plugin.resources


def connect(address: str, timeout: float) -> Client:
    """A client of the scheduler at ``address`` whose workers run this very code."""
    _check_address(address)
    try:
        client = Client(address, timeout=timeout, set_as_default=False)
    except (OSError, TimeoutError) as exc:
        raise EngineError(
            f"{address}: cannot reach the Dask scheduler within {timeout:g} s ({exc})"
        ) from None
    try:
        _check_versions(client, address)
        client.register_plugin(_ResourcesPlugin())
    except BaseException:
        client.close()
        raise
    return client


def _check_address(address: str) -> None:
    """Refuse an address dask cannot parse before a client exists: a client that fails
    on its address is left half-built, and closing it later prints a traceback."""
    from distributed.comm.addressing import resolve_address

    try:
        resolve_address(address)
    except OSError as exc:  # a host name that does not resolve
        raise EngineError(
            f"{address}: cannot reach the Dask scheduler ({exc.strerror or exc})"
        ) from None
    except Exception as exc:  # ValueError, or an unsupported scheme's warning or import error
        detail = " ".join(str(exc).split())
        raise EngineError(f"{address}: not a Dask scheduler address ({detail})") from None


def _check_versions(client: Client, address: str) -> None:
    try:
        client.get_versions(check=True)
    except ValueError as exc:
        detail = " ".join(str(exc).split())
        raise EngineError(f"{address}: the cluster's packages differ from ours: {detail}") from None
    mine = code_identity()
    try:
        theirs = client.run(code_identity)
    except Exception as exc:
        raise EngineError(
            f"{address}: a worker cannot run news-provenance ({type(exc).__name__}: {exc})"
        ) from None
    other = sorted({v for v in theirs.values() if v != mine})
    if other:
        raise EngineError(
            f"{address}: workers run news-provenance {', '.join(other)}, this client {mine}"
        )
