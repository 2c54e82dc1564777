"""Hostile and wrong files: each is refused before it can cost much time or memory, with one
clear line in the user's terms (no traceback), and nothing is written.

The files are made here: a real workbook from the builder, then rewritten part by part
(hostile XML, zip bombs, a million rows), or files that only claim to be workbooks.
"""

from __future__ import annotations

import hashlib
import shutil
import struct
import subprocess
import sys
import zipfile
import zlib
from pathlib import Path

import openpyxl
import pytest

from addin.cli import main
from addin.errors import FileRejected
from addin.workbook import file_engine
from addin.workbook.file_engine import FileEngine
from addin.workbook.parts import safety

from workbooks import make_book

BILLION_LAUGHS = (
    '<?xml version="1.0" encoding="UTF-8"?>\n<!DOCTYPE lolz [<!ENTITY lol "lol">'
    + "".join(
        f'<!ENTITY lol{i} "{("&lol" + str(i - 1) + ";") * 10 if i > 1 else "&lol;" * 10}">'
        for i in range(1, 10)
    )
    + "]>\n"
)
EXTERNAL_ENTITY = (
    '<?xml version="1.0"?>\n<!DOCTYPE x [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>\n'
)


@pytest.fixture(scope="module")
def base(tmp_path_factory) -> Path:
    return make_book(
        tmp_path_factory.mktemp("hostile") / "base.xlsm", run_python_stub=True, formulas=False
    )


def parts(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as zf:
        return {name: zf.read(name) for name in zf.namelist()}


def sheet_part(path: Path, sheet: str) -> str:
    """The zip part holding ``sheet``: the builder writes sheet1.xml, sheet2.xml, … in sheet
    order."""
    wb = openpyxl.load_workbook(path, read_only=True)
    index = wb.sheetnames.index(sheet)
    wb.close()
    return f"xl/worksheets/sheet{index + 1}.xml"


def write_zip(path: Path, entries: dict[str, bytes | tuple[bytes, int, int]]) -> Path:
    """A zip file written byte by byte. An entry is its content, or (raw deflate data, CRC,
    uncompressed size) to declare whatever sizes a hostile file would declare."""
    out, central = bytearray(), bytearray()
    for name, entry in entries.items():
        if isinstance(entry, bytes):
            co = zlib.compressobj(1, zlib.DEFLATED, -15)
            entry = (co.compress(entry) + co.flush(), zlib.crc32(entry), len(entry))
        data, crc, size = entry
        raw, offset = name.encode(), len(out)
        out += (
            struct.pack(
                "<4sHHHHHLLLHH", b"PK\x03\x04", 20, 0, 8, 0, 0x21, crc, len(data), size, len(raw), 0
            )
            + raw
            + data
        )
        central += (
            struct.pack(
                "<4sHHHHHHLLLHHHHHLL",
                b"PK\x01\x02",
                20,
                20,
                0,
                8,
                0,
                0x21,
                crc,
                len(data),
                size,
                len(raw),
                0,
                0,
                0,
                0,
                0,
                offset,
            )
            + raw
        )
    out += central + struct.pack(
        "<4sHHHHLLH", b"PK\x05\x06", 0, 0, len(entries), len(entries), len(central), len(out), 0
    )
    path.write_bytes(bytes(out))
    return path


def zeros_deflated(mib: int) -> tuple[bytes, int, int]:
    """``mib`` MiB of zeros as raw deflate data (about 1 kB per MiB), its CRC and size,
    without ever holding the zeros: fully flushed blocks of the same input are identical."""
    co = zlib.compressobj(9, zlib.DEFLATED, -15)
    block = co.compress(bytes(2**20)) + co.flush(zlib.Z_FULL_FLUSH)
    crc = 0
    chunk = bytes(2**20)
    for _ in range(mib):
        crc = zlib.crc32(chunk, crc)
    return block * mib + co.flush(), crc, mib * 2**20


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def refused(path: Path, capsys, command: str = "regenerate") -> str:
    """Run ``yangtze COMMAND PATH``: exit 1, one line on stderr naming the file, file unchanged."""
    before = sha256(path) if path.is_file() else None
    with pytest.raises(FileRejected) as info:
        FileEngine(path).read("Trade")
    args = {
        "regenerate": ["regenerate", str(path)],
        "check": ["check", str(path)],
        "recalc": ["recalc", "--engine", "file", str(path)],
        "import": ["import", str(path.with_name("export.csv")), str(path)],
    }[command]
    assert main(args) == 1
    captured = capsys.readouterr()
    if command == "recalc":  # recalc reports each book on its progress line and goes on
        line = next(ln for ln in captured.out.splitlines() if "FAILED" in ln)
        assert str(info.value) in line
    else:
        assert captured.err == f"yangtze {command}: {info.value}\n"
    assert str(info.value).startswith(f"{path.name}: ")
    assert "Traceback" not in captured.err + captured.out
    if before is not None:
        assert sha256(path) == before
    assert sorted(p.name for p in path.parent.iterdir() if p.name.endswith(".tmp")) == []
    return str(info.value)


# --- hostile XML -----------------------------------------------------------------------------


def test_openpyxl_parses_through_defusedxml():
    import openpyxl.xml.functions as xml_functions
    from defusedxml.ElementTree import iterparse as defused_iterparse
    from openpyxl.worksheet import _reader

    assert openpyxl.DEFUSEDXML is True
    assert xml_functions.iterparse is defused_iterparse
    assert _reader.iterparse is defused_iterparse  # how worksheets are read


def _with_doctype(data: bytes, doctype: str, entity: str) -> bytes:
    body = data.split(b"?>", 1)[1] if data.startswith(b"<?xml") else data
    body = body.replace(b"<v>", f"<v>&{entity};".encode(), 1)
    return doctype.encode() + body.lstrip()


@pytest.mark.parametrize(
    "part",
    [
        "Trade",
        "Guide",
        "xl/workbook.xml",
        "xl/styles.xml",
        "[Content_Types].xml",
        "xl/_rels/workbook.xml.rels",
    ],
)
def test_billion_laughs_is_refused_whichever_part_carries_it(part, base, tmp_path, capsys):
    name = sheet_part(base, part) if "/" not in part and "." not in part else part
    content = parts(base)
    content[name] = _with_doctype(content[name], BILLION_LAUGHS, "lol9")
    path = write_zip(tmp_path / "laughs.xlsm", content)
    message = refused(path, capsys)
    assert f"part {name} declares a DTD or entities" in message and "billion laughs" in message


def test_external_entity_is_refused(base, tmp_path, capsys):
    content = parts(base)
    name = sheet_part(base, "GDP")
    content[name] = _with_doctype(content[name], EXTERNAL_ENTITY, "xxe")
    message = refused(write_zip(tmp_path / "xxe.xlsm", content), capsys, "check")
    assert "external-entity" in message


def test_without_the_prescan_defusedxml_still_refuses_entities(base, tmp_path, monkeypatch):
    """Defence in depth: the byte scan in safety.py is one guard; openpyxl's defusedxml
    parser is the second."""
    content = parts(base)
    name = sheet_part(base, "Trade")
    content[name] = _with_doctype(content[name], BILLION_LAUGHS, "lol9")
    path = write_zip(tmp_path / "laughs.xlsm", content)
    monkeypatch.setattr(file_engine, "check_workbook_file", lambda path, keep: {})
    with pytest.raises(
        FileRejected,
        match=r"^laughs\.xlsm: refused: its XML declares entities, as a 'billion laughs'",
    ):
        FileEngine(path).read("Trade")


def test_utf16_doctype_is_refused_too(base, tmp_path, capsys):
    content = parts(base)
    name = sheet_part(base, "Trade")
    body = content[name].split(b"?>", 1)[1].decode("utf-8")
    content[name] = (
        '<?xml version="1.0" encoding="UTF-16"?>' + BILLION_LAUGHS.split("?>", 1)[1] + body
    ).encode("utf-16-le")
    message = refused(write_zip(tmp_path / "laughs16.xlsm", content), capsys)
    assert "declares a DTD or entities" in message


@pytest.mark.parametrize("in_thread", [False, True], ids=["at once", "worker thread"])
def test_broken_sheet_xml_is_reported_with_its_sheet(
    in_thread, base, tmp_path, capsys, monkeypatch
):
    from addin.workbook.parts import sheet_values

    monkeypatch.setattr(sheet_values, "THREAD_BYTES", 0 if in_thread else 2**40)
    content = parts(base)
    name = sheet_part(base, "Trade")
    content[name] = content[name][: len(content[name]) // 2]
    message = refused(write_zip(tmp_path / "broken.xlsm", content), capsys)
    assert message.startswith("broken.xlsm: cannot be read as a workbook (sheet Trade) (")


@pytest.mark.parametrize("part", ["xl/styles.xml", "xl/workbook.xml"])
def test_broken_workbook_part_gives_one_line(part, base, tmp_path, capsys):
    content = parts(base)
    content[part] = content[part][: len(content[part]) // 2]
    message = refused(write_zip(tmp_path / "broken.xlsm", content), capsys)
    assert message.startswith("broken.xlsm: cannot be read as a workbook (")


# --- zip bombs ---------------------------------------------------------------------------------


def test_zip_bomb_with_a_huge_part_is_refused_from_the_directory(base, tmp_path, capsys):
    content = parts(base)
    name = sheet_part(base, "Guide")
    content[name] = zeros_deflated(1024)  # 1 GiB of zeros in about 1 MB
    path = write_zip(tmp_path / "bomb.xlsm", content)
    assert path.stat().st_size < 3 * 2**20
    message = refused(path, capsys)
    assert f"part {name} would unpack to 1024 MB" in message


def test_zip_bomb_spread_over_parts_is_refused(base, tmp_path, capsys):
    """Four parts of 300 MiB each, compressed only 190:1: each passes alone, together they
    are too much."""
    content = parts(base)
    filler = bytes(range(256)) * (int(300 * 2**20 / 190) // 256)
    for i in range(4):
        content[f"xl/media/image{i}.png"] = (
            filler,
            0,
            300 * 2**20,
        )  # only the directory is ever read
    message = refused(write_zip(tmp_path / "bombs.xlsm", content), capsys)
    assert "would unpack to 1.2 GB" in message


def test_highly_compressed_part_is_refused(base, tmp_path, capsys):
    content = parts(base)
    content[sheet_part(base, "Guide")] = zeros_deflated(20)  # 20 MiB at 1000:1
    message = refused(write_zip(tmp_path / "ratio.xlsm", content), capsys)
    assert "which only a zip bomb does" in message


def test_part_that_lies_about_its_size_is_stopped_at_the_declared_size(base, tmp_path, capsys):
    """Declares a small sheet, holds 1 GiB of zeros: reading stops at the declared size and
    the checksum fails, so the zeros are never unpacked."""
    content = parts(base)
    name = sheet_part(base, "Trade")
    data, _, _ = zeros_deflated(1024)
    original = content[name]
    content[name] = (data, zlib.crc32(original), len(original))
    message = refused(write_zip(tmp_path / "liar.xlsm", content), capsys)
    assert message.startswith("liar.xlsm: damaged or incomplete workbook (Bad CRC-32")


# --- too many rows ---------------------------------------------------------------------------


def _million_row_sheet(rows: int, dimension: str | None = None) -> bytes:
    head = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        + (f'<dimension ref="{dimension}"/>' if dimension else "")
        + "<sheetData>"
    )
    body = b"".join(
        b'<row r="%d"><c r="A%d"><v>1</v></c></row>' % (r, r) for r in range(1, rows + 1)
    )
    return head.encode() + body + b"</sheetData></worksheet>"


HANG_GUARD = 60  # seconds; a guard against a hang, not a measurement


CHECK_EACH = """
import sys
from addin.cli import main
for name in sys.argv[1:]:
    print("@@", name, file=sys.stderr, flush=True)
    print(name, main(["check", name]), flush=True)
"""


def _check_each(names: list[str], cwd: Path) -> dict[str, tuple[int, str]]:
    """``yangtze check NAME`` for each name, in one fresh Python process: name → (exit code,
    its stderr)."""
    result = subprocess.run(
        [sys.executable, "-c", CHECK_EACH, *names],
        capture_output=True,
        text=True,
        timeout=HANG_GUARD,
        cwd=cwd,
    )
    assert result.returncode == 0, result.stderr
    codes = dict(line.rsplit(" ", 1) for line in result.stdout.splitlines())
    errs = {
        chunk.split("\n", 1)[0]: chunk.split("\n", 1)[1] for chunk in result.stderr.split("@@ ")[1:]
    }
    return {name: (int(codes[name]), errs[name]) for name in names}


def test_a_million_rows_are_refused_in_a_fresh_process(base, tmp_path):
    """Three ways a sheet can have a million rows, run through ``yangtze check`` in a fresh
    process: one line on stderr each, exit 1, and no hang (60 s guard)."""
    # a data sheet whose used range reaches row 1,048,576 (one stray value at the bottom)
    wb = openpyxl.load_workbook(base, keep_vba=True)
    wb["Settings"]["A1048576"] = "x"
    wb.save(tmp_path / "stray.xlsm")
    # a sheet the tool does not read (Guide) holding a million real rows
    content = parts(base)
    content[sheet_part(base, "Guide")] = _million_row_sheet(1_000_000)
    write_zip(tmp_path / "million.xlsm", content)
    # a data sheet whose <dimension> claims 15 rows but which holds 25,000
    content = parts(base)
    name = sheet_part(base, "Trade")
    extra = b"".join(
        b'<row r="%d"><c r="A%d" t="inlineStr"><is><t>x</t></is></c></row>' % (r, r)
        for r in range(16, 25_016)
    )
    content[name] = content[name].replace(b"</sheetData>", extra + b"</sheetData>")
    assert b'<dimension ref="A1:AF15"/>' in content[name]
    write_zip(tmp_path / "liar.xlsm", content)

    expected = {
        "stray.xlsm": "stray.xlsm: sheet Settings spans 1,048,576 rows × 4 columns, "
        "more than the 20,000 rows",
        "million.xlsm": f"million.xlsm: part {sheet_part(base, 'Guide')} "
        "holds more than 600,000 rows",
        "liar.xlsm": "liar.xlsm: sheet Trade spans 25,015 rows × 32 columns, "
        "more than the 20,000 rows",
    }
    results = _check_each(list(expected), cwd=tmp_path)
    for name, message in expected.items():
        code, err = results[name]
        assert code == 1, err
        assert err.startswith(f"yangtze check: {message}"), err
        assert err.count("\n") == 1, (
            err
        )  # one line: no traceback, and no noise when the process exits


def test_refusals_print_one_line_in_a_real_process(base, tmp_path):
    """In a fresh process nothing more reaches stderr than the one line, not even when the
    interpreter exits (a failed openpyxl load used to leave a zip file that complained then)."""
    content = parts(base)
    content["xl/styles.xml"] = content["xl/styles.xml"][: len(content["xl/styles.xml"]) // 2]
    write_zip(tmp_path / "styles.xlsm", content)
    content = parts(base)
    name = sheet_part(base, "Trade")
    content[name] = _with_doctype(content[name], BILLION_LAUGHS, "lol9")
    write_zip(tmp_path / "laughs.xlsm", content)
    _encrypted(base, tmp_path / "locked.xlsm")
    (tmp_path / "notes.xlsx").write_text("just text\n", encoding="utf-8")
    results = _check_each(["styles.xlsm", "laughs.xlsm", "locked.xlsm", "notes.xlsx"], cwd=tmp_path)
    for name, (code, err) in results.items():
        assert code == 1 and err.startswith(f"yangtze check: {name}: ") and err.count("\n") == 1, (
            err
        )


def test_a_stray_last_row_is_refused_when_reached_not_after_filling_the_gap(base, tmp_path):
    """A cell in row 1,048,576 is refused as soon as that row is met: the reader never
    builds the million empty rows in between (the refusal takes well under a second)."""
    wb = openpyxl.load_workbook(base, keep_vba=True)
    wb["Regions"]["A1048576"] = "上海"
    wb.save(tmp_path / "stray.xlsm")
    engine = FileEngine(tmp_path / "stray.xlsm")
    calamine = []
    engine._values._sheet = calamine.append  # it would allocate every row up to the stray one
    for ask in (engine.formulas_without_value, engine.read):
        with pytest.raises(FileRejected, match="sheet Regions spans 1,048,576 rows"):
            ask("Regions")
    assert "Regions" not in engine._content  # nothing half-read is kept
    # refused by the scan before calamine was asked, at once or in its worker thread
    assert calamine == [] and engine._values._worker is None
    engine.close()


def test_rows_beyond_a_wrong_dimension_are_still_read(base, tmp_path):
    """Some programs write a <dimension> smaller than the data; openpyxl would stop there."""
    content = parts(base)
    name = sheet_part(base, "Trade")
    extra = (
        b'<row r="16"><c r="A16" t="inlineStr"><is><t>Atlantis</t></is></c>'
        b'<c r="C16"><v>42</v></c></row>'
    )
    content[name] = content[name].replace(b"</sheetData>", extra + b"</sheetData>")
    path = write_zip(tmp_path / "short.xlsm", content)
    engine = FileEngine(path)
    rows = engine.read("Trade")
    engine.close()
    assert len(rows) == 16 and rows[15][:3] == ["Atlantis", None, 42]
    assert len({len(r) for r in rows}) == 1  # rows of equal length, as before


def _outcome(path: Path, keep) -> tuple:
    """What the XML count gives for ``path``: its figures and parts kept, or its refusal."""
    try:
        with zipfile.ZipFile(path) as zf:
            infos = [i for i in zf.infolist() if i.filename.endswith(".xml")]
        kept: dict[str, bytes] = {}
        return safety._count_xml(path, infos, keep, kept), sorted(kept)
    except FileRejected as exc:
        return ("refused", str(exc))


@pytest.mark.parametrize("seed", range(30))
def test_parts_kept_whole_are_counted_and_refused_as_streamed_ones(seed, tmp_path, monkeypatch):
    """The check unzips the worksheets the engine reads next whole (to hand them over) and
    streams the rest in chunks: with small limits and chunks, on parts with rows, a DTD at
    the start or past the point where a limit is passed, both give the same figures and the
    same refusals."""
    import numpy as np

    rng = np.random.default_rng(seed)
    monkeypatch.setattr(safety, "MAX_SHEET_ROWS", int(rng.integers(20, 200)))
    monkeypatch.setattr(safety, "MAX_XML_TAGS", int(rng.integers(300, 3000)))
    monkeypatch.setattr(safety, "MAX_KEPT_BYTES", int(rng.integers(500, 20000)))
    monkeypatch.setattr(safety, "CHUNK_BYTES", int(rng.integers(19, 400)))
    content = {}
    for i in range(int(rng.integers(1, 6))):
        rows = b"".join(
            b'<row r="%d"><c r="A%d"><v>1</v></c></row>' % (r, r)
            for r in range(1, int(rng.integers(0, 120)))
        )
        head = BILLION_LAUGHS.encode() if rng.random() < 0.08 else b""
        tail = b"<!DOCTYPE x>" if rng.random() < 0.15 else b""
        content[f"xl/worksheets/sheet{i + 1}.xml"] = (
            head + b"<worksheet><sheetData>" + rows + b"</sheetData></worksheet>" + tail
        )
    path = write_zip(tmp_path / "book.xlsx", content)
    whole = _outcome(path, lambda name: True)
    streamed = _outcome(path, lambda name: False)
    assert whole[0] == streamed[0]
    if whole[0] != "refused":
        assert streamed[1] == [] and set(whole[1]) <= set(content)


def test_limits_leave_room_for_a_county_level_workbook():
    """2,850 counties × 40 years, regenerated: 114,000 Index rows and about 2 million cells."""
    assert safety.MAX_SHEET_ROWS > 2850 * 40 * 4
    assert safety.MAX_XML_TAGS > 5 * 2_000_000 * 2
    assert file_engine.MAX_ROWS_READ >= 5 * 2850  # a data sheet: one row per county
    assert file_engine.MAX_CELLS_READ >= 5 * 2850 * 42  # … and a column per year


# --- files that are not what they claim --------------------------------------------------------


def _encrypted(base: Path, path: Path) -> Path:
    from msoffcrypto.format.ooxml import OOXMLFile

    with base.open("rb") as plain, path.open("wb") as out:
        OOXMLFile(plain).encrypt("secret", out)
    return path


def _old_xls(path: Path) -> Path:
    from addin.workbook.template.vbaproject.compound_file import write_compound_file

    bof = struct.pack("<HHHH", 0x0809, 16, 0x0600, 0x0005) + bytes(
        12
    )  # a BIFF8 workbook stream's first record
    path.write_bytes(
        write_compound_file({"Workbook": bof + bytes(5000), "\x05SummaryInformation": bytes(256)})
    )
    return path


WRONG_FILES = {
    # name: (make(base, folder) -> path, words of the message)
    "text file renamed .xlsx": (
        lambda base, d: _write(d / "data.xlsx", "province,year,gdp\n上海,2020,38700\n".encode()),
        "data.xlsx: not an Excel workbook (.xlsx/.xlsm); it looks like a text file",
    ),
    "image renamed .xlsm": (
        lambda base, d: _write(d / "chart.xlsm", b"\x89PNG\r\n\x1a\n" + bytes(100)),
        "chart.xlsm: not an Excel workbook (.xlsx/.xlsm); it looks like some other kind of file",
    ),
    "empty file": (
        lambda base, d: _write(d / "empty.xlsm", b""),
        "empty.xlsm: the file is empty (0 bytes)",
    ),
    "truncated download": (
        lambda base, d: _write(d / "half.xlsm", base.read_bytes()[: base.stat().st_size // 2]),
        "half.xlsm: damaged or incomplete workbook",
    ),
    "zip that is not a workbook": (
        lambda base, d: write_zip(
            d / "report.xlsx", {"[Content_Types].xml": b"<Types/>", "word/document.xml": b"<w/>"}
        ),
        "report.xlsx: a zip file but not an Excel workbook",
    ),
    "encrypted workbook": (
        lambda base, d: _encrypted(base, d / "locked.xlsm"),
        "locked.xlsm: the workbook is password-protected (encrypted); remove the password",
    ),
    "old .xls": (lambda base, d: _old_xls(d / "old.xls"), "old.xls: an old Excel 97–2003 (.xls)"),
    "old .xls renamed .xlsx": (
        lambda base, d: _old_xls(d / "old.xlsx"),
        "old.xlsx: an old Excel 97–2003 (.xls)",
    ),
    "missing file": (lambda base, d: d / "nowhere.xlsm", "nowhere.xlsm: no such file"),
    "a folder": (
        lambda base, d: _mkdir(d / "folder.xlsm"),
        "folder.xlsm: is a folder, not a workbook",
    ),
}


def _write(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


def _mkdir(path: Path) -> Path:
    path.mkdir()
    return path


@pytest.mark.parametrize("case", list(WRONG_FILES))
def test_file_that_is_not_a_workbook_is_refused(case, base, tmp_path, capsys):
    make, words = WRONG_FILES[case]
    path = make(base, tmp_path)
    assert words in refused(path, capsys)


@pytest.mark.parametrize("command", ["check", "recalc", "import"])
def test_every_command_refuses_the_same_way(command, base, tmp_path, capsys):
    path = _encrypted(base, tmp_path / "locked.xlsm")
    assert "password-protected" in refused(path, capsys, command)


def test_a_workbook_from_elsewhere_is_named_not_crashed_on(tmp_path, capsys):
    """A valid .xlsx that is not made from the template."""
    wb = openpyxl.Workbook()
    wb.active["A1"] = "hello"
    wb.save(tmp_path / "other.xlsx")
    assert main(["regenerate", str(tmp_path / "other.xlsx")]) == 1
    err = capsys.readouterr().err
    assert err.startswith(
        "yangtze regenerate: workbook: sheet(s) Settings, Regions, Trade, FIE, GDP not found"
    )
    assert err.count("\n") == 1


def test_the_original_is_never_written_when_refused(base, tmp_path, capsys):
    path = tmp_path / "book.xlsm"
    shutil.copy(base, path)
    content = parts(path)
    content[sheet_part(base, "Trade")] = _with_doctype(
        content[sheet_part(base, "Trade")], BILLION_LAUGHS, "lol9"
    )
    write_zip(path, content)
    before = sha256(path)
    for command in ("regenerate", "check"):
        assert main([command, str(path)]) == 1
    capsys.readouterr()
    assert sha256(path) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["book.xlsm"]
