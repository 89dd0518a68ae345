"""provenance imports datasketch without scipy.integrate, and MinHashLSH still works."""

from __future__ import annotations

import json
import subprocess
import sys

_PROBE = """
import json, sys
{first}
from datasketch import MinHashLSH
before = "scipy.integrate" in sys.modules
lsh = MinHashLSH(threshold=0.37, num_perm=96, weights=(0.3, 0.7))
real = sys.modules["scipy.integrate"]
print(json.dumps({{"before": before, "params": [lsh.b, lsh.r],
                  "quad": real.quad.__module__}}))
"""


def _probe(first: str) -> dict[str, object]:
    out = subprocess.run(
        [sys.executable, "-c", _PROBE.format(first=first)],
        check=True,
        capture_output=True,
        text=True,
    )
    result: dict[str, object] = json.loads(out.stdout)
    return result


def test_scipy_integrate_is_deferred_and_then_real() -> None:
    via_provenance = _probe("from provenance import _datasketch; _datasketch.load()")
    assert via_provenance["before"] is False  # not imported by `_datasketch.load()`
    # the optimal-parameter search ran on the real scipy.integrate.quad
    assert str(via_provenance["quad"]).startswith("scipy.integrate")
    plain = _probe("import scipy.integrate")  # datasketch imported the ordinary way
    assert plain["before"] is True
    assert via_provenance["params"] == plain["params"]
