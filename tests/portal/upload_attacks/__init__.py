"""The attack corpus: one crafted file per technique that hid active content from a byte search.

Each builder makes its file in the test run (raw PDF syntax or pikepdf, zipfile, the
compound-file writer), so the corpus is reproducible and says in code what each attack is.
One module per format family; `ATTACKS` gathers their tables.
"""

from tests.portal.upload_attacks import odf, ole, ooxml, pdf

ATTACKS = [*pdf.ATTACKS, *ooxml.ATTACKS, *odf.ATTACKS, *ole.ATTACKS]
