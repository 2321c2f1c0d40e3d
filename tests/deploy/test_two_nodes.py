"""Two web nodes behind no shared disk: two gunicorn processes on two ports and a Celery worker, sharing only
PostgreSQL, Redis and the object store (docs/deployment.md). A session opened on one node is valid on the
other, a file uploaded on one is read on the other, the receipt rendered by the worker is served by either.

Required in CI (.ci/run: PostgreSQL, Redis, moto in server mode); skipped elsewhere.
"""

import os
import re
import subprocess
import sys
import time

import pytest
import requests
from django.conf import settings as django_settings
from django.urls import reverse

from applications.models import DossierSnapshot
from tests.applications.conftest import complete, dossier, member, pdf_file, session, theme  # noqa: F401 (fixtures)
from tests.brokers import free_port
from tests.funding.test_worker_killed import Worker, database_url_for_workers
from tests.portal.factories import PASSWORD
from tests.portal.upload_corpus import pdf

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]


class Node:
    """`gunicorn portal.wsgi` on a port of its own, its output in a file for failure messages."""

    def __init__(self, env: dict, log_path):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log_path = log_path
        self.process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "portal.wsgi:application", "--bind", f"127.0.0.1:{self.port}"]
            + ["--workers", "1", "--timeout", "60"],
            cwd=django_settings.BASE_DIR,
            env=env,
            stdout=log_path.open("w"),
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def wait_ready(self, timeout: float = 120) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                if requests.get(f"{self.url}/sante/", timeout=10).status_code == 200:
                    return
            except requests.RequestException:  # not listening yet, or still importing on its first request
                pass
            time.sleep(0.3)
        raise AssertionError(f"le nœud {self.url} n'a pas démarré :\n{self.log()}")

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=20)


def csrf_post(browser: requests.Session, url: str, data: dict, **kwargs) -> requests.Response:
    """POST as the portal's forms do: the CSRF token of the session's cookie, sent back in the form."""
    return browser.post(url, data={**data, "csrfmiddlewaretoken": browser.cookies["csrftoken"]}, **kwargs)


def test_upload_on_one_node_download_and_submit_on_the_other_receipt_from_the_worker(
    tmp_path, settings, object_store, private_broker, services_required, dossier, member, pdf_file
):
    database_url = database_url_for_workers(services_required)
    if not os.environ.get("REDIS_URL"):
        if services_required:
            pytest.fail("SERVICES_REQUIRED=1 mais REDIS_URL n'est pas défini")
        pytest.skip("needs REDIS_URL (run by .ci/run)")
    complete(dossier, member.user, pdf_file)  # sections and budget filled; the piece is replaced on node 1 below
    # The nodes run the production hashers, not the tests' fast one: the password must be one they can check.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.PBKDF2PasswordHasher", *settings.PASSWORD_HASHERS]
    member.user.set_password(PASSWORD)
    member.user.save(update_fields=["password"])
    env = {
        **{key: value for key, value in os.environ.items() if key not in ("TESTING", "MEDIA_ROOT")},
        **object_store.env,
        "DATABASE_URL": database_url,
        # Cache, sessions' rate limits and the Celery broker: one Redis that both nodes and the worker share.
        "REDIS_URL": f"redis://127.0.0.1:{private_broker}/0",
        "DEBUG": "1",
        # No shared disk: each process gets a MEDIA_ROOT of its own, which must stay empty.
        "EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
    }
    processes = []
    try:
        nodes = []
        for number in (1, 2):
            media = tmp_path / f"media-{number}"
            nodes.append(Node({**env, "MEDIA_ROOT": str(media)}, tmp_path / f"node-{number}.log"))
            processes.append(nodes[-1])
        # Three processes import Django at once: on a busy machine that takes a while.
        worker = Worker({**env, "MEDIA_ROOT": str(tmp_path / "media-worker")}, pause=0, ready_timeout=120)
        processes.append(worker)
        one, two = nodes
        for node in nodes:
            node.wait_ready()

        browser = requests.Session()
        login = reverse("account_login")
        browser.get(one.url + login, timeout=30)
        response = csrf_post(
            browser, one.url + login, {"login": member.user.email, "password": PASSWORD}, allow_redirects=False
        )
        assert response.status_code == 302, one.log()

        # Node 1: the upload. The session cookie it set is the one node 2 reads below.
        document = dossier.theme.required_documents.get()
        response = csrf_post(
            browser,
            one.url + reverse("applications:documents", args=[dossier.pk]),
            {"document": document.pk},
            files={"file": ("Lettre signée.pdf", pdf(), "application/pdf")},
            allow_redirects=False,
        )
        assert response.status_code == 302, one.log()
        attachment = dossier.attachments.get(original_name="Lettre signée.pdf")
        assert attachment.file.name in object_store.keys()

        # Node 2: the same session reads the file node 1 wrote, and submits.
        download = browser.get(two.url + reverse("applications:document_download", args=[dossier.pk, attachment.pk]))
        assert download.status_code == 200 and download.content == pdf(), two.log()
        review = two.url + reverse("applications:review", args=[dossier.pk])
        response = csrf_post(browser, review, {"declaration": "on"}, allow_redirects=False)
        assert response.status_code == 302, two.log()

        # The worker renders the receipt into the bucket; node 1 serves it.
        deadline = time.monotonic() + 45
        snapshot = DossierSnapshot.objects.get(dossier=dossier)
        while not snapshot.receipt and time.monotonic() < deadline:
            time.sleep(0.3)
            snapshot.refresh_from_db()
        assert snapshot.receipt, "".join(worker.output)
        receipt = browser.get(one.url + reverse("applications:receipt", args=[dossier.pk, snapshot.number]))
        assert receipt.status_code == 200 and receipt.content.startswith(b"%PDF"), one.log()
        assert receipt.content == object_store.read(snapshot.receipt.name)
        # Rendered by the worker process, not by a node (with REDIS_URL set, a node only publishes).
        assert re.search(r"Task applications\.tasks\.receipt_generate\[.*\] received", "".join(worker.output))
    finally:
        for process in processes:
            process.stop() if isinstance(process, Node) else process.kill()
    assert not any((tmp_path / f"media-{name}").exists() for name in ("1", "2", "worker")), "un fichier sur disque"
    assert "Traceback" not in one.log() + two.log() + "".join(worker.output)
