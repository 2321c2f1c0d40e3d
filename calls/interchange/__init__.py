"""Import and export of whole calls in the "portal-call/1" format (docs/call-format.md).

A document (a dict, read from YAML or rebuilt from an XLSX workbook) is validated in full
before anything is written (reading.py), then written in one transaction (importing.py);
exporting.py turns a call back into the same dict, which yaml_text.py and workbook.py write
as YAML or as an XLSX workbook.
"""

from .exporting import call_document_export
from .importing import call_document_import
from .reading import parse_datetime
from .schema import FORMAT, InterchangeError
from .workbook import call_workbook_export, call_workbook_import, workbook_document
from .yaml_text import call_file_import, call_yaml_export, call_yaml_import

__all__ = [
    "FORMAT",
    "InterchangeError",
    "call_document_export",
    "call_document_import",
    "call_file_import",
    "call_workbook_export",
    "call_workbook_import",
    "call_yaml_export",
    "call_yaml_import",
    "parse_datetime",
    "workbook_document",
]
