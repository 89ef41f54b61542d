"""The white-space matrix of a holding: its buying units (the account and its subsidiaries
to any depth) × the active product categories.

Each cell says what the unit bought in the last 12 months (its revenue lines in the ttm
window of `reports.metrics.periods`), the open opportunities on it, and what the KAM
entered (`WhiteSpaceCell`: who supplies it instead, "not relevant", the potential a year).
Totals per unit, per category and for the whole holding:

- bought: revenue in the ttm window;
- pipeline: the value of the open opportunities (not weighted: what is on the table);
- potential: the KAM's estimates (cells marked not relevant count none);
- white space: per cell, potential − bought where that is positive (a unit that already
  buys more than the estimate adds nothing, and does not hide another cell's room),
  summed.

A fixed number of queries whatever the size of the holding (the page is benchmarked on
the largest one): the walk, the visible units, the categories, one grouped sum of the
revenue, the cells and the open opportunities.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.conf import settings
from django.db.models import Sum
from django.utils import timezone

from accounts import access
from accounts.models import Account, User
from accounts.selectors import account_get, account_subtree
from plans.models import Opportunity
from reports.erp.currency import RateBook, to_base
from reports.metrics.periods import Period, ttm_latest
from reports.models import ProductCategory, RevenueLine, WhiteSpaceCell

ZERO = Decimal("0.00")

# What a cell shows first, in this order (DESIGN: bought, or the open opportunity, or who
# supplies it instead, or not relevant); "open" is assessed and free, "empty" unassessed.
BOUGHT, OPPORTUNITY, COMPETITOR, NOT_RELEVANT, OPEN, EMPTY = (
    "bought",
    "opportunity",
    "competitor",
    "not_relevant",
    "open",
    "empty",
)
STATES = (BOUGHT, OPPORTUNITY, COMPETITOR, NOT_RELEVANT, OPEN, EMPTY)


@dataclass
class Figures:
    bought: Decimal = ZERO
    pipeline: Decimal = ZERO
    potential: Decimal = ZERO
    white_space: Decimal = ZERO

    def add(self, other: Figures) -> None:
        self.bought += other.bought
        self.pipeline += other.pipeline
        self.potential += other.potential
        self.white_space += other.white_space


@dataclass(frozen=True)
class OpenOpportunity:
    pk: int
    title: str
    value: Decimal
    currency: str
    stage: str
    stage_label: str
    value_base: Decimal | None  # in the base currency; None: no rate for its currency yet


@dataclass
class Cell:
    unit_pk: int
    category_pk: int
    unit_name: str = ""
    category_name: str = ""
    bought: Decimal = ZERO
    status: str | None = None  # the KAM's entry; None: nobody assessed the cell yet
    competitor: str = ""
    potential: Decimal | None = None
    note: str = ""
    updated_by: str = ""
    updated_at: object = None
    opportunities: list[OpenOpportunity] = field(default_factory=list)
    figures: Figures = field(default_factory=Figures)

    @property
    def state(self) -> str:
        if self.bought > 0:
            return BOUGHT
        if self.opportunities:
            return OPPORTUNITY
        if self.status == WhiteSpaceCell.Status.COMPETITOR:
            return COMPETITOR
        if self.status == WhiteSpaceCell.Status.NOT_RELEVANT:
            return NOT_RELEVANT
        return OPEN if self.status else EMPTY

    @property
    def relevant(self) -> bool:
        return self.status != WhiteSpaceCell.Status.NOT_RELEVANT

    @property
    def takes_opportunity(self) -> bool:
        """An empty relevant cell: nothing bought, no open opportunity, not ruled out (a
        competitor's cell is one to win back)."""
        return self.relevant and self.bought <= 0 and not self.opportunities

    def total(self) -> None:
        pipeline = sum((o.value_base or ZERO for o in self.opportunities), ZERO)
        potential = self.potential if self.potential is not None and self.relevant else ZERO
        self.figures = Figures(
            bought=self.bought,
            pipeline=pipeline,
            potential=potential,
            white_space=max(potential - self.bought, ZERO) if potential else ZERO,
        )


@dataclass
class Unit:
    pk: int
    name: str
    external_id: str
    parent_pk: int | None
    depth: int
    cells: list[Cell] = field(default_factory=list)
    totals: Figures = field(default_factory=Figures)


@dataclass
class Category:
    pk: int
    code: str
    name: str
    totals: Figures = field(default_factory=Figures)


@dataclass
class Matrix:
    root: Account
    period: Period
    units: list[Unit]
    categories: list[Category]
    totals: Figures
    can_change: bool

    def cell(self, unit_pk: int, category_pk: int) -> Cell:
        unit = next(u for u in self.units if u.pk == unit_pk)
        return next(c for c in unit.cells if c.category_pk == category_pk)

    @property
    def cells(self) -> list[Cell]:
        return [cell for unit in self.units for cell in unit.cells]


def open_opportunities(*, unit_ids: list[int]) -> dict[tuple[int, int], list[OpenOpportunity]]:
    """Open opportunities of the units by (account, category); those without a category
    are not in any cell."""
    found = (
        Opportunity.objects.filter(
            account_id__in=unit_ids,
            category_id__isnull=False,
            stage__in=Opportunity.OPEN_STAGES,
        )
        .order_by("expected_close", "pk")
        .values_list("pk", "account_id", "category_id", "title", "value", "currency", "stage")
    )
    labels = dict(Opportunity.Stage.choices)
    rows = list(found)
    base, today = settings.BASE_CURRENCY, timezone.localdate()
    # Converted like the forecast converts them: at the latest rate on or before today
    # (one query per foreign currency among them, whatever the number of units).
    foreign = {currency for *_rest, currency, _stage in rows if currency != base}
    book = RateBook(dict.fromkeys(foreign, (today, today))) if foreign else None
    out: dict[tuple[int, int], list[OpenOpportunity]] = defaultdict(list)
    for pk, account_id, category_id, title, value, currency, stage in rows:
        if category_id is None:  # filtered out above; for the type checker
            continue
        if currency == base:
            value_base: Decimal | None = value
        else:
            rate = book.rate(currency, today) if book else None
            value_base = to_base(value, rate) if rate is not None else None
        out[(account_id, category_id)].append(
            OpenOpportunity(
                pk, title, value, currency, stage, str(labels.get(stage, stage)), value_base
            )
        )
    return out


def whitespace_matrix(*, user: User, account_pk: int, period: Period | None = None) -> Matrix:
    """The matrix of the holding rooted at `account_pk` as the user sees it
    (Account.DoesNotExist when the user does not see the root: a 404)."""
    root = account_get(user=user, pk=account_pk)
    period = period or ttm_latest()
    depths = account_subtree(root_pk=root.pk)
    visible = {
        row["pk"]: row
        for row in access.holding_units(user=user, subtree_ids=depths).values(
            "pk", "name", "external_id", "parent_id"
        )
    }
    units = [
        Unit(pk, visible[pk]["name"], visible[pk]["external_id"] or "", visible[pk]["parent_id"], d)
        for pk, d in depths.items()
        if pk in visible
    ]
    unit_ids = [u.pk for u in units]
    categories = [
        Category(pk, code, name)
        for pk, code, name in ProductCategory.objects.filter(active=True)
        .order_by("name", "code")
        .values_list("pk", "code", "name")
    ]
    bought = {
        (a, c): total
        for a, c, total in RevenueLine.objects.filter(
            account_id__in=unit_ids, date__gte=period.start, date__lte=period.end
        )
        .values("account_id", "category_id")
        .annotate(total=Sum("amount_base"))
        .values_list("account_id", "category_id", "total")
        .order_by()
    }
    # Plain rows, not model instances: the largest holding has a thousand entered cells.
    entered = {
        (row["account_id"], row["category_id"]): row
        for row in WhiteSpaceCell.objects.filter(account_id__in=unit_ids).values(
            "account_id",
            "category_id",
            "status",
            "competitor",
            "potential",
            "note",
            "updated_at",
            "updated_by__username",
            "updated_by__first_name",
            "updated_by__last_name",
        )
    }
    opportunities = open_opportunities(unit_ids=unit_ids)
    totals = Figures()
    for unit in units:
        for category in categories:
            key = (unit.pk, category.pk)
            cell = Cell(unit.pk, category.pk, unit.name, category.name, bought.get(key) or ZERO)
            if (row := entered.get(key)) is not None:
                cell.status, cell.competitor, cell.potential = (
                    row["status"],
                    row["competitor"],
                    row["potential"],
                )
                cell.note, cell.updated_at = row["note"], row["updated_at"]
                if row["updated_by__username"] is not None:
                    full = f"{row['updated_by__first_name']} {row['updated_by__last_name']}"
                    cell.updated_by = full.strip() or row["updated_by__username"]
            cell.opportunities = opportunities.get(key, [])
            cell.total()
            unit.cells.append(cell)
            unit.totals.add(cell.figures)
            category.totals.add(cell.figures)
        totals.add(unit.totals)
    return Matrix(
        root=root,
        period=period,
        units=units,
        categories=categories,
        totals=totals,
        can_change=access.can_change_seen_accounts(user),
    )
