"""LibreOffice Calc as a real spreadsheet program in tests (and for docs/make_screenshots.py).

- :func:`require_libreoffice` finds ``soffice``, the system Python with ``uno`` and
  ``pdftoppm``; it skips the test with the reason (or fails, when the environment
  variable ``YANGTZE_REQUIRE_LIBREOFFICE=1`` says LibreOffice must be there, as in CI).
- :class:`Office` starts one headless ``soffice`` listening on a free local port, with
  a private user profile (macro security low, OOXML formulas always recalculated on
  load), and runs the scripts of ``tests/uno_scripts`` against it: each script runs
  under the system Python (which has ``uno``; the project's Python does not), gets
  its arguments as JSON and prints its answer as one JSON line.
- :func:`pdf_to_png` and :func:`dark_fraction` render PDF pages with poppler's
  ``pdftoppm`` and measure how much of a page is drawn (pure Python, no PIL).

Every wait is bounded; the ``soffice`` process group started here is ended in
:meth:`Office.close` (it is never looked up by name).
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import tempfile
from pathlib import Path

import pytest

REQUIRE_ENV = "YANGTZE_REQUIRE_LIBREOFFICE"
INSTALL_HINT = "apt-get install libreoffice-calc-nogui python3-uno poppler-utils"
SYSTEM_PYTHON = "/usr/bin/python3"
SCRIPTS = Path(__file__).resolve().parent / "uno_scripts"
START_TIMEOUT = 60.0  # seconds for soffice to accept connections
SCRIPT_TIMEOUT = 120.0  # seconds for one UNO script

PROFILE_XCU = """<?xml version="1.0" encoding="UTF-8"?>
<oor:items xmlns:oor="http://openoffice.org/2001/registry" xmlns:xs="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
<item oor:path="/org.openoffice.Office.Common/Security/Scripting"><prop oor:name="MacroSecurityLevel" oor:op="fuse"><value>0</value></prop></item>
<item oor:path="/org.openoffice.Office.Common/Security/Scripting"><prop oor:name="DisableMacrosExecution" oor:op="fuse"><value>false</value></prop></item>
<item oor:path="/org.openoffice.Office.Calc/Formula/Load"><prop oor:name="OOXMLRecalcMode" oor:op="fuse"><value>0</value></prop></item>
<item oor:path="/org.openoffice.Office.Calc/Formula/Load"><prop oor:name="ODFRecalcMode" oor:op="fuse"><value>0</value></prop></item>
<item oor:path="/org.openoffice.Office.Common/Misc"><prop oor:name="FirstRun" oor:op="fuse"><value>false</value></prop></item>
<item oor:path="/org.openoffice.Office.Common/Misc"><prop oor:name="ShowTipOfTheDay" oor:op="fuse"><value>false</value></prop></item>
</oor:items>
"""


class LibreOfficeMissing(RuntimeError):
    """soffice, the system Python's ``uno`` or ``pdftoppm`` is not installed."""


def find_soffice() -> str | None:
    """Path of the ``soffice`` launcher, or None."""
    for name in ("soffice", "libreoffice"):
        found = shutil.which(name)
        if found:
            return found
    for candidate in (
        "/usr/lib/libreoffice/program/soffice",
        "/opt/libreoffice/program/soffice",
        "/Applications/LibreOffice.app/Contents/MacOS/soffice",
    ):
        if os.access(candidate, os.X_OK):
            return candidate
    return None


def _has_uno() -> bool:
    if not os.access(SYSTEM_PYTHON, os.X_OK):
        return False
    try:
        done = subprocess.run([SYSTEM_PYTHON, "-c", "import uno"], capture_output=True, timeout=30)
    except (OSError, subprocess.TimeoutExpired):
        return False
    return done.returncode == 0


def missing_parts() -> list[str]:
    """What of LibreOffice, python3-uno and poppler-utils is absent (empty: all there)."""
    missing = []
    if find_soffice() is None:
        missing.append("soffice")
    if not _has_uno():
        missing.append(f"uno for {SYSTEM_PYTHON}")
    if shutil.which("pdftoppm") is None or shutil.which("pdfinfo") is None:
        missing.append("pdftoppm/pdfinfo")
    return missing


def require_libreoffice() -> str:
    """The ``soffice`` path; otherwise skip the test, or fail it when LibreOffice is required."""
    missing = missing_parts()
    if not missing:
        return find_soffice()  # type: ignore[return-value]
    message = f"LibreOffice (soffice) is not installed: {INSTALL_HINT}"
    if missing != ["soffice"]:
        message += f" (missing: {', '.join(missing)})"
    if os.environ.get(REQUIRE_ENV) == "1":
        pytest.fail(f"{message}; {REQUIRE_ENV}=1 says these tests must run here", pytrace=False)
    pytest.skip(message)


def write_profile(directory: Path) -> str:
    """Create a private LibreOffice user profile in ``directory``; returns its file URL."""
    user = directory / "user"
    user.mkdir(parents=True, exist_ok=True)
    (user / "registrymodifications.xcu").write_text(PROFILE_XCU, encoding="utf-8")
    return directory.resolve().as_uri()


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class UnoScriptError(RuntimeError):
    """A UNO script failed; the message carries its stderr."""


class Office:
    """One headless LibreOffice, listening on a local port, with its own profile.

    Use as a context manager, or call :meth:`close`. :meth:`run` executes a script of
    ``tests/uno_scripts`` against it and returns the JSON it printed.
    """

    def __init__(self, soffice: str | None = None, workdir: Path | None = None):
        self.soffice = soffice or find_soffice()
        if self.soffice is None:
            raise LibreOfficeMissing(f"LibreOffice (soffice) is not installed: {INSTALL_HINT}")
        self._tmp = None
        if workdir is None:
            self._tmp = tempfile.TemporaryDirectory(prefix="yangtze-lo-")
            workdir = Path(self._tmp.name)
        self.workdir = Path(workdir)
        self.profile_url = write_profile(self.workdir / "profile")
        self.port = _free_port()
        self.log = open(self.workdir / "soffice.log", "wb")  # noqa: SIM115 - closed in close()
        self.proc = subprocess.Popen(
            [
                self.soffice,
                "--headless",
                "--invisible",
                "--norestore",
                "--nologo",
                "--nodefault",
                "--nofirststartwizard",
                "--nolockcheck",
                f"-env:UserInstallation={self.profile_url}",
                f"--accept=socket,host=127.0.0.1,port={self.port};urp;StarOffice.ComponentContext",
            ],
            stdin=subprocess.DEVNULL,
            stdout=self.log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        try:
            self.run("ping", {"connect_timeout": START_TIMEOUT}, timeout=START_TIMEOUT + 15)
        except BaseException:
            self.close()
            raise

    def run(self, script: str, args: dict | None = None, timeout: float = SCRIPT_TIMEOUT) -> dict:
        """Run ``tests/uno_scripts/<script>.py`` under the system Python; its JSON answer."""
        if self.proc.poll() is not None:
            raise UnoScriptError(
                f"soffice exited with code {self.proc.returncode}: {self._log_tail()}"
            )
        payload = json.dumps({"port": self.port, **(args or {})})
        try:
            done = subprocess.run(
                [SYSTEM_PYTHON, str(SCRIPTS / f"{script}.py")],
                input=payload.encode(),
                capture_output=True,
                timeout=timeout,
                cwd=SCRIPTS,
            )
        except subprocess.TimeoutExpired:
            raise UnoScriptError(
                f"UNO script {script} did not finish within {timeout:.0f} s"
            ) from None
        out = done.stdout.decode("utf-8", "replace").strip().splitlines()
        if done.returncode == -signal.SIGSEGV and out and _is_json(out[-1]):
            # the UNO client (pyuno) sometimes crashes while the interpreter shuts down,
            # after it has written and flushed its whole answer: the answer stands
            return json.loads(out[-1])
        if done.returncode != 0 or not out:
            raise UnoScriptError(
                f"UNO script {script} failed (exit {done.returncode}):\n"
                f"{done.stderr.decode('utf-8', 'replace')[-4000:]}"
            )
        return json.loads(out[-1])

    def _log_tail(self) -> str:
        try:
            self.log.flush()
            return (self.workdir / "soffice.log").read_text(errors="replace")[-2000:]
        except OSError:
            return ""

    def close(self) -> None:
        """End the soffice process group started by this object (bounded waits)."""
        if self.proc.poll() is None:
            try:
                os.killpg(self.proc.pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                try:
                    os.killpg(self.proc.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
                self.proc.wait(timeout=15)
        self.log.close()
        if self._tmp is not None:
            self._tmp.cleanup()
            self._tmp = None

    def __enter__(self) -> Office:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def pdf_pages(pdf: Path) -> int:
    """Number of pages of a PDF (poppler's pdfinfo)."""
    done = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, timeout=60, check=True)
    for line in done.stdout.decode("utf-8", "replace").splitlines():
        if line.startswith("Pages:"):
            return int(line.split()[1])
    raise ValueError(f"pdfinfo gave no page count for {pdf}")


def pdf_to_png(
    pdf: Path,
    prefix: Path,
    dpi: int = 60,
    first: int | None = None,
    last: int | None = None,
    single: bool = False,
) -> list[Path]:
    """Render PDF pages to ``<prefix>-N.png`` (or ``<prefix>.png`` when ``single``)."""
    cmd = ["pdftoppm", "-png", "-r", str(dpi)]
    if first is not None:
        cmd += ["-f", str(first)]
    if last is not None:
        cmd += ["-l", str(last)]
    if single:
        cmd.append("-singlefile")
    subprocess.run([*cmd, str(pdf), str(prefix)], capture_output=True, timeout=120, check=True)
    if single:
        return [prefix.with_name(prefix.name + ".png")]
    return sorted(
        prefix.parent.glob(prefix.name + "-*.png"), key=lambda p: int(p.stem.rsplit("-", 1)[1])
    )


def dark_fraction(pdf: Path, page: int, dpi: int = 30) -> float:
    """Share of pixels darker than light grey on one page, rendered in grey by pdftoppm
    (PGM, read in pure Python): 0.0 means a blank page."""
    done = subprocess.run(
        ["pdftoppm", "-gray", "-r", str(dpi), "-f", str(page), "-l", str(page), str(pdf)],
        capture_output=True,
        timeout=120,
        check=True,
    )
    width, height, maxval, pixels = _read_pgm(done.stdout)
    if not pixels:
        return 0.0
    threshold = maxval * 0.75
    return sum(1 for p in pixels if p < threshold) / (width * height)


def _read_pgm(data: bytes) -> tuple[int, int, int, bytes]:
    """Parse a binary PGM (P5) image with 8-bit samples."""
    fields: list[bytes] = []
    pos = 0
    while len(fields) < 4:
        while data[pos : pos + 1].isspace():
            pos += 1
        if data[pos : pos + 1] == b"#":
            pos = data.index(b"\n", pos) + 1
            continue
        end = pos
        while not data[end : end + 1].isspace():
            end += 1
        fields.append(data[pos:end])
        pos = end
    if fields[0] != b"P5":
        raise ValueError(f"not a binary PGM image: {fields[0]!r}")
    width, height, maxval = (int(f) for f in fields[1:])
    if maxval > 255:
        raise ValueError("16-bit PGM not supported")
    pos += 1  # the single whitespace after maxval
    return width, height, maxval, data[pos : pos + width * height]


def _is_json(line: str) -> bool:
    try:
        json.loads(line)
    except ValueError:
        return False
    return True
