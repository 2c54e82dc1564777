"""The documented error types: everything the product raises on purpose.

Entry points (the CLI, the Regenerate button, the worksheet functions) catch
:class:`YangtzeError` and show its one-line message; anything else is a bug.
"""

from __future__ import annotations


class YangtzeError(Exception):
    """Base of every error the product reports to a user in their own terms."""


class InputError(YangtzeError, ValueError):
    """Bad input data or arguments.

    ``where`` names the place in the user's terms (``"GDP!D7"``, ``"argument gdp"``)
    and is put in front of the message.
    """

    def __init__(self, message: str, where: str | None = None):
        self.where = where
        self.detail = message
        super().__init__(f"{where}: {message}" if where else message)


class FileRejected(YangtzeError):
    """A file that is not a workbook we can safely read (wrong type, too large,
    encrypted, hostile XML, another template version)."""


class UnitError(InputError):
    """A unit cell that is empty or not one of the known units."""
