"""OpenDocument attacks: scripts on events and links, programs, objects, DDE, encryption, remote content.

Each builder returns the bytes of one crafted file; `ATTACKS` lists them with the error code and
French words of their refusal.
"""

from tests.portal import upload_corpus as corpus


def odt_script_on_open() -> bytes:
    """A script bound to the document's opening, taken from the office suite's own samples."""
    listener = (
        '<office:event-listeners><script:event-listener script:language="ooo:script" script:event-name="dom:load" '
        'xlink:href="vnd.sun.star.script:pythonSamples|TableSample.py$createTable?language=Python&amp;location=share"/>'
        "</office:event-listeners>"
    )
    return corpus.odf("odt", scripts=listener, body="<office:text/>")


def odt_link_runs_script() -> bytes:
    """A hyperlink that runs a script when followed."""
    link = (
        '<text:p><text:a xlink:type="simple" '
        'xlink:href="vnd.sun.star.script:Tools.Misc.Run?language=Basic&amp;location=application">'
        "Voir le budget</text:a></text:p>"
    )
    return corpus.odf("odt", body=f"<office:text>{link}</office:text>")


def odp_program_on_click() -> bytes:
    """A shape that starts a program when clicked (presentation:action="execute")."""
    shape = (
        '<draw:page draw:name="p1"><draw:rect><office:event-listeners><presentation:event-listener '
        'script:event-name="dom:click" presentation:action="execute" '
        'xlink:href="file:///C:/Windows/System32/cmd.exe"/></office:event-listeners></draw:rect></draw:page>'
    )
    return corpus.odf("odp", body=f"<office:presentation>{shape}</office:presentation>")


def odt_inline_script() -> bytes:
    return corpus.odf("odt", scripts='<office:script script:language="ooo:Basic">Shell("calc.exe")</office:script>')


def odt_manifest_script_entry() -> bytes:
    """A Python script declared in the manifest, stored under a name a listing of the archive would not flag."""
    return corpus.odf(
        "odt",
        manifest_entries='<manifest:file-entry manifest:full-path="Scripts/python/budget.py" manifest:media-type=""/>',
        extra_parts={"scripts/python/budget.py": "import os\nos.system('calc.exe')\n"},
    )


def odt_embedded_ole_object() -> bytes:
    """An OLE object (a Word document) stored as "Object 1" and shown in the text."""
    return corpus.odf(
        "odt",
        body='<office:text><text:p><draw:frame><draw:object-ole xlink:href="./Object 1"/></draw:frame></text:p></office:text>',
        manifest_entries='<manifest:file-entry manifest:full-path="Object 1" manifest:media-type="application/vnd.sun.star.oleobject"/>',
        extra_parts={"Object 1": corpus.doc()},
    )


def ods_dde_formula() -> bytes:
    """A cell computed by LibreOffice's DDE function."""
    cell = '<table:table-cell table:formula="of:=DDE(&quot;cmd&quot;;&quot;/c calc.exe&quot;;&quot;&quot;)"/>'
    body = f'<office:spreadsheet><table:table table:name="Budget"><table:table-row>{cell}</table:table-row></table:table></office:spreadsheet>'
    return corpus.odf("ods", body=body)


def odt_encrypted() -> bytes:
    """A password-protected document: the manifest says how content.xml is encrypted."""
    return corpus.odf(
        "odt",
        manifest_entries=(
            '<manifest:file-entry manifest:full-path="styles.xml" manifest:media-type="text/xml">'
            '<manifest:encryption-data manifest:checksum-type="SHA1/1K" manifest:checksum="AAAA"/>'
            "</manifest:file-entry>"
        ),
    )


def odt_remote_section() -> bytes:
    """A section whose text is loaded from a web server as the document opens."""
    section = (
        '<text:section text:name="Annexe"><text:section-source xlink:type="simple" '
        'xlink:href="https://x.example/annexe.odt"/></text:section>'
    )
    return corpus.odf("odt", body=f"<office:text>{section}</office:text>")


# (file name, builder, code, words of the French reason)
ATTACKS = [
    ("ouverture.odt", odt_script_on_open, "active_content", "lance un programme ou un script"),
    ("lien.odt", odt_link_runs_script, "active_content", "lance un programme ou un script"),
    ("clic.odp", odp_program_on_click, "active_content", "lance un programme ou un script"),
    ("script.odt", odt_inline_script, "macro", "contient des macros"),
    ("manifeste.odt", odt_manifest_script_entry, "macro", "contient des macros"),
    ("objet.odt", odt_embedded_ole_object, "embedded_object", "objet OLE"),
    ("dde.ods", ods_dde_formula, "dde", "champ ou une formule DDE"),
    ("chiffre.odt", odt_encrypted, "encrypted", "protégé par un mot de passe"),
    ("section.odt", odt_remote_section, "external_link", "autre serveur"),
]
