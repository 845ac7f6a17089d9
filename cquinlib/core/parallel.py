"""Spread work over the machine's cores with forked workers that inherit read-only state."""

from __future__ import annotations

import ctypes
import gc
import multiprocessing
import os
import pickle
import queue
import signal
from dataclasses import dataclass
from typing import Any, Callable, Generic, Iterator, Optional, Sequence, TypeVar

S = TypeVar("S")
T = TypeVar("T")
R = TypeVar("R")

# Set by the parent just before it forks and cleared right after. Forked workers see a copy, so the catalog,
# the templates and cached blobs reach them without being pickled; nothing else reads or writes it.
_INHERITED: dict[str, Any] = {}
PR_SET_PDEATHSIG = 1  # prctl(2)


def worker_count() -> int:
    """Cores this process may use (the build machine has two)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:
        return max(1, os.cpu_count() or 1)


def run_parallel(fn: Callable[[S, T], R], state: S, items: Sequence[T], min_items: int = 64,
                 workers: int | None = None, progress: Optional[Callable[[int, int], None]] = None) -> list[R]:
    """fn(state, item) for every item, in order, as a list."""
    return list(iter_parallel(fn, state, items, min_items, workers, progress))


def iter_parallel(fn: Callable[[S, T], R], state: S, items: Sequence[T], min_items: int = 64,
                  workers: int | None = None, progress: Optional[Callable[[int, int], None]] = None) -> Iterator[R]:
    """fn(state, item) for every item, yielded in order as they are made, so the caller can consume (write)
    results while later ones are still being made; in this process alone when the batch is small.

    This process works too, beside one fewer forked worker than there are cores: it would otherwise sit
    waiting, and each worker holds tens of megabytes of its own (pages of the heap it copied on writing).
    Items go out in chunks claimed from a shared counter, so whoever is free takes the next.
    """
    count = workers or worker_count()
    if count < 2 or len(items) < min_items or "fork" not in multiprocessing.get_all_start_methods():
        yield from _counted((fn(state, item) for item in items), len(items), progress)
        return
    size = max(1, min(64, len(items) // (count * 16)))
    context = multiprocessing.get_context("fork")
    team = _Team(_Shared(fn, state, items, size, context.Value("l", 0), context.Queue()), context, count - 1)
    try:
        yield from _counted(_gather(team), len(items), progress)
    finally:
        team.stop()


class _Team:
    """The forked workers beside this process, started when the first result is wanted."""

    def __init__(self, work: _Shared, context: Any, size: int) -> None:
        """No worker yet: they start at the first start()."""
        self.work, self.context, self.size = work, context, size
        self.processes: list[Any] = []

    def start(self) -> None:
        """Fork the workers, once, when there is work left for them."""
        if self.processes or self.work.claimed.value >= self.work.chunks:
            return
        self.processes = [self.context.Process(target=_work_in_worker, daemon=True) for _ in range(self.size)]
        _INHERITED["work"] = self.work
        _INHERITED["parent"] = os.getpid()
        try:
            _freeze_for_fork()
            for process in self.processes:
                process.start()
        finally:
            gc.unfreeze()  # the workers are forked: this process collects as usual again
            _INHERITED.clear()

    def stop(self) -> None:
        """End any worker still running, and the results queue."""
        for process in self.processes:
            if process.is_alive():
                process.terminate()
            if process.pid is not None:
                process.join()
        self.work.results.close()


@dataclass(frozen=True)
class _Shared:
    """What this process and its forked workers share: the work, the next chunk to claim, the results."""

    fn: Callable[[Any, Any], Any]
    state: Any
    items: Sequence[Any]
    size: int
    claimed: Any  # multiprocessing.Value: chunks claimed so far
    results: Any  # multiprocessing.Queue of (chunk, ok, results or error)

    @property
    def chunks(self) -> int:
        """How many chunks the items make."""
        return -(-len(self.items) // self.size)

    def claim(self) -> Optional[int]:
        """The next chunk nobody has taken, or None when all are taken."""
        with self.claimed.get_lock():
            chunk = self.claimed.value
            if chunk >= self.chunks:
                return None
            self.claimed.value = chunk + 1
        return chunk  # type: ignore[no-any-return]

    def make(self, chunk: int) -> list[Any]:
        """The results of one chunk's items, in order."""
        start = chunk * self.size
        return [self.fn(self.state, item) for item in self.items[start:start + self.size]]


def die_with_parent(parent: int) -> None:
    """In a forked child: be killed when the process that forked it dies (Linux), so a build killed with SIGKILL
    leaves no worker running on, holding the caches it had open; elsewhere, nothing."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    except (OSError, AttributeError):
        return
    if os.getppid() != parent:  # the parent died before the request was made
        os._exit(1)


def _work_in_worker() -> None:
    """Inside a forked worker: make chunks until none are left, sending each back (an error ends the work)."""
    die_with_parent(_INHERITED["parent"])
    gc.enable()  # the parent pauses its collector during a build; a worker collects its own garbage
    work: _Shared = _INHERITED["work"]
    while (chunk := work.claim()) is not None:
        try:
            work.results.put((chunk, True, work.make(chunk)))
        except BaseException as error:  # noqa: BLE001 - every failure goes back to the parent, which raises it
            work.results.put((chunk, False, _sendable(error)))
            break
    work.results.close()
    work.results.join_thread()  # everything sent has left this process before it exits


def _gather(team: _Team) -> Iterator[Any]:
    """Results in order: taken from the workers as they arrive, made here while this process would wait."""
    done: dict[int, list[Any]] = {}
    for wanted in range(team.work.chunks):
        while wanted not in done:
            team.start()
            chunk, ok, value = _next_result(team, block=False) or _make_here(team)
            if not ok:
                raise value
            done[chunk] = value
        yield from done.pop(wanted)


def _make_here(team: _Team) -> tuple[int, bool, Any]:
    """Make the next unclaimed chunk in this process; when all are claimed, wait for a worker's."""
    chunk = team.work.claim()
    if chunk is None:
        return _next_result(team, block=True)  # type: ignore[return-value]
    return chunk, True, team.work.make(chunk)


def _next_result(team: _Team, block: bool) -> Optional[tuple[int, bool, Any]]:
    """A chunk a worker sent, if one is there (with block, wait for one; a worker that died is an error)."""
    results, processes = team.work.results, team.processes
    while True:
        try:
            return results.get(timeout=0.2) if block else results.get_nowait()  # type: ignore[no-any-return]
        except queue.Empty:
            if not block:
                return None
        if any(p.exitcode not in (None, 0) for p in processes) or not any(p.is_alive() for p in processes):
            try:
                return results.get(timeout=1)  # type: ignore[no-any-return]
            except queue.Empty:
                raise RuntimeError("a worker process stopped unexpectedly") from None


def _freeze_for_fork() -> None:
    """Move every object alive now out of the garbage collector's sight before forking (the parent unfreezes
    them once the fork is done, so a long-running dev server still collects its old cycles).

    A collection in a forked worker would otherwise visit every object it inherited and write to each one's
    header, copying every page of the parent's heap into the worker (copy-on-write): on a large library that
    is hundreds of megabytes per worker. Frozen objects are still freed by reference counting.
    """
    gc.freeze()


def _counted(results: Iterator[R], total: int, progress: Optional[Callable[[int, int], None]]) -> Iterator[R]:
    """Pass results on, telling progress how many are done."""
    done = 0
    for result in results:
        done += 1
        if progress is not None and (done % 50 == 0 or done == total):
            progress(done, total)
        yield result


class Background(Generic[R]):
    """A call running in a forked process while this one goes on (or made here already, where none can be
    forked): result() waits for it, cancel() ends it."""

    def __init__(self, process: Any = None, receive: Any = None, outcome: Optional[tuple[bool, Any]] = None) -> None:
        """A running process and the pipe its outcome comes back on, or the outcome itself."""
        self._process, self._receive, self._outcome = process, receive, outcome

    def result(self) -> R:
        """The call's result once it has finished, or its error raised here."""
        if self._outcome is None:
            try:
                self._outcome = self._receive.recv()
            except EOFError:
                self._outcome = (False, RuntimeError("a background process stopped unexpectedly"))
            finally:
                self._end()
        ok, value = self._outcome
        if not ok:
            raise value
        return value  # type: ignore[no-any-return]

    def cancel(self) -> None:
        """Stop the call if it is still running (its result is no longer wanted)."""
        if self._process is not None and self._process.is_alive():
            self._process.terminate()
        self._end()

    def _end(self) -> None:
        """Reap the process and close the pipe, once."""
        if self._process is not None:
            self._process.join()
            self._receive.close()
            self._process = None


def in_background(fn: Callable[..., R], *args: Any) -> Background[R]:
    """Start fn(*args) in a forked process that inherits this one's memory, so nothing is pickled on the way in;
    its result (or error) is pickled back. The process may fork workers of its own (it is not a daemon), and it
    dies with this one."""
    if "fork" not in multiprocessing.get_all_start_methods():
        try:
            return Background(outcome=(True, fn(*args)))
        except Exception as error:  # noqa: BLE001 - raised by result(), as from a process
            return Background(outcome=(False, error))
    context = multiprocessing.get_context("fork")
    receive, send = context.Pipe(duplex=False)
    process = context.Process(target=_run_and_send, args=(send, fn, args, os.getpid()))
    _freeze_for_fork()
    try:
        process.start()
    finally:
        gc.unfreeze()
    send.close()
    return Background(process, receive)


def _run_and_send(send: Any, fn: Callable[..., Any], args: tuple[Any, ...], parent: int) -> None:
    """Inside the background process: run, then send back (True, result) or (False, error)."""
    die_with_parent(parent)
    gc.enable()  # the parent pauses its collector during a build; this process collects its own garbage
    try:
        outcome: tuple[bool, Any] = (True, fn(*args))
    except BaseException as error:  # noqa: BLE001 - every failure goes back to the parent, which raises it
        outcome = (False, _sendable(error))
    send.send(outcome)
    send.close()


def _sendable(error: BaseException) -> BaseException:
    """An error as it can cross back to the parent: itself if it pickles, else its type and message."""
    return error if _picklable(error) else RuntimeError(f"{type(error).__name__}: {error}")


def _picklable(value: Any) -> bool:
    """Whether a value survives pickling (an exception must, to cross back to the parent)."""
    try:
        pickle.loads(pickle.dumps(value))
        return True
    except Exception:  # noqa: BLE001 - anything that fails to round-trip is not picklable
        return False
