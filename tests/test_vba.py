"""Tests of the VBA project writer (addin/workbook/template/vbaproject/).

Every check that matters is made by an independent reader as well: oletools'
``decompress_stream`` and ``VBA_Parser`` for the compression and the project,
olefile for the compound file. Module text is compared exactly; the only
normalisation is the writer's documented one (line breaks stored as CRLF, a final
CRLF, the ``Attribute`` header in front).
"""

from __future__ import annotations

import io
import random
import re
import struct
import zipfile
from collections.abc import Sequence
from pathlib import Path

import olefile
import pytest
import xlsxwriter
import xlwings
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from oletools.olevba import VBA_Parser, decompress_stream

from addin.workbook.template.vbaproject import (
    VbaModule,
    build_vba_project,
    compress,
    decompress,
    document_modules,
    read_module_source,
)

XLWINGS_DIR = Path(xlwings.__file__).parent
XLWINGS_BAS = XLWINGS_DIR / "xlwings.bas"
DICTIONARY_CLS = XLWINGS_DIR / "addin" / "Dictionary.cls"
QUICKSTART_STANDALONE = XLWINGS_DIR / "quickstart_standalone.xlsm"  # Excel-written VBA
QUICKSTART = XLWINGS_DIR / "quickstart.xlsm"  # its module streams also hold p-code

# [MS-OVBA] 3.2.2 "Normal Compression Example".
SPEC_TEXT = b"#aaabcdefaaaaghijaaaaaklaaamnopqaaaaaaaaaaaarstuvwxyzaaa"
SPEC_COMPRESSED = bytes.fromhex(
    "01 2F B0 00 23 61 61 61 62 63 64 65 82 66 00 70 61 67 68 69 6A 01 38 08 61 6B 6C"
    " 00 20 6D 6E 6F 70 06 71 02 70 04 00 72 73 74 75 76 10 77 78 79 7A 00 2C"
)

WORKBOOK_HEADER = (
    'Attribute VB_Name = "ThisWorkbook"\r\n'
    'Attribute VB_Base = "0{00020819-0000-0000-C000-000000000046}"\r\n'
    "Attribute VB_GlobalNameSpace = False\r\n"
    "Attribute VB_Creatable = False\r\n"
    "Attribute VB_PredeclaredId = True\r\n"
    "Attribute VB_Exposed = True\r\n"
    "Attribute VB_TemplateDerived = False\r\n"
    "Attribute VB_Customizable = True\r\n"
)
CLASS_HEADER = (
    'Attribute VB_Name = "{name}"\r\n'
    'Attribute VB_Base = "0{{FCFB3D2A-A0FA-1068-A738-08002B3371B5}}"\r\n'
    "Attribute VB_GlobalNameSpace = False\r\n"
    "Attribute VB_Creatable = False\r\n"
    "Attribute VB_PredeclaredId = False\r\n"
    "Attribute VB_Exposed = False\r\n"
    "Attribute VB_TemplateDerived = False\r\n"
    "Attribute VB_Customizable = False\r\n"
)


def sheet_header(name: str) -> str:
    """The header Excel stores at the top of a worksheet's document module."""
    return WORKBOOK_HEADER.replace("ThisWorkbook", name).replace("00020819", "00020820")


def header(module: VbaModule) -> str:
    """The header the writer must put in front of a module without own attributes."""
    if module.kind == "standard":
        return f'Attribute VB_Name = "{module.name}"\r\n'
    if module.kind == "class":
        return CLASS_HEADER.format(name=module.name)
    return WORKBOOK_HEADER if module.name == "ThisWorkbook" else sheet_header(module.name)


def crlf(code: str) -> str:
    """The documented normalisation: CRLF line breaks and a final CRLF."""
    lines = re.split(r"\r\n|\r|\n", code)
    if lines[-1] == "":
        lines.pop()
    return "".join(line + "\r\n" for line in lines)


def oletools_decompress(data: bytes) -> bytes:
    return bytes(decompress_stream(bytearray(data)))


def oletools_modules(data: bytes, filename: str = "vbaProject.bin") -> dict[str, str]:
    """Module name -> full stored source, as oletools extracts it."""
    parser = VBA_Parser(filename=filename, data=data)
    try:
        modules = {}
        for _, stream_path, _, code in parser.extract_macros():
            name = stream_path.split("/")[-1]
            assert name not in modules
            modules[name] = code
        return modules
    finally:
        parser.close()


def vba_part(workbook: Path) -> bytes:
    with zipfile.ZipFile(workbook) as archive:
        return archive.read("xl/vbaProject.bin")


def decrypt(hex_text: str, project_id: str) -> bytes:
    """[MS-OVBA] 2.4.3.3 Decryption, checking Version and ProjKey."""
    data = bytes.fromhex(hex_text)
    seed, version_enc, project_key_enc = data[:3]
    assert seed ^ version_enc == 2
    assert seed ^ project_key_enc == sum(project_id.encode()) & 0xFF
    unencrypted_1, encrypted_1, encrypted_2 = seed ^ project_key_enc, project_key_enc, version_enc
    out = bytearray()
    for byte_enc in data[3:]:
        byte = byte_enc ^ ((encrypted_2 + unencrypted_1) & 0xFF)
        out.append(byte)
        encrypted_2, encrypted_1, unencrypted_1 = encrypted_1, byte_enc, byte
    ignored = (seed & 6) // 2
    (length,) = struct.unpack_from("<I", out, ignored)
    assert len(out) == ignored + 4 + length
    return bytes(out[ignored + 4 :])


def project_properties(data: bytes) -> dict[str, str]:
    ole = olefile.OleFileIO(data)
    text = ole.openstream("PROJECT").read().decode("cp1252")
    return dict(line.split("=", 1) for line in text.split("\r\n") if "=" in line)


def dir_records(data: bytes) -> list[tuple[int, bytes]]:
    """The decompressed dir stream of a vbaProject.bin as (Id, payload) records."""
    ole = olefile.OleFileIO(data)
    records, stream, pos = [], oletools_decompress(ole.openstream("VBA/dir").read()), 0
    while pos < len(stream):
        record_id, size = struct.unpack_from("<HI", stream, pos)
        size = 6 if record_id == 0x0009 else size
        records.append((record_id, stream[pos + 6 : pos + 6 + size]))
        pos += 6 + size
    assert pos == len(stream)
    return records


def sample_modules() -> list[VbaModule]:
    return document_modules(["ThisWorkbook", "Sheet1", "Sheet2", "Sheet3"]) + [
        VbaModule(
            "Regenerate",
            'Sub RegenerateTables()\n    RunPython "import yangtze_udf; '
            'yangtze_udf.regenerate_tables()"\nEnd Sub\n',
            "standard",
        ),
        VbaModule(
            "Counter",
            "Private mCount As Long\r\n\r\nPublic Sub Add()\r\n    mCount = mCount + 1\r\n"
            "End Sub\r\n",
            "class",
        ),
    ]


# --------------------------------------------------------------------------------------
# Compression
# --------------------------------------------------------------------------------------


def test_spec_example_compresses_to_the_spec_bytes():
    assert compress(SPEC_TEXT) == SPEC_COMPRESSED
    assert decompress(SPEC_COMPRESSED) == SPEC_TEXT
    assert oletools_decompress(SPEC_COMPRESSED) == SPEC_TEXT


def test_long_run_uses_the_longest_copy_token():
    # At position 1 of a chunk the CopyToken has 4 offset bits, so its maximum length
    # is (0xFFFF >> 4) + 3 = 4098: one literal and one token of length 4095 per chunk.
    chunk = bytes.fromhex("03B0") + b"\x02a" + (4095 - 3).to_bytes(2, "little")
    assert compress(b"a" * 8192) == b"\x01" + chunk * 2
    assert oletools_decompress(b"\x01" + chunk * 2) == b"a" * 8192


def test_copy_tokens_are_clipped_far_into_a_chunk():
    # 2048 bytes, then the same again. At position 2048 a CopyToken has 11 offset bits
    # and at most (0xFFFF >> 11) + 3 = 34 bytes, after that 12 bits and 18 bytes
    # (ms-ovba 0.0.1 computed `0xFFFF << bits + 3` here). The repeat costs 2 bytes per
    # token: 1 + 112 tokens and 15 flag bytes, instead of 2048 literals and 256 flags.
    block = random.Random(7).randbytes(2048)
    compressed = compress(block * 2)
    assert len(compressed) == len(compress(block)) + 2 * 113 + 15
    assert decompress(compressed) == block * 2
    assert oletools_decompress(compressed) == block * 2


FIXED_TEXTS = [
    b"",
    b"a",
    b"ab",
    b"abc",
    b"abcabcabc",
    b"a" * 4095,
    b"a" * 4096,
    b"a" * 4097,
    b"a" * 200_000,
    bytes(range(256)) * 800,
    b'MsgBox "Hello ""World"""\r\n' * 5000,
]


@pytest.mark.parametrize("data", FIXED_TEXTS, ids=lambda data: f"{len(data)}B")
def test_fixed_texts_round_trip(data):
    compressed = compress(data, strict=True)
    assert decompress(compressed) == data
    assert oletools_decompress(compressed) == data


def test_xlwings_sources_round_trip_the_compressor():
    for path in (XLWINGS_BAS, DICTIONARY_CLS):
        data = path.read_bytes()
        compressed = compress(data, strict=True)
        assert oletools_decompress(compressed) == data
        assert decompress(compressed) == data


def test_incompressible_tail_is_padded_or_refused():
    data = random.Random(3).randbytes(4000)
    compressed = compress(data)
    assert compressed == b"\x01" + bytes.fromhex("FF3F") + data + bytes(96)
    assert oletools_decompress(compressed) == data + bytes(96)
    assert decompress(compressed) == data + bytes(96)
    with pytest.raises(ValueError, match="do not compress"):
        compress(data, strict=True)
    # A full incompressible chunk is stored raw without padding.
    full = random.Random(4).randbytes(4096)
    assert decompress(compress(full, strict=True)) == full


@pytest.mark.parametrize(
    "data, message",
    [
        (b"", "signature"),
        (b"\x02\x00\xb0a", "signature"),
        (b"\x01\x00", "truncated"),
        (b"\x01\x2f\xb0\x00a", "past the end"),
        (b"\x01\x00\x80", "chunk signature"),
        (b"\x01\x02\xb0\x01\x00\x00", "points before"),
    ],
)
def test_decompress_rejects_broken_data(data, message):
    with pytest.raises(ValueError, match=message):
        decompress(data)


def chunk_headers(compressed: bytes) -> list[int]:
    """The chunk headers of a CompressedContainer, read from the format alone."""
    headers, pos = [], 1
    while pos < len(compressed):
        (header,) = struct.unpack_from("<H", compressed, pos)
        headers.append(header)
        pos += (header & 0x0FFF) + 3
    assert pos == len(compressed)
    return headers


def check_round_trip(data: bytes) -> None:
    """Both decompressors give back ``data``, zero-padded only after a short raw chunk.

    A raw chunk always holds 4096 bytes ([MS-OVBA] 2.4.1.3.10), so an incompressible
    final chunk shorter than that comes back padded; ``strict=True`` refuses exactly
    those inputs.
    """
    compressed = compress(data)
    headers = chunk_headers(compressed)
    assert len(headers) == -(-len(data) // 4096)
    padded = bool(headers) and not headers[-1] & 0x8000 and len(data) % 4096 != 0
    expected = data + bytes(-len(data) % 4096) if padded else data
    assert oletools_decompress(compressed) == expected
    assert decompress(compressed) == expected
    if padded:
        with pytest.raises(ValueError, match="do not compress"):
            compress(data, strict=True)


#: Lengths around the chunk size and the point (3641) above which an incompressible
#: final chunk no longer fits, up to 200 KB.
SIZES = st.sampled_from(
    [0, 1, 2, 3, 100, 3640, 3641, 4000, 4095, 4096, 4097, 8192, 30_000, 100_000, 199_950]
)


@st.composite
def sized_random(draw: st.DrawFn, symbols: Sequence[int]) -> bytes:
    """Random bytes of a length from SIZES (plus 0..50) over a prefix of ``symbols``."""
    size = draw(SIZES) + draw(st.integers(0, 50))
    alphabet = symbols[: draw(st.integers(1, len(symbols)))]
    rnd = random.Random(draw(st.integers(0, 2**32 - 1)))
    return bytes(rnd.choices(alphabet, k=size))


@st.composite
def repetitive_bytes(draw: st.DrawFn) -> bytes:
    """Long runs and repeated pieces: the data that needs the longest CopyTokens."""
    pieces = draw(
        st.lists(st.tuples(st.binary(min_size=1, max_size=40), st.integers(1, 20_000)), max_size=12)
    )
    return b"".join(piece * count for piece, count in pieces)[:200_000]


PRINTABLE = range(32, 127)


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=5000))
def test_small_binary_round_trips(data):
    check_round_trip(data)


@pytest.mark.slow
@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(sized_random(range(256)))
def test_large_random_bytes_round_trip(data):
    check_round_trip(data)


@pytest.mark.slow
@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(repetitive_bytes())
def test_repetitive_bytes_round_trip(data):
    check_round_trip(data)


@pytest.mark.slow
@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(sized_random(PRINTABLE))
def test_printable_text_round_trips(data):
    check_round_trip(data)


def test_source_code_is_never_padded():
    for path in (XLWINGS_BAS, DICTIONARY_CLS):
        data = path.read_bytes()
        for size in range(3641, 4096, 7):  # every possible short final chunk
            assert decompress(compress(data[:size], strict=True)) == data[:size]


# --------------------------------------------------------------------------------------
# The VBA project
# --------------------------------------------------------------------------------------


def test_project_round_trips_through_oletools():
    modules = sample_modules()
    extracted = oletools_modules(build_vba_project(modules))
    assert list(extracted) == [module.name for module in modules]
    for module in modules:
        body = "" if module.kind == "document" else crlf(module.code)
        assert extracted[module.name] == header(module) + body, module.name


def test_project_inside_an_xlsxwriter_workbook():
    modules = sample_modules()
    target = io.BytesIO()
    workbook = xlsxwriter.Workbook(target, {"in_memory": True})
    workbook.add_vba_project(io.BytesIO(build_vba_project(modules)), is_stream=True)
    workbook.set_vba_name("ThisWorkbook")
    for number in (1, 2, 3):
        workbook.add_worksheet().set_vba_name(f"Sheet{number}")
    workbook.close()
    xlsm = target.getvalue()

    extracted = oletools_modules(xlsm, filename="book.xlsm")
    assert list(extracted) == [module.name for module in modules]
    assert read_module_source(xlsm) == extracted
    for module in modules:
        body = "" if module.kind == "document" else crlf(module.code)
        assert extracted[module.name] == header(module) + body


def test_compound_file_is_clean_and_reproducible():
    modules = sample_modules()
    data = build_vba_project(modules)
    assert build_vba_project(modules) == data
    assert len(data) % 512 == 0
    ole = olefile.OleFileIO(data)
    assert ole.parsing_issues == []
    assert sorted(ole.listdir()) == sorted(
        [["PROJECT"], ["PROJECTwm"], ["VBA", "_VBA_PROJECT"], ["VBA", "dir"]]
        + [["VBA", module.name] for module in modules]
    )
    assert ole.openstream("VBA/_VBA_PROJECT").read() == bytes.fromhex("CC61FFFF000100")
    assert (
        ole.openstream("PROJECTwm").read()
        == b"".join(
            module.name.encode() + b"\x00" + module.name.encode("utf-16-le") + b"\x00\x00"
            for module in modules
        )
        + b"\x00\x00"
    )


def test_storage_entries_start_at_sector_zero():
    """[MS-CFB] 2.6.3: a storage object's Starting Sector Location MUST be 0 (Excel- and
    Aspose-written files have 0); read with olefile, and compared with Excel's own file."""
    ole = olefile.OleFileIO(build_vba_project(sample_modules()))
    storages = [
        e for e in ole.direntries if e is not None and e.entry_type == olefile.STGTY_STORAGE
    ]
    assert [e.name for e in storages] == ["VBA"]
    assert all(e.isectStart == 0 for e in storages)
    template = Path(__file__).resolve().parents[1] / "templates" / "yangtze_template.xlsm"
    for workbook in (QUICKSTART_STANDALONE, template):  # Excel's file, and the one we ship
        with zipfile.ZipFile(workbook) as book:
            ole = olefile.OleFileIO(book.read("xl/vbaProject.bin"))
        found = [
            e for e in ole.direntries if e is not None and e.entry_type == olefile.STGTY_STORAGE
        ]
        assert found and all(e.isectStart == 0 for e in found), workbook


RED, BLACK = 0, 1  # [MS-CFB] 2.6.1 ColorFlag


def check_red_black_tree(ole: olefile.OleFileIO, storage_id: int) -> None:
    """Assert that a storage's children form an ordered, valid red-black tree."""
    entries = ole.direntries

    def key(entry_id: int) -> tuple[int, str]:
        return len(entries[entry_id].name), entries[entry_id].name.upper()

    def walk(entry_id: int, low, high) -> int:  # returns the black height
        if entry_id == olefile.NOSTREAM:
            return 1
        entry = entries[entry_id]
        assert low is None or key(low) < key(entry_id)
        assert high is None or key(entry_id) < key(high)
        if entry.color == RED:
            for child in (entry.sid_left, entry.sid_right):
                assert child == olefile.NOSTREAM or entries[child].color == BLACK
        left = walk(entry.sid_left, low, entry_id)
        right = walk(entry.sid_right, entry_id, high)
        assert left == right
        if entry.entry_type == olefile.STGTY_STORAGE:
            check_red_black_tree(ole, entry_id)
        return left + (entry.color == BLACK)

    root = entries[storage_id].sid_child
    assert entries[root].color == BLACK
    walk(root, None, None)


@pytest.mark.parametrize("count", [1, 2, 3, 4, 5, 6, 7, 8, 13, 20, 40])
def test_directory_is_a_sorted_red_black_tree(count):
    # The VBA storage holds the module streams plus _VBA_PROJECT and dir.
    names = [f"M{'x' * (number % 5)}{number}" for number in range(count)]
    data = build_vba_project([VbaModule(name, "", "standard") for name in names])
    ole = olefile.OleFileIO(data)
    assert ole.parsing_issues == []
    assert ole.direntries[0].color == BLACK
    check_red_black_tree(ole, 0)


def test_large_project_spans_several_fat_sectors():
    rnd = random.Random(11)
    texts = ["".join(rnd.choice("abcdefghijklmnopqrstuvwxyz \"'\n") for _ in range(150_000))]
    texts += ["Sub A()\nEnd Sub\n" * 5000]
    modules = [VbaModule(f"Big{i}", text, "standard") for i, text in enumerate(texts)]
    data = build_vba_project(modules)
    (fat_sectors,) = struct.unpack_from("<I", data, 44)
    assert fat_sectors > 1
    ole = olefile.OleFileIO(data)
    assert ole.parsing_issues == []
    extracted = oletools_modules(data)
    for module in modules:
        assert extracted[module.name] == header(module) + crlf(module.code)


LINE_BREAKS = ["\n", "\r\n", "\r"]
WORDS = ["Dim ", "x", " = ", '"', "'", "End Sub", "(1)", " _", "    ", "MsgBox "]


@st.composite
def module_text(draw: st.DrawFn) -> str:
    """Printable ASCII, quotes and every kind of line break, up to 200 000 characters.

    A drawn share of the pieces are random characters, the rest VBA-like words, so
    some texts compress well and some hardly at all.
    """
    if draw(st.booleans()):
        pieces = st.sampled_from([chr(code) for code in PRINTABLE] + LINE_BREAKS)
        return "".join(draw(st.lists(pieces, max_size=300)))
    size = draw(SIZES) + draw(st.integers(0, 50))
    randomness = draw(st.floats(0, 1))
    rnd = random.Random(draw(st.integers(0, 2**32 - 1)))
    pieces, length = [], 0
    while length < size:
        if rnd.random() < randomness:
            pieces.append("".join(map(chr, rnd.choices(PRINTABLE, k=20))))
        else:
            pieces.append(rnd.choice(WORDS + LINE_BREAKS))
        length += len(pieces[-1])
    return "".join(pieces)[:size]


@pytest.mark.slow
@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(
        st.tuples(module_text(), st.sampled_from(["standard", "class", "document"])),
        min_size=1,
        max_size=3,
    )
)
def test_random_modules_round_trip_through_oletools(specs):
    for code, _ in specs:
        first = code.lstrip().upper()
        assume(not first.startswith("ATTRIBUTE") and not first.startswith("VERSION"))
    modules = [VbaModule(f"Module{i}", code, kind) for i, (code, kind) in enumerate(specs)]
    stored = {module.name: header(module) + crlf(module.code) for module in modules}
    try:
        data = build_vba_project(modules)
    except ValueError as error:
        # Only for a module whose text ends in a short chunk that does not compress.
        name = re.match(r"module '(\w+)'", str(error)).group(1)
        assert "do not compress" in str(error)
        text = stored[name].encode("ascii")
        assert len(text) % 4096 and not chunk_headers(compress(text))[-1] & 0x8000
        return
    extracted = oletools_modules(data)
    assert extracted == stored
    assert list(extracted) == list(stored)
    assert read_module_source(data) == extracted


def leading_attributes(text: str) -> list[str]:
    lines = text.split("\r\n")
    count = 0
    while lines[count].startswith("Attribute VB_"):
        count += 1
    return lines[:count]


def test_xlwings_modules_round_trip_exactly():
    bas = XLWINGS_BAS.read_bytes().decode("ascii")
    cls = DICTIONARY_CLS.read_bytes().decode("ascii")
    modules = document_modules(["ThisWorkbook", "Sheet1"]) + [
        VbaModule("xlwings", bas, "standard"),
        VbaModule("Dictionary", cls, "class"),
    ]
    extracted = oletools_modules(build_vba_project(modules))
    # xlwings.bas starts with its own `Attribute VB_Name = "xlwings"`: not doubled.
    assert bas.startswith('Attribute VB_Name = "xlwings"\r\n')
    assert extracted["xlwings"] == bas
    # Dictionary.cls is an exported class: the VERSION/BEGIN/END block is dropped and its
    # attributes merged into Excel's class header, exactly as Excel stored this very file
    # in quickstart_standalone.xlsm (which differs only in Excel's re-casing of `err`).
    lines = cls.split("\r\n")
    assert lines[:4] == ["VERSION 1.0 CLASS", "BEGIN", "  MultiUse = -1  'True", "END"]
    assert lines[9].startswith("Attribute VB_Description") and lines[10] == "''"
    stored = extracted["Dictionary"]
    excel = read_module_source(QUICKSTART_STANDALONE)["Dictionary"]
    stored_header = leading_attributes(stored)
    assert stored_header == leading_attributes(excel)
    assert len(stored_header) == 9
    assert stored == "".join(line + "\r\n" for line in stored_header) + "\r\n".join(lines[10:])
    assert stored.lower() == excel.lower()
    assert stored != excel  # so the line above compares something


def test_attribute_lines_of_the_source_are_merged():
    code = (
        'Attribute VB_Name = "Thing"\n'
        "Attribute VB_Exposed = True\n"
        'Attribute VB_Description = "A thing"\n'
        "Option Explicit\n"
        "Attribute VB_NotAHeaderLine = 1\n"
    )
    text = oletools_modules(build_vba_project([VbaModule("Thing", code, "class")]))["Thing"]
    expected = CLASS_HEADER.format(name="Thing").replace("VB_Exposed = False", "VB_Exposed = True")
    expected += 'Attribute VB_Description = "A thing"\r\n'
    expected += "Option Explicit\r\nAttribute VB_NotAHeaderLine = 1\r\n"
    assert text == expected


def test_document_modules():
    modules = document_modules(["Workbook", "Data", "Results"])
    assert [(module.name, module.kind) for module in modules] == [
        ("Workbook", "document"),
        ("Data", "document"),
        ("Results", "document"),
    ]
    extracted = oletools_modules(build_vba_project(modules))
    assert extracted["Workbook"] == WORKBOOK_HEADER.replace("ThisWorkbook", "Workbook")
    assert extracted["Data"] == sheet_header("Data")
    assert extracted["Results"] == sheet_header("Results")
    with pytest.raises(ValueError):
        document_modules([])


def test_project_and_dir_stream_mirror_excel():
    modules = sample_modules()
    data = build_vba_project(modules, "YangtzeOpening")
    ours = project_properties(data)
    excel = project_properties(vba_part(QUICKSTART_STANDALONE))
    for key in ("Name", "HelpContextID", "VersionCompatible32"):
        assert key in ours and key in excel
    assert ours["Name"] == '"YangtzeOpening"'
    assert ours["&H00000001"] == excel["&H00000001"]
    assert re.fullmatch(r'"\{[0-9A-F]{8}(-[0-9A-F]{4}){3}-[0-9A-F]{12}\}"', ours["ID"])
    # Unprotected and visible: the decryption of Excel's own values says the same.
    for properties in (ours, excel):
        project_id = properties["ID"].strip('"')
        assert decrypt(properties["CMG"].strip('"'), project_id) == bytes(4)
        assert decrypt(properties["DPB"].strip('"'), project_id) == b"\x00"
        assert decrypt(properties["GC"].strip('"'), project_id) == b"\xff"
    text = olefile.OleFileIO(data).openstream("PROJECT").read().decode()
    assert "Document=ThisWorkbook/&H00000000\r\nDocument=Sheet1/&H00000000\r\n" in text
    assert "Module=Regenerate\r\nClass=Counter\r\n" in text
    assert "[Workspace]\r\nThisWorkbook=0, 0, 0, 0, C\r\n" in text

    records = dir_records(data)
    ids = [record_id for record_id, _ in records]
    excel_ids = [record_id for record_id, _ in dir_records(vba_part(QUICKSTART_STANDALONE))]
    # Same project-information records in the same order as Excel's file.
    assert ids[: ids.index(0x0016)] == excel_ids[: excel_ids.index(0x0016)]
    values = dict(records)
    assert values[0x0001] == struct.pack("<I", 1)  # PROJECTSYSKIND: Win32
    assert values[0x0002] == values[0x0014] == struct.pack("<I", 0x0409)
    assert values[0x0003] == struct.pack("<H", 1252)
    assert values[0x0004] == b"YangtzeOpening"
    assert values[0x000F] == struct.pack("<H", len(modules))
    libids = [payload[4:-6] for record_id, payload in records if record_id == 0x000D]
    assert libids[0] == (
        rb"*\G{00020430-0000-0000-C000-000000000046}#2.0#0#C:\Windows\System32\stdole2.tlb"
        rb"#OLE Automation"
    )
    assert b"{2DF8D04C-5BFA-101B-BDE5-00AA0044DE52}" in libids[1]
    offsets = [payload for record_id, payload in records if record_id == 0x0031]
    assert offsets == [bytes(4)] * len(modules)
    types = [record_id for record_id in ids if record_id in (0x0021, 0x0022)]
    assert types == [0x0022] * 4 + [0x0021, 0x0022]
    assert ids[-1] == 0x0010


def test_unencodable_text_names_module_and_line():
    code = 'Sub RegenerateTables()\n    MsgBox "重新计算完成"\nEnd Sub\n'
    modules = [VbaModule("Regenerate", code, "standard")]
    with pytest.raises(ValueError, match=r"module 'Regenerate', line 2: '重'.*1252"):
        build_vba_project(modules)
    # With the Chinese code page the text is stored in GBK and oletools reads it back.
    data = build_vba_project(modules, codepage=936)
    assert dict(dir_records(data))[0x0003] == struct.pack("<H", 936)
    assert oletools_modules(data)["Regenerate"] == header(modules[0]) + crlf(code)
    assert read_module_source(data)["Regenerate"] == header(modules[0]) + crlf(code)


@pytest.mark.parametrize(
    "make, message",
    [
        (lambda: VbaModule("Module1", "", "form"), "kind"),
        (lambda: VbaModule("1Module", "", "standard"), "identifier"),
        (lambda: VbaModule("Modul e", "", "standard"), "identifier"),
        (lambda: VbaModule("M" * 32, "", "standard"), "identifier"),
        (lambda: VbaModule("Dir", "", "standard"), "reserved"),
        (
            lambda: build_vba_project(
                [VbaModule("Tools", "", "standard"), VbaModule("TOOLS", "", "class")]
            ),
            "twice",
        ),
        (
            lambda: build_vba_project([VbaModule("A", 'Attribute VB_Name = "B"\n', "standard")]),
            "names itself",
        ),
        (lambda: build_vba_project([], codepage=65001), "code page"),
        (lambda: build_vba_project([], project_name="VBA Project"), "project name"),
        (lambda: build_vba_project([VbaModule("C", "VERSION 1.0 CLASS\nBEGIN\n", "class")]), "END"),
    ],
)
def test_invalid_input_is_refused(make, message):
    with pytest.raises(ValueError, match=message):
        make()


@pytest.mark.parametrize("workbook", [QUICKSTART, QUICKSTART_STANDALONE], ids=lambda p: p.name)
def test_read_module_source_reads_excel_files(workbook):
    # quickstart.xlsm's module streams hold p-code before the source (MODULEOFFSET > 0).
    expected = oletools_modules(workbook.read_bytes(), filename=workbook.name)
    assert expected
    assert read_module_source(workbook) == expected
    assert read_module_source(vba_part(workbook)) == expected
