"""The API's dossier list walked from the first page to the last on the national data set.

    uv run python -m bench.api_pages [--scale 100000] [--seed 2026] [--limit 500]

Builds a fresh PostgreSQL database (`portal_bench_api`, BENCH_API_DB to change it) with the
benchmark's seeded generator (bench/seed.py), gives the programme's staff a `dossiers:read`
token, then follows `next` from /api/v1/dossiers to the end with the test client in this
process, under the production settings: SQL queries and seconds of every page. Writes
bench/results/<date>-api-<scale>.json. Keyset pagination must keep both flat: the last page
costs the queries and about the time of the first, where an OFFSET would read every row before it.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import statistics
import sys
import time
from pathlib import Path

from bench import services

ROOT = Path(__file__).resolve().parent.parent
WORKDIR = Path(os.environ.get("BENCH_WORKDIR", "/tmp/portal-bench-api"))  # noqa: S108 (media: outside the clone)
RESULTS = Path(os.environ.get("BENCH_RESULTS_DIR", ROOT / "bench" / "results"))
DATABASE = os.environ.get("BENCH_API_DB", "portal_bench_api")


def log(message: str) -> None:
    print(message, flush=True)


def prepare(scale: int, seed: int) -> dict:
    services.ensure_postgres()
    database_url = services.fresh_bench_database(DATABASE)
    (WORKDIR / "media").mkdir(parents=True, exist_ok=True)
    os.environ.update(services.production_env(database_url=database_url, workdir=WORKDIR))
    # The limit per token would stop a walk of 200 pages a minute: the walk measures pages, not the limit.
    os.environ["API_RATE_LIMIT_PER_MINUTE"] = "1000000"
    os.environ["DJANGO_SETTINGS_MODULE"] = "portal.settings"
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    call_command("migrate", verbosity=0, interactive=False)
    from bench.seed import seed as build

    log(f"Jeu de données : {scale} dossiers (graine {seed})…")
    seeded = build(scale=scale, seed=seed, log=log)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    log(f"  fait en {seeded.seconds:.0f} s : {seeded.counts}")
    return {"staff_id": seeded.staff_id, "counts": seeded.counts, "seed_seconds": seeded.seconds}


def walk(staff_id: int, limit: int) -> list[dict]:
    """Every page of the staff's programme's dossiers: queries, seconds, rows."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from api.services import tokens
    from calls.models import Programme
    from portal.models import User
    from portal.selectors import user_roles

    staff = User.objects.get(pk=staff_id)
    programme = Programme.objects.get(pk__in=user_roles(staff).staff_programme_ids)
    _token, secret = tokens.token_create(
        actor=staff,
        programme=programme,
        name="Banc",
        scopes=["dossiers:read"],
        expires_at=timezone.now() + datetime.timedelta(days=1),
    )
    client = Client(HTTP_HOST="127.0.0.1", HTTP_AUTHORIZATION=f"Bearer {secret}")
    url = f"/api/v1/dossiers?limit={limit}"
    client.get(url)  # warm caches (ContentType, sites) as a running server has them
    pages, seen = [], set()
    while url:
        with CaptureQueriesContext(connection) as queries:
            started = time.perf_counter()
            response = client.get(url)
            seconds = time.perf_counter() - started
        if response.status_code != 200:
            raise RuntimeError(f"HTTP {response.status_code} : {response.content[:500]!r}")
        body = response.json()
        ids = [item["id"] for item in body["items"]]
        if seen & set(ids):
            raise RuntimeError("une page répète un dossier")
        seen |= set(ids)
        pages.append({"queries": len(queries), "seconds": round(seconds, 4), "rows": len(ids)})
        url = body["next"]
    return pages


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--limit", type=int, default=500)
    args = parser.parse_args()
    os.chdir(ROOT)
    sys.path.insert(0, str(ROOT))
    when = datetime.datetime.now(datetime.UTC)
    data = prepare(args.scale, args.seed)
    log(f"Parcours de /api/v1/dossiers par pages de {args.limit}…")
    pages = walk(data["staff_id"], args.limit)
    seconds = [page["seconds"] for page in pages]
    queries = sorted({page["queries"] for page in pages})
    summary = {
        "pages": len(pages),
        "rows": sum(page["rows"] for page in pages),
        "queries_per_page": queries,
        "first_page_s": seconds[0],
        "median_page_s": statistics.median(seconds),
        "max_page_s": max(seconds),
        "last_page_s": seconds[-1],
        "last_over_first": round(seconds[-1] / seconds[0], 2),
        "max_over_first": round(max(seconds) / seconds[0], 2),
    }
    log(json.dumps(summary, ensure_ascii=False, indent=1))
    RESULTS.mkdir(exist_ok=True)
    output = RESULTS / f"{when:%Y-%m-%d}-api-{args.scale}.json"
    output.write_text(
        json.dumps(
            {
                "date": when.isoformat(),
                "scale": args.scale,
                "seed": args.seed,
                "limit": args.limit,
                **data,
                "summary": summary,
                "pages": pages,
            },
            indent=1,
            ensure_ascii=False,
        )
    )
    log(f"Résultats : {output}")


if __name__ == "__main__":
    main()
