"""Whole outputs: an output path held by one run at a time, folders built aside and
swapped into place in one step, so ``--out`` is never half-written."""

from __future__ import annotations

import contextlib
import ctypes
import errno
import fcntl
import json
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

from ..errors import OutputError


def umask() -> int:
    """This process's umask, read without changing it where Linux allows."""
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except OSError:  # pragma: no cover - not Linux
        pass
    mask = os.umask(0)  # pragma: no cover
    os.umask(mask)  # pragma: no cover
    return mask  # pragma: no cover


_HELD: dict[Path, list] = {}  # output path -> [open lock file, depth]: this process's locks


def _lock_path(path: Path) -> Path:
    path = Path(os.path.abspath(path))
    return path.parent / f".{path.name}.lock"


@contextlib.contextmanager
def output_lock(path: Path) -> Iterator[None]:
    """Hold ``path`` (an output file or folder) for this run; re-entrant in a process.

    Raises :class:`~model.errors.OutputError` at once, without waiting, when another
    run holds it: two runs into one ``--out`` never mix their files. The lock is an
    ``flock`` on ``.<name>.lock`` beside ``path``, released when the process ends,
    however it ends.
    """
    key = Path(os.path.abspath(path))
    if key in _HELD:
        _HELD[key][1] += 1
        try:
            yield
        finally:
            _HELD[key][1] -= 1
        return
    key.parent.mkdir(parents=True, exist_ok=True)
    handle = open(_lock_path(key), "a+", encoding="utf-8")
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError as exc:
        handle.seek(0)
        holder = handle.read().strip() or "?"
        handle.close()
        if exc.errno not in (errno.EWOULDBLOCK, errno.EAGAIN, errno.EACCES):
            raise
        raise OutputError(f"{path} is being written by another budgetsim run (process {holder}); "
                          "nothing was written: wait for it to finish or choose another --out") from None
    handle.seek(0)
    handle.truncate()
    handle.write(f"{os.getpid()}\n")
    handle.flush()
    _HELD[key] = [handle, 1]
    try:
        yield
    finally:
        _HELD.pop(key)
        handle.close()  # closing releases the flock; the lock file stays (removing it would race)


#: A hidden file in each output folder: the files budgetsim wrote there. The next run
#: replaces exactly those; anything else in the folder is the user's and is kept.
MANIFEST = ".budgetsim-outputs.json"
_RENAME_EXCHANGE = 2


def _exchange(a: Path, b: Path) -> bool:
    """Swap two paths in one step (Linux ``renameat2``); False where that is not possible."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        renameat2 = libc.renameat2
    except (OSError, AttributeError):  # pragma: no cover - not glibc
        return False
    renameat2.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint]
    at_fdcwd = -100
    return renameat2(at_fdcwd, os.fsencode(a), at_fdcwd, os.fsencode(b), _RENAME_EXCHANGE) == 0


class OutputFolder:
    """An output folder built in a hidden folder beside it and swapped into place whole.

    ``with OutputFolder(out) as folder:`` write into ``folder.path``; when the block
    ends without an exception the new folder replaces ``out`` in one rename, so
    ``out`` holds either all of the previous run's files or all of this one's, never
    a mix, whatever stops the process (Ctrl-C, SIGKILL, a full disk). An exception
    deletes the new folder and leaves ``out`` as it was. Files in ``out`` that an
    earlier run did not write (see :data:`MANIFEST`) are carried into the new folder.
    Unfinished folders of killed runs (``.<name>.partial-*``) are removed by the next.
    """

    def __init__(self, path: Path):
        self.final = Path(path)
        self._lock = output_lock(self.final)
        self.path: Path = self.final

    def __enter__(self) -> OutputFolder:
        if self.final.exists() and not self.final.is_dir():
            raise OutputError(f"{self.final} is a file; --out needs a folder")
        self._lock.__enter__()
        try:
            parent = self.final.parent
            parent.mkdir(parents=True, exist_ok=True)
            for stale in parent.glob(f".{self.final.name}.partial-*"):
                shutil.rmtree(stale, ignore_errors=True)  # we hold the lock: no run is writing it
            self.path = Path(tempfile.mkdtemp(dir=parent, prefix=f".{self.final.name}.partial-"))
            os.chmod(self.path, 0o777 & ~umask())  # mkdtemp makes it 0700; outputs are as any new folder
        except BaseException:
            self._lock.__exit__(None, None, None)
            raise
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        try:
            if exc_type is None:
                self._commit()
            else:
                shutil.rmtree(self.path, ignore_errors=True)
        finally:
            self._lock.__exit__(None, None, None)

    def _commit(self) -> None:
        written = sorted(p.name for p in self.path.iterdir())
        if self.final.is_dir():
            ours = set(_read_manifest(self.final)) | {MANIFEST}
            for entry in self.final.iterdir():
                if entry.name not in ours and entry.name not in written:
                    _link_into(entry, self.path / entry.name)
        (self.path / MANIFEST).write_text(json.dumps(written) + "\n", encoding="utf-8")
        if self.final.is_dir() and _exchange(self.path, self.final):
            shutil.rmtree(self.path, ignore_errors=True)  # the previous folder, now under the temporary name
            return
        if self.final.is_dir():  # pragma: no cover - no renameat2: two renames
            old = Path(tempfile.mkdtemp(dir=self.final.parent, prefix=f".{self.final.name}.partial-old-"))
            os.replace(self.final, old / "previous")
            os.replace(self.path, self.final)
            shutil.rmtree(old, ignore_errors=True)
            return
        os.replace(self.path, self.final)


def _read_manifest(folder: Path) -> list[str]:
    try:
        names = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return []
    return [n for n in names if isinstance(n, str)] if isinstance(names, list) else []


def _link_into(source: Path, target: Path) -> None:
    """Carry a user's file or folder into the new output folder (hard links: no copy, and
    the previous folder stays whole until the swap)."""
    if source.is_dir() and not source.is_symlink():
        shutil.copytree(source, target, symlinks=True, copy_function=_link_or_copy)
    else:
        _link_or_copy(source, target)


def _link_or_copy(source: str | Path, target: str | Path) -> None:
    try:
        os.link(source, target, follow_symlinks=False)
    except OSError:
        shutil.copy2(source, target, follow_symlinks=False)


