"""Brokers for tests: a private redis-server that a test may stop and restart without disturbing the
shared Redis of other tests, and the shared Celery app made to publish to it for real (not eagerly).

CI installs redis-server (.ci/run); the fixtures `private_broker` and `broker_down` are in tests/conftest.py.
"""

import socket
import subprocess
import time
from contextlib import contextmanager


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


def unacknowledged(port: int) -> int:
    """Messages a worker received but did not acknowledge (kombu keeps them in the "unacked" hash)."""
    reply = subprocess.run(["redis-cli", "-p", str(port), "--raw", "hlen", "unacked"], capture_output=True, text=True)
    return int(reply.stdout.strip() or 0)


@contextmanager
def celery_publishing_to(broker_url: str):
    """The shared Celery app publishes to `broker_url` for real, dialling it afresh for each publish, as a
    web process does after a restart; the eager mode and the pools of earlier tests come back after."""
    from portal.celery import app

    settings_used = ("task_always_eager", "broker_url", "broker_connection_timeout", "broker_pool_limit")
    previous = {key: app.conf.get(key) for key in settings_used}
    app.conf.update(task_always_eager=False, broker_url=broker_url, broker_connection_timeout=1, broker_pool_limit=None)
    # Pools made by earlier tests of this process would still dial the shared broker.
    pools = app._pool, app.amqp._producer_pool
    app._pool = app.amqp._producer_pool = None
    try:
        yield
    finally:
        app.conf.update(previous)
        app._pool, app.amqp._producer_pool = pools


def run_queued_tasks(broker_url: str, *, times: int = 1) -> list[str]:
    """Do a worker's job in this process: take every message waiting in the broker, queue by queue (the default
    one, then each routed one, such as the receipts'), and run its task `times` times (2: a redelivery after a
    lost acknowledgement); returns the tasks' names, in order."""
    from kombu import Connection

    from portal.celery import app

    routed = sorted({route["queue"] for route in (app.conf.task_routes or {}).values()})
    names = []
    with Connection(broker_url) as connection:
        for queue_name in [app.conf.task_default_queue, *routed]:
            queue = connection.SimpleQueue(queue_name)
            try:
                while True:
                    try:
                        message = queue.get(block=False)
                    except queue.Empty:
                        break
                    name, (args, kwargs, _embed) = message.headers["task"], message.decode()
                    for _ in range(times):
                        app.tasks[name].apply(args=args, kwargs=kwargs, throw=True)
                    message.ack()
                    names.append(name)
            finally:
                queue.close()
    return names
