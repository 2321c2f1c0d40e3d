"""Staff's pages: juries of their programmes, one jury's management, and the ranking / deliberation."""

from dataclasses import dataclass
from decimal import Decimal

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from applications.selectors import similar_project_flags
from calls.models import Session, Theme
from calls.selectors import staff_calls
from juries import selectors
from juries.forms import (
    DECISION_CHOICES,
    DeliberationForm,
    JuryCreateForm,
    MemberAddForm,
    SessionSearchField,
    session_labels,
)
from juries.models import JuryMember
from juries.permissions import require_staff
from juries.services import assignment, deliberation, instruction, juries
from juries.services.deliberation import DecisionInput, granted_by, granted_total_of
from portal.errors import DomainError
from portal.fields import AmountInputField, DecimalInputField, count_or_none
from portal.selectors import user_roles
from portal.templatetags.portal_format import amount_input


@login_required
def jury_list(request):
    """The staff's juries, and the form that creates one for a call, a theme or a session."""
    require_staff(request.user)
    roles = user_roles(request.user)
    calls = staff_calls(roles)
    # Themes and sessions are offered for the call chosen (posted, or picked: the page reloads them).
    chosen_call = count_or_none(request.POST.get("call") or request.GET.get("call"))
    form = JuryCreateForm(
        request.POST or None,
        initial={"call": chosen_call},
        calls=calls,
        themes=Theme.objects.filter(call__in=calls, call_id=chosen_call).select_related("call"),
        sessions=Session.objects.filter(theme__call__in=calls, theme__call_id=chosen_call)
        .select_related("theme")
        .order_by("theme__order", "theme__code", "opens_at"),
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            jury = juries.jury_create(
                actor=request.user,
                call=data["call"],
                theme=data["theme"],
                session=data["session"],
                name=data["name"],
                evaluations_per_dossier=data["evaluations_per_dossier"],
                due_at=data["due_at"],
                divergence_threshold=data["divergence_threshold"],
                pass_mark=data["pass_mark"],
                mix_sectors=data["mix_sectors"],
            )
        except DomainError as error:
            form.add_error(error.field if error.field in form.fields else None, error.message)
        else:
            messages.success(request, _("Jury créé : ajoutez ses membres et ses dossiers."))
            return redirect("juries:staff_jury", jury.pk)
    return render(request, "juries/staff/list.html", {"juries": selectors.staff_juries(request.user), "form": form})


def _action(request, jury) -> None:
    """One management action posted from the jury page; errors become messages."""
    action = request.POST.get("action")
    if action == "add_member":
        form = MemberAddForm(request.POST)
        if not form.is_valid():
            raise DomainError(_("Saisissez une adresse e-mail valide et un secteur."))
        member = juries.member_invite(
            actor=request.user,
            jury=jury,
            email=form.cleaned_data["email"],
            is_chair=form.cleaned_data["is_chair"],
            is_external=form.cleaned_data["is_external"],
            sector=form.cleaned_data["sector"],
        )
        messages.success(request, _("%(member)s ajouté·e au jury et prévenu·e par e-mail.") % {"member": member.user})
    elif action == "withdraw_member":
        member = JuryMember.objects.filter(jury=jury, pk=count_or_none(request.POST.get("member"))).first()
        if member is None:
            raise DomainError(_("Membre introuvable."))
        juries.member_withdraw(actor=request.user, member=member, reason=request.POST.get("reason", ""))
        messages.success(
            request,
            _("%(member)s retiré·e du jury ; ses dossiers non évalués sont à réattribuer.") % {"member": member},
        )
    elif action == "add_dossiers":
        added = juries.jury_dossiers_add(actor=request.user, jury=jury)
        messages.success(
            request,
            ngettext("%(count)s dossier ajouté au jury.", "%(count)s dossiers ajoutés au jury.", len(added))
            % {"count": len(added)},
        )
    elif action == "start_evaluation":
        moved = instruction.evaluation_start(actor=request.user, jury=jury)
        messages.success(
            request,
            ngettext("%(count)s dossier mis en évaluation.", "%(count)s dossiers mis en évaluation.", moved)
            % {"count": moved},
        )
    elif action == "assign_manual":
        member = JuryMember.objects.filter(jury=jury, pk=count_or_none(request.POST.get("member"))).first()
        entry = (
            jury.jury_dossiers.filter(dossier_id=count_or_none(request.POST.get("dossier")))
            .select_related("dossier")
            .first()
        )
        if member is None or entry is None:
            raise DomainError(_("Choisissez un membre et un dossier du jury."))
        assignment.assign_manual(actor=request.user, member=member, dossier=entry.dossier)
        messages.success(
            request,
            _("%(reference)s attribué à %(member)s.") % {"reference": entry.dossier.reference, "member": member},
        )
    elif action == "assign_auto":
        result = assignment.assign_auto(actor=request.user, jury=jury)
        messages.success(
            request,
            ngettext("%(count)s attribution créée.", "%(count)s attributions créées.", len(result.created))
            % {"count": len(result.created)},
        )
        if result.shortfalls:
            messages.warning(
                request,
                ngettext(
                    "%(count)s dossier manque de jurés sans conflit.",
                    "%(count)s dossiers manquent de jurés sans conflit.",
                    len(result.shortfalls),
                )
                % {"count": len(result.shortfalls)},
            )


@login_required
def jury_detail(request, jury_id: int):
    require_staff(request.user)
    jury = selectors.staff_jury_or_404(request.user, jury_id)
    if request.method == "POST":
        try:
            _action(request, jury)
        except DomainError as error:
            messages.error(request, error.message)
        return redirect("juries:staff_jury", jury.pk)
    entries = list(selectors.jury_entries_with_progress(jury))
    return render(
        request,
        "juries/staff/jury.html",
        {
            "jury": jury,
            "progress": selectors.jury_progress(jury),
            "declarations": selectors.declarations_of(jury),
            "severity": sorted(selectors.severity_of(jury).items(), key=lambda pair: pair[1]),
            "entries": entries,
            "double_funding": selectors.double_funding_flags([e.dossier for e in entries]),
            "similar_projects": similar_project_flags([e.dossier for e in entries]),
            "member_form": MemberAddForm(),
        },
    )


def _decisions_from_post(data, rows, targets=None) -> list[DecisionInput]:
    """The decisions typed in the ranking table; a target session is looked up among `targets` only
    (the jury's reorientation targets), by the label offered or an id, so an id from elsewhere is
    refused, never looked up."""
    target_field = SessionSearchField(
        queryset=targets if targets is not None else Session.objects.none(), required=False
    )
    decisions = []
    for row in rows:
        pk = row.dossier_id
        kind = data.get(f"kind_{pk}", "")
        if not kind:
            continue
        try:
            amount = AmountInputField(required=False).clean(data.get(f"amount_{pk}", ""))
        except ValidationError as error:
            raise DomainError(f"{row.reference} : {' '.join(error.messages)}", field="amount") from None
        try:
            target = target_field.clean(data.get(f"target_{pk}", ""))
        except ValidationError:
            raise DomainError(
                _("%(reference)s : la session visée est introuvable parmi celles du programme.")
                % {"reference": row.reference}
            ) from None
        decisions.append(
            DecisionInput(
                dossier_id=pk,
                kind=kind,
                granted_amount=amount,
                conditions=data.get(f"conditions_{pk}", ""),
                reasons=data.get(f"reasons_{pk}", ""),
                target_session=target,
                across_calls=data.get(f"across_{pk}") == "on",
            )
        )
    return decisions


def _promote(request, jury, rows) -> None:
    row = next((r for r in rows if str(r.dossier_id) == request.POST.get("dossier")), None)
    if row is None:
        raise DomainError(_("Dossier introuvable dans ce classement."))
    amounts = _decisions_from_post(
        {f"kind_{row.dossier_id}": "selected", f"amount_{row.dossier_id}": request.POST.get("amount", "")}, [row]
    )
    selectors.ranking_entries(jury, [row])
    deliberation.reserve_promote(
        actor=request.user, jury=jury, dossier=row.dossier, granted_amount=amounts[0].granted_amount or Decimal("0")
    )
    messages.success(request, _("%(reference)s promu de la liste complémentaire.") % {"reference": row.reference})


# Rows of the ranking per slice of the deliberation page: a jury of 5 000 dossiers never puts
# 5 000 form rows on one page; the totals are the server's, over the whole jury.
SLICE_SIZE = 50


@dataclass(frozen=True)
class Typed:
    """A row's decision as its inputs show it back: as typed (even unreadable), else as kept in draft."""

    kind: str = ""
    amount: str = ""
    conditions: str = ""
    reasons: str = ""
    target: str = ""
    across_calls: bool = False


def _typed(data, row, draft, label_of: dict[int, str]) -> Typed:
    pk = row.dossier_id
    if data is not None and f"kind_{pk}" in data:
        raw = data.get(f"amount_{pk}", "")
        try:
            amount = amount_input(AmountInputField(required=False).clean(raw))
        except ValidationError:
            amount = raw
        return Typed(
            kind=data.get(f"kind_{pk}", ""),
            amount=amount,
            conditions=data.get(f"conditions_{pk}", ""),
            reasons=data.get(f"reasons_{pk}", ""),
            target=data.get(f"target_{pk}", ""),
            across_calls=data.get(f"across_{pk}") == "on",
        )
    if draft is None:
        return Typed()
    return Typed(
        kind=draft.kind,
        amount=amount_input(draft.granted_amount),
        conditions=draft.conditions,
        reasons=draft.reasons,
        target=label_of.get(draft.target_session_id, "") if draft.target_session_id else "",
        across_calls=draft.across_calls,
    )


def _cleared_from_post(data, rows) -> list[int]:
    """The dossiers of the slice posted whose decision was emptied: their draft is forgotten."""
    return [
        row.dossier_id
        for row in rows
        if row.decision is None and f"kind_{row.dossier_id}" in data and not data[f"kind_{row.dossier_id}"]
    ]


def _slice(request, rows):
    """The slice asked for: by its number (`tranche`, which the pagination links add), else the one
    holding a rank (`rang`)."""
    number = request.GET.get("tranche")
    rank = count_or_none(request.GET.get("rang"))
    if not number and rank:
        number = (rank - 1) // SLICE_SIZE + 1
    return Paginator(rows, SLICE_SIZE).get_page(number)


@login_required
def ranking(request, jury_id: int):
    """The ranking against the envelope, one slice of rows at a time.

    "Enregistrer la tranche" keeps the slice's decisions as drafts on the server (htmx, or the whole
    page without JavaScript); "Vérifier" does the same and shows every decision in preparation with
    the totals over the whole jury; "Confirmer" records them all in one deliberation (irreversible).
    """
    require_staff(request.user)
    jury = selectors.staff_jury_or_404(request.user, jury_id)
    rows = selectors.ranking(jury)
    form = DeliberationForm(request.POST or None)
    envelope = selectors.envelope_of(jury)
    action = request.POST.get("action") if request.method == "POST" else None
    posted, cleared, error, saved = [], [], None, None
    if action == "promote":
        try:
            _promote(request, jury, rows)
        except DomainError as exception:
            messages.error(request, exception.message)
        return redirect("juries:staff_ranking", jury.pk)
    if request.method == "POST" and form.is_valid():
        try:
            posted = _decisions_from_post(request.POST, rows, selectors.reorientation_targets(jury))
            cleared = _cleared_from_post(request.POST, rows)
            if action == "record" and request.POST.get("confirm") == "1":
                present = list(jury.members.filter(withdrawn_at__isnull=True, pk__in=request.POST.getlist("present")))
                deliberation.deliberation_record(
                    actor=request.user,
                    jury=jury,
                    decisions=deliberation.drafted_decisions(jury, posted, cleared),
                    members_present=present,
                    override_reason=form.cleaned_data["override_reason"],
                    idempotency_key=form.cleaned_data["idempotency_key"],
                )
                messages.success(
                    request, _("Délibération enregistrée : les notes sont figées, le procès-verbal est en préparation.")
                )
                return redirect("juries:staff_ranking", jury.pk)
            saved = deliberation.decision_drafts_save(actor=request.user, jury=jury, decisions=posted, cleared=cleared)
            if action == "save" and not request.htmx:
                messages.success(request, _("Décisions de la tranche enregistrées (en préparation)."))
                return redirect(request.get_full_path())
        except DomainError as exception:
            error = exception.message
    page = _slice(request, rows)
    # The envelope counts what earlier deliberations of the jury granted, as the service does.
    already = granted_total_of(jury)
    proposal = selectors.reserve_proposal(jury, rows, already)
    # Only the rows shown (and the reserve's proposal) load their dossier: the page costs the same for
    # a jury of 50 dossiers as for one of 5 000.
    selectors.ranking_entries(jury, [*page.object_list, *([proposal] if proposal else [])])
    drafts = selectors.decision_drafts(jury, [row.dossier_id for row in page.object_list])
    # Two-step calls invite up to a multiple of the envelope at the first step ("what if" cut-off).
    try:
        multiple = DecimalInputField(required=False, min_value=0, max_value=100).clean(request.GET.get("multiple"))
    except ValidationError:
        multiple = None
    multiple = Decimal("1") if multiple is None else multiple
    cutoff = envelope * multiple if envelope is not None else None
    # The running total adds every decision in preparation over the whole jury (what this slice posted
    # replacing its drafts).
    typed_again = {d.dossier_id for d in posted} | set(cleared)
    granted_total = already + selectors.drafted_granted_total(jury, excluding=typed_again) + granted_by(posted)
    target_labels = session_labels(selectors.reorientation_targets(jury))
    label_of = {session.pk: label for label, session in target_labels.items()}
    data = request.POST if request.method == "POST" and error else None
    confirming = action == "check" and not error
    return render(
        request,
        "juries/staff/ranking.html",
        {
            "jury": jury,
            "rows": [(row, _typed(data, row, drafts.get(row.dossier_id), label_of)) for row in page.object_list],
            "page": page,
            "slice_size": SLICE_SIZE,
            "ranked": len(rows),
            "envelope": envelope,
            "multiple": multiple,
            "cutoff": cutoff,
            "granted_total": granted_total,
            "remaining": envelope - granted_total if envelope is not None else None,
            "over": envelope is not None and granted_total > envelope,
            "form": form,
            "error": error,
            "saved": saved,
            "decision_choices": DECISION_CHOICES,
            "confirming": confirming,
            "summary": selectors.drafts_summary(jury) if confirming else None,
            # One searchable list for every row: the same ~200 options in each row cost seconds on a
            # 1 000-dossier ranking, and nobody finds a session by scrolling 200 of them.
            "target_labels": list(target_labels),
            "deliberations": jury.deliberations.all(),
            "already": already,
            "proposal": proposal,
            "members": jury.members.filter(withdrawn_at__isnull=True).select_related("user"),
            "present": set(request.POST.getlist("present")) if request.method == "POST" else None,
        },
    )
