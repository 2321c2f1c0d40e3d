"""Which format an upload really is, from its first bytes, then the module of that format's family.

Each family's module also refuses what its format may carry (macros, active content) and
reads its page count; this module only routes the bytes, and refuses executables outright.
"""

from django.utils.translation import gettext as _

from portal.errors import DomainError
from portal.uploads import archive, ole, pdf
from portal.uploads.content import Inspected
from portal.uploads.odf import check_odf
from portal.uploads.ooxml import CONTENT_TYPES_PART, check_ooxml
from portal.uploads.refusals import unrecognised

EXECUTABLE_SIGNATURES = (
    b"MZ",  # Windows PE / DOS
    b"\x7fELF",  # Linux
    b"\xfe\xed\xfa\xce",
    b"\xfe\xed\xfa\xcf",
    b"\xce\xfa\xed\xfe",
    b"\xcf\xfa\xed\xfe",  # Mach-O
    b"\xca\xfe\xba\xbe",  # Mach-O universal / Java class
    b"#!",  # scripts
)
# Enough bytes for every signature above and below.
HEAD_LENGTH = 8


def detect_format(file, head: bytes) -> Inspected:
    """The format the bytes really are, or DomainError (executable, macro, active content, bomb, unknown)."""
    if head.startswith(EXECUTABLE_SIGNATURES):
        raise DomainError(_("Le fichier est un programme exécutable : ce type de fichier est refusé."), "executable")
    if head.startswith(pdf.SIGNATURE):
        return pdf.check_pdf(file)
    if head.startswith(ole.SIGNATURE):
        return ole.check_ole(file)
    if head.startswith(archive.SIGNATURE):
        with archive.open_package(file) as package:
            if "mimetype" in package.names:
                return check_odf(package)
            if CONTENT_TYPES_PART in {name.lower() for name in package.names}:
                return check_ooxml(package)
    raise unrecognised()
