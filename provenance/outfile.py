"""Writing ``--out`` files: regular files only, never an input, atomically, with sane modes.

- The path is resolved through symlinks and the link's *target* is written (the link stays a
  link): replacing the link with a regular file would silently detach whatever pointed there.
- Anything at the target that is not a regular file (a folder, a device such as
  ``/dev/null``, a FIFO, a socket) is refused, as is a file that is one of the run's inputs
  (compared by device and inode, so another name for the same file is caught too).
- The content goes to a temporary file in the target's folder, which is flushed, given the
  mode of the file it replaces (or ``0666`` less the umask for a new file, as ``open()``
  would) and renamed over the target: readers see the old file or the new, never half.
"""

from __future__ import annotations

import os
import stat
import tempfile
from collections.abc import Callable, Iterable
from contextlib import suppress
from pathlib import Path
from typing import TextIO

from provenance.errors import ProvenanceError

_KINDS = (
    (stat.S_ISDIR, "a folder"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISFIFO, "a FIFO"),
    (stat.S_ISSOCK, "a socket"),
)


class OutputRefused(ProvenanceError):
    """The --out path cannot be written as asked (the message names the path and why)."""


def _umask() -> int:
    """The process umask, read without changing it where the system allows."""
    try:
        for line in Path("/proc/self/status").read_text(encoding="ascii").splitlines():
            if line.startswith("Umask:"):
                return int(line.split()[1], 8)
    except (OSError, ValueError):
        pass
    mask = os.umask(0o022)  # no read-only API elsewhere: set and restore at once
    os.umask(mask)
    return mask


def _identity(path: Path) -> tuple[int, int] | None:
    try:
        st = path.stat()
    except OSError:
        return None
    return st.st_dev, st.st_ino


def target_of(path: Path, inputs: Iterable[Path] = ()) -> Path:
    """The file that writing ``path`` replaces, after checking it may be replaced.

    Raises ``OutputRefused`` for a non-regular file or one of ``inputs``."""
    target = Path(os.path.realpath(path))
    try:
        st = target.stat()
    except FileNotFoundError:
        return target
    except OSError as exc:
        raise OutputRefused(f"{path}: cannot write: {exc.strerror}") from None
    for test, kind in _KINDS:
        if test(st.st_mode):
            raise OutputRefused(f"{path}: is {kind}; --out writes regular files only")
    if not stat.S_ISREG(st.st_mode):
        raise OutputRefused(f"{path}: not a regular file; --out writes regular files only")
    mine = (st.st_dev, st.st_ino)
    for given in inputs:
        if _identity(given) == mine:
            raise OutputRefused(f"{path}: is an input of this run ({given}); choose another file")
    return target


def write(path: Path, content: str, inputs: Iterable[Path] = ()) -> Path:
    """Write ``content`` (UTF-8, LF line ends) to ``path`` as described in the module
    docstring; returns the file written. ``OSError`` is left to the caller."""
    return write_with(path, lambda handle: handle.write(content), inputs)


def write_with(path: Path, fill: Callable[[TextIO], object], inputs: Iterable[Path] = ()) -> Path:
    """``write`` of what ``fill`` writes to the handle it is given (UTF-8, LF line ends): a
    report streamed article by article, with the same checks and the same atomic rename."""
    inputs = tuple(inputs)  # checked twice: before writing and before the rename
    target = target_of(path, inputs)
    target.parent.mkdir(parents=True, exist_ok=True)
    try:
        old = target.stat()
    except FileNotFoundError:
        old = None
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as handle:
            fill(handle)
            handle.flush()
            if old is not None:
                os.fchmod(handle.fileno(), stat.S_IMODE(old.st_mode))
                if (old.st_uid, old.st_gid) != (os.geteuid(), os.getegid()):
                    # only root may give a file away; the mode is kept either way
                    with suppress(PermissionError):
                        os.fchown(handle.fileno(), old.st_uid, old.st_gid)
            else:
                os.fchmod(handle.fileno(), 0o666 & ~_umask())
            os.fsync(handle.fileno())
        target_of(path, inputs)  # again: the path may have changed while we wrote
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return target
