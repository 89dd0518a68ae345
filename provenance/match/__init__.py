"""The matching stage as arrays: signatures of many passages in one matrix, candidate pairs
from band keys (no per-passage objects, no datasketch at run time).

    shingles -> signatures (uint matrix) -> candidates (band keys) -> align -> reuse / claims

datasketch stays the reference: tests compare these modules with ``datasketch.MinHash`` and
``datasketch.MinHashLSH`` bit for bit.
"""
