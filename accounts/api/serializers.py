"""Shapes of the accounts API. They validate input; the services apply the rules."""

from __future__ import annotations

from django.db.models import QuerySet
from rest_framework import serializers

from accounts.models import (
    Account,
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
from accounts.selectors import account_ids_in_scope, account_scope, assignable_user_list

from .base import KamModelSerializer, ScopedPrimaryKeyRelatedField, ScopedSlugRelatedField


def contacts_in_scope(*, user: User) -> QuerySet[Contact]:
    return Contact.objects.filter(account_id__in=account_ids_in_scope(user=user))


def assignable_users(*, user: User) -> QuerySet[User]:
    return assignable_user_list()


def _account_field(**kwargs) -> ScopedPrimaryKeyRelatedField:
    return ScopedPrimaryKeyRelatedField(
        scope=account_scope, queryset=Account.objects.all(), **kwargs
    )


def _contact_field(**kwargs) -> ScopedPrimaryKeyRelatedField:
    return ScopedPrimaryKeyRelatedField(
        scope=contacts_in_scope, queryset=Contact.objects.all(), **kwargs
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

# What the account list reads (with the owner's username): nothing else is loaded.
ACCOUNT_COLUMNS = [
    "id",
    "external_id",
    "name",
    "legal_name",
    "tax_id",
    "parent_id",
    "region_id",
    "industry_id",
    "status",
    "owner__id",
    "owner__username",
    "potential_annual",
    "strategic",
    "notes",
    *ACCOUNT_DERIVED,
    "created_at",
    "updated_at",
]


class AccountSerializer(KamModelSerializer):
    """An account with its key numbers. `owner` and `team` are usernames (heads/admins set
    them); the derived numbers are read-only."""

    parent = _account_field(required=False, allow_null=True)
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
    author = serializers.SlugRelatedField(slug_field="username", read_only=True)
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


class DistributorSerializer(serializers.ModelSerializer):
    class Meta:
        model = Distributor
        fields = ["id", "external_id", "name", "region", "contacts", "created_at", "updated_at"]
        read_only_fields = ["created_at", "updated_at"]


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


class EventSerializer(serializers.ModelSerializer):
    organizer = serializers.SlugRelatedField(slug_field="username", read_only=True)
    accounts = _account_field(many=True, required=False)
    invited = _contact_field(many=True, required=False)
    attended = _contact_field(many=True, required=False)

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
