"""What calls tell the apps above them, which subscribe in their own apps.py (calls imports none of them)."""

from django.dispatch import Signal

# A session's close moved while it was open (extended or brought forward), inside the change's transaction.
# Arguments: session, actor, before (the close it replaces), reason.
session_close_changed = Signal()
