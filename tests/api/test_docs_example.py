"""The example of docs/api.md, run as an integrator runs it: a separate process syncing a session's dossiers to
a CSV over HTTP (the test's live server), then again incrementally with `updated_since`."""

from __future__ import annotations

import csv
import os
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

from django.conf import settings
from django.utils import timezone

from portal.models import AuditEvent
from tests.api.conftest import token_for
from tests.applications.factories import DossierFactory

SCRIPT = Path(settings.BASE_DIR) / "docs" / "exemples" / "sync_dossiers_csv.py"


def run(live_server, secret: str, session_id: int, path: Path) -> str:
    environment = {**os.environ, "PORTAIL_API": f"{live_server.url}/api/v1", "PORTAIL_JETON": secret}
    done = subprocess.run(
        [sys.executable, str(SCRIPT), str(session_id), str(path)],
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return done.stdout.strip()


def lines(path: Path) -> dict[str, dict]:
    with path.open(newline="", encoding="utf-8") as file:
        return {line["id"]: line for line in csv.DictReader(file)}


def test_the_example_syncs_a_session_incrementally(world_p, world_q, live_server, tmp_path, time_machine):
    others = [DossierFactory(session=world_p.session, submitted=True, submitted_at=timezone.now()) for _ in range(3)]
    DossierFactory(session=world_p.session)  # a draft: not listed
    time_machine.move_to(timezone.now() + timedelta(minutes=10))
    others[0].title = "Changé juste avant la première lecture"
    others[0].save()
    secret = token_for(world_p.staff, world_p.programme, ["dossiers:read"])
    target = tmp_path / "dossiers.csv"
    expected = {str(pk) for pk in world_p.session.dossiers.exclude(state="draft").values_list("pk", flat=True)}

    assert run(live_server, secret, world_p.session.pk, target) == f"5 dossier(s) lu(s), 5 ligne(s) dans {target}."
    first = lines(target)
    assert set(first) == expected
    funded = first[str(world_p.funded.pk)]
    assert funded["granted_amount"] == "30000.00" and funded["organisation"] == world_p.funded.organisation.name
    assert timezone.datetime.fromisoformat(funded["updated_at"]).utcoffset() is not None

    # Ten minutes later one dossier changes and one is submitted: the next run reads those two, and the one
    # changed in the last minute before the previous read (the margin re-reads it rather than risk missing one).
    time_machine.move_to(timezone.now() + timedelta(minutes=10))
    world_p.dossier.title = "Titre revu par le porteur"
    world_p.dossier.save()
    added = DossierFactory(session=world_p.session, submitted=True, submitted_at=timezone.now())
    assert run(live_server, secret, world_p.session.pk, target) == f"3 dossier(s) lu(s), 6 ligne(s) dans {target}."
    second = lines(target)
    assert second[str(world_p.dossier.pk)]["title"] == "Titre revu par le porteur"
    assert second[str(added.pk)]["state"] == added.state
    assert {key: line for key, line in second.items() if key not in (str(world_p.dossier.pk), str(added.pk))} == {
        key: line for key, line in first.items() if key != str(world_p.dossier.pk)
    }
    # Another programme's session is a filter that finds nothing, not an error.
    assert run(live_server, secret, world_q.session.pk, tmp_path / "q.csv").startswith("0 dossier(s) lu(s), 0 ligne")
    assert AuditEvent.objects.filter(action="api.request").count() == 3
