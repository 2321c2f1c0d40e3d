"""The two dossier lists: "Mes dossiers" for applicants, the instruction list for staff.

Each page runs a fixed number of queries whatever the number of dossiers: rows come with
their organisation, theme and session, and the applicant's complement due date is a subquery.
"""

from datetime import datetime

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.functional import cached_property
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from applications import selectors
from applications.forms_lists import ApplicantDossierFilterForm, StaffDossierFilterForm
from applications.selectors import instruction as instruction_selectors
from applications.selectors.opinions import with_opinion_counts
from applications.workflow import APPLICANT_LABELS, DossierState
from portal.selectors import organisations_of, user_roles
from portal.timing import countdown_label

APPLICANT_PAGE_SIZE = 25
STAFF_PAGE_SIZE = 50

S = DossierState
# DSFR badge colour of each state, the same on both lists.
BADGE_MODIFIERS = {
    S.DRAFT: "warning",
    S.COMPLEMENT_REQUESTED: "warning",
    S.SUBMITTED: "info",
    S.COMPLETE: "info",
    S.ELIGIBLE: "info",
    S.UNDER_EVALUATION: "info",
    S.DELIBERATED: "info",
    S.RESERVE: "new",
    S.RESUBMIT_INVITED: "new",
    S.REORIENTED: "new",
    S.SELECTED: "success",
    S.CONVENTION: "success",
    S.IN_PROGRESS: "success",
    S.INELIGIBLE: "error",
    S.REJECTED: "error",
}

# What the applicant has to do next, for states without a deadline of their own.
NEXT_ACTIONS = {
    S.SUBMITTED: gettext_lazy("En attente d'instruction"),
    S.COMPLETE: gettext_lazy("Aucune action attendue : instruction en cours"),
    S.ELIGIBLE: gettext_lazy("Aucune action attendue : en attente d'évaluation"),
    S.UNDER_EVALUATION: gettext_lazy("Aucune action attendue : évaluation en cours"),
    S.DELIBERATED: gettext_lazy("En attente de la décision"),
    S.SELECTED: gettext_lazy("Préparer la convention avec l'équipe du programme"),
    S.CONVENTION: gettext_lazy("Signer la convention"),
    S.IN_PROGRESS: gettext_lazy("Rendre compte des jalons et des indicateurs"),
    S.REJECTED: gettext_lazy("Consulter la décision motivée"),
    S.INELIGIBLE: gettext_lazy("Consulter la décision motivée"),
    S.RESUBMIT_INVITED: gettext_lazy("Améliorer le projet et le redéposer lors d'une prochaine session"),
    S.REORIENTED: gettext_lazy("En attente d'instruction dans le nouveau thème"),
    S.RESERVE: gettext_lazy("En attente : dossier sur liste complémentaire"),
}


def _paris(moment: datetime) -> str:
    return date_format(timezone.localtime(moment), "d/m/Y à H:i")


def _next_action(dossier) -> str:
    if dossier.state == S.DRAFT:
        return _("Compléter et déposer avant le %(date)s") % {"date": _paris(dossier.session.closes_at)}
    if dossier.state == S.COMPLEMENT_REQUESTED:
        if dossier.complement_due_at is None:
            return _("Répondre aux compléments demandés")
        return _("Répondre aux compléments avant le %(date)s") % {"date": _paris(dossier.complement_due_at)}
    return str(NEXT_ACTIONS.get(dossier.state, ""))


def _applicant_row(dossier, now: datetime):
    dossier.url = reverse("applications:dossier_detail", args=[dossier.pk])
    dossier.state_label = APPLICANT_LABELS[dossier.state]
    dossier.badge_modifier = BADGE_MODIFIERS.get(dossier.state, "")
    dossier.next_action = _next_action(dossier)
    dossier.countdown = ""
    if dossier.state == S.DRAFT:
        closes_at = dossier.session.closes_at
        dossier.countdown = countdown_label(closes_at - now) if closes_at > now else _("Session close")
    return dossier


@login_required
def my_dossiers(request):
    organisations = list(organisations_of(request.user))
    form = ApplicantDossierFilterForm(request.GET or None, organisations=organisations)
    dossiers = selectors.applicant_dossier_list(request.user, **form.filters())
    page = Paginator(dossiers, APPLICANT_PAGE_SIZE).get_page(request.GET.get("page"))
    now = timezone.now()
    rows = [_applicant_row(dossier, now) for dossier in page]
    return render(
        request,
        "applications/lists/my_dossiers.html",
        {
            "form": form,
            "page": page,
            "rows": rows,
            "is_filtered": bool(form.filters()),
            "calls_url": reverse("calls:public_list"),
            "breadcrumb_data": {"links": [], "current": _("Mes dossiers")},
        },
    )


class _CountedPaginator(Paginator):
    """A paginator given the row count, which the list already aggregated with the amounts."""

    def __init__(self, object_list, per_page, *, count: int):
        super().__init__(object_list, per_page)
        self._known_count = count

    @cached_property
    def count(self) -> int:
        return self._known_count


def _sort_links(request, current: str) -> dict:
    """For each sortable column: the URL that sorts by it (toggling direction) and its aria-sort."""
    params = {key: value for key, value in request.GET.items() if key not in ("tri", "page")}
    links = {}
    for key in selectors.STAFF_SORTS:
        ascending_now = current == key
        descending_now = current == f"-{key}"
        target = f"-{key}" if ascending_now else key
        links[key] = {
            "url": "?" + urlencode({**params, "tri": target}),
            "aria_sort": "ascending" if ascending_now else "descending" if descending_now else "none",
        }
    return links


STAFF_LIST_FIELDS = (
    "reference",
    "acronym",
    "title",
    "state",
    "requested_amount",
    "submitted_at",
    "organisation__name",
    "organisation__siret",
    "organisation__kind",
    "session__name",
    "theme__code",
    "theme__call__title",
    "theme__call__programme__name",
)


def _staff_row(dossier):
    dossier.url = reverse("applications:staff_dossier", args=[dossier.pk])
    dossier.state_label = dossier.get_state_display()
    dossier.badge_modifier = BADGE_MODIFIERS.get(dossier.state, "")
    return dossier


@login_required
def staff_list(request):
    roles = user_roles(request.user)
    if not (roles.is_admin or roles.is_programme_staff):
        raise PermissionDenied
    labels = instruction_selectors.labels_of(request.user)
    form = StaffDossierFilterForm(
        request.GET or None, sessions=selectors.staff_filter_scope(request.user), labels=labels
    )
    filters = form.filters()
    dossiers = selectors.staff_dossier_list(request.user, **filters)
    totals = selectors.staff_list_totals(request.user, dossiers, **filters)
    # The page reads the columns it shows: no answers, no theme or call texts decoded per row.
    page = _CountedPaginator(
        with_opinion_counts(dossiers.only(*STAFF_LIST_FIELDS)).prefetch_related("labels"),
        STAFF_PAGE_SIZE,
        count=totals["count"],
    ).get_page(request.GET.get("page"))
    return render(
        request,
        "applications/lists/staff_list.html",
        {
            "form": form,
            "page": page,
            "rows": [_staff_row(dossier) for dossier in page],
            "totals": totals,
            "sort_links": _sort_links(request, form.sort),
            # The selection's bulk actions and the saved filters.
            "labels": labels,
            "instructors": instruction_selectors.instructors_of(request.user),
            "saved_filters": instruction_selectors.saved_filters_of(request.user),
            "label_programmes": form.fields["programme"].choices[1:],
            "breadcrumb_data": {"links": [], "current": _("Instruction des dossiers")},
        },
    )
