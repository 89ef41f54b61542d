"""Django admin for the accounts app.

Staff who are not superusers see the admin through the same scoping as the API: a KAM's
changelists, autocompletes and foreign-key choices hold only their accounts and what hangs
under them (the selectors decide); assignments stay with heads and admins.
"""

from __future__ import annotations

from collections.abc import Callable

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from . import selectors
from .models import (
    Account,
    ApiToken,
    Contact,
    Distributor,
    DistributorLink,
    Event,
    Industry,
    Interaction,
    Region,
    Survey,
    User,
)
from .services import api_token_revoke


def _contacts_in_scope(user: User) -> QuerySet[Contact]:
    return Contact.objects.filter(account_id__in=selectors.account_ids_in_scope(user=user))


def _accounts_in_scope(user: User) -> QuerySet[Account]:
    return selectors.account_scope(user=user)


def _users_in_scope(user: User) -> QuerySet[User]:
    return selectors.user_list(user=user)


# Related-field name -> the rows a staff user may pick for it. Apps above accounts (plans)
# add their own entries, so accounts never imports them.
SCOPED_CHOICES: dict[str, Callable[[User], QuerySet]] = {
    **dict.fromkeys(["account", "parent", "accounts"], _accounts_in_scope),
    **dict.fromkeys(
        ["contact", "contacts", "reports_to", "invited", "attended"], _contacts_in_scope
    ),
    **dict.fromkeys(["owner", "team", "author", "organizer"], _users_in_scope),
}


def scoped_choices(field_name: str, user: User) -> QuerySet | None:
    """The rows a staff user may pick for a related field, or None when not scoped."""
    scope = SCOPED_CHOICES.get(field_name)
    return scope(user) if scope else None


class ScopedAdmin(admin.ModelAdmin):
    """Changelists and choices follow the user's account scope; superusers see all.

    `scope_path` is the lookup from the model to its account ("pk" for Account itself);
    None means company-wide data everyone on staff may see.
    """

    scope_path: str | None = "account"
    list_per_page = 50

    def scope_queryset(self, qs: QuerySet, user: User) -> QuerySet:
        if self.scope_path is None:
            return qs
        return qs.filter(**{f"{self.scope_path}__in": selectors.account_ids_in_scope(user=user)})

    def get_queryset(self, request):
        qs = super().get_queryset(request)
        if request.user.is_superuser:
            return qs
        return self.scope_queryset(qs, request.user)

    def _scope_formfield(self, db_field, request, kwargs):
        if not request.user.is_superuser and "queryset" not in kwargs:
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

    # The ERP user reads through the API only; it never edits here even if made staff.
    def has_add_permission(self, request, *args) -> bool:
        return not request.user.is_integration and super().has_add_permission(request, *args)

    def has_change_permission(self, request, obj=None) -> bool:
        return not request.user.is_integration and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None) -> bool:
        return not request.user.is_integration and super().has_delete_permission(request, obj)


class ScopedInline(admin.TabularInline):
    extra = 0

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if not request.user.is_superuser:
            choices = scoped_choices(db_field.name, request.user)
            if choices is not None:
                kwargs.setdefault("queryset", choices)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


class ScopedHistoryAdmin(ScopedAdmin, SimpleHistoryAdmin):
    pass


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    list_display = ["username", "first_name", "last_name", "email", "role", "is_active"]
    list_filter = ["role", "is_active", "is_staff"]
    fieldsets = [
        *DjangoUserAdmin.fieldsets,
        (_("KAM"), {"fields": ["role"]}),
    ]
    add_fieldsets = [
        *DjangoUserAdmin.add_fieldsets,
        (_("KAM"), {"fields": ["role"]}),
    ]

    def get_queryset(self, request):
        qs = super().get_queryset(request)
        if request.user.is_superuser:
            return qs
        return qs.filter(pk__in=selectors.user_list(user=request.user).values("pk"))


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

    def get_readonly_fields(self, request, obj=None):
        fields = list(super().get_readonly_fields(request, obj))
        if not request.user.is_head_or_admin:
            fields += ["owner", "team"]  # assignments are for heads and admins
        return fields

    def has_delete_permission(self, request, obj=None) -> bool:
        return request.user.is_head_or_admin and super().has_delete_permission(request, obj)


@admin.register(Contact)
class ContactAdmin(ScopedHistoryAdmin):
    list_display = ["name", "account", "position", "decision_role", "influence", "attitude"]
    list_filter = ["decision_role", "attitude", "is_primary"]
    list_select_related = ["account"]
    search_fields = ["name", "email", "position", "account__name"]
    autocomplete_fields = ["account", "reports_to"]


@admin.register(Interaction)
class InteractionAdmin(ScopedAdmin):
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
class DistributorLinkAdmin(ScopedAdmin):
    list_display = ["distributor", "account", "role", "share_of_volume", "status", "since"]
    list_filter = ["role", "status"]
    list_select_related = ["distributor", "account"]
    search_fields = ["distributor__name", "account__name"]
    autocomplete_fields = ["distributor", "account"]


@admin.register(Event)
class EventAdmin(ScopedAdmin):
    list_display = ["name", "kind", "starts_on", "ends_on", "location", "organizer"]
    list_filter = ["kind"]
    list_select_related = ["organizer"]
    search_fields = ["name", "location"]
    autocomplete_fields = ["organizer", "accounts", "invited", "attended"]
    date_hierarchy = "starts_on"

    def scope_queryset(self, qs, user):
        return qs.filter(pk__in=selectors.event_list(user=user).values("pk"))


@admin.register(Survey)
class SurveyAdmin(ScopedAdmin):
    list_display = ["date", "account", "contact", "nps", "satisfaction"]
    list_select_related = ["account", "contact"]
    search_fields = ["account__name", "needs", "comments"]
    autocomplete_fields = ["account", "contact"]
    date_hierarchy = "date"


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    """Tokens are issued by `manage.py issue_api_token` (the key is shown once, there);
    here an admin sees them and revokes them. The hash is never shown."""

    list_display = ["prefix", "user", "created_at", "expires_at", "last_used_at", "revoked"]
    list_filter = [("revoked_at", admin.EmptyFieldListFilter), "user__role"]
    list_select_related = ["user"]
    search_fields = ["prefix", "user__username"]
    fields = ["prefix", "user", "created_at", "expires_at", "last_used_at", "revoked_at"]
    readonly_fields = fields
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
        return request.user.is_superuser

    def has_module_permission(self, request) -> bool:
        return request.user.is_superuser

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return request.user.is_superuser  # the revoke action; every field is read-only

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
