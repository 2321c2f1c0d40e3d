"""A real Redis broker stopped and restarted while the portal works: nothing is lost.

The test runs its own redis-server on a free port, so stopping it never disturbs the Redis
that other tests (and the real-worker test) share. CI installs redis-server (.ci/run).
"""

import shutil
import socket
import subprocess
import time

import pytest

from portal import services
from portal.celery import app
from portal.models import OutboxMessage


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def start_redis(port: int) -> None:
    subprocess.run(
        [
            "redis-server",
            "--port",
            str(port),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
            "--daemonize",
            "yes",
        ],
        check=True,
        capture_output=True,
    )
    for _ in range(50):
        if subprocess.run(["redis-cli", "-p", str(port), "ping"], capture_output=True).stdout.strip() == b"PONG":
            return
        time.sleep(0.1)
    raise RuntimeError("redis-server n'a pas démarré")


def stop_redis(port: int) -> None:
    subprocess.run(["redis-cli", "-p", str(port), "shutdown", "nosave"], capture_output=True)
    for _ in range(50):
        if subprocess.run(["redis-cli", "-p", str(port), "ping"], capture_output=True).returncode != 0:
            return
        time.sleep(0.1)


@pytest.fixture
def private_broker(services_required):
    if not shutil.which("redis-server"):
        if services_required:
            pytest.fail("SERVICES_REQUIRED=1 mais redis-server est absent")
        pytest.skip("redis-server absent (installé par .ci/run)")
    port = free_port()
    start_redis(port)
    settings_used = (
        "task_always_eager",
        "broker_url",
        "task_publish_retry",
        "broker_connection_timeout",
        "broker_pool_limit",
    )
    previous = {key: app.conf.get(key) for key in settings_used}
    # No connection pool: each publish dials the broker, as a web process does after a restart.
    app.conf.update(
        task_always_eager=False,
        broker_url=f"redis://127.0.0.1:{port}/0",
        task_publish_retry=False,
        broker_connection_timeout=1,
        broker_pool_limit=None,
    )
    # Pools made by earlier tests of this process would still dial the shared broker.
    pools = app._pool, app.amqp._producer_pool
    app._pool = app.amqp._producer_pool = None
    yield port
    stop_redis(port)
    app.conf.update(previous)
    app._pool, app.amqp._producer_pool = pools


def queued(port: int) -> int:
    """Messages waiting in the broker, whatever the queue's name."""
    keys = subprocess.run(
        ["redis-cli", "-p", str(port), "--raw", "keys", "*"], capture_output=True, text=True
    ).stdout.split()
    lengths = (
        subprocess.run(
            ["redis-cli", "-p", str(port), "--raw", "llen", key], capture_output=True, text=True
        ).stdout.strip()
        for key in keys
    )
    return sum(int(length) for length in lengths if length.isdigit())


@pytest.mark.services
@pytest.mark.django_db
def test_outbox_survives_a_broker_outage(private_broker, mailoutbox, django_capture_on_commit_callbacks, caplog):
    stop_redis(private_broker)
    with django_capture_on_commit_callbacks(execute=True):
        message = services.outbox_enqueue(event="t", to_email="a@exemple.fr", subject="Pendant la panne", body=".")
    assert "Broker unavailable" in caplog.text  # the publish really met the outage
    message.refresh_from_db()
    assert message.status == OutboxMessage.Status.PENDING  # the change committed, the e-mail waits

    start_redis(private_broker)
    with django_capture_on_commit_callbacks(execute=True):
        services.outbox_enqueue(event="t", to_email="b@exemple.fr", subject="Après la panne", body=".")
    assert queued(private_broker) == 1  # the broker is back: new work is queued again

    assert services.outbox_send_pending() == 2  # the periodic task sends what the outage left behind
    assert sorted(m.subject for m in mailoutbox) == ["Après la panne", "Pendant la panne"]
