"""One export measurement per process, so that the peak memory measured is that export's own.

    python -m bench.probes copy | csv [querystring] | xlsx [querystring]
    python -m bench.probes scores_copy | scores_csv | scores_xlsx <jury id>

Run by bench.run with the bench environment. Prints one JSON line: seconds, rows, bytes and
the growth of the resident memory during the export (sampled every 20 ms).
Exports go through the portal's own staff exports (applications/exports.py for dossiers,
juries/views/exports.py for the jurors' scores) with the test client; the baseline is
PostgreSQL `COPY (<the same SELECT>) TO STDOUT`.
"""

import json
import os
import resource
import sys
import threading
import time

STAFF_EMAIL = "equipe@bench.gouv.fr"
ALL_ROWS = "brouillons=on"  # the staff list hides drafts by default; the export covers every dossier


def rss_mb() -> float:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * resource.getpagesize() / 2**20


class PeakSampler:
    """Highest resident memory seen every 20 ms while the export runs (ru_maxrss keeps the
    start-up peak, which would hide a small export's growth)."""

    def __enter__(self):
        self.baseline = self.peak = rss_mb()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()
        return self

    def _run(self):
        while not self._stop.wait(0.02):
            self.peak = max(self.peak, rss_mb())

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, rss_mb())

    @property
    def growth(self) -> float:
        return self.peak - self.baseline


def dossiers_queryset():
    from applications.resources import export_queryset
    from applications.selectors import staff_dossier_list
    from portal.models import User

    return export_queryset(staff_dossier_list(User.objects.get(email=STAFF_EMAIL), include_drafts=True))


def scores_queryset(jury_id: str):
    """The SELECT of the jury's score-sheet export (juries.resources.submitted_sheets)."""
    from juries.models import Evaluation
    from juries.resources import SHEET_DEFERRED

    return (
        Evaluation.objects.filter(assignment__member__jury_id=int(jury_id), submitted_at__isnull=False)
        .select_related("assignment__dossier__organisation", "assignment__member__user")
        .defer(*SHEET_DEFERRED)
        .order_by("assignment__dossier__reference", "assignment__member_id")
    )


def copy_probe(queryset) -> dict:
    from django.db import connection

    sql, params = queryset.query.sql_with_params()
    statement = f"COPY ({connection.ops.compose_sql(sql, params)}) TO STDOUT WITH (FORMAT csv, HEADER)"
    rows = queryset.count()
    started = time.perf_counter()
    size = 0
    with PeakSampler() as memory, connection.cursor() as cursor:
        with cursor.cursor.copy(statement) as copy:
            for chunk in copy:
                size += len(chunk)
    return {
        "seconds": time.perf_counter() - started,
        "rows": rows,
        "bytes": size,
        "rss_growth_mb": memory.growth,
        "via": "COPY (SELECT de l'export) TO STDOUT",
    }


def _consume(response) -> tuple[int, int | None, str]:
    """Bytes, rows (when the export says) and path of an export response, read to its end."""
    if response.streaming:
        return sum(len(chunk) for chunk in response.streaming_content), None, "export du portail (CSV en flux)"
    if response.status_code == 302:
        # Large XLSX: built by the Celery task (run in this process: no REDIS_URL), then a progress page.
        from django.core.files.storage import default_storage

        from portal.jobs import job_get

        job = job_get(response["Location"].rstrip("/").split("/")[-1])
        return default_storage.size(job["path"]), job["done"], f"export du portail (tâche Celery, {job['state']})"
    return len(response.content), None, f"export du portail (dans la requête, HTTP {response.status_code})"


def scores_probe(fmt: str, jury_id: str) -> dict:
    from django.test import Client
    from django.urls import reverse

    from portal.models import User

    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(User.objects.get(email=STAFF_EMAIL))
    client.get(reverse("juries:evaluations_export", args=[int(jury_id), "csv"]))  # warm-up, as for the dossiers
    with PeakSampler() as memory:
        started = time.perf_counter()
        size, _rows, via = _consume(client.get(reverse("juries:evaluations_export", args=[int(jury_id), fmt])))
        seconds = time.perf_counter() - started
    return {
        "seconds": seconds,
        "rows": scores_queryset(jury_id).count(),
        "bytes": size,
        "rss_growth_mb": memory.growth,
        "via": via.replace("(CSV en flux)", "(CSV)"),
    }


def export_probe(fmt: str, querystring: str) -> dict:
    from django.test import Client

    from portal.models import User

    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(User.objects.get(email=STAFF_EMAIL))
    url = f"/instruction/dossiers/export.{fmt}?{querystring}"
    # An empty export first: imports, templates and translations are loaded before the measure.
    warm = client.get(f"/instruction/dossiers/export.csv?{querystring}&q=aucun-dossier-ne-correspond")
    b"".join(warm.streaming_content) if warm.streaming else warm.content
    with PeakSampler() as memory:
        started = time.perf_counter()
        response = client.get(url)
        size, rows, via = _consume(response)
        seconds = time.perf_counter() - started
    if rows is None:
        from django.http import QueryDict

        from applications.tasks_exports import filtered_dossiers

        _form, dossiers = filtered_dossiers(User.objects.get(email=STAFF_EMAIL), QueryDict(querystring))
        rows = dossiers.count()
    return {"seconds": seconds, "rows": rows, "bytes": size, "rss_growth_mb": memory.growth, "via": via}


def main() -> None:
    kind = sys.argv[1]
    extra = sys.argv[2] if len(sys.argv) > 2 else ""
    if kind in ("xlsx", "ods"):
        # No broker: the export task runs in this process, where its memory is measured.
        os.environ["REDIS_URL"] = ""
    import django

    django.setup()
    if kind == "copy":
        result = copy_probe(dossiers_queryset())
    elif kind == "scores_copy":
        result = copy_probe(scores_queryset(extra))
    elif kind.startswith("scores_"):
        result = scores_probe(kind.removeprefix("scores_"), extra)
    else:
        result = export_probe(kind, "&".join(filter(None, [ALL_ROWS, extra])))
    print(json.dumps(result))


if __name__ == "__main__":
    main()
