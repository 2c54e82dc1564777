"""The adapter over zipfile's private fields (addin/workbook/parts/zip_fields.py): the
fields it writes exist in this Python, and zips written through it read back whole."""

from __future__ import annotations

import io
import random
import zipfile

from addin.workbook.parts.package import Package
from addin.workbook.parts.zip_fields import register_member, set_compress_level

from workbooks import make_book


def test_the_private_fields_the_adapter_writes_exist():
    out = zipfile.ZipFile(io.BytesIO(), "w")
    for field in ("filelist", "NameToInfo", "start_dir", "_didModify"):
        assert hasattr(out, field), field
    info = zipfile.ZipInfo("a")
    assert hasattr(info, "compress_level") or hasattr(info, "_compresslevel")


def test_an_unchanged_package_is_copied_member_for_member(tmp_path):
    """Every member copied as stored (register_member): the same bytes, CRC and sizes,
    and the copy passes zipfile's own CRC check."""
    path = make_book(tmp_path / "book.xlsm")
    buffer = io.BytesIO()
    package = Package(path)
    try:
        package.write(buffer)
    finally:
        package.close()
    with zipfile.ZipFile(path) as original, zipfile.ZipFile(buffer) as copy:
        assert copy.testzip() is None
        assert sorted(copy.namelist()) == sorted(original.namelist())
        for info in original.infolist():
            copied = copy.getinfo(info.filename)
            assert (copied.CRC, copied.compress_size) == (info.CRC, info.compress_size)
            assert copy.read(info.filename) == original.read(info.filename)


def test_the_compress_level_set_is_the_one_used():
    rng = random.Random(7)
    text = "".join(rng.choice("abcdefgh <>/=") for _ in range(400_000)).encode()
    sizes = {}
    for level in (1, 9):
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as out:
            info = zipfile.ZipInfo("part.xml")
            info.compress_type = zipfile.ZIP_DEFLATED
            set_compress_level(info, level)
            with out.open(info, "w") as dst:
                dst.write(text)
        with zipfile.ZipFile(buffer) as back:
            assert back.read("part.xml") == text
            sizes[level] = back.getinfo("part.xml").compress_size
    assert sizes[9] < sizes[1]


def test_a_member_registered_by_hand_is_in_the_central_directory():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as out:
        out.writestr("first.txt", b"1")
        info = zipfile.ZipInfo("second.txt")
        info.CRC, info.compress_size, info.file_size = zipfile.crc32(b"22"), 2, 2
        info.header_offset = out.fp.tell()
        out.fp.write(info.FileHeader(False) + b"22")
        register_member(out, info)
        out.writestr("third.txt", b"333")
    with zipfile.ZipFile(buffer) as back:
        assert back.namelist() == ["first.txt", "second.txt", "third.txt"]
        assert [back.read(n) for n in back.namelist()] == [b"1", b"22", b"333"]
        assert back.testzip() is None
