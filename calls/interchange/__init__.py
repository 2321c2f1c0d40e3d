"""Import and export of whole calls in the "portal-call/1" format (docs/call-format.md).

A document (a dict, read from YAML or rebuilt from an XLSX workbook) is validated in full
before anything is written (reading.py), then written in one transaction (importing.py): new
calls as drafts, and an existing draft re-imported once the changes (diff.py) are shown.
exporting.py turns a call back into the same dict, which yaml_text.py and workbook.py write as
YAML or as an XLSX workbook.
"""

from .diff import Change
from .exporting import call_document_export
from .importing import ImportPlan, PlannedCall, call_document_import, call_document_load, call_document_plan
from .reading import parse_datetime
from .schema import FORMAT, InterchangeError
from .workbook import WorkbookPlaces, call_workbook_export, call_workbook_import, workbook_document, workbook_read
from .yaml_text import call_file_import, call_yaml_export, call_yaml_import, yaml_document

__all__ = [
    "FORMAT",
    "Change",
    "ImportPlan",
    "InterchangeError",
    "PlannedCall",
    "WorkbookPlaces",
    "call_document_export",
    "call_document_import",
    "call_document_load",
    "call_document_plan",
    "call_file_import",
    "call_workbook_export",
    "call_workbook_import",
    "call_yaml_export",
    "call_yaml_import",
    "parse_datetime",
    "workbook_document",
    "workbook_read",
    "yaml_document",
]
