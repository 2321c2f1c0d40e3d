"""Time as people read it on the portal's pages."""

from datetime import timedelta

from django.utils.translation import gettext as _
from django.utils.translation import ngettext


def countdown_label(remaining: timedelta) -> str:
    """'Clôture dans 3 jours et 4 heures': the two largest units, rounded down."""
    minutes_left = int(remaining.total_seconds() // 60)
    days, minutes = divmod(minutes_left, 24 * 60)
    hours, minutes = divmod(minutes, 60)
    units = [
        (days, ngettext("%(count)d jour", "%(count)d jours", days)),
        (hours, ngettext("%(count)d heure", "%(count)d heures", hours)),
        (minutes, ngettext("%(count)d minute", "%(count)d minutes", minutes)),
    ]
    parts = [label % {"count": count} for count, label in units if count][:2]
    if not parts:
        return _("Clôture dans moins d'une minute")
    return _("Clôture dans %(delay)s") % {"delay": _(" et ").join(parts)}
