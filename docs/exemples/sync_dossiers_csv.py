#!/usr/bin/env python3
"""Synchronise les dossiers d'une session vers un fichier CSV, de façon incrémentale (API du portail, v1).

    PORTAIL_API=https://portail.exemple.gouv.fr/api/v1 PORTAIL_JETON=pap_… \
        python3 sync_dossiers_csv.py <identifiant de la session> dossiers.csv

Première exécution : lit tous les dossiers de la session (hors brouillons), page par page, et écrit le
CSV et, à côté, un fichier d'état (`dossiers.csv.etat.json`). Exécutions suivantes : ne demande que les
dossiers modifiés depuis la précédente (`updated_since`) et met à jour leurs lignes (clé : `id`).

Le point de reprise est le plus grand `updated_at` lu, moins une minute : une modification en cours
d'enregistrement pendant la lecture porte un instant un peu antérieur à sa validation, la marge la
rattrape (quelques dossiers sont relus, aucun n'est manqué). Bibliothèque standard seulement.
"""

from __future__ import annotations

import csv
import json
import os
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from datetime import datetime, timedelta

COLUMNS = [
    "id",
    "reference",
    "acronym",
    "title",
    "state",
    "state_label",
    "organisation",
    "siret",
    "requested_amount",
    "granted_amount",
    "submitted_at",
    "updated_at",
]
MARGIN = timedelta(minutes=1)
PAGE_SIZE = 500


def get(url: str, token: str) -> dict:
    """Une page de l'API ; attend le délai demandé quand la limite d'appels est atteinte (429)."""
    if not url.startswith(("https://", "http://")):
        raise SystemExit(f"Adresse invalide : {url}")
    headers = {"Authorization": f"Bearer {token}", "Accept": "application/json"}
    request = urllib.request.Request(url, headers=headers)  # noqa: S310 (http(s) vérifié ci-dessus)
    while True:
        try:
            with urllib.request.urlopen(request, timeout=60) as response:  # noqa: S310
                return json.load(response)
        except urllib.error.HTTPError as error:
            if error.code == 429:
                time.sleep(int(error.headers.get("Retry-After", "60")))
                continue
            # Les erreurs sont au format application/problem+json, avec un message en français.
            problem = json.load(error) if "json" in (error.headers.get("Content-Type") or "") else {}
            raise SystemExit(f"Erreur {error.code} : {problem.get('detail', error.reason)}") from None


def row(item: dict) -> dict:
    return {
        "id": str(item["id"]),
        "reference": item["reference"],
        "acronym": item["acronym"],
        "title": item["title"],
        "state": item["state"],
        "state_label": item["state_label"],
        "organisation": item["organisation"]["name"],
        "siret": item["organisation"]["siret"],
        "requested_amount": item["requested_amount"] or "",
        "granted_amount": item["granted_amount"] or "",
        "submitted_at": item["submitted_at"] or "",
        "updated_at": item["updated_at"],
    }


def sync(api: str, token: str, session: int, csv_path: str) -> dict:
    """Met le CSV à jour ; rend le nombre de dossiers lus et de lignes du fichier."""
    state_path = f"{csv_path}.etat.json"
    rows, since = {}, None
    if os.path.exists(csv_path) and os.path.exists(state_path):
        with open(csv_path, newline="", encoding="utf-8") as file:
            rows = {line["id"]: line for line in csv.DictReader(file)}
        with open(state_path, encoding="utf-8") as file:
            since = json.load(file)["updated_since"]
    query = {"session": session, "limit": PAGE_SIZE}
    if since:
        query["updated_since"] = since
    url = f"{api.rstrip('/')}/dossiers?{urllib.parse.urlencode(query)}"
    read, latest = 0, datetime.fromisoformat(since) + MARGIN if since else None
    while url:
        page = get(url, token)
        for item in page["items"]:
            rows[str(item["id"])] = row(item)
            read += 1
            updated = datetime.fromisoformat(item["updated_at"])
            latest = updated if latest is None else max(latest, updated)
        url = page["next"]
    temporary = f"{csv_path}.tmp"
    with open(temporary, "w", newline="", encoding="utf-8") as file:
        writer = csv.DictWriter(file, fieldnames=COLUMNS)
        writer.writeheader()
        writer.writerows(sorted(rows.values(), key=lambda line: int(line["id"])))
    os.replace(temporary, csv_path)  # le fichier n'est jamais à moitié écrit
    if latest is not None:
        with open(state_path, "w", encoding="utf-8") as file:
            json.dump({"updated_since": (latest - MARGIN).isoformat()}, file)
    return {"read": read, "rows": len(rows)}


def main() -> None:
    if len(sys.argv) != 3:
        raise SystemExit(__doc__)
    result = sync(os.environ["PORTAIL_API"], os.environ["PORTAIL_JETON"], int(sys.argv[1]), sys.argv[2])
    print(f"{result['read']} dossier(s) lu(s), {result['rows']} ligne(s) dans {sys.argv[2]}.")


if __name__ == "__main__":
    main()
