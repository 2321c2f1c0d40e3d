"""Celery tasks of the funding app: thin adapters that take ids and call services; all idempotent."""

from funding import reminders
from funding.services import conventions
from portal.celery import resilient_task


@resilient_task
def convention_render(convention_id: int) -> None:
    """Render one version's PDF; a retry finds it rendered and does nothing (never a second version)."""
    conventions.convention_render(convention_id=convention_id)


@resilient_task
def conventions_render_pending() -> int:
    """Catch up on renders whose task was lost while the broker was down."""
    return conventions.conventions_render_pending()


@resilient_task
def conventions_enter_into_force() -> int:
    """Countersigned conventions enter into force on their start date."""
    return conventions.conventions_enter_into_force()


@resilient_task
def reminders_send() -> int:
    """Send every reminder due today; each goes out once (see funding.reminders)."""
    return reminders.reminders_send()
