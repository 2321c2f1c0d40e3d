"""Checks on every file a user uploads; callers import from here, whatever module holds the name."""

from portal.uploads.limits import MEGABYTE, bytes_from_megabytes, format_megabytes
from portal.uploads.names import content_disposition, safe_display_name, storage_name
from portal.uploads.validation import CONTENT_TYPES, SUPPORTED_FORMATS, ValidatedUpload, validate_upload

__all__ = [
    "CONTENT_TYPES",
    "MEGABYTE",
    "SUPPORTED_FORMATS",
    "ValidatedUpload",
    "bytes_from_megabytes",
    "content_disposition",
    "format_megabytes",
    "safe_display_name",
    "storage_name",
    "validate_upload",
]
