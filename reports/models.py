"""The numbers: what the ERP sends (categories, rates, revenue) and what we compute."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from accounts.models import Account, Distributor, TimeStamped
from reports.health.definitions import (
    DEFAULT_HEALTHY_FROM,
    DEFAULT_WATCH_FROM,
)
from reports.health.definitions import DEFAULT_WEIGHTS as DEFAULT_HEALTH_WEIGHTS
from reports.health.definitions import default_weights as default_health_weights


class ProductCategory(TimeStamped):
    code = models.CharField(_("code"), max_length=64, unique=True)
    name = models.CharField(_("name"), max_length=255)
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("product category")
        verbose_name_plural = _("product categories")

    def __str__(self) -> str:
        return self.name


class ExchangeRate(TimeStamped):
    currency = models.CharField(_("currency"), max_length=3)
    date = models.DateField(_("date"))
    rate = models.DecimalField(
        _("rate"),
        max_digits=20,
        decimal_places=8,
        help_text=_("Base-currency units per one unit of the currency."),
    )

    class Meta:
        ordering = ["currency", "-date"]
        verbose_name = _("exchange rate")
        verbose_name_plural = _("exchange rates")
        constraints = [
            models.UniqueConstraint(fields=["currency", "date"], name="exchangerate_unique_day"),
            models.CheckConstraint(condition=Q(rate__gt=0), name="exchangerate_rate_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.currency} {self.date} {self.rate}"


class RevenueLine(TimeStamped):
    external_id = models.CharField(_("external id"), max_length=64, unique=True)
    account = models.ForeignKey(
        Account, verbose_name=_("account"), on_delete=models.PROTECT, related_name="revenue_lines"
    )
    category = models.ForeignKey(
        ProductCategory,
        verbose_name=_("category"),
        on_delete=models.PROTECT,
        related_name="revenue_lines",
    )
    date = models.DateField(_("date"))
    amount = models.DecimalField(_("amount"), max_digits=16, decimal_places=2)
    currency = models.CharField(_("currency"), max_length=3)
    amount_base = models.DecimalField(_("amount in base currency"), max_digits=18, decimal_places=2)
    cost = models.DecimalField(_("cost"), max_digits=16, decimal_places=2, null=True, blank=True)
    cost_base = models.DecimalField(
        _("cost in base currency"), max_digits=18, decimal_places=2, null=True, blank=True
    )
    quantity = models.DecimalField(
        _("quantity"), max_digits=16, decimal_places=4, null=True, blank=True
    )
    distributor = models.ForeignKey(
        Distributor,
        verbose_name=_("distributor"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="revenue_lines",
    )
    # The contract the line was sold under (the ERP sends its number; one of the line's
    # account's contracts). Deleting the contract leaves the line, without it.
    contract = models.ForeignKey(
        "plans.Contract",
        verbose_name=_("contract"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="revenue_lines",
        db_index=False,  # the partial index below: most lines carry no contract
    )

    class Meta:
        ordering = ["-date", "id"]
        verbose_name = _("revenue line")
        verbose_name_plural = _("revenue lines")
        constraints = [
            models.CheckConstraint(
                condition=~Q(external_id=""), name="revenueline_external_id_not_blank"
            ),
            models.CheckConstraint(
                condition=Q(cost__isnull=True, cost_base__isnull=True)
                | Q(cost__isnull=False, cost_base__isnull=False),
                name="revenueline_cost_base_with_cost",
            ),
        ]
        indexes = [
            # Covering (PostgreSQL): the forecast and attainment sum a year of every
            # account's lines straight from the index.
            models.Index(
                fields=["date", "account"], include=["amount_base"], name="revline_date_cover"
            ),
            # Covering (PostgreSQL): the heat map and the whitespace read one account's
            # revenue by category straight from the index.
            models.Index(
                fields=["account", "date"],
                include=["category", "amount_base"],
                name="revline_account_date_cover",
            ),
            # Only lines sold through a distributor; the distributors page sums them.
            models.Index(
                fields=["distributor", "date"],
                include=["account", "amount_base"],
                condition=Q(distributor__isnull=False),
                name="revline_distributor_date",
            ),
            models.Index(fields=["currency", "date"]),
            # Only lines sold under a contract; the contract's page sums them by year.
            models.Index(
                fields=["contract", "date"],
                include=["amount_base"],
                condition=Q(contract__isnull=False),
                name="revline_contract_date",
            ),
        ]

    def __str__(self) -> str:
        return self.external_id


class PeriodKind(models.TextChoices):
    MONTH = "month", _("Month")
    QUARTER = "quarter", _("Quarter")
    YEAR = "year", _("Year")
    TTM = "ttm", _("Last 12 months")


class AccountMetric(models.Model):
    """One account's numbers for one period; a period's rows are replaced atomically."""

    # No separate index on account: ("account", "period_kind", "period_start") serves account
    # lookups, and every index costs the nightly upsert of ~10^5 rows.
    account = models.ForeignKey(
        Account,
        verbose_name=_("account"),
        on_delete=models.CASCADE,
        related_name="metrics",
        db_index=False,
    )
    period = models.CharField(_("period"), max_length=16)
    period_kind = models.CharField(_("period kind"), max_length=8, choices=PeriodKind.choices)
    period_start = models.DateField(_("period start"))
    period_end = models.DateField(_("period end"))
    revenue = models.DecimalField(_("revenue"), max_digits=18, decimal_places=2)
    revenue_share = models.FloatField(_("revenue share"), null=True)
    cumulative_share = models.FloatField(_("cumulative share"), null=True)
    rank = models.PositiveIntegerField(_("rank"), null=True)
    tier = models.CharField(_("tier"), max_length=1, blank=True)
    penetration = models.FloatField(_("penetration"), null=True)
    category_penetration = models.FloatField(_("category penetration"), null=True)
    growth = models.FloatField(_("growth"), null=True)
    margin_pct = models.FloatField(_("margin"), null=True)
    margin_change = models.FloatField(_("margin change"), null=True)
    # The recompute that last computed this row's period, and when. No index: nothing
    # filters on it, and every index costs the nightly upsert.
    run = models.ForeignKey(
        "MetricRun",
        verbose_name=_("metric run"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_index=False,
    )
    computed_at = models.DateTimeField(_("computed"), null=True, blank=True)

    class Meta:
        ordering = ["period", "rank", "account_id"]
        verbose_name = _("account metric")
        verbose_name_plural = _("account metrics")
        constraints = [
            models.UniqueConstraint(fields=["period", "account"], name="accountmetric_unique"),
        ]
        # (period, account) is unique, so a period's rows are one index range; a tier
        # filter inside it needs no index of its own (and a tier change stays a HOT update).
        indexes = [models.Index(fields=["account", "period_kind", "period_start"])]

    def __str__(self) -> str:
        return f"{self.account_id} {self.period}"


class PortfolioMetric(models.Model):
    period = models.CharField(_("period"), max_length=16, unique=True)
    period_kind = models.CharField(_("period kind"), max_length=8, choices=PeriodKind.choices)
    period_start = models.DateField(_("period start"))
    period_end = models.DateField(_("period end"))
    total_revenue = models.DecimalField(_("total revenue"), max_digits=20, decimal_places=2)
    accounts_with_revenue = models.PositiveIntegerField(_("accounts with revenue"))
    tier_counts = models.JSONField(_("tier counts"), default=dict)
    top10_share = models.FloatField(_("top-10 share"), null=True)
    hhi = models.FloatField(_("HHI"), null=True)
    concentration_risk = models.JSONField(_("concentration risk"), default=list)
    # Digest of the period's inputs at the last recompute: the nightly run skips a period
    # whose digest is unchanged (see reports/metrics/fingerprint.py).
    fingerprint = models.CharField(_("inputs fingerprint"), max_length=64, blank=True)
    run = models.ForeignKey(
        "MetricRun",
        verbose_name=_("metric run"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_index=False,
    )
    computed_at = models.DateTimeField(_("computed"), null=True, blank=True)

    class Meta:
        ordering = ["period"]
        verbose_name = _("portfolio metric")
        verbose_name_plural = _("portfolio metrics")

    def __str__(self) -> str:
        return self.period


class RevenueLineChange(models.Model):
    """An append-only log of how many revenue lines each statement added (+) or removed (−)
    per calendar month; an UPDATE logs both. Written by PostgreSQL statement triggers on
    RevenueLine (migration 0002), so the nightly run learns what changed without reading
    2 million lines. Append-only on purpose: imports never wait on or deadlock over a shared
    counter row. Full recomputes compact it."""

    month = models.DateField(_("month"), db_index=True)
    lines = models.BigIntegerField(_("lines"))

    class Meta:
        verbose_name = _("revenue line change")
        verbose_name_plural = _("revenue line changes")

    def __str__(self) -> str:
        return f"{self.month:%Y-%m} {self.lines:+d}"


class MetricRun(models.Model):
    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Running")
        SUCCESS = "success", _("Success")
        SKIPPED = "skipped", _("Skipped")
        FAILED = "failed", _("Failed")

    ACTIVE = (Status.QUEUED, Status.RUNNING)

    # A queued run's started_at is when it was asked for; the worker resets it on start.
    started_at = models.DateTimeField(_("started"), default=timezone.now)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    as_of = models.DateField(_("as of"))
    full = models.BooleanField(_("full recompute"), default=False)
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.RUNNING
    )
    periods_recomputed = models.JSONField(_("periods recomputed"), default=list)
    rows = models.PositiveIntegerField(_("rows"), default=0)
    duration_s = models.FloatField(_("duration, s"), null=True, blank=True)
    error = models.TextField(_("error"), blank=True)
    periods_unchanged = models.PositiveIntegerField(_("periods unchanged"), default=0)
    note = models.TextField(_("note"), blank=True)
    # Per period kind: periods, rows and seconds (what the admin and the bench show).
    details = models.JSONField(_("details"), default=dict, blank=True)
    # Set when someone asked for the run through the API (POST /api/v1/metrics/runs/);
    # the nightly run has neither.
    requested_at = models.DateTimeField(_("requested"), null=True, blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("requested by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        ordering = ["-started_at"]
        verbose_name = _("metric run")
        verbose_name_plural = _("metric runs")

    def __str__(self) -> str:
        return f"{self.as_of} {self.status}"


class ImportBatch(models.Model):
    """One ERP request: what it sent, what it changed, or why it was rejected.

    Written as "running" in its own transaction before the import starts, then finished:
    "applied" in the import's own transaction (so the log and the data commit together),
    "rejected" or "failed" after a rollback. A row left "running" by a killed process is
    marked "failed" by the sweeper (reports.tasks.import_batches_sweep).
    """

    class Status(models.TextChoices):
        RUNNING = "running", _("Running")
        APPLIED = "applied", _("Applied")
        REJECTED = "rejected", _("Rejected")
        FAILED = "failed", _("Failed")

    received_at = models.DateTimeField(_("received"), auto_now_add=True, db_index=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("sent by"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="import_batches",
    )
    endpoint = models.CharField(_("endpoint"), max_length=64)
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.RUNNING
    )
    # None while running, and for a request that never answered (killed).
    http_status = models.PositiveSmallIntegerField(_("HTTP status"), null=True, blank=True)
    items = models.PositiveIntegerField(_("items"), default=0)
    created = models.PositiveIntegerField(_("created"), default=0)
    updated = models.PositiveIntegerField(_("updated"), default=0)
    unchanged = models.PositiveIntegerField(_("unchanged"), default=0)
    deleted = models.PositiveIntegerField(_("deleted"), default=0)
    not_found = models.PositiveIntegerField(_("not found"), default=0)
    duration_ms = models.PositiveIntegerField(_("duration, ms"), default=0)
    errors = models.JSONField(_("errors"), default=list, blank=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    # X-Request-ID of the request (set by the request-id middleware), for support.
    request_id = models.CharField(_("request id"), max_length=200, blank=True)
    # Idempotency-Key header: a retry with the same key and body within
    # ERP_IDEMPOTENCY_TTL_S answers `response` again instead of importing twice.
    idempotency_key = models.CharField(_("idempotency key"), max_length=255, blank=True)
    request_sha256 = models.CharField(_("request digest"), max_length=64, blank=True)
    # The full answer (the log keeps at most 1000 errors); only kept for keyed requests,
    # and cleared by the sweeper when the key expires.
    response = models.JSONField(_("response"), null=True, blank=True)

    class Meta:
        ordering = ["-received_at"]
        indexes = [
            models.Index(
                fields=["user", "idempotency_key", "received_at"],
                condition=~Q(idempotency_key=""),
                name="importbatch_idempotency",
            ),
            # The sweeper's "running for too long" scan.
            models.Index(
                fields=["received_at"],
                condition=Q(status="running"),
                name="importbatch_running",
            ),
        ]
        verbose_name = _("import batch")
        verbose_name_plural = _("import batches")

    def __str__(self) -> str:
        return f"{self.endpoint} {self.received_at:%Y-%m-%d %H:%M} {self.status}"


class AccountHealth(models.Model):
    """One account's health on one day (DESIGN.md "Health"): the score 0–100, its band and
    every component with its value, score, weight, points and one sentence of explanation.
    Recomputed nightly after the metrics run (the day's row is replaced), and for one
    account when its KAM logs an interaction, changes a contact or ticks an action.

    `components` is a list, in the order of reports.health.definitions.COMPONENTS, of
    {"key", "label", "value", "score", "weight", "points", "explanation"}; a component
    left out has "score", "weight" and "points" null and its explanation says why."""

    class Band(models.TextChoices):
        HEALTHY = "healthy", _("Healthy")
        WATCH = "watch", _("Watch")
        AT_RISK = "at_risk", _("At risk")

    account = models.ForeignKey(
        Account,
        verbose_name=_("account"),
        on_delete=models.CASCADE,
        related_name="health",
        db_index=False,  # the unique (account, date) index serves account lookups
    )
    date = models.DateField(_("date"))
    score = models.DecimalField(_("score"), max_digits=4, decimal_places=1)
    band = models.CharField(_("band"), max_length=8, choices=Band.choices)
    components = models.JSONField(_("components"), default=list)
    computed_at = models.DateTimeField(_("computed"), default=timezone.now)

    class Meta:
        ordering = ["account_id", "-date"]
        verbose_name = _("account health")
        verbose_name_plural = _("account health")
        constraints = [
            models.UniqueConstraint(fields=["account", "date"], name="accounthealth_unique_day"),
            models.CheckConstraint(
                condition=Q(score__gte=0, score__lte=100), name="accounthealth_score_0_100"
            ),
        ]
        # The list page and the API read one day for many accounts, filtered by band.
        indexes = [models.Index(fields=["date", "band"], name="accounthealth_date_band")]

    def __str__(self) -> str:
        return f"{self.account_id} {self.date} {self.score}"


class HealthSettings(models.Model):
    """The head's weights per component and the band thresholds: one row (pk=1), read
    through `HealthSettings.load()`. A change applies from the next computation."""

    weights = models.JSONField(_("weights"), default=default_health_weights)
    healthy_from = models.DecimalField(
        _("healthy from"), max_digits=4, decimal_places=1, default=DEFAULT_HEALTHY_FROM
    )
    watch_from = models.DecimalField(
        _("watch from"), max_digits=4, decimal_places=1, default=DEFAULT_WATCH_FROM
    )
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("updated by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    history = HistoricalRecords(excluded_fields=["updated_at"])

    class Meta:
        verbose_name = _("health settings")
        verbose_name_plural = _("health settings")
        constraints = [
            models.CheckConstraint(condition=Q(pk=1), name="healthsettings_singleton"),
            models.CheckConstraint(
                condition=Q(watch_from__gte=0, watch_from__lte=models.F("healthy_from"))
                & Q(healthy_from__lte=100),
                name="healthsettings_thresholds_ordered",
            ),
        ]

    def __str__(self) -> str:
        return "health settings"

    @classmethod
    def load(cls) -> HealthSettings:
        """The one row, created with the defaults on first read."""
        obj, _created = cls.objects.get_or_create(pk=1)
        return obj

    def weight_of(self, key: str) -> int:
        """The head's weight for a component; the default for a key the row lacks."""
        return int(self.weights.get(key, DEFAULT_HEALTH_WEIGHTS[key]))

    def band_of(self, score: Decimal) -> str:
        if score >= self.healthy_from:
            return AccountHealth.Band.HEALTHY
        if score >= self.watch_from:
            return AccountHealth.Band.WATCH
        return AccountHealth.Band.AT_RISK


class MatrixCriterion(models.Model):
    """One criterion of an axis of the portfolio matrix, with the head's weight.

    `computed` criteria are scored from the numbers (reports.portfolio.matrix); `manual`
    ones by the account's KAM, once a year (MatrixScore). Seeded by the migration with
    DESIGN.md's defaults; the keys are fixed, heads and admins change the weights."""

    class Axis(models.TextChoices):
        ATTRACTIVENESS = "attractiveness", _("Attractiveness")
        STRENGTH = "strength", _("Strength")

    class Source(models.TextChoices):
        COMPUTED = "computed", _("Computed")
        MANUAL = "manual", _("Scored by the KAM")

    axis = models.CharField(_("axis"), max_length=16, choices=Axis.choices)
    key = models.SlugField(_("key"), max_length=32, unique=True)
    label = models.CharField(_("label"), max_length=100)
    weight = models.PositiveSmallIntegerField(_("weight"))
    source = models.CharField(_("source"), max_length=8, choices=Source.choices)
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("updated by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    history = HistoricalRecords(excluded_fields=["updated_at"])

    class Meta:
        ordering = ["axis", "position", "key"]
        verbose_name = _("matrix criterion")
        verbose_name_plural = _("matrix criteria")
        constraints = [
            models.CheckConstraint(
                condition=Q(weight__lte=100), name="matrixcriterion_weight_at_most_100"
            ),
        ]

    def __str__(self) -> str:
        return self.key


class MatrixScore(models.Model):
    """A KAM's 1–5 on a manual criterion (strategic fit) of one account for one year."""

    account = models.ForeignKey(
        Account, verbose_name=_("account"), on_delete=models.CASCADE, related_name="matrix_scores"
    )
    criterion = models.ForeignKey(
        MatrixCriterion, verbose_name=_("criterion"), on_delete=models.CASCADE, related_name="+"
    )
    year = models.PositiveSmallIntegerField(_("year"))
    score = models.PositiveSmallIntegerField(_("score"))
    note = models.CharField(_("note"), max_length=500, blank=True)
    scored_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("scored by"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    scored_at = models.DateTimeField(_("scored"), default=timezone.now)

    history = HistoricalRecords()

    class Meta:
        ordering = ["-year", "criterion"]
        verbose_name = _("matrix score")
        verbose_name_plural = _("matrix scores")
        constraints = [
            models.UniqueConstraint(
                fields=["account", "criterion", "year"], name="matrixscore_unique_year"
            ),
            models.CheckConstraint(
                condition=Q(score__gte=1, score__lte=5), name="matrixscore_score_1_to_5"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.account_id} {self.criterion_id} {self.year}: {self.score}"


class MatrixPosition(models.Model):
    """An account's place in the portfolio matrix for one year (the latest compute of that
    year), with what it was computed from, so the quadrant moves year on year show."""

    account = models.ForeignKey(
        Account,
        verbose_name=_("account"),
        on_delete=models.CASCADE,
        related_name="matrix_positions",
        db_index=False,  # the unique (account, year) serves it
    )
    year = models.PositiveSmallIntegerField(_("year"))
    attractiveness = models.FloatField(_("attractiveness"))
    strength = models.FloatField(_("strength"))
    quadrant = models.CharField(_("quadrant"), max_length=16, choices=Account.Quadrant.choices)
    # [{"key", "axis", "value", "score", "weight"}]: each criterion as it was scored (score
    # null when left out), so the page explains a position without recomputing it.
    criteria = models.JSONField(_("criteria"), default=list)
    # 0 when the account had no revenue line in the window (no ttm metric row).
    revenue = models.DecimalField(
        _("revenue, last 12 months"), max_digits=18, decimal_places=2, default=Decimal(0)
    )
    health_score = models.FloatField(_("health"), null=True)
    health_band = models.CharField(_("health band"), max_length=16, blank=True)
    computed_at = models.DateTimeField(_("computed"), default=timezone.now)

    class Meta:
        ordering = ["year", "account_id"]
        verbose_name = _("matrix position")
        verbose_name_plural = _("matrix positions")
        constraints = [
            models.UniqueConstraint(fields=["account", "year"], name="matrixposition_unique"),
        ]
        # The page's order (biggest revenue first) straight from the index, so a page of
        # 50 out of 10 000 reads 50 rows; the quadrant filter and counts use the second.
        indexes = [
            models.Index(fields=["year", "-revenue", "account"], name="matrixpos_year_revenue"),
            models.Index(fields=["year", "quadrant"], name="matrixpos_year_quadrant"),
        ]

    def __str__(self) -> str:
        return f"{self.account_id} {self.year} {self.quadrant}"


# Kept in the exports package beside the code that runs it; imported here so Django finds it.
class WhiteSpaceCell(models.Model):
    """What the KAM knows of one buying unit (an account of a holding) and one product
    category that the revenue lines do not say: who supplies it instead, whether it is
    relevant at all, and how much the unit could buy of it a year (the white-space matrix,
    reports.portfolio.whitespace).

    It lives in reports, not plans: its category is a foreign key to ProductCategory,
    which plans may not import (accounts <- plans <- reports), and the matrix that reads it
    with the revenue lines is a reports page. A cell without a row is simply unassessed.
    """

    class Status(models.TextChoices):
        OPEN = "open", _("Open: nobody supplies it yet")
        COMPETITOR = "competitor", _("A competitor supplies it")
        NOT_RELEVANT = "not_relevant", _("Not relevant")

    account = models.ForeignKey(
        Account,
        verbose_name=_("account"),
        on_delete=models.CASCADE,
        related_name="whitespace_cells",
        db_index=False,  # the unique (account, category) index serves it
    )
    category = models.ForeignKey(
        ProductCategory,
        verbose_name=_("category"),
        on_delete=models.PROTECT,
        related_name="whitespace_cells",
    )
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.OPEN
    )
    competitor = models.CharField(_("competitor"), max_length=200, blank=True)
    potential = models.DecimalField(
        _("potential a year"),
        max_digits=16,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0"))],
        help_text=_("The KAM's estimate of what the unit could buy of it a year."),
    )
    note = models.TextField(_("note"), max_length=1000, blank=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("entered by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    history = HistoricalRecords(excluded_fields=["updated_at"])

    class Meta:
        ordering = ["account", "category"]
        verbose_name = _("white-space cell")
        verbose_name_plural = _("white-space cells")
        constraints = [
            models.UniqueConstraint(
                fields=["account", "category"], name="whitespacecell_unique_unit_category"
            ),
            models.CheckConstraint(
                condition=~Q(status="competitor") | ~Q(competitor=""),
                name="whitespacecell_competitor_named",
            ),
            models.CheckConstraint(
                condition=Q(potential__isnull=True) | Q(potential__gte=0),
                name="whitespacecell_potential_non_negative",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.account_id}/{self.category_id}: {self.status}"

    def clean(self) -> None:
        super().clean()
        errors = {}
        if self.status == self.Status.COMPETITOR and not self.competitor.strip():
            errors["competitor"] = _("Name the competitor who supplies it.")
        if self.status != self.Status.COMPETITOR and self.competitor.strip():
            errors["competitor"] = _(
                "Only a cell a competitor supplies names one: choose that status or clear the name."
            )
        if self.status == self.Status.NOT_RELEVANT and self.potential:
            errors["potential"] = _(
                "A category that is not relevant has no potential: clear the estimate or "
                "choose another status."
            )
        if errors:
            raise ValidationError(errors)


from reports.alerts.models import (  # noqa: E402, F401
    AlertFiring,
    AlertSettings,
    DigestDelivery,
    Notification,
)
from reports.exports.models import ExportJob  # noqa: E402, F401


class ForecastSnapshot(models.Model):
    """The forecast of a period as it stood in one ISO week, by KAM, region and company
    (reports.portfolio.forecast_history). One row per (week, period, level, key); the
    weekly job replaces its week's rows, so running it twice changes nothing.

    `key` is the user or region id; 0 for the company row and for accounts with no owner
    or region (a unique constraint needs a value, not NULL, to match)."""

    class Level(models.TextChoices):
        OWNER = "owner", _("KAM")
        REGION = "region", _("Region")
        COMPANY = "company", _("Company")

    week = models.DateField(_("week (its Monday)"))
    as_of = models.DateField(_("as of"))
    period = models.CharField(_("period"), max_length=16)
    period_start = models.DateField(_("period start"))
    period_end = models.DateField(_("period end"))
    level = models.CharField(_("level"), max_length=16, choices=Level.choices)
    key = models.BigIntegerField(_("key"), default=0)
    label = models.CharField(_("label"), max_length=255)
    actual = models.DecimalField(_("actual to date"), max_digits=18, decimal_places=2)
    run_rate = models.DecimalField(_("run-rate"), max_digits=18, decimal_places=2)
    opportunities = models.DecimalField(
        _("weighted opportunities"), max_digits=18, decimal_places=2
    )
    tenders = models.DecimalField(_("weighted tenders"), max_digits=18, decimal_places=2)
    forecast = models.DecimalField(_("forecast"), max_digits=18, decimal_places=2)
    target = models.DecimalField(
        _("target"), max_digits=18, decimal_places=2, null=True, blank=True
    )
    taken_at = models.DateTimeField(_("taken at"), default=timezone.now)

    class Meta:
        ordering = ["period", "level", "key", "week"]
        verbose_name = _("forecast snapshot")
        verbose_name_plural = _("forecast snapshots")
        constraints = [
            models.UniqueConstraint(
                fields=["week", "period", "level", "key"], name="forecast_snapshot_unique"
            )
        ]
        indexes = [models.Index(fields=["period", "level", "key", "week"])]

    def __str__(self) -> str:
        return f"{self.period} {self.level}:{self.key} @ {self.week}"
