"""What every executor is (``Executor``, ``Task``) and the one that runs in this process
(``Serial``), apart from ``run.local``'s process pool and matching kernels: the per-article
stages of a one-article ``provenance check`` run serially and import neither numpy nor the
pool (``run.local`` re-exports these names)."""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterable, Iterator
from typing import Any, Protocol, TypeVar

from provenance.resources import Resources

Item = TypeVar("Item")
Context = TypeVar("Context")
Result = TypeVar("Result")
Task = Callable[[Item, Context, Resources], Result]


class Executor(Protocol):
    def map(
        self,
        task: Task[Item, Context, Result],
        items: Iterable[Item],
        context: Context,
        *,
        chunk: int | None = None,
    ) -> Iterator[Result]:
        """``task(item, context, resources)`` for each of ``items``, the results in input
        order. ``chunk``: the items sent to a worker at once (None: the executor's own
        rule). A caller whose items are big blocks (the claims' proposed links) sends few
        at once, since an executor holds a few chunks in flight and their results."""
        ...

    def close(self) -> None: ...


class Serial:
    """Everything in this process, one item after another."""

    def __init__(self, resources: Resources | None = None) -> None:
        self._resources = resources

    @property
    def resources(self) -> Resources:
        if self._resources is None:
            self._resources = Resources.load()
        return self._resources

    def map(
        self,
        task: Task[Item, Context, Result],
        items: Iterable[Item],
        context: Context,
        *,
        chunk: int | None = None,
    ) -> Iterator[Result]:
        del chunk  # one item at a time
        resources = self.resources
        for item in items:
            yield task(item, context, resources)

    def close(self) -> None:
        return None


T = TypeVar("T")
C = TypeVar("C")
R = TypeVar("R")


def mapped(
    executor: Executor | None,
    task: Callable[[T, C, Any], R],
    items: Iterable[T],
    context: C,
    *,
    chunk: int | None = None,
) -> Iterator[R]:
    """``executor.map``, or, without one, the tasks one after the other in this process
    (with no resources), each item taken when the one before is done."""
    if executor is None:
        return (task(item, context, None) for item in items)
    return executor.map(task, items, context, chunk=chunk)


def paired(
    executor: Executor | None,
    task: Callable[[T, C, Any], R],
    items: Iterable[T],
    context: C,
    *,
    chunk: int | None = None,
) -> Iterator[tuple[T, R]]:
    """``mapped``'s results, each with its item, in order. Only the items sent and not
    yet answered are held (``itertools.tee`` of the items held them in blocks of 57: 105
    MB of the claims' scored article pairs at 30,000 articles)."""
    waiting: deque[T] = deque()

    def sent() -> Iterator[T]:
        for item in items:
            waiting.append(item)
            yield item

    for result in mapped(executor, task, sent(), context, chunk=chunk):
        yield waiting.popleft(), result
