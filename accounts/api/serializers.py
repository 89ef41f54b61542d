"""Shapes of the accounts API. They validate input; the services apply the rules."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone
from rest_framework import serializers

from accounts.access import account_scope, contact_scope
from accounts.coverage import GAP_TITLES
from accounts.models import (
    Account,
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
)
from accounts.selectors import assignable_user_list
from kam.api.base import KamModelSerializer, ScopedPrimaryKeyRelatedField, ScopedSlugRelatedField


def assignable_users(*, user: User) -> QuerySet[User]:
    return assignable_user_list()


def _account_field(**kwargs) -> ScopedPrimaryKeyRelatedField:
    return ScopedPrimaryKeyRelatedField(
        scope=account_scope, queryset=Account.objects.all(), **kwargs
    )


def _contact_field(**kwargs) -> ScopedPrimaryKeyRelatedField:
    return ScopedPrimaryKeyRelatedField(
        scope=contact_scope, queryset=Contact.objects.all(), **kwargs
    )


class RegionSerializer(serializers.ModelSerializer):
    class Meta:
        model = Region
        fields = ["id", "code", "name"]


class IndustrySerializer(serializers.ModelSerializer):
    class Meta:
        model = Industry
        fields = ["id", "code", "name"]


class UserSerializer(serializers.ModelSerializer):
    full_name = serializers.CharField(source="get_full_name", read_only=True)

    class Meta:
        model = User
        fields = ["id", "username", "first_name", "last_name", "full_name", "role"]
        read_only_fields = fields


# Written by the reports job; never accepted from a client.
ACCOUNT_DERIVED = ["tier", "is_key", "ttm_revenue", "ttm_share", "ttm_penetration", "ttm_growth"]


class AccountListSerializer(serializers.ListSerializer):
    """The account list reads plain rows (`QuerySet.values()`, see AccountViewSet) and the
    page's team usernames in one flat query: no model instances, no related managers."""

    def to_representation(self, data) -> list[dict]:
        rows = list(data.all() if hasattr(data, "all") else data)
        if rows and not isinstance(rows[0], Mapping):
            assert self.child is not None  # many=True builds the list around its child
            return [self.child.to_representation(account) for account in rows]
        tz = timezone.get_current_timezone()
        if rows and "team_usernames" in rows[0]:  # PostgreSQL: already in the row
            return [account_representation(row, row["team_usernames"], tz) for row in rows]
        teams: dict[int, list[str]] = {row["id"]: [] for row in rows}
        members = (
            Account.team.through.objects.filter(account_id__in=list(teams))
            .order_by("user__username")
            .values_list("account_id", "user__username")
        )
        for account_id, username in members:
            teams[account_id].append(username)
        return [account_representation(row, teams[row["id"]], tz) for row in rows]


class AccountSerializer(KamModelSerializer):
    """An account with its key numbers. `owner` and `team` are usernames (heads/admins set
    them); the derived numbers are read-only."""

    # A declared field (DRF's metaclass moves it off the class), not Field.parent:
    parent = _account_field(required=False, allow_null=True)  # type: ignore[assignment]
    owner = ScopedSlugRelatedField(
        scope=assignable_users,
        queryset=User.objects.all(),
        slug_field="username",
        required=False,
        allow_null=True,
    )
    team = ScopedSlugRelatedField(
        scope=assignable_users,
        queryset=User.objects.all(),
        slug_field="username",
        many=True,
        required=False,
    )
    # Stored as "" until the first recompute places the account; clients get null.
    tier = serializers.ChoiceField(choices=Account.Tier.choices, allow_null=True, read_only=True)

    class Meta:
        model = Account
        fields = [
            "id",
            "external_id",
            "name",
            "legal_name",
            "tax_id",
            "parent",
            "region",
            "industry",
            "status",
            "owner",
            "team",
            "potential_annual",
            "strategic",
            "notes",
            *ACCOUNT_DERIVED,
            "created_at",
            "updated_at",
        ]
        read_only_fields = [*ACCOUNT_DERIVED, "created_at", "updated_at"]
        erp_key_fields = ["external_id"]
        extra_kwargs = {
            "external_id": {
                "allow_blank": False,
                "help_text": "The ERP's key; written by the ERP and admins only. Null for a "
                "prospect created here until the ERP links it (POST erp/accounts/link/).",
            }
        }
        list_serializer_class = AccountListSerializer

    def to_representation(self, account: Account) -> dict:
        row = {column: getattr(account, attname) for column, attname in _ROW_ATTRIBUTES.items()}
        row["owner__username"] = account.owner.username if account.owner is not None else None
        return account_representation(row, [member.username for member in account.team.all()])


# The list reads its timestamps as UTC wall times, under these names (see AccountViewSet).
ACCOUNT_TIMESTAMPS = {"created_at_utc": "created_at", "updated_at_utc": "updated_at"}
# Representation name -> the key of the plain row (`QuerySet.values()`) it is read from
# (everything but team).
ACCOUNT_ROW = {
    name: {
        "parent": "parent_id",
        "region": "region_id",
        "industry": "industry_id",
        "owner": "owner__username",
        **{field: column for column, field in ACCOUNT_TIMESTAMPS.items()},
    }.get(name, name)
    for name in AccountSerializer.Meta.fields
    if name != "team"
}
# The same row built from an instance: row key -> model attribute.
_ATTNAMES = {f.name: f.attname for f in Account._meta.concrete_fields}
_ROW_ATTRIBUTES = {ACCOUNT_ROW[name]: _ATTNAMES[name] for name in ACCOUNT_ROW if name != "owner"}
_MONEY = serializers.DecimalField(max_digits=16, decimal_places=2)
_MONEY_FIELDS = ("potential_annual", "ttm_revenue")


def _money(value: Decimal) -> str:
    # Column values already have two places (numeric(16, 2)): print them as they are;
    # anything else (SQLite may drop trailing zeros) goes through DRF's quantizing.
    if value.as_tuple().exponent == -2:
        return format(value, "f")
    return _MONEY.to_representation(value)


_DATETIME_FIELDS = ("created_at", "updated_at")


def _iso(value: dt.datetime, tz) -> str:
    # What DRF's DateTimeField gives: in the current time zone, ISO 8601, "Z" for UTC.
    if value.tzinfo is None:  # a UTC wall time (PostgreSQL rows of the list)
        value = value.replace(tzinfo=dt.UTC)
    text = value.astimezone(tz).isoformat()
    return text[:-6] + "Z" if text.endswith("+00:00") else text


def account_representation(row: Mapping, team: list[str], tz=None) -> dict:
    """An account's API shape from a plain row. This is the hot path of the most read
    endpoint (ERP syncs, pickers, pages), where DRF's per-field machinery cost ~1 ms a row;
    typed values keep DRF's formatting, so the shape is the same (a test pins it)."""
    tz = tz or timezone.get_current_timezone()
    data: dict[str, Any] = {
        name: team if name == "team" else row[ACCOUNT_ROW[name]]
        for name in AccountSerializer.Meta.fields  # the declared order, as DRF would give
    }
    data["tier"] = data["tier"] or None
    for name in _MONEY_FIELDS:
        if data[name] is not None:
            data[name] = _money(data[name])
    for name in _DATETIME_FIELDS:
        data[name] = _iso(data[name], tz)
    return data


class ContactSerializer(KamModelSerializer):
    account = _account_field()
    reports_to = _contact_field(required=False, allow_null=True)
    last_interaction_at = serializers.DateTimeField(read_only=True, allow_null=True)

    class Meta:
        model = Contact
        fields = [
            "id",
            "account",
            "name",
            "position",
            "department",
            "email",
            "phone",
            "reports_to",
            "decision_role",
            "influence",
            "attitude",
            "is_primary",
            "last_interaction_at",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["created_at", "updated_at"]
        create_only_fields = ["account"]


class InteractionSerializer(KamModelSerializer):
    account = _account_field()
    author: serializers.SlugRelatedField = serializers.SlugRelatedField(
        slug_field="username", read_only=True
    )
    contacts = _contact_field(many=True, required=False)
    occurred_at = serializers.DateTimeField(required=False)

    class Meta:
        model = Interaction
        fields = [
            "id",
            "account",
            "author",
            "kind",
            "occurred_at",
            "contacts",
            "subject",
            "summary",
            "outcome",
            "next_step",
            "next_step_due",
            "sentiment",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["created_at", "updated_at"]
        create_only_fields = ["account"]


class DistributorSerializer(KamModelSerializer):
    """Distributors are the ERP's master data: their key is the ERP's and admins' to write."""

    class Meta:
        model = Distributor
        fields = ["id", "external_id", "name", "region", "contacts", "created_at", "updated_at"]
        read_only_fields = ["created_at", "updated_at"]
        erp_key_fields = ["external_id"]


class DistributorLinkSerializer(KamModelSerializer):
    account = _account_field()

    class Meta:
        model = DistributorLink
        fields = [
            "id",
            "distributor",
            "account",
            "role",
            "share_of_volume",
            "since",
            "until",
            "terms",
            "status",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["created_at", "updated_at"]
        create_only_fields = ["account", "distributor"]
        # The service answers a duplicate pair with an error naming `distributor`.
        validators: list = []


class VisibleManyRelatedField(serializers.ManyRelatedField):
    """A many-to-many written by ids like any other, read as only the related rows the
    requesting user may see: `visible_<name>` as `selectors.event_api_list` prefetches
    it, else the relation narrowed by `scope`. A joint event (a head linked several KAMs'
    accounts) then names neither the other KAMs' accounts nor their people, while
    `event.accounts` keeps meaning every account for the permission checks."""

    def __init__(self, *, scope, queryset, **kwargs) -> None:
        self.scope = scope
        child = ScopedPrimaryKeyRelatedField(scope=scope, queryset=queryset)
        super().__init__(child_relation=child, **kwargs)

    def get_attribute(self, instance):
        shown = getattr(instance, f"visible_{self.source!s}", None)
        if shown is not None:
            return shown
        visible = self.scope(user=self.context["request"].user).values("pk")
        return getattr(instance, str(self.source)).filter(pk__in=visible)


class EventSerializer(serializers.ModelSerializer):
    organizer: serializers.SlugRelatedField = serializers.SlugRelatedField(
        slug_field="username", read_only=True
    )
    accounts = VisibleManyRelatedField(
        scope=account_scope, queryset=Account.objects.all(), required=False
    )
    invited = VisibleManyRelatedField(
        scope=contact_scope, queryset=Contact.objects.all(), required=False
    )
    attended = VisibleManyRelatedField(
        scope=contact_scope, queryset=Contact.objects.all(), required=False
    )

    class Meta:
        model = Event
        fields = [
            "id",
            "name",
            "kind",
            "starts_on",
            "ends_on",
            "location",
            "description",
            "organizer",
            "accounts",
            "invited",
            "attended",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["created_at", "updated_at"]


class SurveySerializer(KamModelSerializer):
    account = _account_field()
    contact = _contact_field(required=False, allow_null=True)

    class Meta:
        model = Survey
        fields = [
            "id",
            "account",
            "contact",
            "date",
            "nps",
            "satisfaction",
            "needs",
            "comments",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["created_at", "updated_at"]
        create_only_fields = ["account"]


class ContactLinkSerializer(KamModelSerializer):
    """A link between two people of one account: `influences` (from → to), `close_to`,
    `rivals` (both ways). Both people are set when the link is made and never moved."""

    account = serializers.IntegerField(
        source="from_contact.account_id", read_only=True, help_text="The people's account"
    )
    from_contact = _contact_field()
    to_contact = _contact_field()

    class Meta:
        model = ContactLink
        fields = [
            "id",
            "account",
            "from_contact",
            "to_contact",
            "kind",
            "note",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["created_at", "updated_at"]
        create_only_fields = ["from_contact", "to_contact"]
        # The service answers a duplicate with an error naming `to_contact`.
        validators: list = []


# --- Coverage (accounts.coverage): shapes of answers, read-only -------------------------
# Named enums in the schema (settings.SPECTACULAR_SETTINGS["ENUM_NAME_OVERRIDES"]).
CONTACT_LINK_KINDS = ContactLink.Kind.choices
GAP_KINDS = list(GAP_TITLES)


class CoverSerializer(serializers.Serializer):
    user = serializers.CharField(source="username", help_text="Our person's username")
    full_name = serializers.CharField()
    last_met = serializers.DateField(help_text="Their last interaction together")
    days_since = serializers.IntegerField(help_text="Days since then, as of `as_of`")
    interactions_90d = serializers.IntegerField(
        help_text="Interactions together in the last 90 days"
    )
    strength = serializers.IntegerField(
        min_value=0,
        max_value=100,
        help_text="round(100 × (0.6·r + 0.4·f)), r = max(0, 1 − days_since / 180), "
        "f = min(1, interactions_90d / 6)",
    )
    band = serializers.ChoiceField(
        choices=["strong", "medium", "weak"], help_text="strong ≥ 70, medium ≥ 40, else weak"
    )


class ContactCoverageSerializer(serializers.Serializer):
    contact = serializers.IntegerField(source="contact.pk")
    name = serializers.CharField(source="contact.name")
    decision_role = serializers.ChoiceField(
        source="contact.decision_role", choices=Contact.DecisionRole.choices
    )
    last_met = serializers.DateField(
        allow_null=True, help_text="The last interaction with anyone on our side"
    )
    days_since = serializers.IntegerField(allow_null=True)
    interactions_90d = serializers.IntegerField()
    covered_by = CoverSerializer(source="covers", many=True, help_text="Strongest first")


class ContactCoverageAnswerSerializer(ContactCoverageSerializer):
    as_of = serializers.DateField()


class GapSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=GAP_KINDS)
    message = serializers.CharField(help_text="A sentence naming the people")
    contacts = serializers.ListField(child=serializers.IntegerField())
    users = serializers.ListField(child=serializers.CharField(), help_text="Usernames")


class LinkShapeSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    from_contact = serializers.IntegerField(source="from_contact_id")
    to_contact = serializers.IntegerField(source="to_contact_id")
    kind = serializers.ChoiceField(choices=CONTACT_LINK_KINDS)
    note = serializers.CharField()


class AccountCoverageSerializer(serializers.Serializer):
    account = serializers.IntegerField(source="account.pk")
    as_of = serializers.DateField()
    interactions_90d = serializers.IntegerField(
        help_text="The account's interactions in the last 90 days"
    )
    contacts = ContactCoverageSerializer(many=True)
    gaps = GapSerializer(many=True)
    links = LinkShapeSerializer(many=True)


class AsOfSerializer(serializers.Serializer):
    as_of = serializers.DateField(
        required=False,
        help_text="Coverage as of this date, 1900-01-01 … 9998-12-31 (default: today)",
    )

    def validate_as_of(self, value: dt.date) -> dt.date:
        # Bounded so the 90- and 180-day windows around it stay real dates.
        if not dt.date(1900, 1, 1) <= value <= dt.date(9998, 12, 31):
            raise serializers.ValidationError("Give a date from 1900-01-01 to 9998-12-31.")
        return value
