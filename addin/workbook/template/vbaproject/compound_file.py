"""Compound File Binary ([MS-CFB]) writer and reader, version 3 (512-byte sectors).

:func:`write_compound_file` lays out a tree of storages and streams deterministically
(no time stamps, no CLSIDs; storage entries start at sector 0 as [MS-CFB] 2.6.3 requires);
:func:`read_compound_file` reads version 3 and 4 files back, checking sector chains and
the directory tree.
"""

from __future__ import annotations

import struct
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Union

__all__ = ["read_compound_file", "write_compound_file"]

_CFB_SIGNATURE = bytes.fromhex("D0CF11E0A1B11AE1")
_SECTOR = 512
_MINI_SECTOR = 64
_MINI_STREAM_CUTOFF = 4096
_FAT_ENTRIES_PER_SECTOR = _SECTOR // 4
_HEADER_DIFAT_ENTRIES = 109
_FREESECT = 0xFFFFFFFF
_ENDOFCHAIN = 0xFFFFFFFE
_FATSECT = 0xFFFFFFFD
_NOSTREAM = 0xFFFFFFFF
_DIRENTRY = struct.Struct("<64sHBBIII16sIQQIQ")
_STORAGE, _STREAM, _ROOT = 1, 2, 5
_RED, _BLACK = 0, 1

#: A storage's content: stream name -> bytes, or storage name -> nested content.
_Tree = Mapping[str, Union[bytes, "_Tree"]]


def _cfb_order(name: str) -> tuple[int, str]:
    """Sort key of sibling directory entries: shorter names first, then by upper case."""
    return len(name.encode("utf-16-le")) // 2, name.upper()


@dataclass
class _Entry:
    """One directory entry while the compound file is being laid out."""

    name: str
    kind: int
    data: bytes = b""
    left: int = _NOSTREAM
    right: int = _NOSTREAM
    child: int = _NOSTREAM
    color: int = _BLACK
    start: int = _ENDOFCHAIN
    size: int = 0

    def pack(self) -> bytes:
        name = self.name.encode("utf-16-le") + b"\x00\x00"
        return _DIRENTRY.pack(
            name, len(name), self.kind, self.color, self.left, self.right, self.child,
            bytes(16), 0, 0, 0, self.start, self.size,
        )  # fmt: skip


_EMPTY_DIRENTRY = _DIRENTRY.pack(
    b"", 0, 0, 0, _NOSTREAM, _NOSTREAM, _NOSTREAM, bytes(16), 0, 0, 0, 0, 0
)


def _link_siblings(entries: list[_Entry], ids: list[int]) -> int:
    """Link sorted sibling ``ids`` into a balanced red-black tree; return its root.

    The tree takes the middle entry as root, recursively. All its empty child slots
    lie on the deepest two levels, so colouring the nodes of the deepest level red
    (unless that level is full) gives every root-to-leaf path the same number of
    black nodes, as [MS-CFB] 2.6.4 asks.
    """
    if not ids:
        return _NOSTREAM
    deepest = len(ids).bit_length() - 1
    full = (len(ids) + 1) & len(ids) == 0

    def link(lo: int, hi: int, depth: int) -> int:
        if lo >= hi:
            return _NOSTREAM
        middle = (lo + hi) // 2
        entry = entries[ids[middle]]
        entry.left = link(lo, middle, depth + 1)
        entry.right = link(middle + 1, hi, depth + 1)
        entry.color = _RED if depth == deepest and not full else _BLACK
        return ids[middle]

    return link(0, len(ids), 0)


def _add_storage(entries: list[_Entry], storage: _Entry, tree: _Tree) -> None:
    """Append the entries of ``tree`` below ``storage`` and link them."""
    ids = []
    for name in sorted(tree, key=_cfb_order):
        content = tree[name]
        if isinstance(content, bytes):
            entries.append(_Entry(name, _STREAM, content))
        else:
            entries.append(_Entry(name, _STORAGE, start=0))  # [MS-CFB] 2.6.3: 0 for storages
        ids.append(len(entries) - 1)
    storage.child = _link_siblings(entries, ids)
    for entry_id in ids:
        content = tree[entries[entry_id].name]
        if not isinstance(content, bytes):
            _add_storage(entries, entries[entry_id], content)


def write_compound_file(tree: _Tree) -> bytes:
    """Write a version 3 compound file (512-byte sectors) holding ``tree``.

    Streams shorter than 4096 bytes go into the mini stream (64-byte sectors), the
    others into sectors of their own. Sectors are laid out as: large streams, the
    mini stream, the mini FAT, the directory, the FAT. No time stamps, no CLSIDs.
    """
    root = _Entry("Root Entry", _ROOT)
    entries = [root]
    _add_storage(entries, root, tree)

    fat: list[int] = []
    body = bytearray()

    def place(payload: bytes) -> int:
        if not payload:
            return _ENDOFCHAIN
        start = len(fat)
        count = -(-len(payload) // _SECTOR)
        fat.extend(range(start + 1, start + count))
        fat.append(_ENDOFCHAIN)
        body.extend(payload.ljust(count * _SECTOR, b"\x00"))
        return start

    mini_stream = bytearray()
    mini_fat: list[int] = []
    for entry in entries:
        if entry.kind != _STREAM:
            continue
        entry.size = len(entry.data)
        if entry.size >= _MINI_STREAM_CUTOFF:
            entry.start = place(entry.data)
        elif entry.size:
            entry.start = len(mini_fat)
            count = -(-entry.size // _MINI_SECTOR)
            mini_fat.extend(range(entry.start + 1, entry.start + count))
            mini_fat.append(_ENDOFCHAIN)
            mini_stream += entry.data.ljust(count * _MINI_SECTOR, b"\x00")
    root.start, root.size = place(bytes(mini_stream)), len(mini_stream)
    mini_fat += [_FREESECT] * (-len(mini_fat) % _FAT_ENTRIES_PER_SECTOR)
    mini_fat_start = place(struct.pack(f"<{len(mini_fat)}I", *mini_fat))

    directory = b"".join(entry.pack() for entry in entries)
    directory += _EMPTY_DIRENTRY * (-len(entries) % (_SECTOR // _DIRENTRY.size))
    directory_start = place(directory)

    fat_sectors = 1
    while fat_sectors * _FAT_ENTRIES_PER_SECTOR < len(fat) + fat_sectors:
        fat_sectors += 1
    if fat_sectors > _HEADER_DIFAT_ENTRIES:
        raise ValueError("VBA project too large for a compound file without DIFAT sectors")
    first_fat_sector = len(fat)
    fat += [_FATSECT] * fat_sectors
    fat += [_FREESECT] * (fat_sectors * _FAT_ENTRIES_PER_SECTOR - len(fat))
    body += struct.pack(f"<{len(fat)}I", *fat)

    difat = list(range(first_fat_sector, first_fat_sector + fat_sectors))
    difat += [_FREESECT] * (_HEADER_DIFAT_ENTRIES - len(difat))
    header = struct.pack(
        "<8s16sHHHHH6sIIIIIIIII109I",
        _CFB_SIGNATURE, bytes(16), 0x003E, 0x0003, 0xFFFE, 9, 6, bytes(6),
        0, fat_sectors, directory_start, 0, _MINI_STREAM_CUTOFF,
        mini_fat_start, len(mini_fat) // _FAT_ENTRIES_PER_SECTOR, _ENDOFCHAIN, 0,
        *difat,
    )  # fmt: skip
    return header + bytes(body)


def read_compound_file(data: bytes) -> dict[str, bytes]:
    """Read every stream of a compound file (version 3 or 4).

    Returns a mapping from the case-folded stream path (``"vba/dir"``) to its bytes.

    Raises
    ------
    ValueError
        For a wrong signature, a sector outside the file, a broken sector chain or a
        broken directory tree.
    """
    return _Reader(data).streams()


def _chain(start: int, table: list[int]) -> list[int]:
    """Sector numbers of the chain from ``start`` in a FAT or mini FAT."""
    numbers: list[int] = []
    while start != _ENDOFCHAIN:
        if start >= len(table) or len(numbers) > len(table):
            raise ValueError("broken sector chain")
        numbers.append(start)
        start = table[start]
    return numbers


class _Reader:
    """One compound file being read: header, FAT, directory, mini stream."""

    def __init__(self, data: bytes):
        if data[:8] != _CFB_SIGNATURE:
            raise ValueError("not a compound file (wrong signature)")
        self.data = data
        sector_shift, mini_shift = struct.unpack_from("<HH", data, 30)
        self.sector_size, self.mini_size = 1 << sector_shift, 1 << mini_shift
        fat_count, directory_start = struct.unpack_from("<II", data, 44)
        self.cutoff, mini_fat_start, _, difat_start, difat_count = struct.unpack_from(
            "<5I", data, 56
        )
        self.fat = self._fat(fat_count, difat_start, difat_count)
        directory = self.read(directory_start)
        self.entries = [
            _DIRENTRY.unpack_from(directory, offset)
            for offset in range(0, len(directory) - _DIRENTRY.size + 1, _DIRENTRY.size)
        ]
        root = self.entries[0]
        self.mini_stream = self.read(root[11]) if root[12] else b""
        mini_fat = self.read(mini_fat_start) if mini_fat_start != _ENDOFCHAIN else b""
        self.mini_fat = list(struct.unpack(f"<{len(mini_fat) // 4}I", mini_fat))

    def sector(self, number: int) -> bytes:
        offset = (number + 1) * self.sector_size
        if number >= _FATSECT or offset + self.sector_size > len(self.data):
            raise ValueError(f"sector {number} lies outside the file")
        return self.data[offset : offset + self.sector_size]

    def _fat(self, fat_count: int, difat_start: int, difat_count: int) -> list[int]:
        per_sector = self.sector_size // 4
        fat_ids = list(struct.unpack_from(f"<{_HEADER_DIFAT_ENTRIES}I", self.data, 76))
        next_difat = difat_start
        for _ in range(difat_count):
            ids = struct.unpack(f"<{per_sector}I", self.sector(next_difat))
            fat_ids += ids[:-1]
            next_difat = ids[-1]
        return [
            entry
            for number in fat_ids[:fat_count]
            for entry in struct.unpack(f"<{per_sector}I", self.sector(number))
        ]

    def read(self, start: int) -> bytes:
        return b"".join(self.sector(number) for number in _chain(start, self.fat))

    def stream(self, start: int, size: int) -> bytes:
        if size >= self.cutoff:
            return self.read(start)[:size]
        mini = self.mini_size
        parts = (
            self.mini_stream[number * mini : (number + 1) * mini]
            for number in _chain(start, self.mini_fat)
        )
        return b"".join(parts)[:size]

    def streams(self) -> dict[str, bytes]:
        found: dict[str, bytes] = {}
        seen: set[int] = set()

        def visit(entry_id: int, prefix: str) -> None:
            if entry_id == _NOSTREAM:
                return
            if entry_id in seen or entry_id >= len(self.entries):
                raise ValueError("broken directory tree")
            seen.add(entry_id)
            raw_name, name_length, kind, _, left, right, child, *_, start, size = self.entries[
                entry_id
            ]
            name = raw_name[: max(name_length - 2, 0)].decode("utf-16-le")
            visit(left, prefix)
            visit(right, prefix)
            if kind == _STORAGE:
                visit(child, f"{prefix}{name}/")
            elif kind == _STREAM:
                found[f"{prefix}{name}".casefold()] = self.stream(start, size & 0xFFFFFFFF)

        visit(self.entries[0][6], "")
        return found
