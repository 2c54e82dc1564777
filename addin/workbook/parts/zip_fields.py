"""The one place that writes zipfile's private fields.

:mod:`zipfile` has no public way to append a member whose compressed bytes are already at
hand (the package copies every part it does not change as it is stored, without
decompressing it), to take back a member it refused to close, or to choose the deflate
level of one member opened for streaming. These three functions do it, on the fields
CPython 3.10-3.13 keep for it (``filelist``, ``NameToInfo``, ``start_dir``, ``_didModify``;
``ZipInfo._compresslevel``); ``tests/test_zip_fields.py`` checks the fields are there and
that a zip written through them reads back whole.

Examples
--------
>>> import io, zipfile
>>> out = zipfile.ZipFile(io.BytesIO(), "w")
>>> info = zipfile.ZipInfo("a.txt")
>>> info.CRC = info.compress_size = info.file_size = 0  # an empty stored member
>>> info.header_offset = out.fp.tell()
>>> out.fp.write(info.FileHeader(False))
35
>>> register_member(out, info)
>>> out.namelist()
['a.txt']
"""

from __future__ import annotations

import zipfile


def register_member(out: zipfile.ZipFile, info: zipfile.ZipInfo) -> None:
    """Record member ``info``, whose header and data were written to ``out.fp`` by hand,
    as zipfile records a member it wrote itself (it goes into the central directory)."""
    out.filelist.append(info)
    out.NameToInfo[info.filename] = info
    out.start_dir = out.fp.tell()
    out._didModify = True


def truncate_at(out: zipfile.ZipFile, offset: int) -> None:
    """Drop everything written to ``out`` from ``offset`` on (a member zipfile refused to
    close, before it is written again); the next member starts there."""
    out.fp.seek(offset)
    out.fp.truncate()
    out.start_dir = offset


def set_compress_level(info: zipfile.ZipInfo, level: int) -> None:
    """Deflate member ``info`` at ``level`` (``ZipFile.open(info, "w")`` reads this field,
    public as ``compress_level`` from Python 3.13 on)."""
    if hasattr(zipfile.ZipInfo, "compress_level"):
        info.compress_level = level
    else:
        info._compresslevel = level
