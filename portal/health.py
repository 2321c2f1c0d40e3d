"""The operators' health page (/sante/detail/): one function per check, listed in settings.HEALTH_CHECKS.

Each check returns a HealthCheck and never raises: a check that fails reports an error (the page
must still answer when the database or the broker is down). `/sante/` stays the load balancer's
bare probe and asks nothing of anyone.
"""

import time
from dataclasses import dataclass, field
from datetime import datetime

from django.conf import settings
from django.db import connection
from django.db.models import Count, Max, Min
from django.utils import timezone
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from portal.celery import app
from portal.database_faults import discard_broken_connections
from portal.models import Heartbeat, OutboxMessage, TaskOutbox
from portal.templatetags.portal_format import format_number

OK, WARNING, ERROR = "ok", "warning", "error"
SEVERITY = {OK: 0, WARNING: 1, ERROR: 2}
# Beat's database scheduler writes its last runs every 3 minutes: older than this, beat is stopped.
BEAT_SILENCE_SECONDS = 600
# E-mails due for this long and not sent mean the worker or the mail server is failing.
EMAIL_LATE_SECONDS = 900


@dataclass(frozen=True)
class HealthCheck:
    name: str  # stable key, for monitoring
    label: str  # French, for the page
    status: str  # OK, WARNING or ERROR
    value: str  # French, what was found
    data: dict = field(default_factory=dict)  # the raw figures, for monitoring


def run_checks() -> list[HealthCheck]:
    """Every configured check, in order; an exception becomes that check's error."""
    results = []
    for path in settings.HEALTH_CHECKS:
        try:
            results.append(import_string(path)())
        except Exception as error:  # what the check met is the finding
            discard_broken_connections()
            name = path.rsplit(".", 1)[-1]
            results.append(HealthCheck(name, name, ERROR, f"{type(error).__name__} : {error}"[:300]))
    return results


def overall(checks: list[HealthCheck]) -> str:
    return max((check.status for check in checks), key=SEVERITY.__getitem__, default=OK)


def age_seconds(moment: datetime | None) -> float | None:
    return None if moment is None else max(0.0, (timezone.now() - moment).total_seconds())


def duration_text(seconds: float) -> str:
    """A French duration: « 45 s », « 3 min », « 2 h 05 »."""
    seconds = int(seconds)
    if seconds < 120:
        return _("%(seconds)s s") % {"seconds": seconds}
    if seconds < 3600:
        return _("%(minutes)s min") % {"minutes": seconds // 60}
    return _("%(hours)s h %(minutes)02d") % {"hours": seconds // 3600, "minutes": seconds % 3600 // 60}


def backlog(name: str, label: str, *, count: int, oldest: datetime | None, late_after: float) -> HealthCheck:
    """A queue of waiting work: a warning once its oldest item has waited more than `late_after` seconds."""
    waited = age_seconds(oldest)
    if not count:
        return HealthCheck(name, label, OK, _("rien en attente"), {"count": 0, "oldest_seconds": None})
    value = ngettext(
        "%(count)s en attente, depuis %(age)s", "%(count)s en attente, le plus ancien depuis %(age)s", count
    ) % {"count": count, "age": duration_text(waited)}
    status = WARNING if waited > late_after else OK
    return HealthCheck(name, label, status, value, {"count": count, "oldest_seconds": round(waited)})


def database() -> HealthCheck:
    started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    elapsed = (time.perf_counter() - started) * 1000
    return HealthCheck(
        "database",
        _("Base de données"),
        OK,
        _("répond en %(ms)s ms") % {"ms": format_number(elapsed, decimals=1)},
        {"milliseconds": round(elapsed, 1)},
    )


def broker() -> HealthCheck:
    label = _("Broker (Redis)")
    if app.conf.task_always_eager:
        return HealthCheck(
            "broker", label, OK, _("sans objet : les tâches s'exécutent dans la requête (REDIS_URL vide)")
        )
    started = time.perf_counter()
    with app.connection_for_write() as broker_connection:
        broker_connection.ensure_connection(
            max_retries=1, interval_start=0, interval_step=0, timeout=settings.BROKER_TIMEOUT
        )
        queued = broker_connection.default_channel.client.llen(app.conf.task_default_queue)
    elapsed = (time.perf_counter() - started) * 1000
    return HealthCheck(
        "broker",
        label,
        OK,
        ngettext(
            "répond en %(ms)s ms ; %(queued)s tâche en file",
            "répond en %(ms)s ms ; %(queued)s tâches en file",
            queued,
        )
        % {"ms": format_number(elapsed, decimals=1), "queued": queued},
        {"milliseconds": round(elapsed, 1), "queued": queued},
    )


def worker() -> HealthCheck:
    label = _("Worker Celery (signal de vie)")
    if app.conf.task_always_eager:
        return HealthCheck("worker", label, OK, _("sans objet : les tâches s'exécutent dans la requête"))
    beat = Heartbeat.objects.filter(name="worker").first()
    if beat is None:
        return HealthCheck("worker", label, ERROR, _("aucun signal de vie reçu"), {"seconds": None})
    waited = age_seconds(beat.seen_at)
    status = OK if waited <= 3 * settings.HEARTBEAT_SECONDS else ERROR
    value = _("dernier signal il y a %(age)s (%(host)s)") % {"age": duration_text(waited), "host": beat.detail}
    return HealthCheck("worker", label, status, value, {"seconds": round(waited), "host": beat.detail})


def beat() -> HealthCheck:
    from django_celery_beat.models import PeriodicTask

    label = _("Planificateur (beat)")
    if app.conf.task_always_eager:
        return HealthCheck("beat", label, OK, _("sans objet : les tâches s'exécutent dans la requête"))
    last = PeriodicTask.objects.filter(enabled=True).aggregate(last=Max("last_run_at"))["last"]
    if last is None:
        return HealthCheck("beat", label, ERROR, _("n'a encore rien lancé"), {"seconds": None})
    waited = age_seconds(last)
    status = OK if waited <= BEAT_SILENCE_SECONDS else ERROR
    value = _("dernière tâche lancée il y a %(age)s") % {"age": duration_text(waited)}
    return HealthCheck("beat", label, status, value, {"seconds": round(waited)})


def task_outbox() -> HealthCheck:
    rows = TaskOutbox.objects.aggregate(oldest=Min("created_at"), count=Count("pk"))
    check = backlog(
        "task_outbox",
        _("Tâches à publier (boîte d'envoi des tâches)"),
        count=rows["count"],
        oldest=rows["oldest"],
        late_after=2 * settings.TASK_OUTBOX_SWEEP_SECONDS + 30,
    )
    unknown = TaskOutbox.objects.exclude(last_error="").count()
    if unknown:
        message = ngettext(
            "%(count)s tâche introuvable (voir l'administration)", "%(count)s tâches introuvables", unknown
        ) % {"count": unknown}
        return HealthCheck(
            check.name, check.label, ERROR, f"{check.value} ; {message}", {**check.data, "unknown": unknown}
        )
    return check


def email_outbox() -> HealthCheck:
    due = OutboxMessage.objects.filter(status=OutboxMessage.Status.PENDING, next_attempt_at__lte=timezone.now())
    rows = due.aggregate(oldest=Min("next_attempt_at"), count=Count("pk"))
    check = backlog(
        "email_outbox",
        _("E-mails à envoyer"),
        count=rows["count"],
        oldest=rows["oldest"],
        late_after=EMAIL_LATE_SECONDS,
    )
    failed = OutboxMessage.objects.filter(status=OutboxMessage.Status.FAILED).count()
    if failed:
        message = ngettext("%(count)s en échec définitif", "%(count)s en échec définitif", failed) % {"count": failed}
        status = check.status if check.status == ERROR else WARNING
        return HealthCheck(
            check.name, check.label, status, f"{check.value} ; {message}", {**check.data, "failed": failed}
        )
    return check
