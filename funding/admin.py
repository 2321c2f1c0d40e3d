"""Read-only admin of the funding app: every change goes through `funding.services` (audit, notifications)."""

from django.contrib import admin

from funding.models import (
    Closure,
    Convention,
    ConventionTemplate,
    FinalReport,
    IndicatorReport,
    Milestone,
    Payment,
    ReminderOptOut,
    ReminderSent,
    Tranche,
)
from portal.admin import ReadOnlyAdmin


@admin.register(ConventionTemplate)
class ConventionTemplateAdmin(ReadOnlyAdmin):
    list_display = ["programme", "version", "title", "created_at"]
    list_filter = ["programme"]


class TrancheInline(admin.TabularInline):
    model = Tranche
    extra = 0
    fields = ["order", "label", "amount", "condition", "milestone"]
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Convention)
class ConventionAdmin(ReadOnlyAdmin):
    list_display = ["dossier", "version", "status", "amount", "carrier_signed_at", "operator_signed_at"]
    list_filter = ["status"]
    search_fields = ["dossier__reference", "dossier__acronym"]
    list_select_related = ["dossier"]
    inlines = [TrancheInline]


@admin.register(Milestone)
class MilestoneAdmin(ReadOnlyAdmin):
    list_display = ["dossier", "label", "due_on", "status"]
    list_filter = ["status"]
    search_fields = ["dossier__reference", "label"]
    list_select_related = ["dossier"]


@admin.register(Payment)
class PaymentAdmin(ReadOnlyAdmin):
    list_display = ["tranche", "paid_on", "amount", "reference", "recorded_by"]
    search_fields = ["reference", "tranche__convention__dossier__reference"]
    list_select_related = ["tranche", "recorded_by"]


@admin.register(IndicatorReport)
class IndicatorReportAdmin(ReadOnlyAdmin):
    list_display = ["dossier", "period_start", "submitted_at", "is_late"]
    list_filter = ["is_late"]
    list_select_related = ["dossier"]


@admin.register(FinalReport)
class FinalReportAdmin(ReadOnlyAdmin):
    list_display = ["dossier", "spent_amount", "submitted_at", "validated_at"]


@admin.register(Closure)
class ClosureAdmin(ReadOnlyAdmin):
    list_display = ["dossier", "granted_amount", "paid_amount", "unspent_amount", "closed_at"]


@admin.register(ReminderSent)
class ReminderSentAdmin(ReadOnlyAdmin):
    list_display = ["email", "kind", "object_key", "due_on", "sent_at"]
    list_filter = ["kind"]
    search_fields = ["email", "object_key"]


@admin.register(ReminderOptOut)
class ReminderOptOutAdmin(ReadOnlyAdmin):
    list_display = ["user", "family", "created_at"]
    list_filter = ["family"]
