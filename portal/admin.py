from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme

from portal.models import (
    AuditEvent,
    Membership,
    MembershipRequest,
    Organisation,
    OrganisationDomain,
    OutboxMessage,
    RoleAssignment,
    User,
)


def admin_login(request, extra_context=None):
    """The admin site signs in through the portal's login (allauth: second factor, lockout), never its own
    password-only form, which would let an administrator skip the TOTP step."""
    target = request.GET.get("next", "")
    if not url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        target = ""
    if not request.user.is_authenticated:
        return redirect_to_login(target or reverse("admin:index"))
    if not request.user.is_staff:
        raise PermissionDenied
    return redirect(target or "admin:index")


admin.site.login = admin_login


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    ordering = ["email"]
    list_display = ["email", "first_name", "last_name", "is_active", "date_joined"]
    search_fields = ["email", "first_name", "last_name"]
    fieldsets = (
        (None, {"fields": ("email", "password")}),
        ("Identité", {"fields": ("first_name", "last_name")}),
        ("Droits", {"fields": ("is_active", "is_staff", "is_superuser")}),
        ("Dates", {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = ((None, {"classes": ("wide",), "fields": ("email", "password1", "password2")}),)


class ReadOnly:
    """No add, change or delete in the admin: the record is written by a service, which audits it."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class MembershipInline(ReadOnly, admin.TabularInline):
    """Shown, never edited here: membership is granted through the portal (requests, référents), audited."""

    model = Membership
    extra = 0
    fields = ["user", "is_referent", "origin", "granted_by", "created_at"]
    readonly_fields = fields


@admin.register(Organisation)
class OrganisationAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "siret", "created_by", "created_at"]
    list_filter = ["kind"]
    search_fields = ["name", "siret"]
    readonly_fields = ["created_by"]
    inlines = [MembershipInline]


@admin.register(RoleAssignment)
class RoleAssignmentAdmin(admin.ModelAdmin):
    list_display = ["user", "role", "scope_type", "scope_id"]
    list_filter = ["role"]
    search_fields = ["user__email"]
    list_select_related = ["user", "scope_type"]


@admin.register(OutboxMessage)
class OutboxMessageAdmin(admin.ModelAdmin):
    list_display = ["created_at", "event", "to_email", "status", "attempts"]
    list_filter = ["status", "event"]
    search_fields = ["to_email", "subject"]


class ReadOnlyAdmin(ReadOnly, admin.ModelAdmin):
    """For records that only services write (audited, notified): the admin shows them, never edits them."""


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "actor_label", "action", "target_label", "ip_address"]
    list_filter = ["action"]
    search_fields = ["actor_label", "target_label", "action"]


@admin.register(MembershipRequest)
class MembershipRequestAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "user", "organisation", "status", "decided_by", "decided_at"]
    list_filter = ["status"]
    search_fields = ["user__email", "organisation__name"]
    list_select_related = ["user", "organisation", "decided_by"]


@admin.register(OrganisationDomain)
class OrganisationDomainAdmin(ReadOnlyAdmin):
    list_display = ["domain", "organisation", "declared_by", "created_at"]
    search_fields = ["domain", "organisation__name"]
    list_select_related = ["organisation", "declared_by"]
