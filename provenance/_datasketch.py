"""Import datasketch without paying for ``scipy.integrate`` until it is needed.

datasketch's package ``__init__`` imports ``datasketch.lsh``, which does
``from scipy.integrate import quad`` at import time. ``quad`` only serves
``MinHashLSH(threshold=...)`` choosing its own bands and rows; this package always passes
``params=(bands, rows)``, yet the import alone pulls in scipy.integrate, scipy.special,
scipy.optimize and scipy.sparse.linalg: 0.5-1.5 s of a cold ``provenance check`` whose whole
budget is 1 s. While datasketch is imported, ``scipy.integrate`` is a stand-in module whose
``quad`` imports the real one on its first call; the stand-in is removed right after, so any
other import of ``scipy.integrate`` (in this process, later) gets the real module.
"""

from __future__ import annotations

import sys
from types import ModuleType
from typing import Any

_MODULE = "scipy.integrate"


def _deferred_quad(*args: Any, **kwargs: Any) -> Any:
    from scipy.integrate import quad  # the real module: the stand-in is gone by now

    return quad(*args, **kwargs)


def load() -> None:
    """Import datasketch (once) with ``scipy.integrate`` deferred."""
    if "datasketch" in sys.modules or _MODULE in sys.modules:
        return
    stand_in = ModuleType(_MODULE, "Stand-in while datasketch is imported (provenance).")
    stand_in.__dict__["quad"] = _deferred_quad
    sys.modules[_MODULE] = stand_in
    try:
        import datasketch  # noqa: F401
    finally:
        if sys.modules.get(_MODULE) is stand_in:
            del sys.modules[_MODULE]
