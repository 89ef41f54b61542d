"""factory_boy factories for every model tests build."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import factory
from django.utils import timezone

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
from plans.models import AccountPlan, Action, Contract, Objective, Tender
from reports.models import ExchangeRate, ProductCategory, RevenueLine


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.com")
    role = User.Role.KAM
    password = factory.django.Password("pass-word-123")


class RegionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Region
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"R{n}")
    name = factory.LazyAttribute(lambda r: f"Region {r.code}")


class IndustryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Industry
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"I{n}")
    name = factory.LazyAttribute(lambda r: f"Industry {r.code}")


class AccountFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Account

    external_id = factory.Sequence(lambda n: f"ACC-{n:05d}")
    name = factory.Sequence(lambda n: f"Client {n}")
    owner = factory.SubFactory(UserFactory)
    region = factory.SubFactory(RegionFactory)
    potential_annual = Decimal("1200000.00")


class ContactFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Contact

    account = factory.SubFactory(AccountFactory)
    name = factory.Sequence(lambda n: f"Person {n}")
    position = "Director"
    decision_role = Contact.DecisionRole.INFLUENCER


class InteractionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Interaction

    account = factory.SubFactory(AccountFactory)
    author = factory.LazyAttribute(lambda i: i.account.owner)
    kind = Interaction.Kind.MEETING
    occurred_at = factory.LazyFunction(timezone.now)
    summary = "Discussed next year's volumes"


class DistributorFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Distributor

    external_id = factory.Sequence(lambda n: f"DST-{n:03d}")
    name = factory.Sequence(lambda n: f"Distributor {n}")


class DistributorLinkFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = DistributorLink

    distributor = factory.SubFactory(DistributorFactory)
    account = factory.SubFactory(AccountFactory)


class EventFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Event

    name = factory.Sequence(lambda n: f"Conference {n}")
    starts_on = factory.LazyFunction(lambda: timezone.localdate() + dt.timedelta(days=10))


class SurveyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Survey

    account = factory.SubFactory(AccountFactory)
    date = factory.LazyFunction(timezone.localdate)
    nps = 8
    satisfaction = 4


class AccountPlanFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = AccountPlan

    account = factory.SubFactory(AccountFactory)
    title = factory.LazyAttribute(lambda p: f"{p.account.name} plan")
    period_start = dt.date(2026, 1, 1)
    period_end = dt.date(2026, 12, 31)
    owner = factory.LazyAttribute(lambda p: p.account.owner)


class ObjectiveFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Objective

    plan = factory.SubFactory(AccountPlanFactory)
    description = "Grow category share"


class ActionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Action

    plan = factory.SubFactory(AccountPlanFactory)
    description = "Book a meeting with procurement"
    owner = factory.LazyAttribute(lambda a: a.plan.owner)
    due = factory.LazyFunction(lambda: timezone.localdate() + dt.timedelta(days=7))


class TenderFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Tender

    account = factory.SubFactory(AccountFactory)
    title = factory.Sequence(lambda n: f"Tender {n}")
    submission_deadline = factory.LazyFunction(lambda: timezone.now() + dt.timedelta(days=20))
    estimated_value = Decimal("500000.00")


class ContractFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Contract

    account = factory.SubFactory(AccountFactory)
    number = factory.Sequence(lambda n: f"K-{n:04d}")
    title = factory.Sequence(lambda n: f"Supply agreement {n}")
    status = Contract.Status.ACTIVE
    start_date = factory.LazyFunction(lambda: timezone.localdate() - dt.timedelta(days=300))
    end_date = factory.LazyFunction(lambda: timezone.localdate() + dt.timedelta(days=400))
    notice_days = 30
    annual_value = Decimal("1200000.00")


class ProductCategoryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ProductCategory
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"CAT{n:02d}")
    name = factory.LazyAttribute(lambda c: f"Category {c.code}")


class ExchangeRateFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ExchangeRate

    currency = "USD"
    date = dt.date(2025, 1, 1)
    rate = Decimal("90.00")


class RevenueLineFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = RevenueLine

    external_id = factory.Sequence(lambda n: f"INV-{n:07d}")
    account = factory.SubFactory(AccountFactory)
    category = factory.SubFactory(ProductCategoryFactory)
    date = dt.date(2025, 7, 15)
    amount = Decimal("1000.00")
    currency = "RUB"
    amount_base = factory.LazyAttribute(lambda line: line.amount)


# --- metric rows (the metrics engine writes them; report tests build them directly) -----
class AccountMetricFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "reports.AccountMetric"

    account = factory.SubFactory(AccountFactory)
    period = "2025"
    period_kind = "year"
    period_start = dt.date(2025, 1, 1)
    period_end = dt.date(2025, 12, 31)
    revenue = Decimal("100000.00")
    tier = "C"


class PortfolioMetricFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "reports.PortfolioMetric"
        django_get_or_create = ("period",)

    period = "2025"
    period_kind = "year"
    period_start = dt.date(2025, 1, 1)
    period_end = dt.date(2025, 12, 31)
    total_revenue = Decimal("0.00")
    accounts_with_revenue = 0


class OpportunityFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "plans.Opportunity"

    account = factory.SubFactory(AccountFactory)
    title = factory.Sequence(lambda n: f"Opportunity {n}")
    value = Decimal("1000.00")
    currency = "RUB"
    stage = "idea"


class TargetFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "plans.Target"

    account = factory.SubFactory(AccountFactory)
    year = 2026
    quarter = None
    revenue_target = Decimal("120000.00")
