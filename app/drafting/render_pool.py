"""Custom (user-editable) templates are read and rendered, and versions compared, in worker processes that can
be stopped from outside.

Checks inside the sandbox run between Python operations, and one operation (a division of huge numbers, a
filter over a long text, a word diff of a long paragraph) cannot be interrupted from within, so a hostile
template or document could stall the server process. Here it costs at most one worker for
``render_timeout_seconds``: the caller waits on a pipe and kills the worker when the time is up; the worker
limits its own address space with ``setrlimit`` so work that needs too much memory fails there. Workers are
plain ``python`` subprocesses importing only the sandbox and the redline (not the server, its settings nor its
database), kept warm between jobs. Jobs go to a worker pickled; replies come back as JSON, never pickles, so
the server trusts nothing a worker says.
"""

from __future__ import annotations

import atexit
import hashlib
import json
import logging
import math
import os
import pickle
import select
import struct
import subprocess
import sys
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO

from app.drafting import redline
from app.drafting.errors import TemplateError
from app.drafting.sandbox import cached_environment, compile_source, make_environment, run_bounded, source_problems
from app.errors import DomainError
from app.resources import code_root

try:  # not on Windows: there the time limit still holds, the memory limit does not
    import resource
except ImportError:  # pragma: no cover
    resource = None  # type: ignore[assignment]

log = logging.getLogger(__name__)

# The worker's own checks stop a slow loop this long after the caller would have killed it, so the kill decides.
_IN_WORKER_GRACE_S = 1.0
_COMPILED_CACHE_SIZE = 64
_HEADER = struct.Struct(">I")
_CODE_ROOT = str(code_root())  # the directory holding the ``app`` package


class RendererBusy(DomainError):
    """Every worker is busy; try again shortly."""

    status = 503
    title = "Service unavailable"

    def __init__(self, detail: str, retry_after: int) -> None:
        super().__init__(detail)
        self.retry_after = retry_after


@dataclass(frozen=True)
class RenderJob:
    """A custom template's source to render (or only to check, when ``declared`` is given) and its limits."""

    source: str
    root: str
    max_chars: int
    max_int_bits: int
    timeout_s: float
    memory_mb: int
    context: dict[str, Any] = field(default_factory=dict)
    extra_templates: dict[str, str] | None = None
    declared: tuple[str, ...] | None = None
    template: str | None = None  # the template's identity ("custom:mou/fr"): its older versions leave the cache

    @property
    def max_reply_bytes(self) -> int:
        """The longest reply expected: the document in UTF-8 JSON, each character escaped at worst."""
        return self.max_chars * 6 + 65_536


@dataclass(frozen=True)
class CompareJob:
    """Two texts to compare: as an HTML redline ``fragment``, a whole HTML ``page`` or a ``unified`` diff."""

    old: str
    new: str
    form: str
    timeout_s: float
    memory_mb: int
    max_input_chars: int
    title: str = "Changes"
    old_label: str = "old"
    new_label: str = "new"

    @property
    def max_reply_bytes(self) -> int:
        """The longest reply expected: both texts escaped and marked up, generously."""
        return 64 * (len(self.old) + len(self.new)) + (1 << 20)


class WorkerStopped(Exception):
    """The worker was stopped before it answered: it ran out of time (``timed_out``) or it died."""

    def __init__(self, reason: str, *, timed_out: bool) -> None:
        super().__init__(reason)
        self.timed_out = timed_out


# ---------------------------------------------------------------------------------------------------- worker side


def _limit_memory(megabytes: int) -> None:
    if resource is None:
        return
    _soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    wanted = megabytes * 1024 * 1024
    if hard != resource.RLIM_INFINITY:
        wanted = min(wanted, hard)
    resource.setrlimit(resource.RLIMIT_AS, (wanted, hard))


_COMPILED: OrderedDict[tuple[str, bytes], Any] = OrderedDict()
_LATEST: dict[str, tuple[str, bytes]] = {}  # a template's identity → the key of the version compiled last


def _environment(job: RenderJob) -> Any:
    root = Path(job.root)
    return make_environment(root, job.extra_templates) if job.extra_templates else cached_environment(root)


def _template(job: RenderJob) -> Any:
    """The compiled template, kept for its source's digest: an edited template (another source) compiles anew.

    At most ``_COMPILED_CACHE_SIZE`` are kept, least recently used dropped first; when a template named by its
    identity (``job.template``) arrives in a new version, its older compiled versions are dropped at once.
    Jobs with extra templates are never kept: their includes come with the job.
    """
    if job.extra_templates is not None:
        return compile_source(_environment(job), job.source)
    key = (job.root, hashlib.sha256(job.source.encode("utf-8", "surrogatepass")).digest())
    if key in _COMPILED:
        _COMPILED.move_to_end(key)
        return _COMPILED[key]
    template = compile_source(_environment(job), job.source)
    _COMPILED[key] = template
    if job.template is not None:
        previous = _LATEST.get(job.template)
        _LATEST[job.template] = key
        if previous is not None and previous != key:
            _COMPILED.pop(previous, None)
    while len(_COMPILED) > _COMPILED_CACHE_SIZE:
        _COMPILED.popitem(last=False)
    if len(_LATEST) > 4 * _COMPILED_CACHE_SIZE:  # identities whose compiled version has left the cache
        for name in [name for name, kept in _LATEST.items() if kept not in _COMPILED]:
            del _LATEST[name]
    return template


def compiled_count() -> int:
    """How many compiled templates this worker keeps (tests check the bound)."""
    return len(_COMPILED)


def _compare(job: CompareJob) -> str:
    limit = job.max_input_chars
    if job.form == "unified":
        return redline.unified_diff(job.old, job.new, job.old_label, job.new_label, max_chars=limit)
    if job.form == "page":
        return redline.redline_page(job.old, job.new, title=job.title, old_label=job.old_label,
                                    new_label=job.new_label, max_chars=limit)  # fmt: skip
    return redline.redline_html(job.old, job.new, max_chars=limit)


def _run(job: RenderJob | CompareJob) -> dict[str, Any]:
    if isinstance(job, CompareJob):
        try:
            return {"text": _compare(job)}
        except MemoryError:
            return {"error": f"the comparison needed more than {job.memory_mb:,} MB of memory", "stop": True}
        except redline.ComparisonTooLarge as exc:
            return {"error": exc.detail}
    try:
        if job.declared is not None:
            return {"problems": source_problems(_environment(job), job.source, job.declared)}
        deadline = job.timeout_s + _IN_WORKER_GRACE_S
        return {"text": run_bounded(_template(job), job.context, job.max_chars, deadline, job.max_int_bits)}
    except MemoryError:
        return {"error": f"the template needed more than {job.memory_mb:,} MB of memory", "stop": True}
    except TemplateError as exc:
        if isinstance(exc.__cause__, MemoryError):
            return {"error": f"the template needed more than {job.memory_mb:,} MB of memory", "stop": True}
        return {"error": exc.detail}
    except RecursionError:
        return {"error": "the template nests too deeply to be read"}


def _read_message(stream: BinaryIO) -> bytes | None:
    header = stream.read(_HEADER.size)
    if len(header) < _HEADER.size:
        return None
    body = stream.read(_HEADER.unpack(header)[0])
    return body if len(body) == _HEADER.unpack(header)[0] else None


def serve() -> None:
    """A worker's loop: receive a job on stdin, run it within the memory limit, answer JSON on stdout; end at EOF."""
    replies = os.fdopen(os.dup(1), "wb")
    os.dup2(2, 1)  # whatever else writes to stdout cannot garble the replies
    if resource is not None:
        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    jobs = sys.stdin.buffer
    while (message := _read_message(jobs)) is not None:
        job: RenderJob | CompareJob = pickle.loads(message)  # from the server, which is trusted; replies are JSON
        _limit_memory(job.memory_mb)
        reply = _run(job)
        data = json.dumps(reply, ensure_ascii=False).encode("utf-8")
        replies.write(_HEADER.pack(len(data)) + data)
        replies.flush()
        if reply.get("stop"):  # after running out of memory, a fresh worker is safer than this one
            return


# ---------------------------------------------------------------------------------------------------- caller side


def _write_all(fd: int, data: bytes, deadline: float) -> None:
    view = memoryview(data)
    while view:
        wait = deadline - time.monotonic()
        if wait <= 0:
            raise TimeoutError
        if select.select([], [fd], [], wait)[1]:
            try:
                view = view[os.write(fd, view) :]
            except BlockingIOError:
                continue


def _read_exactly(fd: int, size: int, deadline: float) -> bytes:
    chunks: list[bytes] = []
    while size:
        wait = deadline - time.monotonic()
        if wait <= 0:
            raise TimeoutError
        if select.select([fd], [], [], wait)[0]:
            chunk = os.read(fd, min(size, 1 << 20))
            if not chunk:
                raise EOFError
            chunks.append(chunk)
            size -= len(chunk)
    return b"".join(chunks)


class RenderPool:
    """At most ``size`` warm worker processes; each job runs in one of them under a wall-clock limit."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._slots = threading.BoundedSemaphore(size)
        self._lock = threading.Lock()
        self._idle: list[subprocess.Popen[bytes]] = []
        self._busy: list[subprocess.Popen[bytes]] = []

    def processes(self) -> list[subprocess.Popen[bytes]]:
        """The worker processes started and not stopped, idle or busy."""
        with self._lock:
            return self._idle + self._busy

    def in_flight(self) -> int:
        """How many jobs are running now."""
        with self._lock:
            return len(self._busy)

    def _start(self) -> subprocess.Popen[bytes]:
        environment = {
            **os.environ,
            "PYTHONPATH": os.pathsep.join(filter(None, [_CODE_ROOT, os.environ.get("PYTHONPATH")])),
        }
        process = subprocess.Popen(
            [sys.executable, "-c", "from app.drafting.render_pool import serve; serve()"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            bufsize=0,
            env=environment,
            cwd=_CODE_ROOT,
            start_new_session=True,  # a Ctrl-C meant for the server is not delivered to its workers
        )
        os.set_blocking(process.stdin.fileno(), False)  # type: ignore[union-attr]
        return process

    def _take(self) -> subprocess.Popen[bytes]:
        with self._lock:
            while self._idle:
                process = self._idle.pop()
                if process.poll() is None:
                    self._busy.append(process)
                    return process
                self._close(process)
        process = self._start()
        with self._lock:
            self._busy.append(process)
        return process

    def _give_back(self, process: subprocess.Popen[bytes]) -> None:
        with self._lock:
            self._busy.remove(process)
            self._idle.append(process)

    @staticmethod
    def _close(process: subprocess.Popen[bytes]) -> None:
        process.kill()
        process.wait(5)
        for pipe in (process.stdin, process.stdout):
            if pipe is not None:
                pipe.close()

    def _stop(self, process: subprocess.Popen[bytes], reason: str) -> None:
        with self._lock:
            if process in self._busy:
                self._busy.remove(process)
        self._close(process)
        log.warning("template worker %s stopped: %s", process.pid, reason)

    @staticmethod
    def _exchange(process: subprocess.Popen[bytes], job: RenderJob | CompareJob, timeout_s: float) -> dict[str, Any]:
        deadline = time.monotonic() + timeout_s
        message = pickle.dumps(job, protocol=pickle.HIGHEST_PROTOCOL)
        jobs, replies = process.stdin.fileno(), process.stdout.fileno()  # type: ignore[union-attr]
        try:
            _write_all(jobs, _HEADER.pack(len(message)) + message, deadline)
            size = _HEADER.unpack(_read_exactly(replies, _HEADER.size, deadline))[0]
            if size > job.max_reply_bytes:
                raise WorkerStopped(f"it answered {size:,} bytes", timed_out=False)
            reply = json.loads(_read_exactly(replies, size, deadline))
        except TimeoutError:
            raise WorkerStopped(f"still working after {timeout_s:g} s", timed_out=True) from None
        except (EOFError, OSError, ValueError) as exc:
            raise WorkerStopped(f"it stopped answering ({type(exc).__name__})", timed_out=False) from None
        if not isinstance(reply, dict):
            raise WorkerStopped("it answered something else than a reply", timed_out=False)
        return reply

    def run(self, job: RenderJob | CompareJob, timeout_s: float) -> dict[str, Any]:
        """The worker's reply to ``job``; ``WorkerStopped`` when it ran out of time or died; ``RendererBusy``."""
        if not self._slots.acquire(timeout=timeout_s):
            raise RendererBusy("every worker is busy; try again shortly", retry_after=max(1, math.ceil(timeout_s)))
        try:
            process = self._take()
            try:
                reply = self._exchange(process, job, timeout_s)
            except WorkerStopped as exc:
                self._stop(process, str(exc))
                raise
            except BaseException:
                self._stop(process, "the work was interrupted")  # a worker in an unknown state is not reused
                raise
            if reply.get("stop"):
                self._stop(process, str(reply.get("error", "it asked to")))
            else:
                self._give_back(process)
            return reply
        finally:
            self._slots.release()

    def close(self) -> None:
        """Stop every idle worker (busy ones are stopped by the jobs waiting on them)."""
        with self._lock:
            idle, self._idle = self._idle, []
        for process in idle:
            self._close(process)


_POOL: RenderPool | None = None
_POOL_LOCK = threading.Lock()


def get_pool() -> RenderPool:
    """The process's render pool, sized by the setting ``render_workers`` when first used."""
    global _POOL
    with _POOL_LOCK:
        if _POOL is None:
            from app.config import get_settings

            _POOL = RenderPool(get_settings().render_workers)
            atexit.register(_POOL.close)
        return _POOL
