"""The convention PDF is rendered into the object store's bucket (tests/object_storage.py; moto in CI) and
rendered again over its one key, never beside it."""

import pytest

from funding import tasks
from funding.services import conventions

pytestmark = [pytest.mark.services, pytest.mark.django_db]


def test_the_convention_pdf_is_written_to_the_bucket_under_its_one_key(
    object_store, dossier, staff, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        convention = conventions.convention_generate(actor=staff, dossier=dossier)
    convention.refresh_from_db()
    assert convention.pdf.name == f"funding/convention/version-{convention.pk}.pdf"
    assert object_store.keys() == {convention.pdf.name}
    assert object_store.read(convention.pdf.name).startswith(b"%PDF")
    tasks.convention_render(convention.pk)  # a second delivery of the task finds its work done
    assert object_store.keys() == {convention.pdf.name}
