"""Recording from the command line at the least cost to the command.

Importing SQLAlchemy and opening the store take a few hundred milliseconds of pure
Python, more than the solve of a city scenario. So a :class:`Recorder`, made when the
command starts, takes one of three ways:

- an SQLite store at this budgetsim's schema (the usual case) is written at the end with
  the standard library's ``sqlite3`` alone (:mod:`model.store.direct`: the rows
  :class:`~model.store.Store` writes, one transaction), no SQLAlchemy imported;
- any other store (PostgreSQL, a store to create or upgrade) is opened in a copy of the
  command forked when it starts: the copy imports SQLAlchemy and opens the store on the
  other core while the command solves, then waits on a pipe for the record; the command
  hands the record over (pickled) as soon as nothing more will be added to it and waits
  only for the one transaction that writes it;
- without ``fork``, or when the process has SQLAlchemy loaded already (``budgetsim``
  called from Python: an open SQLite connection must not cross a fork), through
  :class:`~model.store.Store` in the command.

The forked copy writes nothing unless it is handed a whole record: when the command is
interrupted, fails or is killed, the pipe closes and the copy ends with nothing written.
It runs in a session of its own with no terminal and none of the command's other files
(an ``--out`` lock stays the command's alone), ignores Ctrl-C, and leaves with
``os._exit``. Every error comes back as the :class:`~model.errors.StoreError` the store
raised (the file or server named, what to do), never as a traceback.
"""

from __future__ import annotations

import os
import pickle
import re
import signal
import sys
from typing import Any

from ..errors import StoreError, StoreLookupError
from . import direct
from .location import resolve_url

#: The store's methods a command may hand over (one transaction, returning a run id).
METHODS = ("record_run",)
_ERRORS = {"StoreError": StoreError, "StoreLookupError": StoreLookupError}


def _shown(url: str) -> str:
    """The store as a user names it before SQLAlchemy is imported: the SQLite file, or the
    URL without its password."""
    if url.startswith("sqlite:///"):
        return url[len("sqlite:///"):]
    return re.sub(r"://([^:/@]+):[^@]*@", r"://\1:***@", url)


def _store_code_loaded() -> bool:
    """Whether this process has imported SQLAlchemy already (``budgetsim`` called from
    Python, a test), so may hold a store open. Then a fork gains little, and an open SQLite
    connection must not cross a fork: SQLite shares its file handles and locks within a
    process, so the copy would use the command's."""
    return "sqlalchemy" in sys.modules


class Recorder:
    """The store of ``db`` (``--db``, ``$BUDGETSIM_DB`` or the default file), opened beside
    the command (``fork=False``: in this process, when the record is handed over, as
    ``model.solve`` does after its solve); :meth:`record_run` as on
    :class:`~model.store.Store`, for one record."""

    def __init__(self, db: str | os.PathLike | None = None, fork: bool = True):
        self.url = resolve_url(db)
        self.where = _shown(self.url)
        self._pid: int | None = None
        path = direct.sqlite_path(self.url)
        # An SQLite store at this schema: written here with sqlite3 when the run is over
        # (cheaper than a fork, whose copied pages the command would pay for as it solves).
        self._direct = path if path is not None and direct.usable(path) else None
        if fork and self._direct is None and hasattr(os, "fork") and not _store_code_loaded():
            self._fork()

    def _fork(self) -> None:
        request_r, request_w = os.pipe()
        reply_r, reply_w = os.pipe()
        sys.stdout.flush()
        sys.stderr.flush()
        pid = os.fork()
        if pid == 0:  # the recorder: never returns into the command
            code = 1
            try:
                code = _serve_forked(self.url, request_r, reply_w)
            finally:
                os._exit(code)
        os.close(request_r)
        os.close(reply_w)
        self._pid, self._request, self._reply = pid, os.fdopen(request_w, "wb"), os.fdopen(reply_r, "rb")

    def record_run(self, *args: Any, **kwargs: Any) -> int:
        self.hand_over("record_run", *args, **kwargs)
        return self.answer()

    def hand_over(self, method: str, *args: Any, **kwargs: Any) -> None:
        """Give the recorder its record (``method`` of :data:`METHODS` with its arguments)
        and go on: it renders and writes while the command finishes; :meth:`answer` waits."""
        if method not in METHODS:
            raise ValueError(f"method must be one of {METHODS}, not {method!r}")
        if self._pid is None:  # no fork here: recorded in the command by answer()
            self._pending = (method, args, kwargs)
            return
        request = pickle.dumps((method, args, kwargs), protocol=pickle.HIGHEST_PROTOCOL)
        try:
            self._request.write(len(request).to_bytes(8, "big") + request)
            self._request.close()
        except OSError:  # the pipe closed under us: the recorder is gone (answer() says so)
            pass

    def answer(self) -> int:
        """The run id of the record handed over, once it is written; the store's error if not."""
        if self._pid is None:
            method, args, kwargs = self._pending
            if self._direct is not None and method == "record_run":
                try:
                    run_id = direct.record_run(self._direct, *args, **kwargs)
                except Exception:  # noqa: BLE001 - nothing was written: the store explains it, or writes it
                    pass
                else:
                    self.where = str(self._direct)
                    return run_id
            from .store import Store  # SQLAlchemy: only for what the direct write cannot do

            with Store.open(self.url) as store:
                self.where = store.where
                return getattr(store, method)(*args, **kwargs)
        reply = self._reply.read()
        status = self._wait()
        if not reply:
            raise StoreError(self.where, f"the run was not recorded: the recording process ended "
                                         f"({status}) before it answered")
        answer = pickle.loads(reply)
        if answer[0] == "error":
            _, kind, where, rule = answer
            raise _ERRORS.get(kind, StoreError)(where, rule)
        _, run_id, self.where = answer
        return int(run_id)

    def _wait(self) -> str:
        if self._pid is None:
            return "done"
        _, status = os.waitpid(self._pid, 0)
        self._pid = None
        return f"exit code {os.waitstatus_to_exitcode(status)}"

    def close(self) -> None:
        """End the recorder without recording (a closed pipe tells it so)."""
        for stream in ("_request", "_reply"):
            handle = getattr(self, stream, None)
            if handle is not None and not handle.closed:
                try:
                    handle.close()
                except OSError:
                    pass
        if self._pid is not None:
            self._wait()

    def __enter__(self) -> Recorder:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def _serve_forked(url: str, request_fd: int, reply_fd: int) -> int:
    """In the forked copy: let go of the command's terminal, signals and files, then serve."""
    os.setsid()
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    null = os.open(os.devnull, os.O_RDWR)
    for fd in (0, 1, 2):
        os.dup2(null, fd)
    keep = sorted({0, 1, 2, request_fd, reply_fd})
    for low, high in zip(keep, keep[1:] + [os.sysconf("SC_OPEN_MAX")]):
        os.closerange(low + 1, high)  # an --out lock, the command's other pipes and files
    with os.fdopen(request_fd, "rb") as requests, os.fdopen(reply_fd, "wb") as replies:
        return serve(url, requests, replies)


def serve(url: str, requests, replies) -> int:
    """Open the store, wait for one record on ``requests``, write it, answer on ``replies``.

    The forked copy serves the stores the command cannot write directly (PostgreSQL, a
    store to create or upgrade): through :class:`~model.store.Store`, which also names
    any problem.
    """
    store, failure = _open(url)
    size = int.from_bytes(requests.read(8) or b"\0", "big")
    request = requests.read(size) if size else b""

    def reply(answer: tuple) -> None:
        replies.write(pickle.dumps(answer, protocol=pickle.HIGHEST_PROTOCOL))
        replies.flush()

    try:
        if not request or len(request) != size:  # the command ended without handing a whole record over
            return 0
        method, args, kwargs = pickle.loads(request)
        if failure is not None:
            reply(("error", type(failure).__name__, failure.where, failure.rule))
            return 1
        if method not in METHODS:
            reply(("error", "StoreError", store.where, f"cannot record by {method!r}"))
            return 1
        try:
            run_id = getattr(store, method)(*args, **kwargs)
        except StoreError as exc:
            reply(("error", type(exc).__name__, exc.where, exc.rule))
            return 1
        except Exception as exc:  # noqa: BLE001
            reply(("error", "StoreError", store.where, f"recording failed: {type(exc).__name__}: {exc}"))
            return 1
        reply(("ok", run_id, store.where))
        return 0
    finally:
        if store is not None:
            store.close()


def _open(url: str):
    """(the store, None), or (None, the StoreError saying why it cannot be opened)."""
    from .store import Store  # SQLAlchemy, here and not in the command

    try:
        return Store.open(url), None
    except StoreError as exc:
        return None, exc
    except Exception as exc:  # noqa: BLE001 - any fault is the store's problem, said plainly
        return None, StoreError(_shown(url), f"cannot be opened: {type(exc).__name__}: {exc}")
