"""Staff's instruction: a queue per session, and the completeness and eligibility review of a dossier."""

from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from applications.selectors import dossiers_of_staff, similar_project_flags
from applications.workflow import TO_INSTRUCT_FILTER
from calls.models import Session
from juries import selectors
from juries.models import EligibilityReview
from juries.permissions import require_staff
from juries.services import instruction
from portal.errors import DomainError
from portal.selectors import user_roles

QUEUE_PAGE_SIZE = 50


@login_required
def sessions(request):
    require_staff(request.user)
    return render(
        request, "juries/instruction/sessions.html", {"sessions": selectors.instruction_sessions(request.user)}
    )


@login_required
def queue(request, session_id: int):
    require_staff(request.user)
    session = get_object_or_404(Session.objects.select_related("theme__call"), pk=session_id)
    if not user_roles(request.user).is_staff_of(session.theme.call.programme_id):
        raise Http404
    query = request.GET.get("q", "").strip()[:100]
    page = Paginator(selectors.instruction_queue(request.user, session_id, query=query), QUEUE_PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    flags = selectors.double_funding_flags(page.object_list)
    return render(
        request,
        "juries/instruction/queue.html",
        {
            "session": session,
            "page": page,
            "query": query,
            "rows": [(dossier, flags.get(dossier.pk, [])) for dossier in page.object_list],
            # The same rows in the staff list's terms, for its exports.
            "export_querystring": urlencode(
                {"session": session.pk, "statut": TO_INSTRUCT_FILTER, **({"q": query} if query else {})}
            ),
        },
    )


@login_required
def review(request, dossier_id: int):
    require_staff(request.user)
    dossier = get_object_or_404(
        dossiers_of_staff(request.user).select_related("theme__call", "session", "organisation"), pk=dossier_id
    )
    blockers, violations, manual = instruction.automatic_checks(dossier)
    error = None
    if request.method == "POST":
        checklist = {
            code: {"ok": request.POST.get(f"ok_{code}") == "on", "reason": request.POST.get(f"reason_{code}", "")}
            for code, _ in manual
        }
        try:
            instruction.eligibility_review(
                actor=request.user,
                dossier=dossier,
                outcome=request.POST.get("outcome", ""),
                checklist=checklist,
                reason=request.POST.get("reason", ""),
            )
        except DomainError as exception:
            error = exception.message
        else:
            messages.success(request, _("Dossier %(reference)s instruit.") % {"reference": dossier.reference})
            return redirect("juries:instruction_queue", dossier.session_id)
    return render(
        request,
        "juries/instruction/review.html",
        {
            "dossier": dossier,
            "blockers": blockers,
            "violations": violations,
            "manual": manual,
            "error": error,
            "post": request.POST,
            "outcomes": EligibilityReview.Outcome.choices,
            "double_funding": selectors.double_funding_flags([dossier]).get(dossier.pk, []),
            "similar_projects": similar_project_flags([dossier]).get(dossier.pk, []),
            "reviews": dossier.eligibility_reviews.select_related("reviewer"),
        },
    )
