"""Reading a CSV file with a header into rows of text, every problem named by file and line.

Used for the files callers hand over (rows to predict, actuals). Cells stay text, as
written: ``00017`` is not the number 17 and ``1e3`` not 1000.0 (DataRobot's own CSV route
sends text and the server reads each column by the model's feature types). Pure apart from
reading the file; nothing is sent.
"""

from __future__ import annotations

import csv
import dataclasses
import io
import os
from pathlib import Path

__all__ = ["CsvTable", "CsvTableError", "read_csv_table"]


class CsvTableError(ValueError):
    """A CSV file that cannot be used as it is; ``str()`` names the file (and the line)."""


@dataclasses.dataclass(frozen=True)
class CsvTable:
    """The header and rows of a CSV file.

    Attributes:
        header: the column names, in order (stripped of surrounding spaces).
        rows: ``(line, cells)`` for each row: the line it starts on (1-based, as an editor
            counts) and its cells by column name, as written. A row with fewer cells than
            the header lacks the last columns; blank lines are skipped.
    """

    header: list[str]
    rows: list[tuple[int, dict[str, str]]]


def _text(path: str | os.PathLike[str]) -> str:
    raw = Path(path).read_bytes()
    try:
        # utf-8-sig: spreadsheet exports often start with a byte order mark
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise CsvTableError(
            f"{os.fspath(path)}:{line}: not UTF-8 text (byte 0x{raw[exc.start]:02x}); "
            "save the file as UTF-8 (or UTF-8 with BOM)"
        ) from None


def read_csv_table(path: str | os.PathLike[str]) -> CsvTable:
    """Read a CSV file whose first non-blank line names the columns.

    Raises:
        OSError: the file cannot be read.
        CsvTableError: it is not UTF-8, has no header, names a column twice or leaves a
            column name empty, or a row has more cells than the header (often a comma
            inside a value that is not quoted): the message names the file and line.
    """
    where = os.fspath(path)
    reader = csv.reader(io.StringIO(_text(path), newline=""))
    header: list[str] | None = None
    rows: list[tuple[int, dict[str, str]]] = []
    end = 0  # the line the previous record ended on
    try:
        for cells in reader:
            line, end = end + 1, reader.line_num
            if not any(cell.strip() for cell in cells):
                continue
            if header is None:
                header = [name.strip() for name in cells]
                if not all(header) or len(set(header)) != len(header):
                    raise CsvTableError(
                        f"{where}:{line}: the header must name each column once "
                        f"(found {','.join(header)})"
                    )
                continue
            if len(cells) > len(header):
                raise CsvTableError(
                    f"{where}:{line}: {len(cells)} cells but the header has {len(header)} "
                    "columns (a comma inside a value that is not quoted?)"
                )
            rows.append((line, dict(zip(header, cells, strict=False))))
    except csv.Error as exc:
        raise CsvTableError(f"{where}:{reader.line_num}: not valid CSV: {exc}") from None
    if header is None:
        raise CsvTableError(f"{where}: the file is empty (expected a header line)")
    return CsvTable(header, rows)
