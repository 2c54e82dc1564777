"""MS-OVBA compression ([MS-OVBA] 2.4.1): the run-length scheme of every VBA stream.

:func:`compress` writes what the specification's own algorithm writes (the longest
match at each position, raw chunks where compression would not shrink a chunk);
:func:`decompress` reads any valid container, Excel's included.
"""

from __future__ import annotations

import struct

__all__ = ["compress", "decompress"]

_CHUNK_SIZE = 4096  # decompressed bytes per chunk, and the largest chunk body
_RAW_CHUNK_HEADER = 0x3FFF  # size field 4095 (4098 bytes), signature 0b011, flag 0
_COMPRESSED_CHUNK_FLAGS = 0xB000  # signature 0b011 and CompressedChunkFlag 1


def _bit_count(difference: int) -> int:
    """Number of offset bits of a CopyToken (2.4.1.3.19.3 CopyToken Help).

    ``difference`` is the position of the token within its decompressed chunk. The
    result is the smallest ``n`` with ``2**n >= difference``, and at least 4.
    """
    return max((difference - 1).bit_length(), 4)


def _match_length(data: bytes, source: int, pos: int, known: int, limit: int) -> int:
    """Length of the common prefix of ``data[source:]`` and ``data[pos:]``.

    The first ``known`` bytes are known to match; the result is at most ``limit``.
    Found by galloping and bisection over slice comparisons.
    """
    found, probe = known, 2 * known
    while probe <= limit and data[source : source + probe] == data[pos : pos + probe]:
        found, probe = probe, 2 * probe
    missing = min(probe, limit + 1)
    while missing - found > 1:
        middle = (found + missing) // 2
        if data[source : source + middle] == data[pos : pos + middle]:
            found = middle
        else:
            missing = middle
    return found


def _longest_match(data: bytes, chunk_start: int, pos: int, end: int) -> tuple[int, int]:
    """Find the copy source for position ``pos`` (2.4.1.3.19.4 Matching).

    Returns ``(offset, length)``, or ``(0, 0)`` when no earlier sequence of 3 or more
    bytes in the chunk matches. As in the specification, the candidate with the
    longest (unclipped) match wins and, among equally long ones, the nearest; the
    length is then clipped to the CopyToken maximum. Matches may overlap ``pos``.
    """
    limit = end - pos
    if pos == chunk_start or limit < 3:
        return 0, 0

    def nearest(length: int) -> int:
        # The largest candidate c < pos with data[c:c+length] == data[pos:pos+length].
        return data.rfind(data[pos : pos + length], chunk_start, pos - 1 + length)

    source = nearest(3)
    if source < 0:
        return 0, 0
    # `source` is the nearest candidate matching at least 3 bytes. Extend its match;
    # then the nearest candidate matching one byte more, if any, is the next source.
    length = _match_length(data, source, pos, 3, limit)
    while length < limit and (candidate := nearest(length + 1)) >= 0:
        source = candidate
        length = _match_length(data, source, pos, length + 1, limit)
    maximum = (0xFFFF >> _bit_count(pos - chunk_start)) + 3
    return pos - source, min(length, maximum)


def _compress_chunk(data: bytes, start: int, end: int) -> bytes | None:
    """Compress ``data[start:end]`` into a CompressedChunk body (2.4.1.3.7).

    Returns ``None`` when the tokens do not fit into 4096 bytes, in which case the
    chunk has to be stored raw.
    """
    body = bytearray()
    pos = start
    while pos < end:
        if len(body) >= _CHUNK_SIZE:
            return None
        flag_index = len(body)
        body.append(0)
        flags = 0
        for bit in range(8):
            if pos >= end:
                break
            offset, length = _longest_match(data, start, pos, end)
            if offset:
                if len(body) + 2 > _CHUNK_SIZE:
                    return None
                shift = 16 - _bit_count(pos - start)
                body += (((offset - 1) << shift) | (length - 3)).to_bytes(2, "little")
                flags |= 1 << bit
                pos += length
            else:
                if len(body) + 1 > _CHUNK_SIZE:
                    return None
                body.append(data[pos])
                pos += 1
        body[flag_index] = flags
    return bytes(body)


def compress(data: bytes, *, strict: bool = False) -> bytes:
    """Compress ``data`` as a CompressedContainer ([MS-OVBA] 2.4.1.3.6).

    Parameters
    ----------
    data
        The bytes to compress.
    strict
        The format stores a chunk that does not compress as a raw chunk, and a raw
        chunk always holds 4096 bytes: a *final* chunk shorter than that which does
        not compress is padded with zero bytes, which then come back from
        decompression. This only happens for incompressible data (no text does).
        With ``strict=True`` such input raises :class:`ValueError` instead.

    Returns
    -------
    bytes
        The signature byte ``0x01`` followed by one chunk per 4096 input bytes.
    """
    data = bytes(data)
    out = bytearray(b"\x01")
    for start in range(0, len(data), _CHUNK_SIZE):
        end = min(start + _CHUNK_SIZE, len(data))
        body = _compress_chunk(data, start, end)
        if body is not None:
            out += struct.pack("<H", _COMPRESSED_CHUNK_FLAGS | (len(body) - 1))
            out += body
            continue
        if strict and end - start < _CHUNK_SIZE:
            raise ValueError(
                f"the last {end - start} bytes do not compress and a raw chunk would pad "
                "them with zero bytes"
            )
        out += struct.pack("<H", _RAW_CHUNK_HEADER)
        out += data[start:end].ljust(_CHUNK_SIZE, b"\x00")
    return bytes(out)


def decompress(data: bytes) -> bytes:
    """Decompress a CompressedContainer ([MS-OVBA] 2.4.1.3.1).

    Parameters
    ----------
    data
        The compressed bytes, starting with the signature byte ``0x01``.

    Returns
    -------
    bytes
        The decompressed bytes.

    Raises
    ------
    ValueError
        For a wrong signature, a truncated chunk or a CopyToken pointing before the
        start of its chunk.
    """
    data = bytes(data)
    if not data or data[0] != 0x01:
        raise ValueError("not a compressed container: the signature byte is not 0x01")
    out = bytearray()
    pos = 1
    while pos < len(data):
        pos = _decompress_chunk(data, pos, out)
    return bytes(out)


def _decompress_chunk(data: bytes, pos: int, out: bytearray) -> int:
    """Decompress the CompressedChunk at ``pos`` onto ``out``; return the next position."""
    if pos + 2 > len(data):
        raise ValueError(f"truncated chunk header at byte {pos}")
    (header,) = struct.unpack_from("<H", data, pos)
    if (header >> 12) & 0b111 != 0b011:
        raise ValueError(f"bad chunk signature at byte {pos}")
    chunk_end = pos + (header & 0x0FFF) + 3
    if chunk_end > len(data):
        raise ValueError(f"chunk at byte {pos} runs past the end of the data")
    pos += 2
    if not header & 0x8000:
        if chunk_end - pos != _CHUNK_SIZE:
            raise ValueError(f"raw chunk at byte {pos - 2} does not hold 4096 bytes")
        out += data[pos:chunk_end]
        return chunk_end
    chunk_start = len(out)
    while pos < chunk_end:
        flags = data[pos]
        pos += 1
        for bit in range(8):
            if pos >= chunk_end:
                break
            if (flags >> bit) & 1:
                _copy_token(data, pos, chunk_end, chunk_start, out)
                pos += 2
            else:
                out.append(data[pos])
                pos += 1
    return chunk_end


def _copy_token(data: bytes, pos: int, chunk_end: int, chunk_start: int, out: bytearray) -> None:
    """Apply the CopyToken at ``pos`` ([MS-OVBA] 2.4.1.3.19.2): repeat earlier output."""
    if pos + 2 > chunk_end:
        raise ValueError(f"truncated CopyToken at byte {pos}")
    (token,) = struct.unpack_from("<H", data, pos)
    bits = _bit_count(len(out) - chunk_start)
    length = (token & (0xFFFF >> bits)) + 3
    offset = (token >> (16 - bits)) + 1
    source = len(out) - offset
    if source < chunk_start:
        raise ValueError(f"CopyToken at byte {pos} points before its chunk")
    if offset >= length:
        out += out[source : source + length]
    else:  # the copy overlaps its own output: repeat the period
        out += (out[source:] * (length // offset + 1))[:length]
