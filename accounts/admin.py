"""Django admin for the accounts app.

Staff see the admin through the same scoping as the API: a KAM's changelists,
autocompletes and foreign-key choices hold only their accounts and what hangs under them
(`accounts.access` decides, as for the pages; the site itself refuses the integration
user); assignments stay with heads and admins.
"""

from __future__ import annotations

import json
from collections.abc import Callable

from django import forms
from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.core.serializers.json import DjangoJSONEncoder
from django.db.models import QuerySet
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from . import access, services
from .models import (
    Account,
    ApiToken,
    AuditEvent,
    Contact,
    ContactLink,
    Distributor,
    DistributorLink,
    Event,
    Industry,
    Interaction,
    Region,
    Survey,
    User,
    WebhookAttempt,
    WebhookDelivery,
    WebhookEndpoint,
    WebhookEvent,
    WebhookEventType,
)
from .services import account_key_status, api_token_revoke
from .webhooks import webhook_endpoint_switched_on, webhook_secret_new


def _contacts_in_scope(user: User) -> QuerySet[Contact]:
    return access.contact_scope(user=user)


def _accounts_in_scope(user: User) -> QuerySet[Account]:
    return access.account_scope(user=user)


def _users_in_scope(user: User) -> QuerySet[User]:
    return access.user_scope(user=user, include_inactive=True)


# Related-field name -> the rows a staff user may pick for it. Apps above accounts (plans)
# add their own entries, so accounts never imports them.
SCOPED_CHOICES: dict[str, Callable[[User], QuerySet]] = {
    **dict.fromkeys(["account", "parent", "accounts"], _accounts_in_scope),
    **dict.fromkeys(
        ["contact", "contacts", "reports_to", "invited", "attended", "from_contact", "to_contact"],
        _contacts_in_scope,
    ),
    **dict.fromkeys(["owner", "team", "author", "organizer"], _users_in_scope),
}


def scoped_choices(field_name: str, user: User) -> QuerySet | None:
    """The rows a staff user may pick for a related field, or None when not scoped."""
    scope = SCOPED_CHOICES.get(field_name)
    return scope(user) if scope else None


class ScopedAdmin(admin.ModelAdmin):
    """Changelists and choices follow the user's account scope (accounts.access).

    `scope_path` is the lookup from the model to its account ("pk" for Account itself);
    None means company-wide data everyone on staff may see.
    """

    scope_path: str | None = "account"
    list_per_page = 50

    def scope_queryset(self, qs: QuerySet, user: User) -> QuerySet:
        if self.scope_path is None:
            return qs
        return access.scoped(qs, user=user, field=self.scope_path)

    def get_queryset(self, request):
        return self.scope_queryset(super().get_queryset(request), request.user)

    def _scope_formfield(self, db_field, request, kwargs):
        if "queryset" not in kwargs:
            choices = scoped_choices(db_field.name, request.user)
            if choices is not None:
                kwargs["queryset"] = choices
        return kwargs

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        kwargs = self._scope_formfield(db_field, request, kwargs)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        kwargs = self._scope_formfield(db_field, request, kwargs)
        return super().formfield_for_manytomany(db_field, request, **kwargs)


class ScopedInline(admin.TabularInline):
    extra = 0

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        choices = scoped_choices(db_field.name, request.user)
        if choices is not None:
            kwargs.setdefault("queryset", choices)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


class ScopedHistoryAdmin(ScopedAdmin, SimpleHistoryAdmin):
    pass


class ReadOnlyMixin:
    """Admins read these here (scoped, with history where the model keeps one); they are
    written by the ERP, the nightly jobs, or their own pages through the services, whose
    rules (approvals, date order, uploads' checks) the admin's forms would bypass."""

    def has_add_permission(self, request, *args) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


class SoftDeleteAdmin(ScopedHistoryAdmin):
    """Deleting here only marks the rows deleted, through the same service as the pages
    (restorable from "Recently deleted"; the nightly purge removes them after retention)."""

    def delete_model(self, request, obj) -> None:
        services.account_record_delete(user=request.user, record=obj, account=obj.account)

    def delete_queryset(self, request, queryset) -> None:
        for obj in queryset:
            self.delete_model(request, obj)


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    list_display = ["username", "first_name", "last_name", "email", "role", "is_active"]
    list_filter = ["role", "is_active", "is_staff"]
    fieldsets = [
        *(DjangoUserAdmin.fieldsets or ()),
        (_("KAM"), {"fields": ["role"]}),
        (
            _("E-mail digests"),
            {"fields": ["language", "timezone", "digest_daily", "digest_weekly"]},
        ),
    ]
    add_fieldsets = [
        *DjangoUserAdmin.add_fieldsets,
        (_("KAM"), {"fields": ["role"]}),
    ]

    def get_queryset(self, request):
        qs = super().get_queryset(request)
        visible = access.user_scope(user=request.user, include_inactive=True)
        return qs.filter(pk__in=visible.values("pk"))


@admin.register(Region)
class RegionAdmin(admin.ModelAdmin):
    list_display = ["code", "name"]
    search_fields = ["code", "name"]


@admin.register(Industry)
class IndustryAdmin(admin.ModelAdmin):
    list_display = ["code", "name"]
    search_fields = ["code", "name"]


class ContactInline(ScopedInline):
    model = Contact
    fields = ["name", "position", "department", "decision_role", "influence", "attitude"]
    show_change_link = True


@admin.register(Account)
class AccountAdmin(ScopedHistoryAdmin):
    scope_path = "pk"
    list_display = [
        "name",
        "external_id",
        "owner",
        "region",
        "status",
        "tier",
        "is_key",
        "strategic",
        "ttm_revenue",
    ]
    list_filter = ["status", "tier", "is_key", "strategic", "region", "industry"]
    list_select_related = ["owner", "region"]
    search_fields = ["name", "external_id", "legal_name", "tax_id"]
    autocomplete_fields = ["parent", "region", "industry", "owner", "team"]
    readonly_fields = [
        "tier",
        "is_key",
        "ttm_revenue",
        "ttm_share",
        "ttm_penetration",
        "ttm_growth",
        "created_at",
        "updated_at",
    ]
    inlines = [ContactInline]

    def save_model(self, request, obj, form, change) -> None:
        if "strategic" in form.changed_data:
            # The key rule of accounts.services: marking strategic makes the account key now.
            obj.is_key = account_key_status(account=obj, strategic=obj.strategic)
        super().save_model(request, obj, form, change)

    def get_readonly_fields(self, request, obj=None):
        fields = list(super().get_readonly_fields(request, obj))
        if not access.can_assign(request.user):
            fields += ["owner", "team"]  # assignments are for heads and admins
        return fields

    def has_delete_permission(self, request, obj=None) -> bool:
        return access.can_delete_account(request.user) and super().has_delete_permission(
            request, obj
        )


class ContactLinkInline(ScopedInline):
    """The person's links to others of the account (the model refuses another account's)."""

    model = ContactLink
    fk_name = "from_contact"
    fields = ["kind", "to_contact", "note"]
    autocomplete_fields = ["to_contact"]


@admin.register(Contact)
class ContactAdmin(ScopedHistoryAdmin):
    list_display = ["name", "account", "position", "decision_role", "influence", "attitude"]
    list_filter = ["decision_role", "attitude", "is_primary"]
    list_select_related = ["account"]
    search_fields = ["name", "email", "position", "account__name"]
    autocomplete_fields = ["account", "reports_to"]
    inlines = [ContactLinkInline]


@admin.register(Interaction)
class InteractionAdmin(SoftDeleteAdmin):
    list_display = ["occurred_at", "kind", "account", "author", "subject", "sentiment"]
    list_filter = ["kind", "sentiment"]
    list_select_related = ["account", "author"]
    search_fields = ["subject", "summary", "account__name"]
    autocomplete_fields = ["account", "author", "contacts"]
    date_hierarchy = "occurred_at"


@admin.register(Distributor)
class DistributorAdmin(ScopedAdmin):
    scope_path = None  # company master data
    list_display = ["name", "external_id", "region"]
    list_select_related = ["region"]
    search_fields = ["name", "external_id"]
    autocomplete_fields = ["region"]


@admin.register(DistributorLink)
class DistributorLinkAdmin(SoftDeleteAdmin):
    list_display = ["distributor", "account", "role", "share_of_volume", "status", "since"]
    list_filter = ["role", "status"]
    list_select_related = ["distributor", "account"]
    search_fields = ["distributor__name", "account__name"]
    autocomplete_fields = ["distributor", "account"]


@admin.register(Event)
class EventAdmin(SoftDeleteAdmin):
    list_display = ["name", "kind", "starts_on", "ends_on", "location", "organizer"]
    list_filter = ["kind"]
    list_select_related = ["organizer"]
    search_fields = ["name", "location"]
    autocomplete_fields = ["organizer", "accounts", "invited", "attended"]
    date_hierarchy = "starts_on"

    def scope_queryset(self, qs, user):
        return access.event_scope(user=user, queryset=qs)

    def delete_model(self, request, obj) -> None:
        services.event_delete(user=request.user, event=obj)


@admin.register(Survey)
class SurveyAdmin(SoftDeleteAdmin):
    list_display = ["date", "account", "contact", "nps", "satisfaction"]
    list_select_related = ["account", "contact"]
    search_fields = ["account__name", "needs", "comments"]
    autocomplete_fields = ["account", "contact"]
    date_hierarchy = "date"


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    """The audit trail: admins read it, nobody writes or edits it here (heads and KAMs do
    not see it at all, even with staff access)."""

    list_display = ["at", "username", "action", "account_id", "details"]
    list_filter = ["action", ("at", admin.DateFieldListFilter)]
    search_fields = ["username", "=account_id"]
    date_hierarchy = "at"
    readonly_fields = ["at", "user", "username", "action", "account_id", "details"]
    list_per_page = 100
    show_full_result_count = False  # no COUNT(*) over a long trail on every page

    def has_module_permission(self, request) -> bool:
        return request.user.is_active and request.user.is_admin_role

    def has_view_permission(self, request, obj=None) -> bool:
        return self.has_module_permission(request)

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


# --- Webhooks (admins only) ---------------------------------------------------------------
class _AdminRoleOnly(admin.ModelAdmin):
    """Webhook pages exist for the admin role only (staff KAMs and heads never see them)."""

    def has_module_permission(self, request) -> bool:
        return access.can_manage_webhooks(request.user) and super().has_module_permission(request)

    def has_view_permission(self, request, obj=None) -> bool:
        return access.can_manage_webhooks(request.user) and super().has_view_permission(
            request, obj
        )

    def has_add_permission(self, request, *args) -> bool:
        return access.can_manage_webhooks(request.user) and super().has_add_permission(
            request, *args
        )

    def has_change_permission(self, request, obj=None) -> bool:
        return access.can_manage_webhooks(request.user) and super().has_change_permission(
            request, obj
        )

    def has_delete_permission(self, request, obj=None) -> bool:
        return access.can_manage_webhooks(request.user) and super().has_delete_permission(
            request, obj
        )


class WebhookEndpointForm(forms.ModelForm):
    url = forms.URLField(label=_("URL"), max_length=500, assume_scheme="https")
    event_types = forms.MultipleChoiceField(
        label=_("event types"),
        choices=WebhookEventType.choices,
        widget=forms.CheckboxSelectMultiple,
    )
    new_secret = forms.CharField(
        label=_("new secret"),
        required=False,
        min_length=16,
        widget=forms.PasswordInput(render_value=False),
        help_text=_(
            "Leave empty to keep the current secret. A new endpoint without one gets a "
            "generated secret, shown once after saving."
        ),
    )

    class Meta:
        model = WebhookEndpoint
        fields = ["url", "description", "event_types", "active"]


@admin.register(WebhookEndpoint)
class WebhookEndpointAdmin(_AdminRoleOnly):
    form = WebhookEndpointForm
    list_display = ["url", "active", "failure_count", "disabled_at", "disabled_reason"]
    list_filter = ["active"]
    search_fields = ["url", "description"]
    readonly_fields = [
        "failure_count",
        "failing_since",
        "disabled_at",
        "disabled_reason",
        "created_by",
        "recent_deliveries",
    ]
    fields = [
        "url",
        "description",
        "event_types",
        "active",
        "new_secret",
        *readonly_fields,
    ]

    def save_model(self, request, obj: WebhookEndpoint, form, change: bool) -> None:
        new_secret = form.cleaned_data.get("new_secret")
        if change and "active" in form.changed_data and obj.active:
            webhook_endpoint_switched_on(obj)
        if new_secret:
            obj.secret = new_secret
        elif not change:
            obj.secret = webhook_secret_new()
            messages.warning(
                request,
                _("The endpoint's secret, shown this once: %(secret)s") % {"secret": obj.secret},
            )
        if not change:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)

    @admin.display(description=_("recent deliveries"))
    def recent_deliveries(self, obj: WebhookEndpoint) -> str:
        rows = obj.deliveries.select_related("event").order_by("-created_at")[:20] if obj.pk else []
        return format_html(
            "<table><tr><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th></tr>{}</table>",
            _("event"),
            _("status"),
            _("attempts"),
            _("last HTTP status"),
            _("last error"),
            format_html_join(
                "",
                "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                (
                    (
                        d.event.event_type,
                        d.get_status_display(),
                        d.attempts,
                        d.last_status or "",
                        d.last_error,
                    )
                    for d in rows
                ),
            ),
        )


class WebhookAttemptInline(admin.TabularInline):
    model = WebhookAttempt
    extra = 0
    can_delete = False
    fields = ["number", "attempted_at", "http_status", "error", "response_excerpt", "duration_ms"]
    readonly_fields = ["number", "attempted_at", "http_status", "error", "response_excerpt"]
    readonly_fields += ["duration_ms"]

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(_AdminRoleOnly):
    """Every delivery and its attempts: why an endpoint was switched off."""

    list_display = [
        "created_at",
        "event",
        "endpoint",
        "status",
        "attempts",
        "last_status",
        "last_error",
        "next_attempt_at",
    ]
    list_filter = ["status", "endpoint"]
    list_select_related = ["event", "endpoint"]
    search_fields = ["event__event_type", "endpoint__url", "last_error"]
    inlines = [WebhookAttemptInline]
    readonly_fields = [
        "event",
        "endpoint",
        "status",
        "attempts",
        "next_attempt_at",
        "last_status",
        "last_error",
        "delivered_at",
        "created_at",
    ]
    exclude = ["locked_until"]

    def has_add_permission(self, request, *args) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


@admin.register(WebhookEvent)
class WebhookEventAdmin(_AdminRoleOnly):
    """The outbox: what happened, as it was sent."""

    list_display = ["created_at", "event_type"]
    list_filter = ["event_type"]
    search_fields = ["event_type"]
    date_hierarchy = "created_at"
    readonly_fields = ["id", "event_type", "created_at", "payload_pretty"]
    exclude = ["payload"]

    @admin.display(description=_("payload"))
    def payload_pretty(self, obj: WebhookEvent) -> str:
        return format_html(
            "<pre>{}</pre>",
            json.dumps(obj.payload, indent=2, ensure_ascii=False, cls=DjangoJSONEncoder),
        )

    def has_add_permission(self, request, *args) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


# --- API tokens (admins only) --------------------------------------------------------------
@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    """Tokens are issued by `manage.py issue_api_token` (the key is shown once, there);
    here an admin sees them and revokes them. The hash is never shown."""

    list_display = ["prefix", "user", "created_at", "expires_at", "last_used_at", "revoked"]
    list_filter = [("revoked_at", admin.EmptyFieldListFilter), "user__role"]
    list_select_related = ["user"]
    search_fields = ["prefix", "user__username"]
    fields = ["prefix", "user", "created_at", "expires_at", "last_used_at", "revoked_at"]
    readonly_fields = ["prefix", "user", "created_at", "expires_at", "last_used_at"]
    readonly_fields += ["revoked_at"]
    actions = ["revoke"]
    list_per_page = 50

    @admin.display(boolean=True, description=_("revoked"), ordering="revoked_at")
    def revoked(self, token: ApiToken) -> bool:
        return token.is_revoked

    @admin.action(description=_("Revoke the selected tokens"))
    def revoke(self, request, queryset) -> None:
        count = api_token_revoke(token_ids=queryset.values_list("pk", flat=True))
        self.message_user(request, _("%(count)d token(s) revoked.") % {"count": count})

    # Superusers only: a token is a credential, whatever model permissions staff were given.
    def has_view_permission(self, request, obj=None) -> bool:
        return access.can_manage_tokens(request.user)

    def has_module_permission(self, request) -> bool:
        return access.can_manage_tokens(request.user)

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return access.can_manage_tokens(request.user)  # the revoke action; every field is read-only

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
