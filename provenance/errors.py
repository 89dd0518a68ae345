"""Domain exceptions. The library raises these; only the CLI prints them and picks exit codes."""

from __future__ import annotations


class ProvenanceError(Exception):
    """Base class of every error the library raises on purpose."""


class InputError(ProvenanceError):
    """Bad input: the message names the file, the record and the field (exit code 2).

    ``path`` is the file as the user gave it, ``record`` a locator inside it ("line 3",
    "[2]", "byte 17"), ``field`` a JSON path ("$.published"). ``str()`` gives one line.
    """

    def __init__(
        self,
        message: str,
        *,
        path: str | None = None,
        record: str | None = None,
        field: str | None = None,
    ) -> None:
        self.message = message
        self.path = path
        self.record = record
        self.field = field
        super().__init__(self.one_line())

    def one_line(self) -> str:
        where = ": ".join(p for p in (self.path, self.record, self.field) if p)
        text = " ".join(self.message.split())  # one line, whatever the message held
        return f"{where}: {text}" if where else text


class InputErrors(ProvenanceError):
    """Several input errors found in one pass; the CLI prints one line for each."""

    def __init__(self, errors: list[InputError]) -> None:
        self.errors = list(errors)
        super().__init__("\n".join(e.one_line() for e in self.errors))


class ConfigError(ProvenanceError):
    """A configuration file or option is invalid; the message names the key (exit code 2)."""


class StoreError(ProvenanceError):
    """The persistent index cannot be used as asked (format or parameter mismatch, ...)."""


class FingerprintMismatch(ProvenanceError):
    """Signatures made with different MinHash parameters were about to be compared."""


class MissingExtra(ProvenanceError):
    """An optional dependency is needed: the message says which extra to install."""
