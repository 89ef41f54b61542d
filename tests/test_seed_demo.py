"""`manage.py seed_demo`: the demo company people see first after `make demo`."""

from __future__ import annotations

import datetime as dt
import io
import re
from bisect import bisect_right
from decimal import ROUND_HALF_UP, Decimal

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from django.db import connection
from django.db.models import Count, F, Sum
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.models import (
    Account,
    Contact,
    Distributor,
    DistributorLink,
    Event,
    Interaction,
    Region,
    Survey,
    User,
)
from plans.models import AccountPlan, Action, Contract, Target, Tender
from reports.models import ExchangeRate, ProductCategory, RevenueLine

pytestmark = pytest.mark.django_db


def seed(*args: str) -> str:
    out = io.StringIO()
    call_command("seed_demo", *args, stdout=out)
    return out.getvalue()


def key_accounts():
    """The accounts the demo works as key: they carry an org chart of 5+ people."""
    return Account.objects.annotate(n=Count("contacts")).filter(n__gte=5)


def test_default_demo_company_has_the_promised_shape(client):
    output = seed()
    today = timezone.localdate()

    assert Region.objects.count() == 3
    roles = dict(User.objects.values_list("role").annotate(n=Count("id")))
    assert roles == {"kam": 4, "head": 1, "admin": 1}
    # Every printed login works with the printed password.
    logins = re.findall(r"^\s+(\S+)\s+(\S+-demo-\d+)\s+(\w+)$", output, re.MULTILINE)
    assert len(logins) == 6
    for username, password, _role in logins:  # through the sign-in page (axes wants a request)
        response = client.post("/login/", {"username": username, "password": password})
        assert response.status_code == 302, username
        client.logout()

    assert Account.objects.count() == 200
    assert Account.objects.filter(name__regex=r"[А-Яа-я]").exists()
    assert Account.objects.filter(name__regex=r"^[A-Za-z]").exists()
    assert set(Account.objects.values_list("status", flat=True)) == set(Account.Status.values)
    keys = list(key_accounts())
    assert 20 <= len(keys) <= 30
    key_ids = {a.pk for a in keys}
    assert Account.objects.filter(pk__in=key_ids, parent__isnull=False).exists()
    assert Account.objects.filter(pk__in=key_ids, subsidiaries__isnull=False).exists()
    assert Account.objects.filter(pk__in=key_ids, strategic=True).exists()

    for account in keys:
        people = list(account.contacts.all())
        assert 5 <= len(people) <= 15
        by_id = {c.pk: c for c in people}
        roots = [c for c in people if c.reports_to_id is None]
        assert len(roots) == 1, account  # one person at the top of the org chart
        assert all(c.reports_to_id in by_id for c in people if c.reports_to_id)
        assert sum(c.is_primary for c in people) == 1
        assert any(c.decision_role == "decision_maker" for c in people)
        assert {c.attitude for c in people} <= set(Contact.Attitude.values)
        assert all(1 <= c.influence <= 5 for c in people)

    assert set(Tender.objects.values_list("stage", flat=True)) == set(Tender.Stage.values)
    assert not Tender.objects.filter(stage__in=["won", "lost"], outcome_reason="").exists()
    this_year = AccountPlan.objects.filter(account__in=key_ids, period_start__year=today.year)
    assert this_year.values("account").distinct().count() == len(keys)  # each has a plan
    assert this_year.annotate(n=Count("objectives")).filter(n__lt=2).count() == 0
    assert Action.objects.filter(status="open", due__lt=today).exists()  # overdue ones
    # Targets for every key account this year: some approved, one changed after that,
    # some by quarter; the plan's revenue target is their sum.
    targets = Target.objects.filter(year=today.year)
    assert key_ids <= set(targets.values_list("account_id", flat=True))
    assert targets.filter(status="approved").exists() and targets.filter(status="draft").exists()
    changed = targets.get(changed_after_approval=True)
    assert changed.status == "approved"
    assert changed.history.first().history_change_reason == "changed after approval"
    assert targets.filter(quarter__isnull=False).exists()
    plan = this_year.select_related("account").first()
    assert plan.year_revenue_target == sum(
        t.revenue_target for t in targets.filter(account=plan.account)
    )
    assert Action.objects.filter(status="done", completed_at__isnull=False).exists()

    assert Distributor.objects.count() == 6
    assert DistributorLink.objects.count() >= 10
    categories = ProductCategory.objects.all()
    assert categories.count() == 12
    assert categories.filter(active=False).count() == 1
    assert set(ExchangeRate.objects.values_list("currency", flat=True)) == {"USD", "EUR"}

    interactions = Interaction.objects.filter(account__in=key_ids)
    assert interactions.filter(occurred_at__date__lt=today - dt.timedelta(days=600)).exists()
    assert all(interactions.filter(account=a).exists() for a in keys)
    assert not Interaction.contacts.through.objects.exclude(
        contact__account=F("interaction__account")
    ).exists()
    assert Survey.objects.filter(account__in=key_ids).count() >= len(keys)

    past = Event.objects.filter(starts_on__lt=today)
    assert past.filter(attended__isnull=False).exists()
    assert Event.objects.filter(starts_on__gt=today).exists()
    for event in Event.objects.prefetch_related("invited", "attended"):
        assert set(event.attended.all()) <= set(event.invited.all())


@pytest.fixture
def small_demo():
    seed("--accounts", "60", "--seed", "7")


def test_revenue_is_concentrated_like_a_real_portfolio(small_demo):
    totals = sorted(
        (
            t
            for t in RevenueLine.objects.values("account")
            .annotate(t=Sum("amount_base"))
            .values_list("t", flat=True)
            if t > 0
        ),
        reverse=True,
    )
    top = totals[: round(len(totals) * 0.2)]
    assert sum(top) / sum(totals) >= Decimal("0.70")


def test_revenue_covers_two_years_up_to_this_month_with_credit_notes_costs_and_distributors(
    small_demo,
):
    today = timezone.localdate()
    lines = RevenueLine.objects.all()
    first, last = lines.order_by("date")[0].date, lines.order_by("-date")[0].date
    assert first <= dt.date(today.year - 2, today.month, 1)
    assert (last.year, last.month) == (today.year, today.month) and last <= today
    assert lines.filter(amount__lt=0).exists()  # credit notes
    assert lines.filter(cost__isnull=False).count() >= 0.7 * lines.count()
    via = lines.filter(distributor__isnull=False)
    assert via.exists()
    linked = set(DistributorLink.objects.values_list("distributor", "account"))
    assert set(via.values_list("distributor", "account")) <= linked
    inactive = ProductCategory.objects.get(active=False)
    assert lines.filter(category=inactive).exists()
    assert not lines.filter(category=inactive, date__gt=today - dt.timedelta(days=365)).exists()


def test_foreign_currency_lines_use_the_rate_on_or_before_their_date(small_demo):
    rates: dict[str, list[tuple[dt.date, Decimal]]] = {}
    for rate in ExchangeRate.objects.order_by("currency", "date"):
        rates.setdefault(rate.currency, []).append((rate.date, rate.rate))
    foreign = RevenueLine.objects.exclude(currency=settings.BASE_CURRENCY)
    assert foreign.count() > 20
    on_days_without_rate = 0
    for line in foreign:
        days = [d for d, _ in rates[line.currency]]
        i = bisect_right(days, line.date) - 1
        assert i >= 0, line.external_id
        day, rate = rates[line.currency][i]
        on_days_without_rate += day != line.date
        cent = Decimal("0.01")
        assert line.amount_base == (line.amount * rate).quantize(cent, rounding=ROUND_HALF_UP)
        if line.cost is not None:
            assert line.cost_base == (line.cost * rate).quantize(cent, rounding=ROUND_HALF_UP)
    # Weekend lines exist: they take Friday's rate, the 'on or before' rule.
    assert on_days_without_rate > 0
    base = RevenueLine.objects.filter(currency=settings.BASE_CURRENCY)
    assert not base.exclude(amount_base=F("amount")).exists()


def test_seeded_rows_pass_the_same_validation_as_user_input(small_demo):
    """Bulk inserts skip full_clean(); the demo must still be data a user could have entered."""
    models = [Account, Contact, Interaction, DistributorLink, Event, Survey, AccountPlan,
              Action, Tender, RevenueLine, ExchangeRate, Contract]  # fmt: skip
    for model in models:
        rows = list(model.objects.order_by("pk")[:40]) + list(model.objects.order_by("-pk")[:40])
        assert rows, model
        for row in rows:
            row.full_clean()


def test_key_accounts_have_contracts_two_renewing_soon_one_with_its_document(small_demo):
    from plans.selectors import renewing_ids

    today = timezone.localdate()
    contracts = Contract.objects.all()
    assert contracts.count() == key_accounts().count()
    renewing = Contract.objects.filter(pk__in=renewing_ids(contracts, on=today))
    assert renewing.count() == 2
    assert all(today < c.notice_date <= today + dt.timedelta(days=60) for c in renewing)
    assert sum(c.documents.count() for c in renewing) == 1
    # Their revenue since the start counts under them (the contract page's table).
    assert RevenueLine.objects.filter(contract__isnull=False).exists()


def fingerprint() -> list:
    return [
        list(
            Account.objects.order_by("external_id").values_list(
                "external_id", "name", "parent__external_id", "owner__username", "status",
                "potential_annual", "strategic", "region__code",
            )
        ),
        sorted(
            Contact.objects.values_list(
                "account__external_id", "name", "position", "email", "reports_to__name",
                "decision_role", "influence", "attitude", "is_primary",
            )
        ),
        list(
            RevenueLine.objects.order_by("external_id").values_list(
                "external_id", "account__external_id", "category__code", "date", "amount",
                "currency", "amount_base", "cost", "distributor__external_id",
            )
        ),
        sorted(Interaction.objects.values_list("account__external_id", "occurred_at", "kind")),
        sorted(Tender.objects.values_list("account__external_id", "title", "stage", "our_bid")),
        list(ExchangeRate.objects.order_by("currency", "date").values_list("date", "rate")),
    ]  # fmt: skip


def test_same_seed_gives_the_same_company_and_another_seed_another():
    seed("--accounts", "30", "--seed", "3")
    first = fingerprint()
    seed("--accounts", "30", "--seed", "3", "--reset")
    assert fingerprint() == first
    seed("--accounts", "30", "--seed", "4", "--reset")
    assert fingerprint() != first


def test_reset_replaces_the_company_instead_of_adding_to_it():
    seed("--accounts", "30")
    counts = (Account.objects.count(), RevenueLine.objects.count(), Contact.objects.count())
    seed("--accounts", "30", "--reset")
    assert (Account.objects.count(), RevenueLine.objects.count(), Contact.objects.count()) == counts
    assert User.objects.count() == 6


def test_if_empty_leaves_existing_accounts_alone():
    seed("--accounts", "30")
    lines = RevenueLine.objects.count()
    output = seed("--if-empty", "--accounts", "40")
    assert "already exist" in output
    assert "a.ivanova" in output and "kam-demo-2025" in output  # make demo shows the logins
    assert Account.objects.count() == 30
    assert RevenueLine.objects.count() == lines


def test_refuses_to_seed_over_existing_accounts_without_reset():
    seed("--accounts", "30")
    with pytest.raises(CommandError, match="--reset"):
        seed("--accounts", "30")
    assert Account.objects.count() == 30


def test_rejects_too_few_accounts():
    with pytest.raises(CommandError, match="at least 20"):
        seed("--accounts", "5")
    assert not Account.objects.exists()


def rows_written() -> int:
    return sum(
        model.objects.count()
        for model in (Account, Contact, RevenueLine, Interaction, Interaction.contacts.through)
    )


def test_seeding_writes_in_bulk_not_row_by_row():
    with CaptureQueriesContext(connection) as small:
        seed("--accounts", "30")
    small_rows = rows_written()
    with CaptureQueriesContext(connection) as big:
        seed("--accounts", "120", "--reset")
    extra_rows = rows_written() - small_rows
    # The reset adds one DELETE per table; beyond that, each extra query must carry many
    # rows (SQLite caps a bulk INSERT at 999 parameters, PostgreSQL uses COPY).
    resets = sum(q["sql"].startswith("DELETE FROM") for q in big.captured_queries)
    assert extra_rows > 3000
    assert len(big) - len(small) - resets < extra_rows / 50


def test_demo_plants_slipping_accounts_and_health_with_history_and_a_backtest_lift():
    from reports.health.backtest import health_backtest
    from reports.models import AccountHealth

    seed()
    today = timezone.localdate()
    latest = AccountHealth.objects.filter(date=today)
    assert latest.count() == Account.objects.filter(owner__isnull=False).count()
    assert AccountHealth.objects.values("date").distinct().count() == 7
    slipping = Account.objects.filter(revenue_lines__external_id__startswith="HS-").distinct()
    assert slipping.count() >= 4
    bands = set(latest.filter(account__in=slipping).values_list("band", flat=True))
    assert bands == {"at_risk"}
    result = health_backtest()
    assert result.at_risk_lift is not None and result.at_risk_lift > 1.1


def test_demo_people_read_their_e_mails_in_their_language_and_time_zone(small_demo):
    from reports.alerts.digests import digest_build

    people = {u.username: u for u in User.objects.all()}
    assert (people["a.ivanova"].language, people["a.ivanova"].timezone) == ("ru", "Europe/Moscow")
    assert (people["j.miller"].language, people["j.miller"].timezone) == ("en", "Europe/London")
    weekly = digest_build(user=people["s.volkov"], kind="weekly")
    assert "Загрузка KAM" in weekly.text  # the head's weekly digest, in Russian
