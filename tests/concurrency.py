"""Two requests at the same instant, each on its own database connection (PostgreSQL only).

SQLite serialises writers, so a race cannot be shown there: these tests are skipped on it, and
fail instead when SERVICES_REQUIRED=1 (CI) finds no PostgreSQL.
"""

import threading

import pytest
from django.db import connection


def require_postgresql(services_required: bool) -> None:
    if connection.vendor == "postgresql":
        return
    if services_required:
        pytest.fail("SERVICES_REQUIRED=1 mais la base de test n'est pas PostgreSQL")
    pytest.skip("Les accès concurrents se vérifient sur PostgreSQL (CI) ; SQLite sérialise les écritures.")


def concurrently(*calls) -> list:
    """Run each call in its own thread, all released at once; their results, or the exceptions raised."""
    barrier = threading.Barrier(len(calls))
    outcomes: list = [None] * len(calls)

    def run(index, call):
        try:
            barrier.wait()
            outcomes[index] = call()
        except Exception as error:  # kept: the test says which one was refused and why
            outcomes[index] = error
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(index, call)) for index, call in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return outcomes
