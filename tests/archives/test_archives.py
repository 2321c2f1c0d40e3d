"""The whole dossier for a control body: its PDF, its ZIP and the session's, checked against their manifest."""

import hashlib
import io
import json
import zipfile

import pikepdf
import pytest
from django.core.files.storage import default_storage
from django.template.loader import render_to_string
from django.urls import reverse

from archives import build, selectors, services, tasks
from portal import jobs
from portal.models import AuditEvent
from tests.pdf_text import pdf_pages

MANIFESTS = {"manifest.csv", "manifest.json"}


def zip_of(job: dict) -> zipfile.ZipFile:
    with default_storage.open(job["path"], "rb") as stored:
        return zipfile.ZipFile(io.BytesIO(stored.read()))


def assert_matches_manifest(archive: zipfile.ZipFile) -> list[dict]:
    """Every file listed with its size and digest, no file unlisted; returns the manifest."""
    manifest = json.loads(archive.read("manifest.json"))
    names = set(archive.namelist()) - MANIFESTS
    assert sorted(entry["path"] for entry in manifest) == sorted(names)
    for entry in manifest:
        content = archive.read(entry["path"])
        assert entry["size"] == len(content), entry["path"]
        assert entry["sha256"] == hashlib.sha256(content).hexdigest(), entry["path"]
    lines = archive.read("manifest.csv").decode().splitlines()
    assert lines[0] == "path,kind,dossier,size,sha256" and len(lines) == len(manifest) + 1
    return manifest


def built(user, *, dossier=None, session=None, fmt="zip") -> dict:
    if dossier is not None:
        job_id = services.archive_request_dossier(actor=user, dossier=dossier, fmt=fmt)
    else:
        total = selectors.session_archive_dossiers(user, session).count()
        job_id = services.archive_request_session(actor=user, session=session, total=total)
    tasks.archive_build(job_id)
    return {**jobs.job_get(job_id), "id": job_id}


def test_dossier_archive_holds_every_file_listed_with_its_digest(funded, staff):
    job = built(staff, dossier=funded)
    manifest = assert_matches_manifest(zip_of(job))
    kinds = {entry["kind"] for entry in manifest}
    assert kinds == {"dossier_pdf", "piece", "recepisse", "convention", "convention_signee"}
    assert {entry["dossier"] for entry in manifest} == {funded.reference}
    piece = next(entry for entry in manifest if entry["kind"] == "piece")
    assert piece["sha256"] == funded.attachments.get().sha256  # the digest the receipt certified
    signed = next(entry for entry in manifest if entry["kind"] == "convention_signee")
    assert signed["sha256"] == funded.conventions.get().signed_sha256
    assert job["state"] == jobs.JobState.DONE and job["done"] == job["total"] == 1


def test_session_archive_holds_exactly_the_dossiers_the_requester_may_see(
    submitted, staff, instructor_of_other_group, session
):
    everything = assert_matches_manifest(zip_of(built(staff, session=session)))
    assert {entry["dossier"] for entry in everything} == {dossier.reference for dossier in submitted}
    own_group = assert_matches_manifest(zip_of(built(instructor_of_other_group, session=session)))
    assert {entry["dossier"] for entry in own_group} == {submitted[1].reference}
    assert {entry["path"].split("/")[0] for entry in own_group} == {selectors.file_slug(submitted[1].reference)}


def test_a_draft_is_in_no_archive(submitted, staff, session, member):
    from applications.services import drafting

    drafting.dossier_start(
        actor=member.user, session=session, organisation=member.organisation, acronym="BROU", title="Brouillon"
    )
    assert set(selectors.session_archive_dossiers(staff, session)) == set(submitted)


def test_the_pdf_shows_every_part_of_the_dossier(funded):
    record = selectors.dossier_record(funded)
    html = render_to_string(build.PDF_TEMPLATE, record)
    evaluation = record["evaluation"]
    assert record["snapshot"].number == 1 and record["receipts"] == [record["snapshot"]]
    for text in [
        f"Dossier complet {funded.reference}",
        '<html lang="fr">',
        "<title>Dossier complet",
        "Le projet",  # a section of the form
        "Problème résolu",
        "Trop de papier.",  # an answer
        "Cheffe ou chef de projet",
        "Prestation de développement",  # a budget line
        f"version {evaluation.rule_version.number}",  # the rule's version
        evaluation.explanation[0],
        evaluation.explanation[-1],
        "Lettre d&#x27;engagement signée",  # the piece as the call names it
        funded.attachments.get().sha256,
        record["snapshot"].digest,  # the receipt's digest
        "Retenu",  # the jury's decision
        "Jury ITN6",
        "Déposé",  # the history of states
        "En vigueur",  # the convention
        funded.conventions.get().signed_sha256,
        "MANDAT-2021-0042",  # the payment
    ]:
        assert text in html, text


def test_the_pdf_is_tagged_titled_in_french_and_opens(funded):
    content = build.dossier_pdf(funded)
    with pikepdf.open(io.BytesIO(content)) as document:
        assert str(document.Root.Lang) == "fr"
        assert "/StructTreeRoot" in document.Root  # tagged: headings and tables reach a screen reader
        assert str(document.open_metadata().get("dc:title")).startswith(f"Dossier complet {funded.reference}")
    text = "\n".join(pdf_pages(content))
    assert "Calcul du cofinancement" in text and "MANDAT-2021-0042" in text


def test_a_pdf_job_gives_the_dossier_pdf(funded, staff):
    job = built(staff, dossier=funded, fmt="pdf")
    assert job["filename"] == build.dossier_pdf_name(funded)
    with default_storage.open(job["path"], "rb") as stored:
        assert stored.read(5) == b"%PDF-"


def test_building_again_does_nothing_and_a_failed_run_is_overwritten(submitted, staff):
    job = built(staff, dossier=submitted[0])
    modified = default_storage.get_modified_time(job["path"])
    assert tasks.archive_build(job["id"])["path"] == job["path"]
    assert default_storage.get_modified_time(job["path"]) == modified
    jobs.job_update(job["id"], state=jobs.JobState.RUNNING)  # a run that died after writing its file
    tasks.archive_build(job["id"])
    assert default_storage.listdir(tasks.ARCHIVE_DIR)[1] == [job["path"].rsplit("/", 1)[1]]


def test_progress_counts_dossiers_and_the_page_polls_until_ready(client, submitted, staff, session, monkeypatch):
    monkeypatch.setattr(tasks.archive_run, "apply_async", lambda **kwargs: None)  # no worker yet
    client.force_login(staff)
    response = client.post(reverse("archives:session", args=[session.pk]))
    job_url = response.url
    job_id = job_url.rstrip("/").rsplit("/", 1)[1]
    fragment = client.get(job_url, headers={"HX-Request": "true"}).content.decode()
    assert 'hx-trigger="every 2s"' in fragment and "<progress" in fragment and "0 dossiers écrits sur 2" in fragment
    seen, update = [], jobs.job_update
    monkeypatch.setattr(
        jobs, "job_update", lambda job_id, **changes: seen.append(changes.get("done")) or update(job_id, **changes)
    )
    tasks.archive_build(job_id)
    assert [done for done in seen if done is not None][:3] == [0, 1, 2]
    fragment = client.get(job_url, headers={"HX-Request": "true"}).content.decode()
    assert "hx-trigger" not in fragment and "Télécharger l&#x27;archive" in fragment


def test_request_and_download_are_audited_and_the_download_is_the_archive(
    client, submitted, staff, django_capture_on_commit_callbacks
):
    client.force_login(staff)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("archives:dossier", args=[submitted[0].pk]), {"format": "zip"})
    page = client.get(response.url)
    assert "Le fichier est prêt" in page.content.decode()
    download = client.get(page.context["download_url"])
    assert download.status_code == 200 and download["Content-Type"] == "application/zip"
    assert_matches_manifest(zipfile.ZipFile(io.BytesIO(b"".join(download.streaming_content))))
    events = AuditEvent.objects.filter(action__startswith="archive.").order_by("pk")
    assert [(event.action, event.actor_id, event.target_id) for event in events] == [
        ("archive.requested", staff.pk, str(submitted[0].pk)),
        ("archive.downloaded", staff.pk, str(submitted[0].pk)),
    ]


# --- who may ---------------------------------------------------------------------------------------


@pytest.fixture
def juror(submitted, programme):
    from juries.models import Jury, JuryMember
    from portal.models import Role
    from tests.archives.conftest import role
    from tests.portal.factories import UserFactory

    dossier = submitted[0]
    jury = Jury.objects.create(programme=programme, call=dossier.theme.call, session=dossier.session, name="Jury")
    user = role(UserFactory(email="jure@exemple.fr"), Role.JUROR, jury)
    JuryMember.objects.create(jury=jury, user=user)
    return user


@pytest.fixture
def staff_elsewhere(db):
    from portal.models import Role
    from tests.archives.conftest import role
    from tests.calls.model_factories import ProgrammeFactory
    from tests.portal.factories import UserFactory

    return role(UserFactory(email="autre-programme@exemple.gouv.fr"), Role.PROGRAMME_STAFF, ProgrammeFactory())


@pytest.mark.parametrize("who", ["applicant", "juror", "staff_elsewhere", "instructor_of_other_group"])
def test_outsiders_find_no_archive(request, client, submitted, session, staff, member, who):
    user = member.user if who == "applicant" else request.getfixturevalue(who)
    dossier = submitted[0]  # routed to group A when the instructor of group B exists
    client.force_login(user)
    for method in (client.get, client.post):
        assert method(reverse("archives:dossier", args=[dossier.pk]), {"format": "zip"}).status_code == 404
    expected_session = 200 if who == "instructor_of_other_group" else 404  # his own dossiers only, below
    assert client.get(reverse("archives:session", args=[session.pk])).status_code == expected_session
    job = built(staff, dossier=dossier)  # staff's archive: nobody else's to follow or download
    assert client.get(reverse("archives:job", args=[job["id"]])).status_code == 404
    assert client.get(reverse("archives:job_download", args=[job["id"]])).status_code == 404


def test_a_download_is_refused_once_the_requester_may_no_longer_see_a_dossier(client, submitted, staff, session):
    from applications.models import InstructorGroup, InstructorGroupMember

    job = built(staff, session=session)
    client.force_login(staff)
    assert client.get(reverse("archives:job_download", args=[job["id"]])).status_code == 200
    group = InstructorGroup.objects.create(programme=session.theme.call.programme, name="Groupe B")
    InstructorGroupMember.objects.create(group=group, user=staff)  # now instructs group B's dossiers only
    assert client.get(reverse("archives:job_download", args=[job["id"]])).status_code == 404


def test_a_session_of_another_programme_is_not_found(client, staff, db):
    from tests.calls.model_factories import SessionFactory

    client.force_login(staff)
    assert client.get(reverse("archives:session", args=[SessionFactory().pk])).status_code == 404


def test_an_archive_file_lives_as_long_as_its_job(submitted, staff):
    from datetime import timedelta

    from django.core.cache import cache
    from django.utils import timezone

    from portal.services.files import orphan_files_purge

    job = built(staff, dossier=submitted[0])
    later = timezone.now() + timedelta(days=2)
    assert job["path"] not in orphan_files_purge(now=later)  # its job still knows it: the link works
    cache.delete(jobs.job_key(job["id"]))  # the job expires (JOB_TIMEOUT)
    assert job["path"] in orphan_files_purge(now=later)
