"""Read-mostly admin: juries are run from the portal's pages, through the services."""

from django.contrib import admin

from juries.models import (
    Assignment, ConflictDeclaration, Consensus, Decision, Deliberation, EligibilityReview, Evaluation, Jury, JuryMember,
)


class MemberInline(admin.TabularInline):
    model = JuryMember
    extra = 0
    fields = ("user", "is_chair", "is_external", "sector", "withdrawn_at")
    readonly_fields = fields
    can_delete = False


@admin.register(Jury)
class JuryAdmin(admin.ModelAdmin):
    list_display = ("name", "call", "theme", "session", "evaluations_per_dossier", "due_at")
    list_filter = ("programme",)
    search_fields = ("name",)
    inlines = [MemberInline]
    readonly_fields = ("programme", "call", "theme", "session")


@admin.register(ConflictDeclaration)
class ConflictDeclarationAdmin(admin.ModelAdmin):
    list_display = ("member", "dossier", "organisation", "status", "declared_at")
    list_filter = ("status",)
    readonly_fields = ("member", "dossier", "organisation", "status", "reason", "auto_flag", "declared_at")


@admin.register(Evaluation)
class EvaluationAdmin(admin.ModelAdmin):
    list_display = ("assignment", "total", "recommendation", "submitted_at", "is_late")
    readonly_fields = [f.name for f in Evaluation._meta.fields]

    def has_change_permission(self, request, obj=None):
        return False  # scores change only through evaluation_save / evaluation_reopen (audited)


@admin.register(Deliberation)
class DeliberationAdmin(admin.ModelAdmin):
    list_display = ("jury", "recorded_at", "granted_total", "envelope")
    readonly_fields = ("jury", "session", "recorded_at", "recorded_by", "envelope", "granted_total", "override_reason",
                       "override_by", "ranking", "minutes")


admin.site.register([Assignment, Consensus, Decision, EligibilityReview])
