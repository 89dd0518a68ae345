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
    """An optional dependency could not be imported. The message names the module whose
    import failed, the underlying reason in one line, and an install command that works from a
    clone of this repository (the package is not on PyPI)."""

    def __init__(self, extra: str, purpose: str, error: ImportError) -> None:
        self.extra = extra
        self.module = failed_module(error)
        reason = " ".join(f"{type(error).__name__}: {error}".split())
        super().__init__(
            f"{purpose} needs the '{extra}' extra, but importing {self.module} failed "
            f"({reason}); install it from a clone of this repository: pip install '.[{extra}]'"
        )


def failed_module(error: ImportError) -> str:
    """The module that could not be imported: the missing one, else the one whose code raised
    (``lxml.html.clean`` raising from inside ``import trafilatura``, say)."""
    if error.name:
        return error.name
    tb = error.__traceback__
    module = "an optional module"
    while tb is not None:
        module = str(tb.tb_frame.f_globals.get("__name__", module))
        tb = tb.tb_next
    return module
