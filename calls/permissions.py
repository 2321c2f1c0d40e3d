"""Who may run the staff back-office of calls.

Programme staff manage the calls of the programmes they are staff of; admins manage all.
A user without either role gets a 403; a call of another programme is a 404 (see views).
"""

from calls.models import Call
from portal.selectors import user_roles


def can_use_back_office(user) -> bool:
    roles = user_roles(user)
    return roles.is_admin or roles.is_programme_staff


def can_manage_call(user, call: Call) -> bool:
    return user_roles(user).is_staff_of(call.programme_id)
