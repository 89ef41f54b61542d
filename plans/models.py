"""What we pursue with a key account: the plan, its objectives and actions, and tenders."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from accounts.models import Account, TimeStamped

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise


class AccountPlan(TimeStamped):
    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        ACTIVE = "active", _("Active")
        APPROVED = "approved", _("Approved")
        CLOSED = "closed", _("Closed")

    account = models.ForeignKey(
        Account, verbose_name=_("account"), on_delete=models.CASCADE, related_name="plans"
    )
    title = models.CharField(_("title"), max_length=255)
    period_start = models.DateField(_("period start"))
    period_end = models.DateField(_("period end"))
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("owner"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="account_plans",
    )
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.DRAFT
    )
    client_goals = models.TextField(_("client's goals"), blank=True)
    our_strategy = models.TextField(_("our strategy"), blank=True)
    mutual_value = models.TextField(_("mutual value"), blank=True)

    history = HistoricalRecords(excluded_fields=["updated_at"])

    class Meta:
        ordering = ["-period_start", "account__name"]
        verbose_name = _("account plan")
        verbose_name_plural = _("account plans")
        constraints = [
            models.CheckConstraint(
                condition=Q(period_end__gte=models.F("period_start")),
                name="plan_period_end_after_start",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def clean(self) -> None:
        super().clean()
        if self.period_start and self.period_end and self.period_end < self.period_start:
            raise ValidationError({"period_end": _("The period ends before it starts.")})

    @property
    def year_revenue_target(self) -> Decimal | None:
        """The plan's revenue target: the sum of its account's targets (Target) for the
        year the plan starts in — not a number of its own (the plan's former column was
        dropped in plans 0005). The selectors annotate it (`targets_revenue_sum`)."""
        if hasattr(self, "targets_revenue_sum"):
            return self.targets_revenue_sum
        if not self.account_id or not self.period_start:
            return None
        return Target.objects.filter(
            account_id=self.account_id, year=self.period_start.year
        ).aggregate(total=models.Sum("revenue_target"))["total"]


class Objective(TimeStamped):
    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        ON_TRACK = "on_track", _("On track")
        AT_RISK = "at_risk", _("At risk")
        ACHIEVED = "achieved", _("Achieved")
        MISSED = "missed", _("Missed")

    plan = models.ForeignKey(
        AccountPlan, verbose_name=_("plan"), on_delete=models.CASCADE, related_name="objectives"
    )
    description = models.CharField(_("description"), max_length=500)
    measure = models.CharField(_("measure"), max_length=255, blank=True)
    target = models.DecimalField(
        _("target"), max_digits=16, decimal_places=2, null=True, blank=True
    )
    current = models.DecimalField(
        _("current"), max_digits=16, decimal_places=2, null=True, blank=True
    )
    due = models.DateField(_("due"), null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.OPEN
    )

    history = HistoricalRecords(excluded_fields=["updated_at"])

    class Meta:
        ordering = ["due", "id"]
        verbose_name = _("objective")
        verbose_name_plural = _("objectives")

    def __str__(self) -> str:
        return self.description

    @property
    def progress(self) -> float | None:
        if not self.target or self.current is None:
            return None
        return float(self.current / self.target)


class Action(TimeStamped):
    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        DONE = "done", _("Done")
        CANCELLED = "cancelled", _("Cancelled")

    plan = models.ForeignKey(
        AccountPlan, verbose_name=_("plan"), on_delete=models.CASCADE, related_name="actions"
    )
    objective = models.ForeignKey(
        Objective,
        verbose_name=_("objective"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="actions",
    )
    description = models.CharField(_("description"), max_length=500)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("owner"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="plan_actions",
    )
    due = models.DateField(_("due"), null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.OPEN
    )
    completed_at = models.DateTimeField(_("completed"), null=True, blank=True)

    history = HistoricalRecords(excluded_fields=["updated_at"])

    class Meta:
        ordering = ["due", "id"]
        verbose_name = _("action")
        verbose_name_plural = _("actions")
        indexes = [models.Index(fields=["status", "due"])]

    def __str__(self) -> str:
        return self.description

    def clean(self) -> None:
        super().clean()
        if self.plan_id and self.objective is not None and self.objective.plan_id != self.plan_id:
            raise ValidationError({"objective": _("The objective belongs to another plan.")})

    @property
    def overdue(self) -> bool:
        return (
            self.status == self.Status.OPEN
            and self.due is not None
            and self.due < timezone.localdate()
        )


def check_outcome_and_objective(record: Any, *, no_reason: StrOrPromise) -> None:
    """The rule tenders and opportunities share: won or lost says why, and the plan
    objective served is one of the record's own account."""
    if record.stage in record.CLOSED_WITH_REASON and not record.outcome_reason.strip():
        raise ValidationError({"outcome_reason": no_reason})
    if (
        record.account_id
        and record.objective is not None
        and record.objective.plan.account_id != record.account_id
    ):
        raise ValidationError({"objective": _("The objective belongs to another account's plan.")})


class Tender(TimeStamped):
    class Stage(models.TextChoices):
        IDENTIFIED = "identified", _("Identified")
        PREPARING = "preparing", _("Preparing")
        SUBMITTED = "submitted", _("Submitted")
        WON = "won", _("Won")
        LOST = "lost", _("Lost")
        CANCELLED = "cancelled", _("Cancelled")

    OPEN_STAGES = (Stage.IDENTIFIED, Stage.PREPARING, Stage.SUBMITTED)
    CLOSED_WITH_REASON = (Stage.WON, Stage.LOST)

    account = models.ForeignKey(
        Account, verbose_name=_("account"), on_delete=models.CASCADE, related_name="tenders"
    )
    title = models.CharField(_("title"), max_length=255)
    reference = models.CharField(_("reference"), max_length=100, blank=True)
    platform = models.CharField(_("platform"), max_length=200, blank=True)
    stage = models.CharField(
        _("stage"), max_length=16, choices=Stage.choices, default=Stage.IDENTIFIED
    )
    submission_deadline = models.DateTimeField(_("submission deadline"), null=True, blank=True)
    estimated_value = models.DecimalField(
        _("estimated value"),
        max_digits=16,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0"))],
    )
    our_bid = models.DecimalField(
        _("our bid"),
        max_digits=16,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0"))],
    )
    currency = models.CharField(_("currency"), max_length=3, default="RUB")
    competitors = models.TextField(_("competitors"), blank=True)
    decision_date = models.DateField(_("decision date"), null=True, blank=True)
    outcome_reason = models.TextField(_("outcome reason"), blank=True)
    objective = models.ForeignKey(
        Objective,
        verbose_name=_("plan objective"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="tenders",
    )

    history = HistoricalRecords(excluded_fields=["updated_at"])

    # Not a column: set on the rows of the tenders page (plans.views.tenders).
    deadline_passed: bool

    class Meta:
        ordering = ["submission_deadline", "id"]
        verbose_name = _("tender")
        verbose_name_plural = _("tenders")
        constraints = [
            models.CheckConstraint(
                condition=~Q(stage__in=["won", "lost"]) | ~Q(outcome_reason=""),
                name="tender_won_lost_needs_reason",
            ),
            models.CheckConstraint(
                condition=Q(estimated_value__isnull=True) | Q(estimated_value__gte=0),
                name="tender_estimated_value_non_negative",
            ),
            models.CheckConstraint(
                condition=Q(our_bid__isnull=True) | Q(our_bid__gte=0),
                name="tender_bid_non_negative",
            ),
        ]
        indexes = [models.Index(fields=["stage", "submission_deadline"])]

    def __str__(self) -> str:
        return self.title

    def clean(self) -> None:
        super().clean()
        check_outcome_and_objective(self, no_reason=_("Say why the tender was won or lost."))


def contract_document_path(instance: ContractDocument, filename: str) -> str:
    # A random name under the contract: the original name is kept in a column, never used
    # as a path (no traversal, no clash, nothing guessable).
    import uuid
    from pathlib import PurePosixPath

    suffix = PurePosixPath(filename).suffix.lower()[:8]
    return f"contracts/{instance.contract_id}/{uuid.uuid4().hex}{suffix}"


class Contract(TimeStamped):
    """A signed (or negotiated) agreement with a key account; see DESIGN.md "Contracts"."""

    class Kind(models.TextChoices):
        FRAME = "frame", _("Frame agreement")
        SUPPLY = "supply", _("Supply")
        SERVICE = "service", _("Service")
        DISTRIBUTION = "distribution", _("Distribution")
        NDA = "nda", _("NDA")

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        NEGOTIATION = "negotiation", _("Negotiation")
        SIGNED = "signed", _("Signed")
        ACTIVE = "active", _("Active")
        EXPIRED = "expired", _("Expired")
        TERMINATED = "terminated", _("Terminated")

    # Statuses whose renewal still matters (calendar, home card, reminder).
    LIVE_STATUSES = (Status.SIGNED, Status.ACTIVE)

    account = models.ForeignKey(
        Account, verbose_name=_("account"), on_delete=models.CASCADE, related_name="contracts"
    )
    number = models.CharField(_("number"), max_length=64)
    title = models.CharField(_("title"), max_length=255)
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices, default=Kind.SUPPLY)
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.DRAFT
    )
    start_date = models.DateField(_("start date"))
    end_date = models.DateField(_("end date"))
    notice_days = models.PositiveIntegerField(_("notice period, days"), default=0)
    auto_renewal = models.BooleanField(_("auto-renewal"), default=False)
    annual_value = models.DecimalField(
        _("annual value"),
        max_digits=16,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0"))],
    )
    currency = models.CharField(_("currency"), max_length=3, default="RUB")
    payment_terms = models.CharField(_("payment terms"), max_length=255, blank=True)
    client_signatory = models.ForeignKey(
        "accounts.Contact",
        verbose_name=_("their signatory"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="signed_contracts",
    )
    our_signatory = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("our signatory"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="signed_contracts",
    )
    tender = models.ForeignKey(
        Tender,
        verbose_name=_("won tender"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="contracts",
    )
    notes = models.TextField(_("notes"), blank=True)
    # The notice date the renewal reminder was sent for (once per notice date: a contract
    # whose end moves gets a new reminder, a second run of the job none).
    renewal_reminded_for = models.DateField(
        _("renewal reminder sent for"), null=True, blank=True, editable=False
    )

    history = HistoricalRecords(excluded_fields=["updated_at", "renewal_reminded_for"])

    # Not a column: set on the rows of the contracts page (plans.views.contracts).
    renewing_now: bool

    class Meta:
        ordering = ["end_date", "id"]
        verbose_name = _("contract")
        verbose_name_plural = _("contracts")
        constraints = [
            models.UniqueConstraint(fields=["account", "number"], name="contract_number_unique"),
            models.CheckConstraint(
                condition=Q(end_date__gt=models.F("start_date")),
                name="contract_end_after_start",
            ),
            models.CheckConstraint(
                condition=Q(annual_value__isnull=True) | Q(annual_value__gte=0),
                name="contract_value_non_negative",
            ),
        ]
        indexes = [models.Index(fields=["status", "end_date"])]

    def __str__(self) -> str:
        return f"{self.number} {self.title}"

    @property
    def notice_date(self) -> dt.date:
        """DESIGN.md: end − notice_days."""
        return self.end_date - dt.timedelta(days=self.notice_days)

    @property
    def renewing_from(self) -> dt.date:
        """DESIGN.md: renewing from 60 days before the notice date until the end."""
        return self.notice_date - dt.timedelta(days=RENEWAL_LEAD_DAYS)

    def is_renewing(self, on: dt.date | None = None) -> bool:
        day = on or timezone.localdate()
        return self.status in self.LIVE_STATUSES and self.renewing_from <= day <= self.end_date


# DESIGN.md: a contract is renewing from 60 days before its notice date until its end.
RENEWAL_LEAD_DAYS = 60


class ContractDocument(TimeStamped):
    contract = models.ForeignKey(
        Contract, verbose_name=_("contract"), on_delete=models.CASCADE, related_name="documents"
    )
    file = models.FileField(_("file"), upload_to=contract_document_path, max_length=255)
    name = models.CharField(_("name"), max_length=255)
    content_type = models.CharField(_("content type"), max_length=100)
    size = models.PositiveBigIntegerField(_("size, bytes"))
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("uploaded by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("contract document")
        verbose_name_plural = _("contract documents")

    def __str__(self) -> str:
        return self.name


class Target(TimeStamped):
    """A revenue (and margin) target for an account's year or one quarter of it.

    An account's year has either one annual target or quarterly ones (services enforce it),
    so "the year's target" is always the sum of its rows. No product-category dimension:
    categories live in `reports`, which plans may not depend on (see the report).
    """

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        APPROVED = "approved", _("Approved")

    account = models.ForeignKey(
        Account, verbose_name=_("account"), on_delete=models.CASCADE, related_name="targets"
    )
    year = models.PositiveSmallIntegerField(_("year"))
    quarter = models.PositiveSmallIntegerField(
        _("quarter"), null=True, blank=True, help_text=_("Empty for the whole year.")
    )
    revenue_target = models.DecimalField(
        _("revenue target"),
        max_digits=16,
        decimal_places=2,
        validators=[MinValueValidator(Decimal("0"))],
    )
    margin_target = models.DecimalField(
        _("margin target"),
        max_digits=16,
        decimal_places=2,
        null=True,
        blank=True,
        help_text=_("Gross margin in money (revenue − cost), base currency."),
    )
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.DRAFT
    )
    set_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("set by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="targets_set",
    )
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("approved by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="targets_approved",
    )
    approved_at = models.DateTimeField(_("approved"), null=True, blank=True)
    # Set when an approved target's numbers change: it stays approved, the change is in
    # the history and flagged here until the head approves it again.
    changed_after_approval = models.BooleanField(_("changed after approval"), default=False)

    history = HistoricalRecords(excluded_fields=["updated_at"])

    class Meta:
        ordering = ["-year", "account__name", "quarter"]
        verbose_name = _("target")
        verbose_name_plural = _("targets")
        constraints = [
            models.UniqueConstraint(
                fields=["account", "year"],
                condition=Q(quarter__isnull=True),
                name="target_one_annual_per_year",
            ),
            models.UniqueConstraint(
                fields=["account", "year", "quarter"],
                condition=Q(quarter__isnull=False),
                name="target_one_per_quarter",
            ),
            models.CheckConstraint(
                condition=Q(quarter__isnull=True) | Q(quarter__gte=1, quarter__lte=4),
                name="target_quarter_1_to_4",
            ),
            models.CheckConstraint(
                condition=Q(revenue_target__gte=0), name="target_revenue_non_negative"
            ),
        ]
        indexes = [models.Index(fields=["year", "account"])]

    def __str__(self) -> str:
        when = f"{self.year}-Q{self.quarter}" if self.quarter else str(self.year)
        return f"{self.account} {when}"

    @property
    def period_key(self) -> str:
        """The key of reports.metrics.periods (`2026` or `2026-Q3`)."""
        return f"{self.year}-Q{self.quarter}" if self.quarter else f"{self.year:04d}"


class Opportunity(TimeStamped):
    """A deal that is not a public tender: an upsell, a renewal, a new site.

    Its product category lives in `reports` (the ERP's master data), which plans may not
    import: the category is kept by id (`category_id`, no foreign key) and reports answers
    for names and which ids exist through `plans.categories`.
    """

    class Stage(models.TextChoices):
        IDEA = "idea", _("Idea")
        QUALIFIED = "qualified", _("Qualified")
        PROPOSAL = "proposal", _("Proposal")
        NEGOTIATION = "negotiation", _("Negotiation")
        WON = "won", _("Won")
        LOST = "lost", _("Lost")

    OPEN_STAGES = (Stage.IDEA, Stage.QUALIFIED, Stage.PROPOSAL, Stage.NEGOTIATION)
    CLOSED_WITH_REASON = (Stage.WON, Stage.LOST)

    account = models.ForeignKey(
        Account,
        verbose_name=_("account"),
        on_delete=models.CASCADE,
        related_name="opportunities",
    )
    category_id = models.PositiveBigIntegerField(
        _("product category"), null=True, blank=True, db_index=True
    )
    title = models.CharField(_("title"), max_length=255)
    value = models.DecimalField(
        _("value"),
        max_digits=16,
        decimal_places=2,
        validators=[MinValueValidator(Decimal("0"))],
    )
    currency = models.CharField(_("currency"), max_length=3, default="RUB")
    probability = models.PositiveSmallIntegerField(
        _("probability, %"),
        null=True,
        blank=True,
        help_text=_("Empty: the stage's probability (a setting the sales head keeps)."),
    )
    stage = models.CharField(_("stage"), max_length=16, choices=Stage.choices, default=Stage.IDEA)
    expected_close = models.DateField(_("expected close"), null=True, blank=True)
    closed_on = models.DateField(_("closed on"), null=True, blank=True)
    outcome_reason = models.TextField(_("outcome reason"), blank=True)
    objective = models.ForeignKey(
        Objective,
        verbose_name=_("plan objective"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="opportunities",
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("owner"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="opportunities",
    )

    history = HistoricalRecords(excluded_fields=["updated_at"])

    # Not columns: set on the rows of the pipeline pages (plans.views.opportunities).
    percent: int
    weighted: Decimal
    category_name: str

    class Meta:
        ordering = [models.F("expected_close").asc(nulls_last=True), "id"]
        verbose_name = _("opportunity")
        verbose_name_plural = _("opportunities")
        constraints = [
            models.CheckConstraint(
                condition=~Q(stage__in=["won", "lost"]) | ~Q(outcome_reason=""),
                name="opportunity_won_lost_needs_reason",
            ),
            models.CheckConstraint(
                condition=Q(value__gte=0), name="opportunity_value_non_negative"
            ),
            models.CheckConstraint(
                condition=Q(probability__isnull=True) | Q(probability__lte=100),
                name="opportunity_probability_percent",
            ),
        ]
        indexes = [models.Index(fields=["stage", "expected_close"])]

    def __str__(self) -> str:
        return self.title

    def clean(self) -> None:
        super().clean()
        check_outcome_and_objective(self, no_reason=_("Say why the opportunity was won or lost."))
        if self.probability is not None and self.probability > 100:
            raise ValidationError({"probability": _("A probability is 0 … 100 %.")})

    @property
    def is_open(self) -> bool:
        return self.stage in self.OPEN_STAGES


class StageProbability(models.Model):
    """The head's probability of a pipeline stage (opportunities and tenders); a stage
    without a row takes DESIGN's default (`plans.probabilities.DEFAULTS`)."""

    class Kind(models.TextChoices):
        OPPORTUNITY = "opportunity", _("Opportunity")
        TENDER = "tender", _("Tender")

    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    stage = models.CharField(_("stage"), max_length=16)
    percent = models.PositiveSmallIntegerField(_("probability, %"))
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
        ordering = ["kind", "id"]
        verbose_name = _("stage probability")
        verbose_name_plural = _("stage probabilities")
        constraints = [
            models.UniqueConstraint(fields=["kind", "stage"], name="stage_probability_unique"),
            models.CheckConstraint(condition=Q(percent__lte=100), name="stage_probability_percent"),
        ]

    def __str__(self) -> str:
        return f"{self.kind}:{self.stage} {self.percent} %"
