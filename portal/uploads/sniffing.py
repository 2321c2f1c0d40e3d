"""Which format an upload really is, from its first bytes and then the parts of its container.

Each family's module also refuses what its format may carry (macros, active content); this
module only routes the bytes to the right one, and refuses executables outright.
"""

from django.utils.translation import gettext as _

from portal.errors import DomainError
from portal.uploads import archive, ole, pdf
from portal.uploads.odf import check_odf
from portal.uploads.ooxml import check_ooxml
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


def detect_format(file, head: bytes) -> str:
    """The format the bytes really are, or DomainError (executable, macro, bomb, unknown)."""
    if head.startswith(EXECUTABLE_SIGNATURES):
        raise DomainError(_("Le fichier est un programme exécutable : ce type de fichier est refusé."), "executable")
    if head.startswith(pdf.SIGNATURE):
        return pdf.check_pdf(file)
    if head.startswith(ole.SIGNATURE):
        return ole.check_ole(file)
    if head.startswith(archive.SIGNATURE):
        with archive.checked_zip(file) as (opened, names):
            if "mimetype" in names:
                return check_odf(opened, names)
            if "[Content_Types].xml" in names:
                return check_ooxml(opened, names)
    raise unrecognised()
