"""The one writer of every spreadsheet the portal produces: CSV for French Excel, XLSX and ODS.

Every cell goes through `inert_cell` on its way out, whatever the producer: text that a
spreadsheet would run as a formula gets a leading apostrophe (OWASP's advice against CSV/formula
injection), while numbers, dates and booleans stay typed, so that a negative amount is still a
number. Producers hand rows of Python values (a tablib Dataset, or header + row iterator) and
never neutralise anything themselves.

CSV is UTF-8 with a BOM and `;` separators, streamed row by row so that large exports never sit
in memory; XLSX is written by `xlsx_bytes` (French money and date formats, one sheet per
dataset); ODS by tablib (typed cells), from a neutralised copy of the dataset.
"""

import csv
import datetime
from collections.abc import Iterable
from decimal import Decimal
from io import BytesIO

import tablib
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


# A cell whose text starts with one of these runs as a formula in Excel or LibreOffice (tab and
# carriage return let one through once the cell is trimmed); leading spaces do not protect it.
FORMULA_TRIGGERS = ("=", "+", "-", "@")
CONTROL_TRIGGERS = ("\t", "\r")
# Values that stay typed cells: a spreadsheet never reads them as a formula.
TYPED = (bool, int, float, Decimal, datetime.date, datetime.time)

# Excel number formats are written in this neutral syntax; French Excel shows them with a
# decimal comma and a space between thousands.
XLSX_MONEY_FORMAT = '#,##0.00 "€"'
XLSX_DATETIME_FORMAT = "dd/mm/yyyy hh:mm"
XLSX_DATE_FORMAT = "dd/mm/yyyy"


def _needs_quote(text: str) -> bool:
    # Apostrophes already in front are looked through, so that quoting is reversible
    # (`text_from_inert`): "'=1" is written "''=1" and read back as "'=1".
    text = text.lstrip("'")
    return text.startswith(CONTROL_TRIGGERS) or text.lstrip().startswith(FORMULA_TRIGGERS)


def inert_text(value: str) -> str:
    """`value` with a leading apostrophe if a spreadsheet would run it as a formula."""
    return f"'{value}" if _needs_quote(value) else value


def text_from_inert(value: str) -> str:
    """The text that `inert_text` quoted, for imports that read back a file the portal wrote."""
    return value[1:] if value.startswith("'") and _needs_quote(value[1:]) else value


def inert_cell(value):
    """A cell value no spreadsheet runs: None, numbers, dates and booleans stay typed; anything
    else becomes text (lists, dicts and lazy translations included), quoted if need be."""
    if value is None or isinstance(value, TYPED):
        return value
    return inert_text(str(value))


def inert_dataset(dataset: tablib.Dataset) -> tablib.Dataset:
    """A copy of `dataset` whose header and cells went through `inert_cell`."""
    return tablib.Dataset(
        *([inert_cell(value) for value in row] for row in dataset),
        headers=[inert_cell(title) for title in dataset.headers or []],
        title=dataset.title,
    )


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

    def line(values) -> str:
        return writer.writerow([french_cell(inert_cell(value)) for value in values])

    def lines():
        yield "\ufeff" + line(header)
        for row in rows:
            yield line(row)

    response = StreamingHttpResponse(lines(), content_type=FORMATS["csv"])
    response["Content-Disposition"] = f'attachment; filename="{filename}.csv"'
    return response


def _xlsx_cell(sheet, value) -> WriteOnlyCell:
    value = inert_cell(value)
    cell = WriteOnlyCell(sheet, value=value)
    if isinstance(value, Decimal):
        cell.number_format = XLSX_MONEY_FORMAT
    elif isinstance(value, datetime.datetime):
        cell.number_format = XLSX_DATETIME_FORMAT
    elif isinstance(value, datetime.date):
        cell.number_format = XLSX_DATE_FORMAT
    return cell


def xlsx_bytes(*datasets: tablib.Dataset) -> bytes:
    """The datasets as an XLSX workbook, one sheet each, money and date cells formatted for French readers.

    Written in openpyxl's write-only mode: rows go straight to the file, not to a cell grid.
    """
    workbook = Workbook(write_only=True)
    bold = Font(bold=True)
    for dataset in datasets:
        sheet = workbook.create_sheet(title=(dataset.title or "Export")[:31])
        sheet.freeze_panes = "A2"
        header = []
        for title in dataset.headers or []:
            cell = _xlsx_cell(sheet, title)
            cell.font = bold
            header.append(cell)
        sheet.append(header)
        for row in dataset:
            sheet.append([_xlsx_cell(sheet, value) for value in row])
    buffer = BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def spreadsheet_bytes(dataset: tablib.Dataset, fmt: str) -> bytes:
    """XLSX with French formats, or ODS as tablib writes it (typed cells); both neutralised."""
    return xlsx_bytes(dataset) if fmt == "xlsx" else inert_dataset(dataset).export(fmt)


def dataset_response(*, dataset: tablib.Dataset, filename: str, fmt: str) -> HttpResponse:
    """XLSX or ODS (or a small CSV) from a tablib Dataset, with the right content type."""
    if fmt == "csv":
        return csv_streaming_response(filename=filename, header=list(dataset.headers), rows=dataset)
    response = HttpResponse(spreadsheet_bytes(dataset, fmt), content_type=FORMATS[fmt])
    response["Content-Disposition"] = f'attachment; filename="{filename}.{fmt}"'
    return response
