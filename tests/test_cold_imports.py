"""A cold command imports only what it needs: no datasketch (and so no asyncio, no scipy)."""

from __future__ import annotations

import json
import subprocess
import sys

_PROBE = """
import json, sys
import provenance, provenance.cli, provenance.check, provenance.store
from provenance.match import candidates, signatures
print(json.dumps(sorted(m for m in ("datasketch", "asyncio", "scipy", "importlib.metadata")
                        if m in sys.modules)))
"""


def test_the_cli_and_the_matching_code_do_not_import_datasketch() -> None:
    out = subprocess.run(
        [sys.executable, "-c", _PROBE], check=True, capture_output=True, text=True
    ).stdout
    loaded = json.loads(out)
    assert "datasketch" not in loaded
    assert "asyncio" not in loaded
    assert "scipy" not in loaded


def test_version_is_still_available() -> None:
    import provenance

    assert provenance.__version__
