"""`make bench`: the national-scale benchmark, every figure against a baseline of the same run.

    uv run python -m bench.run [--scale 10000] [--seed 2026] [--quick]

Starts PostgreSQL and Redis if needed, builds a fresh `portal_bench` database with the seeded
generator (bench/seed.py), serves it with gunicorn under the production settings, measures,
prints the table and writes bench/results/<date>.json. Load is sent to 127.0.0.1 only and
every load run is bounded in requests and in seconds.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime
import json
import os
import platform
import shutil
import signal
import statistics
import subprocess
import sys
import time
from dataclasses import asdict, dataclass
from pathlib import Path

from bench import services
from bench.load import prepare_form_posts, run_closed_loop, run_load, run_open_loop

ROOT = Path(__file__).resolve().parent.parent
WORKDIR = Path(os.environ.get("BENCH_WORKDIR", "/tmp/portal-bench"))  # noqa: S108 (media, static files: outside the clone)
RESULTS = Path(os.environ.get("BENCH_RESULTS_DIR", ROOT / "bench" / "results"))
SNAPSHOT = WORKDIR / "src"
SNAPSHOT_EXCLUDES = {".venv", ".git", "media", "staticfiles", "db.sqlite3", "backups", "node_modules", ".pytest_cache"}


@dataclass
class Figure:
    name: str
    value: float | None
    unit: str
    baseline: float | None = None
    baseline_name: str = ""
    target: str = ""
    target_ratio: float | None = None  # met when value / baseline <= target_ratio
    met: bool | None = None
    note: str = ""

    @property
    def ratio(self) -> float | None:
        if self.value is None or not self.baseline:
            return None
        return self.value / self.baseline

    def judge(self) -> Figure:
        if self.met is None and self.target_ratio is not None and self.ratio is not None:
            self.met = self.ratio <= self.target_ratio
        return self


FIGURES: list[Figure] = []


def log(message: str) -> None:
    print(message, flush=True)


def add(figure: Figure) -> Figure:
    FIGURES.append(figure.judge())
    return figure


def unavailable(name: str, why: str, target: str = "") -> None:
    add(Figure(name, None, "", target=target, note=why))


# --- set-up -------------------------------------------------------------------------------


def prepare(scale: int, seed: int) -> dict:
    """Services, fresh database, production env, migrations, static files, data set."""
    services.ensure_postgres()
    services.ensure_redis()
    services.flush_redis()
    database_url = services.fresh_bench_database()
    shutil.rmtree(WORKDIR / "media", ignore_errors=True)
    (WORKDIR / "media").mkdir(parents=True, exist_ok=True)
    os.environ.update(services.production_env(database_url=database_url, workdir=WORKDIR))
    os.environ["DJANGO_SETTINGS_MODULE"] = "portal.settings"
    import django

    django.setup()
    from django.core.management import call_command

    started = time.perf_counter()
    call_command("migrate", verbosity=0, interactive=False)
    log(f"Base {database_url.rsplit('/', 1)[-1]} migrée en {time.perf_counter() - started:.0f} s")
    # Production serves hashed static names from the manifest: templates fail without it.
    subprocess.run([sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"], cwd=ROOT, check=True)
    from bench.seed import seed as build

    log(f"Jeu de données : {scale} dossiers (graine {seed})…")
    seeded = build(scale=scale, seed=seed, log=log)
    seeded_juries(seeded)
    log(f"  fait en {seeded.seconds:.0f} s : {seeded.counts}")
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")  # fresh statistics: the planner sees the national-scale tables
    return asdict(seeded)


def seeded_juries(seeded) -> None:
    """Jurors, scores and conventions, only when those modules are there and importable."""
    try:
        from bench.seed_juries import seed_juries

        seeded.juries, seeded.conventions = seed_juries(seed=seeded.seed, log=log)
    except Exception as error:  # the juries and funding apps are still being written
        seeded.juries = seeded.conventions = f"n/a (module absent ou instable : {type(error).__name__}: {error})"[:200]


def session_cookie(user_id: int) -> str:
    """A logged-in session created server-side, as the login view would (no form, no MFA step)."""
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore

    from portal.models import User

    user = User.objects.get(pk=user_id)
    store = SessionStore()
    store[SESSION_KEY] = str(user.pk)
    store[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    store[HASH_SESSION_KEY] = user.get_session_auth_hash()
    store.create()
    return store.session_key


# --- pages --------------------------------------------------------------------------------


HEALTH = "vue nue /sante/"
FLOOR = "page nue DSFR /confidentialite/"
TARGET = 3.0  # p95 of a list or work page, as a multiple of the DSFR floor's p95 at the same concurrency
CLIENTS = (1, 20)


def pages(data: dict) -> dict[str, dict]:
    """The measured pages: url, who asks, the filter that shows about 10 rows, and whether the issue's
    target (p95 ≤ 3 × the DSFR floor) applies.

    The floor is the privacy page for an anonymous visitor: the base layout of the State design system
    (header, menus, footer, CSP nonce) around static text, no database query (checked by
    count_queries). /sante/ stays beside it as the floor of the stack alone (no template, no session).
    """
    from django.urls import NoReverseMatch, reverse

    from calls.models import Theme

    theme = Theme.objects.order_by("pk").first()
    result = {
        HEALTH: {"url": "/sante/", "user": None},
        FLOOR: {"url": reverse("portal:privacy"), "user": None},
        "liste des dossiers (équipe)": {
            "url": reverse("applications:staff_list"),
            "user": data["staff_id"],
            "small": f"?q={data['small_reference_prefix']}",
            "target": True,
        },
        "mes dossiers (déposant)": {
            "url": reverse("applications:my_dossiers"),
            "user": data["big_applicant_id"],
            "small_user": data["small_applicant_id"],
            "target": True,
        },
        "liste publique des appels": {"url": reverse("calls:public_list"), "user": None, "target": True},
        "lauréats (public)": {
            "url": reverse("laureates:list"),
            "user": None,
            "small": f"?theme={theme.code}",
            "target": True,
        },
        "simulateur": {"url": reverse("simulator:index"), "user": None},
        "tableau de bord": {"url": reverse("dashboard:index"), "user": data["staff_id"], "target": True},
    }
    state = _jury_state()
    jury_id = state.get("ranking_jury_id")
    juries_ready = bool(jury_id) and data.get("juries") == ""
    why = data.get("juries") or "n/a (jurys non générés)"
    result["file du juré"] = (
        {"url": reverse("juries:queue", args=[jury_id]), "user": state["juror_id"], "target": True}
        if juries_ready
        else {"url": None, "why": why, "target": True}
    )
    try:
        result["file « À instruire »"] = {
            # "À attribuer": every deposited dossier not yet assigned (none is, in the data set), the longest queue.
            "url": reverse("applications:instruction_queue") + "?vue=a-attribuer",
            "user": data["staff_id"],
            "target": True,
        }
    except NoReverseMatch:
        result["file « À instruire »"] = {"url": None, "why": "n/a (page absente de ce code)", "target": True}
    result["classement (jury)"] = (
        {"url": reverse("juries:staff_ranking", args=[jury_id]), "user": data["staff_id"], "target": True}
        if juries_ready
        else {"url": None, "why": why, "target": True}
    )
    # The sliced deliberation page (issue 19 item 2): bench/seed_juries.py names it once it exists.
    deliberation = state.get("deliberation_url")
    result["délibération (jury)"] = (
        {"url": deliberation, "user": data["staff_id"], "target": True}
        if juries_ready and deliberation
        else {
            "url": None,
            "why": why if not juries_ready else "n/a (page de délibération par tranche absente)",
            "target": True,
        }
    )
    return result


def _jury_state() -> dict:
    try:
        from bench.seed_juries import STATE
    except Exception:
        return {}
    return STATE


def count_queries(page_list: dict) -> dict:
    """SQL queries per page, in-process (test client), with ~10 rows and with every row."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from portal.models import User

    counts = {}

    def measure(url, user_id):
        client = Client(HTTP_HOST="127.0.0.1")
        if user_id:
            client.force_login(User.objects.get(pk=user_id))
        client.get(url)  # warm caches (ContentType, sites) as a running server has them
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url)
        return len(queries), response.status_code, [q["sql"] for q in queries.captured_queries]

    for name, page in page_list.items():
        if not page.get("url") or page["url"] == "/sante/":
            continue
        many, status, sql = measure(page["url"], page["user"])
        few = None
        if page.get("small"):
            few, _, _ = measure(page["url"] + page["small"], page["user"])
        elif page.get("small_user"):
            few, _, _ = measure(page["url"], page["small_user"])
        counts[name] = {"all_rows": many, "ten_rows": few, "status": status, "sql": sql}
        log(
            f"  {name:<32} requêtes SQL : {few if few is not None else '-':>3} (≈10 lignes) / {many:>3} (toutes) — HTTP {status}"
        )
    return counts


# --- gunicorn -----------------------------------------------------------------------------


class Server:
    def __init__(self, workers: int):
        self.port = services.free_port()
        self.workers = workers
        self.process = None

    def __enter__(self):
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "gunicorn",
                "bench.wsgi:application",
                "--preload",
                "--bind",
                f"127.0.0.1:{self.port}",
                "--workers",
                str(self.workers),
                "--log-level",
                "warning",
                "--timeout",
                "60",
            ],
            cwd=ROOT,
            env=os.environ.copy(),
            start_new_session=True,
            stderr=(WORKDIR / "gunicorn.log").open("a"),
        )
        for _ in range(60):
            result = run_load(port=self.port, path="/sante/", requests=1, concurrency=1, max_seconds=2)
            if result.latencies:
                return self
            time.sleep(0.5)
        raise SystemExit("gunicorn ne répond pas sur /sante/")

    def __exit__(self, *exc):
        os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:  # workers still busy with requests the clients gave up on
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=30)


SATURATING_P50 = 2.0  # seconds


def drain(port: int, seconds: float = 90) -> None:
    """Wait until requests left queued by a time-bounded run are served: the next figure starts idle."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        probe_run = run_load(port=port, path="/sante/", requests=1, concurrency=1, max_seconds=30)
        if probe_run.latencies and probe_run.latencies[0] < 0.05:
            return
        time.sleep(1)


def measure_latency(port: int, page_list: dict, *, quick: bool, out: dict) -> dict:
    from django.conf import settings

    sessions = {}
    for name, page in page_list.items():
        if not page.get("url"):
            out[name] = {"why": page.get("why", "n/a")}
            continue
        headers = {}
        if page["user"]:
            sessions.setdefault(page["user"], session_cookie(page["user"]))
            headers["Cookie"] = f"{settings.SESSION_COOKIE_NAME}={sessions[page['user']]}"
        run_load(port=port, path=page["url"], requests=5, concurrency=1, headers=headers, max_seconds=20)  # warm-up
        out[name] = {}
        for clients, requests in zip(CLIENTS, (30 if quick else 60, 200 if quick else 400), strict=True):
            if clients > 1 and out[name][1]["p50"] > SATURATING_P50:
                # 20 clients would only queue behind the 5 workers until the clients' timeout.
                out[name][clients] = {
                    "p50": None,
                    "p95": None,
                    "requests": 0,
                    "errors": 0,
                    "rps": 0,
                    "statuses": {},
                    "skipped": f"non mesuré : p50 à 1 client > {SATURATING_P50:g} s",
                }
                log(f"  {name:<32} {clients:>2} client(s) : {out[name][clients]['skipped']}")
                continue
            result = run_load(
                port=port,
                path=page["url"],
                requests=requests,
                concurrency=clients,
                headers=headers,
                max_seconds=30 if quick else 60,
            )
            drain(port)
            out[name][clients] = {
                "p50": result.p50,
                "p95": result.p95,
                "requests": len(result.latencies),
                "errors": result.errors,
                "rps": result.throughput,
                "statuses": result.statuses,
            }
            log(
                f"  {name:<32} {clients:>2} client(s) : p50 {result.p50 * 1000:7.1f} ms, p95 {result.p95 * 1000:7.1f} ms, "
                f"{len(result.latencies)} req, {result.errors} erreurs, {result.throughput:.0f} req/s"
            )
    return out


# --- deadline rush ------------------------------------------------------------------------


@contextlib.contextmanager
def celery_worker(log_name: str, concurrency: int = 2, queues: str = ""):
    """A Celery worker on the benchmark's broker and database for the duration of the block
    (every queue unless `queues` names some, as `-Q` does)."""
    command = [sys.executable, "-m", "celery", "-A", "portal", "worker", "-l", "warning", "-c", str(concurrency)]
    if queues:
        command += ["-Q", queues, "-n", f"{queues.replace(',', '-')}@%h"]
    worker = subprocess.Popen(
        command,
        cwd=ROOT,
        env=os.environ.copy(),
        start_new_session=True,
        stdout=subprocess.DEVNULL,
        stderr=(WORKDIR / log_name).open("w"),  # its shutdown traces would drown the table
    )
    try:
        yield worker
    finally:
        os.killpg(worker.pid, signal.SIGTERM)
        worker.wait(timeout=60)


RUSH_RATE = 5.0  # submissions per second, open loop
RECEIPTS_WITHIN = 120.0  # seconds, the bound for every receipt
SATURATION_CLIENTS = 10
EXPORT_MEMORY_MB = 50  # XLSX and ODS: growth of the resident memory


def _submission_jobs(port: int, dossier_ids: list, user_ids: list) -> list[dict]:
    """Each applicant's review page fetched once (session, CSRF token): the timed runs send the POSTs only."""
    from django.conf import settings
    from django.urls import reverse

    jobs = [
        {"path": reverse("applications:review", args=[pk]), "session": session_cookie(user_id)}
        for pk, user_id in zip(dossier_ids, user_ids, strict=True)
    ]
    return prepare_form_posts(
        port=port, jobs=jobs, session_cookie=settings.SESSION_COOKIE_NAME, fields={"declaration": "on"}
    )


def _database_check(dossier_ids: list, closes_at) -> dict:
    from applications.models import Dossier, DossierSnapshot

    dossiers = Dossier.objects.filter(pk__in=dossier_ids)
    return {
        "submitted": dossiers.filter(state="submitted").count(),
        "snapshots": DossierSnapshot.objects.filter(dossier__in=dossiers).count(),
        "before_close": dossiers.filter(submitted_at__lt=closes_at).count(),
    }


def _receipts_wait(dossier_ids: list, *, expected: int, timeout: float) -> dict:
    """Poll every second until `expected` receipts exist: per receipt, the lag between its submission's
    server timestamp and the first poll that saw it (1 s resolution)."""
    from django.utils import timezone

    from applications.models import DossierSnapshot

    done = DossierSnapshot.objects.filter(dossier_id__in=dossier_ids).exclude(receipt="")
    lags: dict[int, float] = {}
    started = time.perf_counter()
    while time.perf_counter() - started < timeout:
        now = timezone.now()
        for pk, submitted_at in done.exclude(pk__in=list(lags)).values_list("pk", "submitted_at"):
            lags[pk] = (now - submitted_at).total_seconds()
        if len(lags) >= expected:
            break
        time.sleep(1)
    return {
        "receipts": len(lags),
        "receipts_seconds": time.perf_counter() - started,
        "receipt_lag_max": max(lags.values(), default=None),
        "receipt_lag_p95": sorted(lags.values())[int(0.95 * (len(lags) - 1))] if lags else None,
    }


def deadline_rush(port: int, data: dict, *, timeout_receipts: float, receipts_concurrency: int) -> dict:
    """The deadline as it happens: 300 submissions arriving at 5 per second (open loop, each on its own
    thread), receipts made by a worker consuming only the receipts queue, e-mails and the other tasks by
    a worker on the default queue; then the database is checked and the receipts waited for. Last, the
    saturation throughput: 300 more submissions in a closed loop of SATURATION_CLIENTS clients."""
    from django.utils.dateparse import parse_datetime

    from applications.models import Dossier
    from applications.services.submission import submission_blockers

    sample = Dossier.objects.select_related("theme", "session", "organisation", "form_definition").get(
        pk=data["rush_dossier_ids"][0]
    )
    blockers = submission_blockers(sample)
    if blockers:
        log(f"  ATTENTION : brouillon du banc incomplet : {[b.message for b in blockers][:3]}")
    closes_at = parse_datetime(data["rush_closes_at"])
    # Fetching the review pages also warms the workers (templates, rules): production workers are warm.
    jobs = _submission_jobs(port, data["rush_dossier_ids"], data["rush_user_ids"])
    saturation_jobs = _submission_jobs(port, data["saturation_dossier_ids"], data["saturation_user_ids"])
    log(f"  pages de dépôt préparées : {len(jobs)} + {len(saturation_jobs)} (jeton CSRF de chacune)")
    with (
        celery_worker("celery-receipts.log", concurrency=receipts_concurrency, queues="receipts"),
        celery_worker("celery.log", concurrency=1, queues="celery"),
    ):
        started = time.perf_counter()
        result = run_open_loop(port=port, jobs=jobs, rate=RUSH_RATE)
        log(
            f"  rafale : {len(result.latencies)} dépôts réussis, {result.errors} erreurs, arrivées sur "
            f"{result.sent_at[-1] if result.sent_at else 0:.1f} s, dernière réponse à {result.elapsed:.1f} s ; "
            f"p50 {result.p50 * 1000:.0f} ms, p95 {result.p95 * 1000:.0f} ms — {result.statuses}"
        )
        check = _database_check(data["rush_dossier_ids"], closes_at)
        check.update(_receipts_wait(data["rush_dossier_ids"], expected=check["snapshots"], timeout=timeout_receipts))
        check["receipts_after_start"] = time.perf_counter() - started
        log(f"  contrôle : {check}")
        saturation = run_closed_loop(port=port, jobs=saturation_jobs, concurrency=SATURATION_CLIENTS)
        cores = os.cpu_count() or 1
        log(
            f"  saturation ({SATURATION_CLIENTS} clients en boucle fermée) : {len(saturation.latencies)} dépôts, "
            f"{saturation.errors} erreurs en {saturation.elapsed:.1f} s, {saturation.throughput:.1f}/s "
            f"({saturation.throughput / cores:.2f}/s par cœur), p95 {saturation.p95 * 1000:.0f} ms"
        )
    return {
        "ok": len(result.latencies),
        "expected": len(data["rush_dossier_ids"]),
        "prepared": len(jobs),
        "errors": result.errors,
        "elapsed": result.elapsed,
        "arrivals_seconds": result.sent_at[-1] if result.sent_at else 0,
        "rate": RUSH_RATE,
        "p50": result.p50,
        "p95": result.p95,
        "throughput": result.throughput,
        "statuses": {str(k): v for k, v in result.statuses.items()},
        "blockers": [b.message for b in blockers],
        "receipts_concurrency": receipts_concurrency,
        **check,
        "saturation": {
            "clients": SATURATION_CLIENTS,
            "ok": len(saturation.latencies),
            "errors": saturation.errors,
            "elapsed": saturation.elapsed,
            "throughput": saturation.throughput,
            "per_core": saturation.throughput / cores,
            "cores": cores,
            "p50": saturation.p50,
            "p95": saturation.p95,
            "statuses": {str(k): v for k, v in saturation.statuses.items()},
            **_database_check(data["saturation_dossier_ids"], closes_at),
        },
    }


# --- exports, PDF, rules, ranking ---------------------------------------------------------


def probe(kind: str, *args: str) -> dict:
    """Run one export measurement in a fresh process, so that its peak memory is its own."""
    output = subprocess.run(
        [sys.executable, "-m", "bench.probes", kind, *args],
        cwd=ROOT,
        env=os.environ.copy(),
        capture_output=True,
        text=True,
        timeout=1800,
    )
    if output.returncode:
        raise RuntimeError(output.stderr[-2000:])
    return json.loads(output.stdout.strip().splitlines()[-1])


def pdf_figures(repeat: int) -> dict:
    """Each document type rendered by the portal against bare WeasyPrint on the same HTML."""
    import weasyprint
    from django.template.loader import render_to_string
    from django.utils import timezone

    from applications.models import DossierSnapshot
    from funding.documents import convention_document_context
    from funding.models import Convention
    from portal.pdf import render_pdf, static_base_dir

    snapshot = DossierSnapshot.objects.select_related(
        "dossier__organisation", "dossier__theme__call__programme", "dossier__session", "submitted_by"
    ).first()
    convention = Convention.objects.select_related("dossier__theme__call__programme", "dossier__organisation").first()
    documents = {
        "receipt": (
            "applications/pdf/receipt.html",
            {
                "snapshot": snapshot,
                "dossier": snapshot.dossier,
                "submitted_at": timezone.localtime(snapshot.submitted_at),
                "content": snapshot.content,
            },
        ),
        "convention": ("funding/pdf/convention.html", convention_document_context(convention)),
    }
    base_url = f"{static_base_dir().as_uri()}/"

    def timed(function) -> float:
        function()  # first render loads fonts: not counted
        times = []
        for _ in range(repeat):
            started = time.perf_counter()
            function()
            times.append(time.perf_counter() - started)
        return statistics.median(times)

    figures = {}
    for name, (template, context) in documents.items():
        html = render_to_string(template, context)
        figures[name] = {
            "portal": timed(lambda template=template, context=context: render_pdf(template, context)),
            "bare": timed(lambda html=html: weasyprint.HTML(string=html).write_pdf()),
            "bare_base_url": timed(lambda html=html: weasyprint.HTML(string=html, base_url=base_url).write_pdf()),
            "html_bytes": len(html),
        }
    return figures


def pdf_batch(*, count: int, timeout: float) -> dict:
    """`count` conventions rendered by a Celery worker (-c 2) from their queued tasks, then checked."""
    from funding.models import Convention
    from funding.tasks import convention_render

    ids = list(Convention.objects.filter(pdf="").order_by("pk").values_list("pk", flat=True)[:count])
    rendered = Convention.objects.filter(pk__in=ids).exclude(pdf="")
    with celery_worker("celery-pdf.log"):
        started = time.perf_counter()
        for convention_id in ids:
            convention_render.delay(convention_id)
        done = 0
        while time.perf_counter() - started < timeout:
            done = rendered.count()
            if done >= len(ids):
                break
            time.sleep(0.5)
        elapsed = time.perf_counter() - started
    digests = list(rendered.values_list("sha256", flat=True))
    return {
        "queued": len(ids),
        "rendered": done,
        "seconds": elapsed,
        "per_second": done / elapsed if elapsed else 0,
        "distinct_files": len(set(rendered.values_list("pdf", flat=True))),
        "with_digest": sum(1 for d in digests if d),
    }


def rules_figures() -> dict:
    from bench.bench_rules_engine import measure
    from calls.rules import load_rules

    rules = load_rules()
    per_size = {}
    for size in (10, 100):
        medians = [measure(rule, size, repeat=3) for rule in rules.values()]
        per_size[size] = 1e6 / statistics.median(medians)
    return {"rules": len(rules), "evals_per_second": per_size}


# --- table --------------------------------------------------------------------------------


def build_figures(
    data: dict,
    page_list: dict,
    counts: dict,
    latency: dict,
    rush: dict | None,
    exports: dict,
    pdf: dict | None,
    batch: dict | None,
    batch_error: str,
    rules: dict | None,
    ranking: dict | None,
) -> None:
    health, floor = latency.get(HEALTH, {}), latency.get(FLOOR, {})
    for clients in CLIENTS:
        if clients in health:
            add(
                Figure(
                    f"{HEALTH} p95 — {clients} client(s)",
                    health[clients]["p95"] * 1000,
                    "ms",
                    note=f"p50 {health[clients]['p50'] * 1000:.1f} ms — pile seule : ni gabarit, ni session, ni base",
                )
            )
        if clients in floor:
            add(
                Figure(
                    f"{FLOOR} p95 — {clients} client(s)",
                    floor[clients]["p95"] * 1000,
                    "ms",
                    health[clients]["p95"] * 1000 if clients in health else None,
                    f"{HEALTH} p95",
                    note=f"p50 {floor[clients]['p50'] * 1000:.1f} ms — plancher des pages : gabarit de base DSFR, "
                    "visiteur anonyme",
                )
            )
    floor_count = counts.get(FLOOR)
    if floor_count:
        add(
            Figure(
                f"{FLOOR} — requêtes SQL",
                floor_count["all_rows"],
                "requêtes",
                target="0",
                met=floor_count["all_rows"] == 0,
            )
        )
    for name, measured in latency.items():
        if name in (HEALTH, FLOOR):
            continue
        targeted = page_list.get(name, {}).get("target", False)
        target = f"≤ {TARGET:g} × page nue DSFR" if targeted else ""
        if "why" in measured:
            unavailable(f"{name} p95", measured["why"], target)
            continue
        for clients in CLIENTS:
            row = measured.get(clients)
            if row is None or floor.get(clients) is None:
                unavailable(f"{name} p95 — {clients} client(s)", "non mesuré (phase interrompue)", target)
                continue
            if row.get("skipped"):
                unavailable(f"{name} p95 — {clients} client(s)", row["skipped"], target)
                FIGURES[-1].met = False if targeted else None
                continue
            note = f"p50 {row['p50'] * 1000:.1f} ms (page nue {floor[clients]['p50'] * 1000:.1f} ms)"
            if row["errors"]:
                note += f" ; {row['errors']} erreurs {row['statuses']}"
            add(
                Figure(
                    f"{name} p95 — {clients} client(s)",
                    row["p95"] * 1000,
                    "ms",
                    floor[clients]["p95"] * 1000,
                    "page nue DSFR p95",
                    target,
                    TARGET if targeted else None,
                    met=False if targeted and row["errors"] else None,
                    note=note,
                )
            )
        count = counts.get(name)
        if count:
            constant = count["ten_rows"] is None or count["ten_rows"] == count["all_rows"]
            add(
                Figure(
                    f"{name} — requêtes SQL",
                    count["all_rows"],
                    "requêtes",
                    count["ten_rows"],
                    "≈10 lignes",
                    "constant de 10 à toutes les lignes",
                    met=constant,
                    note="" if count["ten_rows"] is not None else "pas de dimension « lignes » (contenu fixe)",
                )
            )
    if rush:
        add(
            Figure(
                f"dépôt en rafale ({rush['expected']} à {rush['rate']:g}/s, boucle ouverte) — p95 d'un dépôt",
                rush["p95"] * 1000,
                "ms",
                1000,
                "1 s",
                "≤ 1 s",
                1.0,
                note=f"{rush['ok']} dépôts, arrivées sur {rush['arrivals_seconds']:.1f} s, dernière réponse à "
                f"{rush['elapsed']:.1f} s, p50 {rush['p50'] * 1000:.0f} ms",
            )
        )
        unprepared = rush["expected"] - rush["prepared"]  # review page never served: submission never sent
        add(
            Figure(
                "dépôt en rafale — erreurs",
                rush["errors"] + unprepared,
                "",
                target="0",
                met=rush["errors"] + unprepared == 0,
                note=f"statuts {rush['statuses']}" + (f" ; {unprepared} pages de dépôt en échec" if unprepared else ""),
            )
        )
        # Lost: answered as a success (302) but not in the database as a submission before the close.
        lost = max(0, rush["ok"] - min(rush["submitted"], rush["snapshots"], rush["before_close"]))
        add(
            Figure(
                "dépôt en rafale — dépôts perdus (contrôle en base)",
                lost,
                "",
                target="0",
                met=lost == 0,
                note=f"en base : {rush['submitted']} déposés, {rush['snapshots']} versions, "
                f"{rush['before_close']} avant la clôture",
            )
        )
        add(
            Figure(
                "dépôt en rafale — accusés de réception",
                rush["receipts"],
                "",
                rush["snapshots"],
                "versions déposées",
                "tous",
                met=rush["receipts"] >= rush["snapshots"] > 0,
                note=f"worker dédié à la file « receipts » (-c {rush['receipts_concurrency']})",
            )
        )
        lag = rush.get("receipt_lag_max")
        add(
            Figure(
                "dépôt en rafale — plus long délai dépôt → accusé",
                lag,
                "s",
                RECEIPTS_WITHIN,
                "2 min",
                "≤ 2 min",
                1.0,
                met=False if lag is None or rush["receipts"] < rush["snapshots"] else None,
                note=f"p95 {rush['receipt_lag_p95'] or 0:.0f} s ; dernier accusé {rush['receipts_after_start']:.0f} s "
                "après la première arrivée",
            )
        )
        saturation = rush["saturation"]
        add(
            Figure(
                f"dépôts à saturation ({saturation['clients']} clients, boucle fermée) — par seconde et par cœur",
                saturation["per_core"],
                "dépôts/s/cœur",
                note=f"{saturation['throughput']:.1f} dépôts/s sur {saturation['cores']} cœurs (gunicorn, PostgreSQL, "
                f"workers Celery et générateur de charge sur la même machine) ; {saturation['ok']} réussis, "
                f"{saturation['errors']} erreurs, p95 {saturation['p95'] * 1000:.0f} ms ; en base "
                f"{saturation['submitted']} déposés",
            )
        )
    else:
        unavailable("dépôt en rafale", "non mesuré", "≤ 1 s")
    for prefix, rows_label in (("", "dossiers"), ("scores_", "évaluations notées")):
        copy = exports.get(f"{prefix}copy")
        kinds = [("csv", "export CSV", 5.0), ("xlsx", "export XLSX", 15.0)]
        if not prefix:
            kinds.append(("ods", "export ODS", 15.0))
        for kind, label, target in kinds:
            row = exports.get(f"{prefix}{kind}")
            if row is not None and not row["rows"]:  # the export's task never ran (queued, no worker): no figure
                exports[f"{prefix}{kind}_error"] = f"non mesuré : {row.get('via', '')}, 0 ligne"
                row = None
            if row is None or copy is None:
                unavailable(
                    f"{label} ({rows_label})",
                    exports.get(f"{prefix}{kind}_error", "non mesuré"),
                    f"≤ {target:g} × COPY",
                )
                continue
            add(
                Figure(
                    f"{label} — {row['rows']} {rows_label}",
                    row["seconds"],
                    "s",
                    copy["seconds"],
                    "COPY",
                    f"≤ {target:g} × COPY",
                    target,
                    note=f"{row.get('via', '')} ; mémoire de pointe +{row['rss_growth_mb']:.0f} Mo "
                    f"(COPY +{copy['rss_growth_mb']:.0f} Mo)",
                )
            )
            if kind != "csv" and not prefix:
                add(
                    Figure(
                        f"{label} — croissance de la mémoire",
                        row["rss_growth_mb"],
                        "Mo",
                        EXPORT_MEMORY_MB,
                        f"{EXPORT_MEMORY_MB} Mo",
                        f"≤ {EXPORT_MEMORY_MB} Mo (à 100 000 lignes)",
                        1.0,
                        note=f"{row['rows']} lignes",
                    )
                )
    if exports.get("csv") and exports.get("csv_part"):
        part, full = exports["csv_part"], exports["csv"]
        flat = full["rss_growth_mb"] <= part["rss_growth_mb"] * 1.5 + 10
        add(
            Figure(
                "export CSV — mémoire (toutes / partie des lignes)",
                full["rss_growth_mb"],
                "Mo",
                part["rss_growth_mb"],
                f"{part['rows']} lignes",
                "plate (streaming)",
                met=flat,
                note=f"{full['rows']} lignes contre {part['rows']}",
            )
        )
    for name, label in (("receipt", "accusé de réception"), ("convention", "convention")):
        if pdf and name in pdf:
            measured = pdf[name]
            add(
                Figure(
                    f"PDF {label} (render_pdf)",
                    measured["portal"] * 1000,
                    "ms",
                    measured["bare"] * 1000,
                    "WeasyPrint nu, même HTML",
                    "≤ 1,5 × WeasyPrint nu",
                    1.5,
                    note=f"WeasyPrint avec base_url (feuilles de style chargées) : {measured['bare_base_url'] * 1000:.0f} ms",
                )
            )
    if batch and pdf and "convention" in pdf:
        sequential = batch["queued"] * pdf["convention"]["portal"]
        add(
            Figure(
                f"lot de {batch['queued']} conventions par Celery (-c 2)",
                batch["seconds"],
                "s",
                sequential,
                f"{batch['queued']} × une convention en processus",
                "toutes rendues, une fois chacune",
                met=batch["rendered"] == batch["distinct_files"] == batch["with_digest"] == batch["queued"],
                note=f"{batch['rendered']} rendues, {batch['per_second']:.1f} par seconde",
            )
        )
    elif batch_error:
        unavailable("lot de 100 conventions par Celery", batch_error, "toutes rendues, une fois chacune")
    if ranking:
        add(Figure(ranking["name"], ranking["ms"], "ms", 300, "300 ms", "≤ 300 ms", 1.0, note=ranking.get("note", "")))
    else:
        unavailable(
            "classement du jury (juries.selectors.ranking)", data.get("juries") or "n/a (module absent)", "≤ 300 ms"
        )
    if rules:
        for size, rate in rules["evals_per_second"].items():
            add(
                Figure(
                    f"moteur de règles — budget de {size} lignes",
                    rate,
                    "éval/s",
                    note=f"médiane sur {rules['rules']} règles (bench/bench_rules_engine.py)",
                )
            )


def fmt(value, unit="") -> str:
    if value is None:
        return "—"
    if isinstance(value, float):
        text = f"{value:,.1f}" if abs(value) < 1000 else f"{value:,.0f}"
    else:
        text = f"{value:,}"
    return (text.replace(",", "\u202f") + (f" {unit}" if unit else "")).strip()


def table() -> str:
    lines = ["| mesure | valeur | référence | ratio | objectif | atteint |", "|---|---|---|---|---|---|"]
    for f in FIGURES:
        ratio = f"{f.ratio:.2f}" if f.ratio is not None else "—"
        met = {True: "oui", False: "**non**", None: "—"}[f.met]
        value = fmt(f.value, f.unit) if f.value is not None else f.note
        baseline = f"{fmt(f.baseline, f.unit)} ({f.baseline_name})" if f.baseline is not None else "—"
        lines.append(f"| {f.name} | {value} | {baseline} | {ratio} | {f.target or '—'} | {met} |")
    return "\n".join(lines)


def machine() -> dict:
    memory = subprocess.run(["free", "-g"], capture_output=True, text=True).stdout
    return {
        "nproc": os.cpu_count(),
        "free_g": memory,
        "loadavg_at_end": os.getloadavg(),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "postgresql": subprocess.run(["psql", "--version"], capture_output=True, text=True).stdout.strip(),
    }


def run_from_snapshot() -> None:
    """Re-run this command from a frozen copy of the code (same virtualenv).

    The working tree may change while the benchmark runs (a half-written module breaks every
    request of gunicorn's URLconf): the run uses a copy that imports cleanly, and writes its
    results back into this clone.
    """
    for _attempt in range(10):
        shutil.rmtree(SNAPSHOT, ignore_errors=True)
        shutil.copytree(
            ROOT,
            SNAPSHOT,
            ignore=lambda _dir, names: [n for n in names if n in SNAPSHOT_EXCLUDES or n == "__pycache__"],
        )
        check = subprocess.run(
            [sys.executable, "-c", "import django; django.setup(); import portal.urls, portal.wsgi"],
            cwd=SNAPSHOT,
            env={**os.environ, "DJANGO_SETTINGS_MODULE": "portal.settings", "DEBUG": "1"},
            capture_output=True,
            text=True,
        )
        if check.returncode == 0:
            break
        log(
            f"Copie du code incohérente (modification en cours ?), nouvel essai : {check.stderr.strip().splitlines()[-1:]}"
        )
        time.sleep(15)
    else:
        raise SystemExit("Le code ne s'importe pas : impossible de lancer le banc d'essai.")
    env = {**os.environ, "BENCH_FROM_SNAPSHOT": "1", "BENCH_RESULTS_DIR": str(RESULTS)}
    os.chdir(SNAPSHOT)
    os.execve(sys.executable, [sys.executable, "-m", "bench.run", *sys.argv[1:]], env)  # noqa: S606 (re-runs itself)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=int, default=10_000, help="nombre de dossiers (10 000 par défaut)")
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--quick", action="store_true", help="moins de requêtes par mesure (essai rapide)")
    parser.add_argument("--receipts-timeout", type=float, default=600)
    parser.add_argument(
        "--receipts-concurrency", type=int, default=2, help="processus du worker de la file « receipts » (2)"
    )
    args = parser.parse_args()
    if not os.environ.get("BENCH_FROM_SNAPSHOT"):
        run_from_snapshot()
    os.chdir(ROOT)
    sys.path.insert(0, str(ROOT))
    started = time.perf_counter()
    when = datetime.datetime.now(datetime.UTC)
    data = prepare(args.scale, args.seed)
    page_list = pages(data)
    log("Requêtes SQL par page (client de test, en processus) :")
    counts = count_queries(page_list)
    workers = 2 * (os.cpu_count() or 2) + 1
    log(f"gunicorn : {workers} workers, réglages de production (DEBUG=0, PORTAL_ENFORCE_MFA=0, HTTP sans TLS)")
    # The rush first, on a fresh server: nothing queued by the latency runs slows it down.
    with Server(workers) as server:
        log(f"Dépôt en rafale : {len(data['rush_dossier_ids'])} dépôts à {RUSH_RATE:g} par seconde (boucle ouverte) :")
        try:
            rush = deadline_rush(
                server.port,
                data,
                timeout_receipts=args.receipts_timeout,
                receipts_concurrency=args.receipts_concurrency,
            )
        except Exception as error:  # reported in the table, the rest still runs
            log(f"  échec : {error!r}")
            rush = None
    latency = {}
    try:
        with Server(workers) as server:
            log(f"Latences (127.0.0.1:{server.port}) :")
            measure_latency(server.port, page_list, quick=args.quick, out=latency)
    except Exception as error:  # what was measured is kept
        log(f"  échec des latences : {error!r}")
    log("Exports (un processus par mesure) :")
    exports = {}
    from bench.seed_juries import STATE

    probes = [
        ("copy", ("copy",)),
        ("csv", ("csv",)),
        ("csv_part", ("csv", "statut=selected")),
        ("xlsx", ("xlsx",)),
        ("ods", ("ods",)),
    ]
    if "ranking_jury_id" in STATE:  # the jurors' scores of the 1 000-dossier jury
        probes += [
            (f"scores_{kind}", (f"scores_{kind}", str(STATE["ranking_jury_id"]))) for kind in ("copy", "csv", "xlsx")
        ]
    for key, args_ in probes:
        try:
            exports[key] = probe(*args_)
            log(f"  {key:<9} {exports[key]}")
        except Exception as error:
            exports[f"{key}_error"] = (
                f"échec : {str(error).strip().splitlines()[-1] if str(error).strip() else error!r}"[:200]
            )
            log(f"  {key:<9} {exports[f'{key}_error']}")
    pdf = rules = None
    try:
        log("PDF :")
        pdf = pdf_figures(repeat=5)
        log(f"  {pdf}")
        log("Moteur de règles :")
        rules = rules_figures()
        log(f"  {rules}")
    except Exception as error:
        log(f"  échec : {error!r}")
    batch, batch_error = None, ""
    try:
        log("Lot de 100 conventions par Celery :")
        batch = pdf_batch(count=100, timeout=args.receipts_timeout)
        log(f"  {batch}")
    except Exception as error:
        batch_error = f"échec : {error!r}"[:200]
        log(f"  {batch_error}")
    ranking = None
    try:
        from bench.seed_juries import ranking_figure

        ranking = ranking_figure(log=log)
    except Exception as error:
        data["juries"] = data.get("juries") or f"n/a ({type(error).__name__}: {error})"[:200]
    build_figures(data, page_list, counts, latency, rush, exports, pdf, batch, batch_error, rules, ranking)
    print()
    print(table())
    RESULTS.mkdir(exist_ok=True)
    # One file per day at the default scale; other scales keep theirs beside it.
    output = RESULTS / (f"{when:%Y-%m-%d}.json" if args.scale == 10_000 else f"{when:%Y-%m-%d}-{args.scale}.json")
    output.write_text(
        json.dumps(
            {
                "date": when.isoformat(),
                "scale": args.scale,
                "seed": args.seed,
                "machine": machine(),
                "gunicorn_workers": workers,
                "seconds": time.perf_counter() - started,
                "data": {k: v for k, v in data.items() if not k.startswith(("rush_", "saturation_"))},
                "figures": [{**asdict(f), "ratio": f.ratio} for f in FIGURES],
                "queries": counts,
                "latency": latency,
                "rush": rush,
                "exports": exports,
                "pdf": pdf,
                "pdf_batch": batch,
                "rules": rules,
                "ranking": ranking,
                "table_markdown": table(),
            },
            indent=1,
            ensure_ascii=False,
            default=str,
        )
    )
    log(f"\nRésultats : {output} ({time.perf_counter() - started:.0f} s)")


if __name__ == "__main__":
    main()
