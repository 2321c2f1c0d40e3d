"""PDF: refuse a document that carries scripts, automatic actions or embedded files."""

from django.utils.translation import gettext as _

from portal.errors import DomainError

SIGNATURE = b"%PDF-"
# PDF features that run or open something when the file is read: refused in dossiers.
PDF_ACTIVE_CONTENT = (b"/JavaScript", b"/JS", b"/Launch", b"/EmbeddedFile", b"/OpenAction", b"/AA")


def check_pdf(file) -> str:
    """Refuse a PDF that carries scripts, launch actions or embedded files.

    Names are searched in the raw bytes, chunk by chunk with an overlap; a name hidden in a
    compressed object stream escapes this check, which the optional antivirus scan completes.
    """
    file.seek(0)
    tail = b""
    for chunk in file.chunks():
        window = tail + chunk
        for marker in PDF_ACTIVE_CONTENT:
            index = window.find(marker)
            # "/JS" must not match inside another name such as "/JSON".
            while index != -1:
                following = window[index + len(marker) : index + len(marker) + 1]
                if not following.isalnum():
                    raise DomainError(
                        _(
                            "Le PDF contient du contenu actif (script, action automatique ou fichier joint) : "
                            "enregistrez-le à nouveau en PDF simple, sans script ni pièce jointe."
                        ),
                        "pdf_active_content",
                    )
                index = window.find(marker, index + 1)
        tail = window[-32:]
    file.seek(0)
    return "pdf"
