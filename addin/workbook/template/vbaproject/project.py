"""The VBA project's streams ([MS-OVBA] 2.3): ``PROJECT``, ``PROJECTwm``, ``VBA/dir``,
``VBA/_VBA_PROJECT`` and one stream per module, put into a compound file.
"""

from __future__ import annotations

import io
import os
import re
import struct
import uuid
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from .compound_file import read_compound_file, write_compound_file
from .compression import compress, decompress

_KINDS = ("document", "standard", "class")
_IDENTIFIER = re.compile(r"[A-Za-z][A-Za-z0-9_]{0,30}")
_RESERVED_STREAM_NAMES = ("dir", "_vba_project")
_ATTRIBUTE_LINE = re.compile(r"Attribute\s+(VB_\w+)\s*=\s*(.*?)\s*", re.IGNORECASE)

#: Windows ANSI code pages a VBA project can use, and Python's codec for each.
CODE_PAGES: dict[int, str] = {
    874: "cp874", 932: "cp932", 936: "gbk", 949: "cp949", 950: "cp950",
    1250: "cp1250", 1251: "cp1251", 1252: "cp1252", 1253: "cp1253", 1254: "cp1254",
    1255: "cp1255", 1256: "cp1256", 1257: "cp1257", 1258: "cp1258",
}  # fmt: skip

_WORKBOOK_BASE = '"0{00020819-0000-0000-C000-000000000046}"'
_WORKSHEET_BASE = '"0{00020820-0000-0000-C000-000000000046}"'
_CLASS_BASE = '"0{FCFB3D2A-A0FA-1068-A738-08002B3371B5}"'

#: REFERENCEREGISTERED records as Excel writes them for a new workbook (name, LibId).
_REFERENCES = (
    (
        "stdole",
        r"*\G{00020430-0000-0000-C000-000000000046}#2.0#0#C:\Windows\System32\stdole2.tlb"
        r"#OLE Automation",
    ),
    (
        "Office",
        r"*\G{2DF8D04C-5BFA-101B-BDE5-00AA0044DE52}#2.0#0#C:\Program Files\Common Files"
        r"\Microsoft Shared\OFFICE16\MSO.DLL#Microsoft Office 16.0 Object Library",
    ),
)
_SYSKIND_WIN32 = 1
_LCID_EN_US = 0x0409
_PROJECT_VERSION = (1, 0)  # VersionMajor, VersionMinor of PROJECTVERSION
_VBA_PROJECT_STREAM = bytes.fromhex("CC61FFFF000100")  # [MS-OVBA] 3.1.1, no p-code
_ENCRYPTION_SEED = 0x8D  # any byte; fixed so the output is reproducible
_PROJECT_ID_NAMESPACE = uuid.UUID("5b0f6f3e-6a3c-4f53-9d0e-2f7a3c1d8e41")


@dataclass(frozen=True)
class VbaModule:
    """One module of a VBA project.

    Attributes
    ----------
    name
        The module name: a VBA identifier of at most 31 ASCII letters, digits and
        underscores, starting with a letter (``"ThisWorkbook"``, ``"Sheet1"``,
        ``"xlwings"``). For a document module it is the code name of the workbook or
        sheet.
    code
        The source without the ``Attribute VB_Name`` header (the writer adds the
        ``Attribute`` lines Excel stores for the module's kind). An exported file's
        header may be left in: see :func:`build_vba_project`.
    kind
        ``"document"`` (the workbook or a sheet), ``"standard"`` (a ``.bas`` module)
        or ``"class"`` (a ``.cls`` module).
    """

    name: str
    code: str
    kind: str

    def __post_init__(self) -> None:
        if self.kind not in _KINDS:
            raise ValueError(f"module {self.name!r}: kind must be one of {_KINDS}")
        if not _IDENTIFIER.fullmatch(self.name):
            raise ValueError(
                f"module name {self.name!r} is not a VBA identifier of at most 31 ASCII "
                "letters, digits and underscores starting with a letter"
            )
        if self.name.casefold() in _RESERVED_STREAM_NAMES:
            raise ValueError(f"module name {self.name!r} is reserved for the VBA storage")


def document_modules(codenames: Sequence[str]) -> list[VbaModule]:
    """Empty document modules for a workbook and its worksheets.

    Parameters
    ----------
    codenames
        The workbook's code name first (normally ``"ThisWorkbook"``), then the code
        names of the worksheets (``"Sheet1"``, ...), as set on the workbook (for
        XlsxWriter: ``set_vba_name``).

    Returns
    -------
    list of VbaModule
        One ``"document"`` module per code name. Each source holds only the
        ``Attribute VB_Base`` line naming the workbook or worksheet class, so the
        writer adds the standard header Excel stores (``VB_GlobalNameSpace``,
        ``VB_Creatable``, ``VB_PredeclaredId``, ``VB_Exposed``,
        ``VB_TemplateDerived``, ``VB_Customizable``) whatever the code names are.
    """
    if not codenames:
        raise ValueError("the workbook's code name is needed")
    return [
        VbaModule(
            name,
            f"Attribute VB_Base = {_WORKBOOK_BASE if i == 0 else _WORKSHEET_BASE}\r\n",
            "document",
        )
        for i, name in enumerate(codenames)
    ]


def _default_attributes(module: VbaModule) -> list[tuple[str, str]]:
    """The ``Attribute`` lines Excel stores at the top of a module of this kind."""
    attributes = [("VB_Name", f'"{module.name}"')]
    if module.kind == "standard":
        return attributes
    if module.kind == "document":
        base = _WORKBOOK_BASE if module.name == "ThisWorkbook" else _WORKSHEET_BASE
        flags = "True"
    else:
        base, flags = _CLASS_BASE, "False"
    return attributes + [
        ("VB_Base", base),
        ("VB_GlobalNameSpace", "False"),
        ("VB_Creatable", "False"),
        ("VB_PredeclaredId", flags),
        ("VB_Exposed", flags),
        ("VB_TemplateDerived", "False"),
        ("VB_Customizable", flags),
    ]


def _module_text(module: VbaModule, codec: str, codepage: int) -> bytes:
    """The module's source as stored: ``Attribute`` header, CRLF line breaks, encoded."""
    lines = module.code.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    if lines[-1] == "":
        lines.pop()
    for number, line in enumerate(lines, start=1):
        try:
            line.encode(codec)
        except UnicodeEncodeError as error:
            raise ValueError(
                f"module {module.name!r}, line {number}: {line[error.start]!r} cannot be "
                f"written in code page {codepage}; use ChrW() for such characters or "
                "choose another code page"
            ) from None

    first = 0
    if lines and lines[0].strip().upper() == "VERSION 1.0 CLASS":
        ends = [i for i, line in enumerate(lines) if line.strip().upper() == "END"]
        if not ends:
            raise ValueError(f"module {module.name!r}: class header without END")
        first = ends[0] + 1

    attributes = {key.upper(): (key, value) for key, value in _default_attributes(module)}
    while first < len(lines) and (match := _ATTRIBUTE_LINE.fullmatch(lines[first])):
        key, value = match.groups()
        if key.upper() == "VB_NAME":
            if value != f'"{module.name}"':
                raise ValueError(
                    f"module {module.name!r}: the source names itself {value} in line {first + 1}"
                )
        else:
            attributes[key.upper()] = (attributes.get(key.upper(), (key,))[0], value)
        first += 1

    header = [f"Attribute {key} = {value}" for key, value in attributes.values()]
    return "".join(line + "\r\n" for line in header + lines[first:]).encode(codec)


def _record(record_id: int, payload: bytes) -> bytes:
    """One dir stream record: Id (2 bytes), Size (4 bytes), then the payload."""
    return struct.pack("<HI", record_id, len(payload)) + payload


def _dir_stream(
    modules: Sequence[VbaModule], project_name: str, codec: str, codepage: int
) -> bytes:
    """The decompressed ``dir`` stream ([MS-OVBA] 2.3.4.2), in Excel's record order."""
    u32, u16 = struct.Struct("<I").pack, struct.Struct("<H").pack
    out = [
        _record(0x0001, u32(_SYSKIND_WIN32)),  # PROJECTSYSKIND
        _record(0x0002, u32(_LCID_EN_US)),  # PROJECTLCID
        _record(0x0014, u32(_LCID_EN_US)),  # PROJECTLCIDINVOKE
        _record(0x0003, u16(codepage)),  # PROJECTCODEPAGE
        _record(0x0004, project_name.encode(codec)),  # PROJECTNAME
        _record(0x0005, b"") + _record(0x0040, b""),  # PROJECTDOCSTRING (+ Unicode)
        _record(0x0006, b"") + _record(0x003D, b""),  # PROJECTHELPFILEPATH 1 and 2
        _record(0x0007, u32(0)),  # PROJECTHELPCONTEXT
        _record(0x0008, u32(0)),  # PROJECTLIBFLAGS
        struct.pack("<HIIH", 0x0009, 4, *_PROJECT_VERSION),  # PROJECTVERSION
        _record(0x000C, b"") + _record(0x003C, b""),  # PROJECTCONSTANTS (+ Unicode)
    ]
    for name, libid in _REFERENCES:
        out.append(_record(0x0016, name.encode(codec)))  # REFERENCENAME
        out.append(_record(0x003E, name.encode("utf-16-le")))
        registered = u32(len(libid)) + libid.encode(codec) + u32(0) + u16(0)
        out.append(_record(0x000D, registered))  # REFERENCEREGISTERED
    out.append(_record(0x000F, u16(len(modules))))  # PROJECTMODULES
    out.append(_record(0x0013, u16(0xFFFF)))  # PROJECTCOOKIE
    for module in modules:
        name, name_unicode = module.name.encode(codec), module.name.encode("utf-16-le")
        out += [
            _record(0x0019, name) + _record(0x0047, name_unicode),  # MODULENAME
            _record(0x001A, name) + _record(0x0032, name_unicode),  # MODULESTREAMNAME
            _record(0x001C, b"") + _record(0x0048, b""),  # MODULEDOCSTRING
            _record(0x0031, u32(0)),  # MODULEOFFSET: the stream holds only source
            _record(0x001E, u32(0)),  # MODULEHELPCONTEXT
            _record(0x002C, u16(0xFFFF)),  # MODULECOOKIE
            _record(0x0021 if module.kind == "standard" else 0x0022, b""),  # MODULETYPE
            _record(0x002B, b""),  # Terminator
        ]
    out.append(struct.pack("<HI", 0x0010, 0))  # Terminator of the dir stream
    return b"".join(out)


def _encrypt(data: bytes, project_id: str) -> str:
    """Obfuscate ``data`` as in [MS-OVBA] 2.4.3.2 and return it as hex text."""
    seed, version = _ENCRYPTION_SEED, 2
    project_key = sum(project_id.encode("ascii")) & 0xFF
    out = bytearray([seed, seed ^ version, seed ^ project_key])
    unencrypted_1, encrypted_1, encrypted_2 = project_key, out[2], out[1]
    ignored = bytes((seed & 6) // 2)
    for byte in ignored + struct.pack("<I", len(data)) + data:
        encrypted = byte ^ ((encrypted_2 + unencrypted_1) & 0xFF)
        out.append(encrypted)
        encrypted_2, encrypted_1, unencrypted_1 = encrypted_1, encrypted, byte
    return out.hex().upper()


def _project_stream(modules: Sequence[VbaModule], project_name: str) -> str:
    """The ``PROJECT`` stream text ([MS-OVBA] 2.3.1), unprotected and visible."""
    project_id = "{" + str(uuid.uuid5(_PROJECT_ID_NAMESPACE, project_name)).upper() + "}"
    lines = [f'ID="{project_id}"']
    for module in modules:
        if module.kind == "document":
            lines.append(f"Document={module.name}/&H00000000")
        elif module.kind == "standard":
            lines.append(f"Module={module.name}")
        else:
            lines.append(f"Class={module.name}")
    lines += [
        f'Name="{project_name}"',
        'HelpContextID="0"',
        'VersionCompatible32="393222000"',
        f'CMG="{_encrypt(bytes(4), project_id)}"',  # protection state: none
        f'DPB="{_encrypt(bytes(1), project_id)}"',  # password: none
        f'GC="{_encrypt(bytes([0xFF]), project_id)}"',  # visibility: visible
        "",
        "[Host Extender Info]",
        "&H00000001={3832D640-CF90-11CF-8E43-00A0C911005A};VBE;&H00000000",
        "",
        "[Workspace]",
    ]
    lines += [f"{module.name}=0, 0, 0, 0, C" for module in modules]
    return "".join(line + "\r\n" for line in lines) + "\r\n"


def build_vba_project(
    modules: Sequence[VbaModule], project_name: str = "VBAProject", *, codepage: int = 1252
) -> bytes:
    """Return the bytes of a source-only ``vbaProject.bin``.

    Parameters
    ----------
    modules
        The modules, in the order Excel lists them (document modules first, as
        Excel does). Names must differ ignoring case.
    project_name
        The VBA project name (a VBA identifier).
    codepage
        The project's code page (a key of :data:`CODE_PAGES`). Module sources and
        names are stored in it; VBA has no Unicode source. The default, 1252, holds
        ASCII and Western European text; 936 holds Chinese but the VBA editor shows
        it only on a Windows whose ANSI code page is 936.

    Returns
    -------
    bytes
        The compound file. The same input always gives the same bytes.

    Raises
    ------
    ValueError
        For an unknown code page, an invalid or duplicate name, text the code page
        cannot hold (the message names the module and line), an ``Attribute
        VB_Name`` naming another module, or (practically never for text) a module
        whose end does not compress.

    Notes
    -----
    Each module's stored source is: the ``Attribute`` lines Excel stores for the
    module's kind, then ``code`` with every line break (CRLF, CR or LF) written as
    CRLF and a final CRLF added if missing. Before that, a leading exported class
    header (``VERSION 1.0 CLASS``, ``BEGIN`` ... ``END``) is dropped, and the
    leading ``Attribute VB_...`` lines of ``code`` are merged into the header: one
    naming an attribute of the default header replaces its value in place (for
    example ``VB_Exposed = True``), others are appended in their order (for example
    ``VB_Description``), and ``VB_Name`` is checked against the module name.
    """
    if codepage not in CODE_PAGES:
        raise ValueError(f"code page {codepage} is not one of {sorted(CODE_PAGES)}")
    codec = CODE_PAGES[codepage]
    if not re.fullmatch(r"[A-Za-z][A-Za-z0-9_]{0,127}", project_name):
        raise ValueError(f"project name {project_name!r} is not a VBA identifier")
    folded = [module.name.casefold() for module in modules]
    duplicates = sorted({name for name in folded if folded.count(name) > 1})
    if duplicates:
        raise ValueError(f"module names used twice (ignoring case): {duplicates}")

    vba: dict[str, bytes] = {
        "_VBA_PROJECT": _VBA_PROJECT_STREAM,
        "dir": compress(_dir_stream(modules, project_name, codec, codepage)),
    }
    for module in modules:
        try:
            vba[module.name] = compress(_module_text(module, codec, codepage), strict=True)
        except ValueError as error:
            raise ValueError(f"module {module.name!r}: {error}") from None
    names = b"".join(
        module.name.encode(codec) + b"\x00" + module.name.encode("utf-16-le") + b"\x00\x00"
        for module in modules
    )
    return write_compound_file(
        {
            "PROJECT": _project_stream(modules, project_name).encode(codec),
            "PROJECTwm": names + b"\x00\x00",
            "VBA": vba,
        }
    )


# --------------------------------------------------------------------------------------
# Reading
# --------------------------------------------------------------------------------------

_MAX_VBA_PART = 64 * 1024 * 1024  # largest vbaProject.bin read out of a workbook


def _vba_project_bytes(data: bytes) -> bytes:
    """The ``vbaProject.bin`` itself, out of a workbook (zip) if ``data`` is one."""
    if data[:4] != b"PK\x03\x04":
        return data
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        parts = [info for info in archive.infolist() if info.filename.endswith("vbaProject.bin")]
        if not parts:
            raise ValueError("the workbook has no VBA project")
        if parts[0].file_size > _MAX_VBA_PART:
            raise ValueError("the workbook's VBA project is implausibly large")
        return archive.read(parts[0])


def read_module_source(path_or_bytes: bytes | str | os.PathLike[str]) -> dict[str, str]:
    """Read every module's source out of a VBA project.

    Parameters
    ----------
    path_or_bytes
        A ``vbaProject.bin`` or a macro workbook (``.xlsm``, ``.xlam``), as bytes or
        as a path.

    Returns
    -------
    dict of str to str
        Module name -> source as stored, decoded with the project's code page: the
        ``Attribute`` header lines included, line breaks as stored (CRLF). Modules
        whose stream also holds p-code (written by Excel) are read from their source
        offset.
    """
    if isinstance(path_or_bytes, (bytes, bytearray)):
        data = bytes(path_or_bytes)
    else:
        data = Path(path_or_bytes).read_bytes()
    streams = read_compound_file(_vba_project_bytes(data))
    if "vba/dir" not in streams:
        raise ValueError("no VBA/dir stream: not a VBA project")
    records = decompress(streams["vba/dir"])

    codec = "cp1252"
    modules: list[dict[int, bytes]] = []
    pos = 0
    while pos + 6 <= len(records):
        record_id, size = struct.unpack_from("<HI", records, pos)
        if record_id == 0x0009:  # PROJECTVERSION: Size is 4 but 6 bytes follow
            size = 6
        payload = records[pos + 6 : pos + 6 + size]
        pos += 6 + size
        if record_id == 0x0003:
            (codepage,) = struct.unpack("<H", payload)
            codec = CODE_PAGES.get(codepage, f"cp{codepage}")
        elif record_id == 0x0019:
            modules.append({})
        if modules:
            modules[-1].setdefault(record_id, payload)

    sources = {}
    for module in modules:
        name = (
            module[0x0047].decode("utf-16-le") if 0x0047 in module else module[0x0019].decode(codec)
        )
        stream_name = module.get(0x0032, b"").decode("utf-16-le") or module[0x001A].decode(codec)
        (offset,) = struct.unpack("<I", module[0x0031])
        code = streams[f"vba/{stream_name}".casefold()][offset:]
        sources[name] = decompress(code).decode(codec)
    return sources
