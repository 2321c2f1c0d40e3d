"""Spreadsheet responses shared by every export: CSV for French Excel, XLSX and ODS.

CSV is UTF-8 with a BOM and `;` separators, streamed row by row so that large exports
never sit in memory; XLSX and ODS are built from a tablib Dataset that an import-export
resource filled: XLSX by `french_xlsx` (French money and date formats), ODS by tablib
(typed cells).
"""

import csv
import datetime
from collections.abc import Iterable
from decimal import Decimal
from io import BytesIO

from django.http import HttpResponse, StreamingHttpResponse
from django.utils import timezone
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font

FORMATS = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "ods": "application/vnd.oasis.opendocument.spreadsheet",
}


# Spreadsheets run a cell starting with one of these as a formula: text typed by users
# (acronym, title, organisation name, opinions) gets a leading apostrophe so it stays text.
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")

# Excel number formats are written in this neutral syntax; French Excel shows them with a
# decimal comma and a space between thousands.
XLSX_MONEY_FORMAT = '#,##0.00 "€"'
XLSX_DATETIME_FORMAT = "dd/mm/yyyy hh:mm"
XLSX_DATE_FORMAT = "dd/mm/yyyy"


def inert_text(value: str) -> str:
    return f"'{value}" if value and value.startswith(FORMULA_TRIGGERS) else value


def spreadsheet_datetime(moment):
    """An aware datetime as naive Paris time (spreadsheets hold no time zone); None stays None."""
    return timezone.localtime(moment).replace(tzinfo=None) if moment else None


def choice_labels(choices) -> dict:
    """{value: label} translated once per export: get_FOO_display() per row is costly over thousands of rows."""
    return {value: str(label) for value, label in choices}


class _Echo:
    def write(self, value):
        return value


def french_cell(value) -> str:
    """A value as French Excel reads it: decimal comma, dd/mm/yyyy dates, Paris time."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "oui" if value else "non"
    if isinstance(value, (Decimal, float)):
        return f"{value:.2f}".replace(".", ",")
    if isinstance(value, datetime.datetime):
        return (
            timezone.localtime(value).strftime("%d/%m/%Y %H:%M:%S")
            if timezone.is_aware(value)
            else value.strftime("%d/%m/%Y %H:%M:%S")
        )
    if isinstance(value, datetime.date):
        return value.strftime("%d/%m/%Y")
    return str(value)


def csv_streaming_response(*, filename: str, header: list[str], rows: Iterable[Iterable]) -> StreamingHttpResponse:
    writer = csv.writer(_Echo(), delimiter=";", quoting=csv.QUOTE_MINIMAL)

    def lines():
        yield "\ufeff" + writer.writerow(header)
        for row in rows:
            yield writer.writerow([french_cell(value) for value in row])

    response = StreamingHttpResponse(lines(), content_type=FORMATS["csv"])
    response["Content-Disposition"] = f'attachment; filename="{filename}.csv"'
    return response


def french_xlsx(dataset) -> bytes:
    """The dataset as an XLSX workbook with money and date cells formatted for French readers.

    Written in openpyxl's write-only mode: rows go straight to the file, not to a cell grid.
    """
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=(dataset.title or "Export")[:31])
    sheet.freeze_panes = "A2"
    bold = Font(bold=True)
    header = []
    for title in dataset.headers:
        cell = WriteOnlyCell(sheet, value=title)
        cell.font = bold
        header.append(cell)
    sheet.append(header)
    for row in dataset:
        cells = []
        for value in row:
            cell = WriteOnlyCell(sheet, value=value)
            if isinstance(value, Decimal):
                cell.number_format = XLSX_MONEY_FORMAT
            elif isinstance(value, datetime.datetime):
                cell.number_format = XLSX_DATETIME_FORMAT
            elif isinstance(value, datetime.date):
                cell.number_format = XLSX_DATE_FORMAT
            cells.append(cell)
        sheet.append(cells)
    buffer = BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def spreadsheet_bytes(dataset, fmt: str) -> bytes:
    """XLSX with French formats, or ODS as tablib writes it (typed cells)."""
    return french_xlsx(dataset) if fmt == "xlsx" else dataset.export(fmt)


def dataset_response(*, dataset, filename: str, fmt: str) -> HttpResponse:
    """XLSX or ODS (or a small CSV) from a tablib Dataset, with the right content type."""
    if fmt == "csv":
        return csv_streaming_response(filename=filename, header=list(dataset.headers), rows=dataset)
    response = HttpResponse(spreadsheet_bytes(dataset, fmt), content_type=FORMATS[fmt])
    response["Content-Disposition"] = f'attachment; filename="{filename}.{fmt}"'
    return response
