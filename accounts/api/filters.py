"""Query-string filters of the accounts API (django-filter)."""

from __future__ import annotations

import django_filters as df
from django.db.models import Q

from accounts.access import account_scope
from accounts.models import (
    Account,
    Contact,
    ContactLink,
    Distributor,
    DistributorLink,
    Event,
    Interaction,
    Survey,
    User,
)
from kam.api.base import DateTimeRangeFilter, IntegerFilter, KamFilterSet


class AccountFilter(KamFilterSet):
    external_id = df.CharFilter()
    owner = df.CharFilter(field_name="owner__username", help_text="Owner's username")
    team = df.CharFilter(field_name="team__username", help_text="A team member's username")
    region = IntegerFilter(field_name="region_id")
    region_code = df.CharFilter(field_name="region__code")
    industry = IntegerFilter(field_name="industry_id")
    parent = IntegerFilter(field_name="parent_id")
    status = df.MultipleChoiceFilter(choices=Account.Status.choices, distinct=False)
    tier = df.MultipleChoiceFilter(choices=Account.Tier.choices, distinct=False)
    is_key = df.BooleanFilter()
    # This year's portfolio-matrix quadrant, written down by the reports app's compute.
    quadrant = df.MultipleChoiceFilter(choices=Account.Quadrant.choices, distinct=False)
    strategic = df.BooleanFilter()
    ttm_revenue_min = df.NumberFilter(field_name="ttm_revenue", lookup_expr="gte")
    ttm_revenue_max = df.NumberFilter(field_name="ttm_revenue", lookup_expr="lte")
    updated_at = DateTimeRangeFilter()

    class Meta:
        model = Account
        fields: list[str] = []


class ContactFilter(KamFilterSet):
    account = IntegerFilter(field_name="account_id")
    reports_to = IntegerFilter(field_name="reports_to_id")
    decision_role = df.MultipleChoiceFilter(choices=Contact.DecisionRole.choices, distinct=False)
    attitude = df.MultipleChoiceFilter(choices=Contact.Attitude.choices, distinct=False)
    is_primary = df.BooleanFilter()
    influence_min = IntegerFilter(field_name="influence", lookup_expr="gte")
    owner = df.CharFilter(field_name="account__owner__username", help_text="Account owner")

    class Meta:
        model = Contact
        fields: list[str] = []


class ContactLinkFilter(KamFilterSet):
    account = IntegerFilter(field_name="from_contact__account_id")
    contact = IntegerFilter(method="filter_contact", help_text="Either end of the link")
    kind = df.MultipleChoiceFilter(choices=ContactLink.Kind.choices, distinct=False)

    class Meta:
        model = ContactLink
        fields: list[str] = []

    def filter_contact(self, queryset, name, value):
        return queryset.filter(Q(from_contact_id=value) | Q(to_contact_id=value))


class InteractionFilter(KamFilterSet):
    account = IntegerFilter(field_name="account_id")
    author = df.CharFilter(field_name="author__username")
    contact = IntegerFilter(field_name="contacts", distinct=True)
    kind = df.MultipleChoiceFilter(choices=Interaction.Kind.choices, distinct=False)
    sentiment = df.MultipleChoiceFilter(choices=Interaction.Sentiment.choices, distinct=False)
    occurred_at = DateTimeRangeFilter()
    next_step_due = df.DateFromToRangeFilter()

    class Meta:
        model = Interaction
        fields: list[str] = []


class DistributorFilter(KamFilterSet):
    external_id = df.CharFilter()
    region = IntegerFilter(field_name="region_id")

    class Meta:
        model = Distributor
        fields: list[str] = []


class DistributorLinkFilter(KamFilterSet):
    account = IntegerFilter(field_name="account_id")
    distributor = IntegerFilter(field_name="distributor_id")
    role = df.MultipleChoiceFilter(choices=DistributorLink.Role.choices, distinct=False)
    status = df.MultipleChoiceFilter(choices=DistributorLink.Status.choices, distinct=False)

    class Meta:
        model = DistributorLink
        fields: list[str] = []


class EventFilter(KamFilterSet):
    account = IntegerFilter(method="filter_account", help_text="An account's id")
    kind = df.MultipleChoiceFilter(choices=Event.Kind.choices, distinct=False)
    organizer = df.CharFilter(field_name="organizer__username")
    starts_on = df.DateFromToRangeFilter()

    class Meta:
        model = Event
        fields: list[str] = []

    def filter_account(self, queryset, name, value):
        # Only among the accounts the user sees: another KAM's account id finds nothing,
        # as an id that does not exist, even on a joint event that carries it.
        visible = account_scope(user=self.request.user).filter(pk=value)
        return queryset.filter(accounts__in=visible).distinct()


class SurveyFilter(KamFilterSet):
    account = IntegerFilter(field_name="account_id")
    contact = IntegerFilter(field_name="contact_id")
    date = df.DateFromToRangeFilter()
    nps_max = IntegerFilter(field_name="nps", lookup_expr="lte")

    class Meta:
        model = Survey
        fields: list[str] = []


class UserFilter(KamFilterSet):
    role = df.MultipleChoiceFilter(choices=User.Role.choices, distinct=False)

    class Meta:
        model = User
        fields: list[str] = []
