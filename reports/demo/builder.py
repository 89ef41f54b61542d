"""Build a believable demo company in bulk.

Everything random comes from one `random.Random(seed)` and never from database ids, so the
same seed and as-of date give the same company. Rows are written in bulk — `bulk_create`,
and COPY (PostgreSQL) or executemany for the big tables — so 5 000 accounts take seconds.
Bulk writes bypass simple-history, which is right for seeded data: nobody changed it.
"""

from __future__ import annotations

import calendar
import datetime as dt
import math
import random
import time
import zoneinfo
from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal

from django.conf import settings
from django.contrib.auth.hashers import make_password
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
from plans.models import AccountPlan, Action, Objective, Tender
from reports.erp.currency import RateBook, to_base
from reports.models import ExchangeRate, ProductCategory, RevenueLine

from . import bulk, names
from .alerts import demo_alerts
from .contracts import plant_contracts
from .coverage import plant_coverage_stories
from .health_story import plant_health_story
from .matrix import plant_matrix
from .pipeline import seed_pipeline_and_forecast
from .targets import seed_targets
from .whitespace import seed_whitespace

FOREIGN = ("USD", "EUR")
# Share of accounts the demo treats as key (contacts, plans, tenders): ~25 of 200.
KEY_FRACTION = 0.11
STRATEGIC_FRACTION = 0.015
MONTHS_OF_HISTORY = 27  # the current month and the 26 before it: two years and more
BATCH = 2000
LINE_FIELDS = [
    "external_id", "account", "category", "date", "amount", "currency", "amount_base",
    "cost", "cost_base", "quantity", "distributor", "created_at", "updated_at",
]  # fmt: skip


def _money(x: float) -> Decimal:
    return Decimal(f"{x:.2f}")


# Zipf–Mandelbrot offset: flattens the very top, so no single client dwarfs the rest.
ZIPF_OFFSET = 2


def zipf_exponent(n: int, top_fraction: float = 0.2, target: float = 0.8) -> float:
    """The s for which the top `top_fraction` of weights 1/(i + offset)^s holds `target`."""
    top = max(1, round(n * top_fraction))
    lo, hi = 0.0, 4.0
    for _ in range(50):
        s = (lo + hi) / 2
        weights = [(i + ZIPF_OFFSET) ** -s for i in range(1, n + 1)]
        if sum(weights[:top]) / sum(weights) < target:
            lo = s
        else:
            hi = s
    return (lo + hi) / 2


def _months(as_of: dt.date) -> list[tuple[int, int]]:
    y, m = as_of.year, as_of.month
    out = []
    for _ in range(MONTHS_OF_HISTORY):
        out.append((y, m))
        y, m = (y, m - 1) if m > 1 else (y - 1, 12)
    return out[::-1]


@dataclass(eq=False)  # identity, not field-by-field: plans are compared in big lists
class Plan:
    """What the generator decided about one account before any row is written."""

    index: int
    rank: int  # 0 = biggest payer
    weight: float
    region: str
    russian: bool
    domain: str
    name: str = ""
    legal: str = ""
    external_id: str = ""
    key: bool = False
    strategic: bool = False
    status: str = Account.Status.ACTIVE
    currency: str = ""
    owner: str | None = None
    team: list[str] = field(default_factory=list)
    parent: int | None = None
    obj: Account | None = None
    contacts: list[Contact] = field(default_factory=list)

    @property
    def account(self) -> Account:
        """The account row, once the accounts are written."""
        assert self.obj is not None, "accounts are written first"
        return self.obj


class DemoBuilder:
    def __init__(self, *, seed: int, accounts: int, as_of: dt.date) -> None:
        self.rng = random.Random(seed)
        self.n = accounts
        self.as_of = as_of
        self.tz = zoneinfo.ZoneInfo(settings.TIME_ZONE)
        self.base = settings.BASE_CURRENCY
        self.months = _months(as_of)
        self.first_day = dt.date(*self.months[0], 1)
        self.counts: Counter[str] = Counter()
        self.now = timezone.now()
        self.timings: dict[str, float] = {}
        self.year_targets: dict[int, float] = {}  # plan index -> this year's revenue aim

    # --- helpers --------------------------------------------------------------------------
    def _when(self, day: dt.date) -> dt.datetime:
        return dt.datetime(
            day.year, day.month, day.day, self.rng.randint(9, 18), self.rng.choice([0, 30]),
            tzinfo=self.tz,
        )  # fmt: skip

    def _day_between(self, start: dt.date, end: dt.date) -> dt.date:
        return start + dt.timedelta(days=self.rng.randint(0, max(0, (end - start).days)))

    def _bulk(self, model, objs: list, key: str | None = None) -> list:
        created = model.objects.bulk_create(objs, batch_size=BATCH)
        self.counts[key or model._meta.verbose_name_plural] += len(objs)
        return created

    def _copy_objects(self, model, objs: list, key: str) -> None:
        bulk.copy_objects(model, objs, now=self.now)
        self.counts[key] += len(objs)

    def _copy(self, model, fields: list[str], rows: list[tuple], key: str) -> None:
        bulk.copy_rows(model, fields, rows)
        self.counts[key] += len(rows)

    # --- the company ----------------------------------------------------------------------
    def build(self) -> Counter[str]:
        steps = [
            self._users, self._reference_data, self._decide_accounts, self._accounts,
            self._contacts, self._distributors, self._revenue, self._interactions,
            self._account_plans_and_tenders, self._targets, self._events, self._surveys,
            self._whitespace, self._contracts, self._coverage_stories, self._health_story,
            self._matrix, self._alerts,
        ]  # fmt: skip
        for step in steps:
            started = time.perf_counter()
            step()
            self.timings[step.__name__.lstrip("_")] = time.perf_counter() - started
        self.timings["pipeline_and_forecast"] = seed_pipeline_and_forecast(self)
        return self.counts

    def _targets(self) -> None:
        seed_targets(self)  # this year's targets of every key account (reports/demo/targets.py)

    def _contracts(self) -> None:
        plant_contracts(self)  # reports/demo/contracts.py: two renewing soon

    def _coverage_stories(self) -> None:
        plant_coverage_stories(self)  # a single-threaded key account, an unmet decider, links

    def _whitespace(self) -> None:
        seed_whitespace(self)  # a three-level holding with its white-space cells

    def _alerts(self) -> None:
        self.counts["notifications"] = demo_alerts(as_of=self.as_of)

    def _health_story(self) -> None:
        plant_health_story(self)

    def _matrix(self) -> None:
        self.matrix_stories = plant_matrix(self)  # reports/demo/matrix.py

    def _reference_data(self) -> None:
        self.regions = self._reference(Region, names.REGIONS)
        self.industries = list(self._reference(Industry, names.INDUSTRIES).values())
        self.categories = self._categories()
        self.rates = self._exchange_rates()

    def _users(self) -> None:
        existing = {u.username: u for u in User.objects.filter(username__in=_demo_usernames())}
        hashes = {role: make_password(pw) for role, pw in names.PASSWORDS.items()}
        users = {}
        for username, first, last, role, _region in names.USERS:
            user = existing.get(username) or User(username=username)
            user.first_name, user.last_name, user.role = first, last, role
            user.email = f"{username}@kam.example.com"
            user.language, user.timezone = names.USER_LOCALES[username]
            user.password = hashes[role]
            user.is_staff = user.is_superuser = role == User.Role.ADMIN
            user.save()
            users[username] = user
        self.counts["users"] = len(users)
        self.users = users

    def _reference(self, model, rows: list[tuple[str, str]]) -> dict:
        out = {}
        for code, name in rows:
            out[code], _ = model.objects.update_or_create(code=code, defaults={"name": name})
        self.counts[model._meta.verbose_name_plural] = len(out)
        return out

    def _categories(self) -> list[ProductCategory]:
        out = []
        for code, name, active in names.CATEGORIES:
            cat, _ = ProductCategory.objects.update_or_create(
                code=code, defaults={"name": name, "active": active}
            )
            out.append(cat)
        self.counts["product categories"] = len(out)
        return out

    def _exchange_rates(self) -> RateBook:
        """Working-day rates (a random walk) from before the first line to the as-of date.

        Weekend lines therefore take Friday's rate: the 'on or before' rule at work. Lines
        are converted as the ERP import converts them: its RateBook over the stored rates
        and its `to_base`.
        """
        start = self.first_day - dt.timedelta(days=10)
        ExchangeRate.objects.filter(currency__in=FOREIGN, date__gte=start).delete()
        rows = []
        for currency, level in (("USD", 88.0), ("EUR", 96.0)):
            day = start
            while day <= self.as_of:
                if day.weekday() < 5:
                    level *= math.exp(self.rng.gauss(0, 0.006))
                    rows.append(
                        ExchangeRate(currency=currency, date=day, rate=Decimal(f"{level:.4f}"))
                    )
                day += dt.timedelta(days=1)
        self._bulk(ExchangeRate, rows, "exchange rates")
        return RateBook(dict.fromkeys(FOREIGN, (self.first_day, self.as_of)))

    def _decide_accounts(self) -> None:
        rng, n = self.rng, self.n
        s = zipf_exponent(n)
        namer = names.CompanyNamer(rng)
        region_codes = [code for code, _ in names.REGIONS]
        plans = []
        for rank in range(n):
            name, legal, domain, russian = namer.company()
            plan = Plan(
                index=rank,
                rank=rank,
                weight=(rank + 1 + ZIPF_OFFSET) ** -s,
                region=rng.choices(region_codes, weights=[45, 30, 25])[0],
                russian=russian,
                domain=domain,
                name=name,
                legal=legal,
            )
            plan.currency = rng.choice(FOREIGN) if not russian and rng.random() < 0.4 else self.base
            plans.append(plan)

        n_key = max(4, round(n * KEY_FRACTION))
        for plan in plans[:n_key]:
            plan.key = True
        # Key clients are not only those who pay most: a few smaller ones are strategic.
        pool = plans[n_key : max(n_key + 2, n_key * 3)]
        for plan in rng.sample(pool, min(len(pool), max(1, round(n * STRATEGIC_FRACTION)))):
            plan.key = plan.strategic = True

        small = [p for p in plans if not p.key]
        tail = small[len(small) // 2 :]
        for plan in rng.sample(tail, round(n * 0.04)):
            plan.status = Account.Status.PROSPECT
        rest = [p for p in tail if p.status == Account.Status.ACTIVE]
        for plan in rng.sample(rest, min(len(rest), round(n * 0.03))):
            plan.status = Account.Status.LOST
        # Two key accounts and a few small ones are slipping away.
        at_risk = rng.sample([p for p in plans if p.key and not p.strategic], 2)
        at_risk += rng.sample(small, round(n * 0.03))
        for plan in at_risk:
            if plan.status == Account.Status.ACTIVE:
                plan.status = Account.Status.AT_RISK

        # KAMs by region; one of them carries more key accounts than the others.
        kams_by_region: dict[str, list[str]] = {}
        for username, _f, _l, role, region in names.USERS:
            if role == "kam" and region is not None:
                kams_by_region.setdefault(region, []).append(username)
        all_kams = [u for us in kams_by_region.values() for u in us]
        for plan in plans:
            kams = kams_by_region[plan.region]
            if plan.key:
                plan.owner = kams[0] if rng.random() < 0.7 else rng.choice(all_kams)
                if rng.random() < 0.4:
                    plan.team = [rng.choice([k for k in all_kams if k != plan.owner])]
            elif rng.random() < 0.9:
                plan.owner = rng.choice(kams)
        # Every KAM signs in to key accounts of their own, whatever the draw (a small demo
        # may leave one without): they take one from the KAM who has the most.
        keys_of = Counter(p.owner for p in plans if p.key)
        for kam in all_kams:
            richest = max(all_kams, key=lambda k: (keys_of[k], k))
            if keys_of[kam] or keys_of[richest] < 2:
                continue
            given = next(p for p in plans if p.key and p.owner == richest)
            given.owner, given.team = kam, [k for k in given.team if k != kam]
            keys_of[richest] -= 1
            keys_of[kam] += 1

        # Groups: a key holding with subsidiaries, one of them key itself.
        keys = [p for p in plans if p.key]
        holdings = rng.sample(keys, max(2, len(keys) // 5))
        children_pool = [p for p in plans if p not in holdings and p.parent is None]
        free_keys = [p for p in keys if p not in holdings]
        for holding in holdings:
            kids = [free_keys.pop(rng.randrange(len(free_keys)))] if free_keys else []
            kids += rng.sample([p for p in children_pool if not p.key], rng.randint(2, 4))
            for kid in kids:
                if kid.parent is None and kid is not holding:
                    kid.parent = holding.index
                    children_pool.remove(kid)
        # External ids are not in rank order: the ERP numbers clients as they come.
        ids = rng.sample(range(100001, 100001 + n * 3), n)
        for plan, ext in zip(plans, ids, strict=True):
            plan.external_id = f"C{ext}"
        self.plans = plans
        self._weight_sum = sum(p.weight for p in plans)

    def _accounts(self) -> None:
        rng = self.rng
        parents = [p for p in self.plans if p.parent is None]
        children = [p for p in self.plans if p.parent is not None]
        objs = []
        # Parents first: a subsidiary points at an account earlier in the list.
        for plan in parents + children:
            annual = self._annual(plan)
            potential = None
            if rng.random() < 0.9:
                potential = _money(round(annual * rng.uniform(1.3, 3.5), -3))
            tax_id = (
                str(rng.randint(10**9, 10**10 - 1))
                if plan.russian
                else f"DE{rng.randint(10**8, 10**9 - 1)}"
            )
            plan.obj = Account(
                external_id=plan.external_id,
                name=plan.name,
                legal_name=plan.legal,
                tax_id=tax_id,
                parent=self.plans[plan.parent].obj if plan.parent is not None else None,
                region=self.regions[plan.region],
                industry=rng.choice(self.industries),
                status=plan.status,
                owner=self.users[plan.owner] if plan.owner else None,
                potential_annual=potential,
                strategic=plan.strategic,
                notes=_account_note(plan, rng),
            )
            objs.append(plan.obj)
        self._copy_objects(Account, objs, "accounts")
        self._copy(
            Account.team.through,
            ["account", "user"],
            [(p.account.pk, self.users[u].pk) for p in self.plans for u in p.team],
            "team memberships",
        )

    def _contacts(self) -> None:
        """Key accounts: 5–15 people as an org chart; others: one or two buyers."""
        rng = self.rng
        levels: list[list[Contact]] = [[], [], [], []]
        for plan in self.plans:
            if plan.status == Account.Status.LOST:
                continue
            org = names.ORG_LEVELS_RU if plan.russian else names.ORG_LEVELS_EN
            if plan.key:
                total = rng.randint(5, 15)
                sizes = [1, min(rng.randint(2, 4), total - 1)]
                rest = total - sum(sizes)
                sizes.append(min(rest, rng.randint(2, 5)))
                sizes.append(rest - sizes[2])
            elif plan.status != Account.Status.PROSPECT or rng.random() < 0.5:
                sizes = [0, 0, rng.randint(1, 2), 0]
            else:
                continue
            chart: list[list[Contact]] = []
            for level, size in enumerate(sizes):
                row = []
                for k in range(size):
                    position, department, role = org[level][k % len(org[level])]
                    full, local = names.person(rng, plan.russian)
                    above = chart[level - 1] if level else []
                    row.append(
                        Contact(
                            account=plan.obj,
                            name=full,
                            position=position,
                            department=department,
                            email=f"{local}@{plan.domain}",
                            phone=_phone(rng, plan.russian),
                            reports_to=rng.choice(above) if above else None,
                            decision_role=role,
                            influence=_influence(rng, level),
                            attitude=rng.choices(
                                ["supporter", "neutral", "detractor"], weights=[40, 45, 15]
                            )[0],
                        )
                    )
                chart.append(row)
                levels[level] += row
            plan.contacts = [c for row in chart for c in row]
            # The primary contact: procurement's head if there is one, else the first.
            primary = next((c for c in plan.contacts if c.decision_role == "gatekeeper"), None)
            (primary or plan.contacts[0]).is_primary = True
        # Level by level, so every manager gets an id before the people reporting to them.
        self._copy_objects(Contact, [c for row in levels for c in row], "contacts")

    def _distributors(self) -> None:
        rng = self.rng
        distributors = [
            Distributor(
                external_id=code,
                name=name,
                region=self.regions.get(region) if region else None,
                contacts=f"Отдел продаж: +7 495 {rng.randint(100, 999)}-{rng.randint(10, 99)}-"
                f"{rng.randint(10, 99)}, sales@{names.translit(name.split('«')[-1])[:12]}.ru",
            )
            for code, name, region in names.DISTRIBUTORS
        ]
        self._bulk(Distributor, distributors, "distributors")
        links, via = [], {}
        for plan in self.plans:
            if plan.status == Account.Status.PROSPECT:
                continue
            if rng.random() >= (0.5 if plan.key else 0.2):
                continue
            for k, dist in enumerate(rng.sample(distributors, rng.randint(1, 2))):
                since = self._day_between(self.first_day - dt.timedelta(days=900), self.first_day)
                ended = rng.random() < 0.1
                share = rng.choice([15, 20, 30, 40, 60, 100]) if k == 0 else 10
                links.append(
                    DistributorLink(
                        distributor=dist,
                        account=plan.obj,
                        role=rng.choice(["exclusive", "preferred", "secondary"])
                        if k == 0
                        else "secondary",
                        share_of_volume=Decimal(share),
                        since=since,
                        until=self.as_of - dt.timedelta(days=rng.randint(30, 300))
                        if ended
                        else None,
                        terms=rng.choice(
                            ["Отсрочка 45 дней", "Net 30, free delivery over 100k", "Скидка 3 %"]
                        ),
                        status="ended" if ended else "active",
                    )
                )
                if k == 0 and not ended:
                    via[plan.index] = (dist, share / 100)
        self._bulk(DistributorLink, links, "distributor links")
        self.links: dict[int, tuple[Distributor, float]] = via

    def _revenue(self) -> None:
        """Monthly lines per bought category, sized by the account's Pareto weight."""
        rng, as_of = self.rng, self.as_of
        active = [c for c in self.categories if c.active]
        retired = next(c for c in self.categories if not c.active)
        retired_until = as_of - dt.timedelta(days=365)
        last = len(self.months) - 1
        growing_keys = [p.index for p in self.plans if p.key and p.status == Account.Status.ACTIVE]
        eroding = set(rng.sample(growing_keys, 2))
        lines: list[tuple] = []
        seq = 0
        for plan in self.plans:
            if plan.status == Account.Status.PROSPECT:
                continue
            annual = self._annual(plan)
            growth = rng.gauss(0.08, 0.12)
            if plan.status == Account.Status.AT_RISK:
                growth = -0.35
            if plan.index in eroding:
                growth = 0.35  # it grows — while the buyer squeezes our margin
            stop = last - rng.randint(12, 18) if plan.status == Account.Status.LOST else last
            if plan.key:
                cats = rng.sample(active, rng.randint(4, 9))
                p_line = 0.7
            else:
                cats = rng.sample(active, rng.randint(1, 2))
                p_line = 0.25
            if rng.random() < 0.4:
                cats.append(retired)
            shares = [rng.expovariate(1.0) for _ in cats]
            shares = [x / sum(shares) for x in shares]
            margin = rng.uniform(0.18, 0.35)
            distributor = self.links.get(plan.index)
            for t, (year, month) in enumerate(self.months[: stop + 1]):
                level = annual / 12 * (1 + growth) ** ((t - last) / 12)
                level *= 1 + 0.12 * math.sin(2 * math.pi * (month - 3) / 12)
                days = calendar.monthrange(year, month)[1]
                if (year, month) == (as_of.year, as_of.month):
                    days = as_of.day
                m = margin
                if plan.index in eroding:
                    m -= 0.09 * max(0, t - (last - 6)) / 6
                for cat, share in zip(cats, shares, strict=True):
                    if rng.random() >= p_line:
                        continue
                    day = dt.date(year, month, rng.randint(1, days))
                    if cat is retired and day > retired_until:
                        continue
                    base_amount = level * share / p_line * rng.lognormvariate(0, 0.3)
                    seq += 1
                    line = self._line(
                        f"INV-{year}-{seq:07d}", plan, cat, day, base_amount, m, distributor
                    )
                    lines.append(line)
                    if rng.random() < 0.02:
                        # A credit note: part of the goods came back a few days later.
                        back_day = min(as_of, day + dt.timedelta(days=rng.randint(3, 20)))
                        part = -base_amount * rng.uniform(0.1, 0.6)
                        seq += 1
                        lines.append(
                            self._line(
                                f"CN-{year}-{seq:07d}", plan, cat, back_day, part, m, distributor
                            )
                        )
        self._copy(RevenueLine, LINE_FIELDS, lines, "revenue lines")

    def _line(self, external_id, plan, cat, day, base_amount, margin, distributor) -> tuple:
        """One revenue line as a LINE_FIELDS tuple; foreign amounts converted per DESIGN."""
        rng = self.rng
        currency = plan.currency
        if currency == self.base:
            amount = amount_base = _money(base_amount)
            rate = None
        else:
            rate = self.rates.rate(currency, day)
            if rate is None:
                raise ValueError(f"no {currency} rate on or before {day}")
            amount = _money(base_amount / float(rate))
            amount_base = to_base(amount, rate)
        cost = cost_base = None
        if rng.random() < 0.9:
            cost = _money(float(amount) * (1 - margin) * rng.uniform(0.95, 1.05))
            cost_base = cost if rate is None else to_base(cost, rate)
        via = None
        if distributor and rng.random() < distributor[1]:
            via = distributor[0].pk
        quantity = Decimal(max(1, round(abs(base_amount) / rng.choice([500, 2000, 15000]))))
        return (
            external_id, plan.obj.pk, cat.pk, day, amount, currency, amount_base,
            cost, cost_base, quantity, via, self.now, self.now,
        )  # fmt: skip

    def _interactions(self) -> None:
        rng, as_of = self.rng, self.as_of
        start = self.first_day + dt.timedelta(days=60)
        key_plans = [p for p in self.plans if p.key]
        # A couple of key accounts nobody has visited for months: the head should notice.
        neglected = {p.index for p in rng.sample(key_plans, 2)}
        kinds = list(names.INTERACTION_SUBJECTS)
        objs, links = [], []
        for plan in self.plans:
            if plan.owner is None or plan.status == Account.Status.PROSPECT:
                continue
            count = rng.randint(15, 35) if plan.key else rng.randint(0, 4)
            end = as_of - dt.timedelta(days=120) if plan.index in neglected else as_of
            if plan.status == Account.Status.LOST:
                end = as_of - dt.timedelta(days=400)
            authors = [plan.owner, *plan.team]
            ru = plan.russian
            for _ in range(count):
                day = self._day_between(start, end)
                kind = rng.choices(kinds, weights=[25, 30, 15, 15, 8, 5, 2])[0]
                subject = rng.choice(names.in_language(names.INTERACTION_SUBJECTS[kind], ru))
                recent = (as_of - day).days < 45
                due = day + dt.timedelta(days=rng.randint(5, 30)) if recent else None
                obj = Interaction(
                    account=plan.obj,
                    author=self.users[rng.choice(authors)],
                    kind=kind,
                    occurred_at=self._when(day),
                    subject=subject,
                    summary=rng.choice(names.in_language(names.SUMMARIES, ru)),
                    outcome=rng.choice(names.in_language(names.OUTCOMES, ru)),
                    next_step=rng.choice(names.in_language(names.NEXT_STEPS, ru)) if due else "",
                    next_step_due=due,
                    sentiment=rng.choices(
                        ["positive", "neutral", "negative"], weights=[45, 40, 15]
                    )[0],
                )
                objs.append(obj)
                if plan.contacts:
                    people = rng.sample(plan.contacts, min(len(plan.contacts), rng.randint(1, 3)))
                    links.append((obj, people))
        self._copy_objects(Interaction, objs, "interactions")
        self._participants(links)

    def _participants(self, pairs: list[tuple[Interaction, list[Contact]]]) -> None:
        self._copy(
            Interaction.contacts.through,
            ["interaction", "contact"],
            [(i.pk, c.pk) for i, people in pairs for c in people],
            "interaction participants",
        )

    def _account_plans_and_tenders(self) -> None:
        rng, as_of = self.rng, self.as_of
        year = as_of.year
        key_plans = [p for p in self.plans if p.key and p.status != Account.Status.LOST]
        plan_rows, objective_rows, action_rows = [], [], []
        current_objectives: dict[int, list[Objective]] = {}
        for plan in key_plans:
            owner = self.users[plan.owner] if plan.owner else None
            ru = plan.russian
            for y, status, n_obj in (
                (year, rng.choice(["active", "approved", "draft"]), rng.randint(2, 4)),
                (year - 1, "closed", rng.randint(1, 2)),
            ):
                if y < year and rng.random() < 0.5:
                    continue
                # The plan's revenue target is the sum of the account's targets
                # (reports/demo/targets.py writes this year's from this figure).
                target = self._annual(plan) * rng.uniform(1.05, 1.25)
                if y == year:
                    self.year_targets[plan.index] = target
                ap = AccountPlan(
                    account=plan.obj,
                    title=(f"План развития {y}" if plan.russian else f"Account plan {y}"),
                    period_start=dt.date(y, 1, 1),
                    period_end=dt.date(y, 12, 31),
                    owner=owner,
                    status=status,
                    client_goals=rng.choice(
                        ["Снизить простои оборудования", "Cut unplanned downtime by 20 %"]
                    ),
                    our_strategy=rng.choice(
                        ["Стать единым поставщиком ТМЦ", "Become the single MRO supplier"]
                    ),
                    mutual_value=rng.choice(
                        ["Склад на площадке клиента", "Consignment stock on site"]
                    ),
                )
                plan_rows.append(ap)
                for desc, measure, tgt, cur in rng.sample(
                    names.in_language(names.OBJECTIVES, ru), n_obj
                ):
                    due = dt.date(y, rng.choice([3, 6, 9, 12]), 28)
                    done = due < as_of
                    obj = Objective(
                        plan=ap,
                        description=desc,
                        measure=measure,
                        target=Decimal(tgt),
                        current=Decimal(tgt if done and rng.random() < 0.6 else cur),
                        due=due,
                        status=rng.choice(["achieved", "missed"])
                        if done
                        else rng.choice(["open", "on_track", "at_risk"]),
                    )
                    objective_rows.append(obj)
                    if y == year:
                        current_objectives.setdefault(plan.index, []).append(obj)
                    for desc_a in rng.sample(
                        names.in_language(names.ACTIONS, ru), rng.randint(1, 3)
                    ):
                        action_rows.append(self._action(ap, obj, owner, desc_a, y))
                action_rows.append(
                    self._action(
                        ap, None, owner, rng.choice(names.in_language(names.ACTIONS, ru)), y
                    )
                )
        self._bulk(AccountPlan, plan_rows, "account plans")
        self._bulk(Objective, objective_rows, "objectives")
        self._bulk(Action, action_rows, "actions")

        stages = [s for s, _ in Tender.Stage.choices]
        tenders = []
        for i, plan in enumerate(key_plans * 2):
            if i >= len(key_plans) and rng.random() < 0.5:
                continue
            # The first six cycle through every stage, so the pipeline shows them all.
            stage = stages[i] if i < len(stages) else rng.choice(stages)
            tenders.append(self._tender(plan, stage, current_objectives.get(plan.index, [])))
        self._bulk(Tender, tenders, "tenders")

    def _annual(self, plan: Plan) -> float:
        """This year's revenue we aim the account at: ~12 M per account on average."""
        return self.n * 12_000_000 * plan.weight / self._weight_sum

    def _action(self, ap, objective, owner, description, year) -> Action:
        rng, as_of = self.rng, self.as_of
        due = self._day_between(dt.date(year, 1, 15), dt.date(year, 12, 15))
        if due < as_of:
            # Most past actions got done; some did not — they show up as overdue.
            status = rng.choices(["done", "open", "cancelled"], weights=[70, 22, 8])[0]
        else:
            status = "open"
        completed = None
        if status == "done":
            completed = self._when(min(as_of, due + dt.timedelta(days=rng.randint(-10, 5))))
        return Action(
            plan=ap,
            objective=objective,
            description=description,
            owner=owner,
            due=due,
            status=status,
            completed_at=completed,
        )

    def _tender(self, plan: Plan, stage: str, objectives: list[Objective]) -> Tender:
        rng, as_of = self.rng, self.as_of
        value = self._annual(plan) * rng.uniform(0.05, 0.4)
        if stage == "preparing":  # bids being written: due soon, so the demo's strip shows some
            deadline = as_of + dt.timedelta(days=rng.randint(2, 30))
        elif stage == "identified":
            deadline = as_of + dt.timedelta(days=rng.randint(20, 90))
        elif stage == "submitted":
            deadline = as_of - dt.timedelta(days=rng.randint(1, 30))
        else:
            deadline = as_of - dt.timedelta(days=rng.randint(40, 600))
        decided = stage in ("won", "lost", "cancelled")
        reason = ""
        if stage == "won":
            reason = rng.choice(names.in_language(names.WIN_REASONS, plan.russian))
        elif stage == "lost":
            reason = rng.choice(names.in_language(names.LOSS_REASONS, plan.russian))
        elif stage == "cancelled":
            reason = "Заказчик отменил закупку"
        bid = _money(value * rng.uniform(0.85, 1.0)) if stage not in ("identified",) else None
        return Tender(
            account=plan.obj,
            title=rng.choice(names.in_language(names.TENDER_TITLES, plan.russian)),
            reference=f"{rng.randint(10**10, 10**11 - 1)}",
            platform=rng.choice(names.TENDER_PLATFORMS),
            stage=stage,
            submission_deadline=self._when(deadline),
            estimated_value=_money(round(value, -3)),
            our_bid=bid,
            currency=self.base,
            competitors=", ".join(rng.sample(names.COMPETITORS, 2)),
            decision_date=deadline + dt.timedelta(days=rng.randint(10, 30)) if decided else None,
            outcome_reason=reason,
            objective=rng.choice(objectives) if objectives and rng.random() < 0.4 else None,
        )

    def _events(self) -> None:
        rng, as_of = self.rng, self.as_of
        key_plans = [p for p in self.plans if p.key and p.contacts]
        organizers = [u for u in self.users.values() if u.role in ("kam", "head")]
        events, guests = [], []
        for k in range(12):
            name, kind, location = names.EVENTS[k % len(names.EVENTS)]
            # Ten behind us, two ahead (invitations out, nobody attended yet).
            start = as_of + dt.timedelta(days=30 * (k - 9) - rng.randint(0, 20))
            if k < 10:
                start = self.first_day + dt.timedelta(days=60 * k + rng.randint(0, 40))
            ev = Event(
                name=f"{name} {start.year}",
                kind=kind,
                starts_on=start,
                ends_on=start + dt.timedelta(days=rng.randint(0, 3)),
                location=location,
                description=rng.choice(["Стенд компании, деловая программа", "Booth and talks"]),
                organizer=rng.choice(organizers),
            )
            events.append(ev)
            invited = rng.sample(key_plans, min(len(key_plans), rng.randint(3, 8)))
            guests.append((ev, invited))
        self._bulk(Event, events, "events")
        acc_rows, inv_rows, att_rows, interactions = [], [], [], []
        for ev, invited in guests:
            for plan in invited:
                acc_rows.append(Event.accounts.through(event_id=ev.pk, account_id=plan.account.pk))
                people = rng.sample(plan.contacts, min(len(plan.contacts), rng.randint(1, 3)))
                came = [c for c in people if ev.starts_on <= as_of and rng.random() < 0.65]
                inv_rows += [Event.invited.through(event_id=ev.pk, contact_id=c.pk) for c in people]
                att_rows += [Event.attended.through(event_id=ev.pk, contact_id=c.pk) for c in came]
                if came and plan.owner:
                    interactions.append(
                        (
                            Interaction(
                                account=plan.obj,
                                author=self.users[plan.owner],
                                kind="event",
                                occurred_at=self._when(ev.starts_on),
                                subject=ev.name,
                                summary=f"{ev.name}: {', '.join(c.name for c in came)}",
                                sentiment="positive",
                            ),
                            came,
                        )
                    )
        self._bulk(Event.accounts.through, acc_rows, "event accounts")
        self._bulk(Event.invited.through, inv_rows, "event invitations")
        self._bulk(Event.attended.through, att_rows, "event attendances")
        self._copy_objects(Interaction, [i for i, _ in interactions], "interactions")
        self._participants(interactions)

    def _surveys(self) -> None:
        rng = self.rng
        rows = []
        for plan in self.plans:
            if not plan.key or not plan.contacts:
                continue
            for _ in range(rng.randint(1, 3)):
                nps = min(10, max(0, round(rng.gauss(7.5, 2))))
                rows.append(
                    Survey(
                        account=plan.obj,
                        contact=rng.choice(plan.contacts),
                        date=self._day_between(self.first_day, self.as_of),
                        nps=nps,
                        satisfaction=min(5, max(1, round(nps / 2))),
                        needs=rng.choice(names.in_language(names.SURVEY_NEEDS, plan.russian)),
                        comments=rng.choice(["", "Довольны сервисом", "Prices went up too fast"]),
                    )
                )
        self._bulk(Survey, rows, "surveys")


def _demo_usernames() -> list[str]:
    return [u[0] for u in names.USERS]


def demo_logins() -> list[tuple[str, str, str]]:
    """(username, password, role) of every demo login."""
    return [(u, names.PASSWORDS[role], role) for u, _f, _l, role, _r in names.USERS]


def _influence(rng: random.Random, level: int) -> int:
    return [5, rng.randint(4, 5), rng.randint(2, 4), rng.randint(1, 2)][level]


def _phone(rng: random.Random, russian: bool) -> str:
    if russian:
        a, b, c, d = (
            rng.randint(10, 99),
            rng.randint(100, 999),
            rng.randint(10, 99),
            rng.randint(10, 99),
        )
        return f"+7 9{a} {b}-{c}-{d}"
    return f"+49 {rng.randint(30, 89)} {rng.randint(1000000, 9999999)}"


def _account_note(plan: Plan, rng: random.Random) -> str:
    if plan.strategic:
        return (
            "Стратегический клиент: вход в новую отрасль."
            if plan.russian
            else "Strategic: our reference customer in a new industry."
        )
    if plan.key and rng.random() < 0.5:
        return (
            "Ключевой клиент, годовой контракт." if plan.russian else "Key client, annual contract."
        )
    return ""
