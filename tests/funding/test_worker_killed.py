"""A Celery worker killed (SIGKILL) in the middle of a batch of convention PDFs: a new worker finishes the batch,
and every convention ends with exactly one rendered document, none missing, none rendered twice.

The first worker is killed after a task has committed its PDF but before the broker got the task's
acknowledgement (acks_late): the task is delivered again and must find its work done.

Real processes: a private redis-server (tests/brokers.py) and `celery -A portal worker`
subprocesses, which must see the test database: PostgreSQL in CI, or a SQLite file (never the in-memory one).
"""

import os
import signal
import subprocess
import sys
import threading
import time
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.db import connection
from django.utils import timezone

from applications.models import Dossier
from funding.models import Convention
from funding.services import conventions
from portal.models import AuditEvent
from tests.applications.factories import DossierFactory
from tests.brokers import queued, unacknowledged
from tests.funding.conftest import GRANT

BATCH = 5
# After each task, before its acknowledgement, the first worker pauses: the kill lands there, mid-batch.
WORKER = """
import sys, time
from celery.__main__ import main
from celery.signals import task_postrun

def pause(**kwargs):
    time.sleep({pause})

task_postrun.connect(pause, weak=False)
sys.argv = ["celery", "-A", "portal", "worker", "--concurrency", "1", "--without-gossip", "--without-mingle", "-l", "INFO"]
main()
"""


def database_url_for_workers(services_required: bool) -> str:
    """The test database as a URL other processes can open; skip (or fail in CI) when they cannot."""
    database = connection.settings_dict
    if connection.vendor == "postgresql":
        return (
            f"postgres://{database['USER']}:{database['PASSWORD']}@{database['HOST'] or '127.0.0.1'}:"
            f"{database['PORT'] or 5432}/{database['NAME']}"
        )
    if connection.vendor == "sqlite" and not connection.creation.is_in_memory_db(database["NAME"]):
        return f"sqlite:///{database['NAME']}"
    if services_required:
        pytest.fail(
            "SERVICES_REQUIRED=1 mais la base de test n'est visible d'aucun autre processus (SQLite en mémoire)"
        )
    pytest.skip("la base de test est en mémoire (SQLite) : un worker Celery ne la voit pas ; lancer avec PostgreSQL")


class Worker:
    """`celery -A portal worker` in its own process group, its output kept for failure messages."""

    def __init__(self, env: dict, pause: float, ready_timeout: float = 60):
        self.output: list[str] = []
        self.ready = threading.Event()
        self.process = subprocess.Popen(
            [sys.executable, "-c", WORKER.format(pause=pause)],
            cwd=django_settings.BASE_DIR,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        threading.Thread(target=self.drain, daemon=True).start()
        if not self.ready.wait(timeout=ready_timeout):
            self.kill()  # never left running behind a failed test
            raise AssertionError("le worker Celery n'a pas démarré :\n" + "".join(self.output))

    def drain(self):
        for line in self.process.stdout:
            self.output.append(line.decode(errors="replace"))
            if " ready." in self.output[-1]:
                self.ready.set()

    def kill(self):
        """SIGKILL to the main process and its pool child at once: no warm shutdown, no acknowledgement."""
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=20)


def rendered() -> int:
    return Convention.objects.exclude(pdf="").count()


def wait_until(condition, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.1)
    return False


@pytest.mark.services
@pytest.mark.django_db(transaction=True)
def test_a_killed_worker_leaves_no_convention_missing_or_rendered_twice(
    private_broker, services_required, dossier, staff
):
    database_url = database_url_for_workers(services_required)
    dossiers = [dossier] + [
        DossierFactory(
            session=dossier.session,
            selected=True,
            granted_amount=GRANT,
            phase=dossier.phase,
            planned_start=timezone.localdate() - timedelta(days=30),
            duration_months=12,
        )
        for _ in range(BATCH - 1)
    ]
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "REDIS_URL": f"redis://127.0.0.1:{private_broker}/0",
        "DEBUG": "1",
        "MEDIA_ROOT": str(django_settings.MEDIA_ROOT),
        "CELERY_VISIBILITY_TIMEOUT": "3",
    }
    workers = [Worker(env, pause=3.0)]
    try:
        for each in dossiers:  # each generation publishes its render task on commit, to the private broker
            conventions.convention_generate(actor=staff, dossier=each)
        assert wait_until(lambda: rendered() >= 1, timeout=30), "".join(workers[0].output)
        workers[0].kill()
        before_the_kill = {c.pk: (c.pdf.name, c.sha256, c.rendered_at) for c in Convention.objects.exclude(pdf="")}
        assert 1 <= len(before_the_kill) < BATCH, "le worker devait être tué au milieu du lot"

        workers.append(Worker(env, pause=0))
        # Done when every PDF is there and the broker holds nothing, not even the killed task's redelivery.
        finished = wait_until(
            lambda: rendered() == BATCH and queued(private_broker) == 0 and unacknowledged(private_broker) == 0,
            timeout=45,
        )
        assert finished, f"{rendered()}/{BATCH} rendues :\n" + "".join(workers[-1].output)
    finally:
        for worker in workers:
            worker.kill()

    output = "".join(workers[-1].output)
    # The new worker ran the rest of the batch and, again, the task killed before its acknowledgement.
    renders = [
        line for line in output.splitlines() if "funding.tasks.convention_render[" in line and " succeeded in " in line
    ]
    assert len(renders) >= BATCH - len(before_the_kill) + 1, "la tâche tuée n'a pas été redistribuée :\n" + output
    assert "Traceback" not in output, output
    for each in Dossier.objects.filter(pk__in=[d.pk for d in dossiers]):
        versions = list(each.conventions.all())
        assert [convention.version for convention in versions] == [1]
        convention = versions[0]
        assert convention.pdf.read().startswith(b"%PDF") and convention.rendered_at and convention.sha256
        if convention.pk in before_the_kill:  # delivered twice, rendered once
            assert (convention.pdf.name, convention.sha256, convention.rendered_at) == before_the_kill[convention.pk]
    assert len(list(Path(django_settings.MEDIA_ROOT).rglob("*.pdf"))) == BATCH  # no stray second render
    assert AuditEvent.objects.filter(action="convention.generate").count() == BATCH
