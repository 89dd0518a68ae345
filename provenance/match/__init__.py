"""The matching stage: which passages, claims and quotations recur across articles.

The modules read in flow order:

    units        what is matched: passages (report) and sentence units (index)
    signatures   shingle sets -> one uint32 MinHash matrix per batch
    candidates   band keys -> candidate pairs (exactly MinHashLSH's), one banding for all
                 (codes: pair codes de-duplicated by a sort, not numpy.unique's hash set;
                 spill: pair codes dealt into buckets, files beside the work store)
    align        rapidfuzz alignment of a candidate pair: spans, score, grade
    reuse        wire / shared spans and matches across outlets (links: candidates aligned
                 into links; reuse_spans: links -> ranked sources -> spans and matches;
                 articles: the articles' metadata as columns, for reuse and quotations)
    duplicates   near-duplicate articles and their clusters (the one union-find)
    claims       claims repeated across outlets (claim_pairs: semantic candidates)
    quote_groups the same quotation across articles (quote_corpus: the corpus-wide steps,
                 quotations as columns, read back by number, groups handed out as made)
    origin       which article had a text, claim or quotation first

datasketch stays the reference: tests compare ``signatures`` and ``candidates`` with
``datasketch.MinHash`` and ``datasketch.MinHashLSH`` bit for bit.
"""
