"""Read-mostly admin: juries are run from the portal's pages, through the services."""

from django.contrib import admin

from juries.models import (
    Assignment,
    ConflictDeclaration,
    Consensus,
    Decision,
    Deliberation,
    EligibilityReview,
    Evaluation,
    Jury,
    JuryMember,
)
from portal.admin import ReadOnlyAdmin


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

    def has_add_permission(self, request):
        return False  # a jury is created by jury_create, which checks its scope


@admin.register(ConflictDeclaration)
class ConflictDeclarationAdmin(ReadOnlyAdmin):
    list_display = ("member", "dossier", "organisation", "status", "declared_at")
    list_filter = ("status",)


@admin.register(Evaluation)
class EvaluationAdmin(ReadOnlyAdmin):
    """Scores change only through evaluation_save / evaluation_reopen (audited)."""

    list_display = ("assignment", "total", "recommendation", "submitted_at", "is_late")


@admin.register(Deliberation)
class DeliberationAdmin(ReadOnlyAdmin):
    list_display = ("jury", "recorded_at", "granted_total", "envelope")


admin.site.register([Assignment, Consensus, Decision, EligibilityReview], ReadOnlyAdmin)
