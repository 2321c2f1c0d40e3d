"""Every stored document on the object store (tests/object_storage.py; moto in CI): written to the bucket,
streamed by its view to whoever may read it, and to nobody else, a juror who declared a conflict included."""

import pytest

from juries.models import ConflictDeclaration
from juries.services import conflicts
from tests.juries.conftest import (  # noqa: F401  (fixtures)
    dossiers,
    jury,
    members,
    programme,
    reviewed,
    session,
    staff,
    theme,
)
from tests.portal.factories import UserFactory
from tests.portal.test_document_audit import CASES, PDF, served  # noqa: F401  (fixture)

pytestmark = [pytest.mark.services, pytest.mark.django_db]


@pytest.fixture
def stored(object_store, served):
    """The documents of `served`, created once the default storage is the test bucket."""
    return served


@pytest.mark.parametrize("case", CASES)
def test_each_document_is_in_the_bucket_and_streamed_after_the_check(client, object_store, stored, case):
    url, user, *_ = stored[case]
    # Two pieces, the receipt, the minutes, the letter, the convention and its signed copy: all in the bucket.
    assert len(object_store.keys()) == 7
    client.force_login(user)
    response = client.get(url)
    assert response.status_code == 200 and b"".join(response.streaming_content) == PDF
    client.force_login(UserFactory(email="curieux@exemple.fr"))
    assert client.get(url).status_code in (403, 404)
    client.logout()
    assert client.get(url).status_code == 302


def test_a_juror_with_a_conflict_cannot_read_the_dossiers_pieces(client, object_store, stored, reviewed, members):
    url, _, dossier, *_ = stored["juror_piece"]
    juror = members[2]
    conflicts.conflict_declare(
        actor=juror.user,
        member=juror,
        dossier=dossier,
        status=ConflictDeclaration.Status.CONFLICT,
        reason="Ancien employeur.",
    )
    client.force_login(juror.user)
    assert client.get(url).status_code == 404
    client.force_login(members[1].user)
    assert client.get(url).status_code == 200
