"""A real Redis broker stopped and restarted while the portal works: nothing is lost.

The test runs its own redis-server on a free port (tests/brokers.py), so stopping it never
disturbs the Redis that other tests share.
"""

import pytest

from portal import services
from portal.models import OutboxMessage, TaskOutbox
from portal.services import task_outbox
from tests.brokers import queued, start_redis, stop_redis


@pytest.mark.services
@pytest.mark.django_db
def test_outbox_survives_a_broker_outage(private_broker, mailoutbox, django_capture_on_commit_callbacks, caplog):
    stop_redis(private_broker)
    with django_capture_on_commit_callbacks(execute=True):
        message = services.outbox_enqueue(event="t", to_email="a@exemple.fr", subject="Pendant la panne", body=".")
        second = services.outbox_enqueue(event="t", to_email="c@exemple.fr", subject="Pendant la panne", body=".")
    # The first publish met the outage; the second did not even try (the process pauses its publishing).
    assert caplog.text.count("Broker unavailable") == 1
    message.refresh_from_db()
    assert message.status == OutboxMessage.Status.PENDING  # the change committed, the e-mail waits
    assert TaskOutbox.objects.count() == 2  # and so does the task that sends it

    start_redis(private_broker)
    with django_capture_on_commit_callbacks(execute=True):
        services.outbox_enqueue(event="t", to_email="b@exemple.fr", subject="Après la panne", body=".")
    assert queued(private_broker) == 0  # still paused: the sweep publishes for this process
    # What beat runs every TASK_OUTBOX_SWEEP_SECONDS once the broker is back:
    assert task_outbox.task_outbox_publish_pending(min_age_seconds=0) == 3
    assert queued(private_broker) == 3 and not TaskOutbox.objects.exists()

    assert services.outbox_send_pending() == 3  # what the published tasks do
    assert sorted(m.to[0] for m in mailoutbox) == ["a@exemple.fr", "b@exemple.fr", "c@exemple.fr"]
    second.refresh_from_db()
    assert second.status == OutboxMessage.Status.SENT
