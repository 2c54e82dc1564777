"""Write a source-only VBA project (``vbaProject.bin``) without Excel, and read one back.

A ``vbaProject.bin`` is a Compound File ([MS-CFB]) holding a VBA project as
specified in [MS-OVBA]. This module writes a source-only project, the form the
specification asks writers to produce (Excel compiles the source on open):

* ``PROJECT`` -- the project properties as text (2.3.1),
* ``PROJECTwm`` -- module names in the code page and in UTF-16 (2.3.3),
* ``VBA/_VBA_PROJECT`` -- the 7-byte header with version ``0xFFFF`` and no
  performance cache, that is no p-code (2.3.4.1, example 3.1.1),
* ``VBA/dir`` -- project information, references and module records, compressed
  (2.3.4.2),
* ``VBA/<module>`` -- one stream per module holding only its compressed source
  (``MODULEOFFSET`` = 0, 2.3.4.3).

The layout mirrors the projects that ship with xlwings 0.37.8
(``quickstart_standalone.xlsm``, ``addin/xlwings.xlam``): the same ``_VBA_PROJECT``
bytes, the same order of the project information records, the same ``PROJECT``
text, the references of ``xlwings.xlam`` (``stdole`` and ``Office``), and the
``Attribute`` header lines Excel stores at the top of each kind of module.

Output is deterministic: no random numbers, time stamps or scratch files; the
project GUID is derived from the project name.

Module source rules (see :func:`build_vba_project`): line breaks are stored as CRLF
and the source ends with one; an exported class header (``VERSION 1.0 CLASS`` ...
``END``) at the top is dropped; leading ``Attribute VB_*`` lines of the source
replace the writer's default value of the same attribute, or are appended after the
defaults; ``Attribute VB_Name`` may be given but must name the module.

The package has one module per job: :mod:`.compression` ([MS-OVBA] 2.4.1),
:mod:`.compound_file` ([MS-CFB]) and :mod:`.project` (the streams of 2.3).
"""

from .compression import compress, decompress
from .project import VbaModule, build_vba_project, document_modules, read_module_source

__all__ = [
    "VbaModule",
    "build_vba_project",
    "compress",
    "decompress",
    "document_modules",
    "read_module_source",
]
