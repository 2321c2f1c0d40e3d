"""Spreadsheet responses shared by every export: CSV for French Excel, XLSX and ODS.

CSV is UTF-8 with a BOM and `;` separators, streamed row by row so that large exports
never sit in memory; XLSX and ODS are built by tablib from an import-export resource.
"""

import csv
import datetime
from collections.abc import Iterable
from decimal import Decimal

from django.http import HttpResponse, StreamingHttpResponse
from django.utils import timezone

FORMATS = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "ods": "application/vnd.oasis.opendocument.spreadsheet",
}


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
        return timezone.localtime(value).strftime("%d/%m/%Y %H:%M:%S") if timezone.is_aware(value) else value.strftime("%d/%m/%Y %H:%M:%S")
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


def dataset_response(*, dataset, filename: str, fmt: str) -> HttpResponse:
    """XLSX or ODS (or a small CSV) from a tablib Dataset, with the right content type."""
    if fmt == "csv":
        return csv_streaming_response(filename=filename, header=list(dataset.headers), rows=dataset)
    content = dataset.export(fmt)
    response = HttpResponse(content, content_type=FORMATS[fmt])
    response["Content-Disposition"] = f'attachment; filename="{filename}.{fmt}"'
    return response
