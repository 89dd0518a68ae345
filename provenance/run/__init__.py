"""Executors: how the per-article stages are run (in this process, or in a process pool).

The work itself lives in ``pipeline`` (pure functions of an article, a shared context, the
configuration and the loaded data files); an executor only decides where it runs and hands
the results back in input order, so every executor gives the same report.
"""
