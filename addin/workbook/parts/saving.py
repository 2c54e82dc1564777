"""Saving a workbook file safely: refuse what must not be replaced, then write atomically.

- A file whose mode bits make it read-only is refused (also when running as root, who
  could write it anyway): the user marked it so.
- A workbook open in Excel (an owner file ``~$NAME`` beside it) or in LibreOffice
  (``.~lock.NAME#``) is refused: saving under an open program loses one side's work.
- A name whose extension does not match the package's kind is refused (Excel will not
  open a macro-enabled package named .xlsx, nor a macro-free one named .xlsm), and so
  is a folder that does not exist (it is never created).
- A symlink stays a link: the file it points to is replaced (the temporary file is made
  in the target's folder, so the replace stays atomic).
- The content goes to a temporary file beside the target, is flushed to disk, and is
  moved over the target in one step (``os.replace``): a crash leaves the old file or the
  new one, never half of one. The target's permission bits are kept. ``backup`` first
  copies the previous file to ``NAME.bak.xlsm`` (``.xlsx``: the extension is kept). A
  temporary file left by a killed save is removed by a later save of the same target.
"""

from __future__ import annotations

import os
import re
import shutil
import stat
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import IO

from ...errors import FileRejected

#: A temporary file of the same target older than this is a leftover of a killed save.
STALE_TEMP_SECONDS = 600


def backup_path(target: Path) -> Path:
    return target.with_name(f"{target.stem}.bak{target.suffix}")


def owner_files(target: Path) -> list[Path]:
    """Files that say ``target`` is open: Excel's owner file and LibreOffice's lock file.

    Excel's owner file is ``~$`` + the whole name, however long: only Word shortens it
    (drops the first two characters of a name of 8 or more, the first of a name of 7).
    That is the rule LibreOffice follows to read and write Office's owner files
    (``svl/source/misc/msodocumentlockfile.cxx``, ``GenerateMSOLockFileURL``).

    >>> [p.name for p in owner_files(Path("/x/Book1.xlsm"))]
    ['~$Book1.xlsm', '.~lock.Book1.xlsm#']
    >>> [p.name for p in owner_files(Path("/x/regional_opening.xlsx"))]
    ['~$regional_opening.xlsx', '.~lock.regional_opening.xlsx#']
    """
    name = target.name
    return [target.with_name(f"~${name}"), target.with_name(f".~lock.{name}#")]


def shown(path: Path) -> str:
    """The name to show for ``path`` in a message (the path itself when it has none: ``.``)."""
    return path.name or str(path)


def extension_mismatch(target: Path, macro_enabled: bool) -> str | None:
    """Why ``target``'s extension does not fit the workbook's kind; None when it does.

    Excel refuses to open a macro-enabled package (``…sheet.macroEnabled.main+xml`` and a
    VBA project) named .xlsx, and a macro-free one named .xlsm.

    >>> extension_mismatch(Path("out.XLSM"), macro_enabled=True) is None
    True
    >>> extension_mismatch(Path("mine"), macro_enabled=True)  # doctest: +ELLIPSIS
    'mine: this workbook has macros ... (e.g. mine.xlsm); ... workbook without an extension'
    """
    suffix = target.suffix.lower()
    wanted = ".xlsm" if macro_enabled else ".xlsx"
    if suffix == wanted:
        return None
    kind = (
        "has macros (the Regenerate tables button)"
        if macro_enabled
        else "has no macros (no VBA project)"
    )
    named = f"named {suffix}" if suffix else "without an extension"
    example = f"{target.stem if suffix else target.name}{wanted}"
    return (
        f"{shown(target)}: this workbook {kind}, so its name must end in {wanted} "
        f"(e.g. {example}); Excel refuses a {'macro-enabled' if macro_enabled else 'macro-free'} "
        f"workbook {named}"
    )


def check_extension(target: Path, macro_enabled: bool) -> None:
    """Refuse a new file whose extension does not match the workbook's kind."""
    problem = extension_mismatch(target, macro_enabled)
    if problem:
        raise FileRejected(problem)


def check_folder(target: Path) -> None:
    """Refuse a target whose folder does not exist (no command creates folders)."""
    folder = target.parent
    if not folder.is_dir():
        raise FileRejected(
            f"{shown(target)}: the folder {folder} does not exist; nothing was written. "
            "Create it first, or give a path in an existing folder"
        )


def check_replaceable(target: Path) -> None:
    """Refuse a target that is read-only or open in Excel or LibreOffice."""
    for lock in owner_files(target):
        if lock.exists():
            program = "LibreOffice" if lock.name.startswith(".~lock.") else "Excel"
            raise FileRejected(
                f"{target.name}: is open in {program} ({lock.name} beside it); close it there "
                "first, then run the command again"
            )
    if target.exists() and not target.stat().st_mode & (stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH):
        raise FileRejected(
            f"{target.name}: the file is read-only; it was not changed. Make it writable, or "
            "write the result elsewhere with -o OUT.xlsm"
        )


def temp_pattern(target: Path) -> re.Pattern[str]:
    """Names of :func:`atomic_write`'s temporary files for ``target``
    (``.NAME.xxxxxxxx.xlsm.tmp``)."""
    return re.compile(
        re.escape(f".{target.stem}.") + r"[a-z0-9_]{8}" + re.escape(f"{target.suffix}.tmp")
    )


def remove_stale_temps(target: Path, older_than: float = STALE_TEMP_SECONDS) -> list[Path]:
    """Delete temporary files of ``target`` left by a save that was killed (older than
    ``older_than`` s).

    Younger ones may belong to a save still running in another process and are kept.
    """
    pattern, removed = temp_pattern(target), []
    try:
        candidates = [p for p in target.parent.iterdir() if pattern.fullmatch(p.name)]
    except OSError:
        return removed
    now = time.time()
    for path in candidates:
        try:
            if now - path.stat().st_mtime > older_than:
                path.unlink()
                removed.append(path)
        except OSError:
            pass
    return removed


def _file_mode(target: Path) -> int:
    """Permission bits for the saved file: the target's own, or what a new file gets (umask)."""
    if target.exists():
        return target.stat().st_mode & 0o7777
    umask = os.umask(0)
    os.umask(umask)
    return 0o666 & ~umask


def _remove(path: str) -> None:
    try:
        os.unlink(path)
    except FileNotFoundError:
        pass


def atomic_write(target: Path, write: Callable[[IO[bytes]], None], backup: bool = False) -> Path:
    """Write ``target`` through ``write(file)`` atomically (see the module's rules).

    Returns the path given (a symlink stays the link; its target file was replaced).
    """
    if target.is_dir():
        raise FileRejected(f"{shown(target)}: is a folder; give a file name to write to")
    check_folder(target)
    check_replaceable(target)
    real = Path(os.path.realpath(target)) if target.is_symlink() else target
    if real != target:
        check_replaceable(real)
    remove_stale_temps(real)
    try:
        fd, tmp = tempfile.mkstemp(
            prefix=f".{real.stem}.", suffix=real.suffix + ".tmp", dir=real.parent
        )
    except OSError as exc:
        raise FileRejected(
            f"{target.name}: cannot write in the folder {real.parent} ({exc.strerror or exc})"
        ) from None
    try:
        os.chmod(tmp, _file_mode(real))  # mkstemp makes 0600; keep the target's permissions
        with os.fdopen(fd, "wb") as f:
            write(f)
            f.flush()
            os.fsync(f.fileno())
        if backup and real.exists():
            shutil.copy2(real, backup_path(target))
        os.replace(tmp, real)
    except PermissionError:
        _remove(tmp)
        raise FileRejected(
            f"{target.name}: cannot be written; is it open in Excel or another program? Close it "
            "and try again"
        ) from None
    except OSError as exc:  # disk full, folder removed, …: the original is untouched
        _remove(tmp)
        raise FileRejected(
            f"{target.name}: cannot be written ({exc.strerror or exc}); the file on disk is "
            "unchanged"
        ) from None
    except BaseException:
        _remove(tmp)
        raise
    return target
