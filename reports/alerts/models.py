"""Alerts: thresholds, firings, notifications and digest deliveries (imported by
reports.models so Django finds them; the rules themselves are in reports.alerts.rules)."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class AlertSettings(models.Model):
    """The thresholds of the built-in rules: one row (pk 1), changed by a sales head."""

    health_drop_points = models.DecimalField(
        _("health drop, points"),
        max_digits=5,
        decimal_places=1,
        default=Decimal("15.0"),
        validators=[MinValueValidator(Decimal("0.1")), MaxValueValidator(Decimal("100"))],
        help_text=_("Alert when an account's health fell by at least this many points…"),
    )
    health_drop_days = models.PositiveSmallIntegerField(
        _("health drop, within days"),
        default=30,
        validators=[MinValueValidator(1), MaxValueValidator(365)],
        help_text=_("…within this many days."),
    )
    decision_maker_days = models.PositiveSmallIntegerField(
        _("decision maker not met, days"),
        default=90,
        validators=[MinValueValidator(1), MaxValueValidator(730)],
    )
    margin_erosion_points = models.DecimalField(
        _("margin erosion, points"),
        max_digits=5,
        decimal_places=1,
        default=Decimal("2.0"),
        validators=[MinValueValidator(Decimal("0.1")), MaxValueValidator(Decimal("100"))],
        help_text=_(
            "Alert when a key account's revenue grew while its margin over the last 12 "
            "months fell by at least this many points."
        ),
    )
    detractor_nps_max = models.PositiveSmallIntegerField(
        _("detractor: NPS at most"),
        default=6,
        validators=[MinValueValidator(0), MaxValueValidator(10)],
    )
    detractor_days = models.PositiveSmallIntegerField(
        _("detractor survey: within days"),
        default=30,
        validators=[MinValueValidator(1), MaxValueValidator(365)],
    )
    share_percent = models.DecimalField(
        _("revenue share, %"),
        max_digits=5,
        decimal_places=1,
        default=Decimal("10.0"),
        validators=[MinValueValidator(Decimal("0.1")), MaxValueValidator(Decimal("100"))],
        help_text=_("Alert when an account's share of the last 12 months' revenue reaches this."),
    )
    tender_days = models.PositiveSmallIntegerField(
        _("tender deadline within days"),
        default=7,
        validators=[MinValueValidator(1), MaxValueValidator(90)],
    )
    contract_notice_days = models.PositiveSmallIntegerField(
        _("contract notice date within days"),
        default=60,
        validators=[MinValueValidator(1), MaxValueValidator(365)],
        help_text=_("Remind the KAM when a live contract's notice date is this close."),
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

    class Meta:
        verbose_name = _("alert settings")
        verbose_name_plural = _("alert settings")
        constraints = [models.CheckConstraint(condition=Q(pk=1), name="alertsettings_single_row")]

    def __str__(self) -> str:
        return str(_("Alert thresholds"))


class AlertFiring(models.Model):
    """One condition of one rule on one account, from the night it was first seen until it
    stopped holding (`cleared_at`). While it is open the same condition does not fire
    again: the partial unique constraint makes a second open row impossible."""

    rule = models.CharField(_("rule"), max_length=48)
    account = models.ForeignKey(
        "accounts.Account",
        verbose_name=_("account"),
        on_delete=models.CASCADE,
        related_name="alert_firings",
    )
    condition_key = models.CharField(_("condition"), max_length=128, blank=True)
    message = models.TextField(_("message"))
    params = models.JSONField(_("details"), default=dict, blank=True)
    first_seen = models.DateField(_("first seen"))
    last_seen = models.DateField(_("last seen"))
    cleared_at = models.DateTimeField(_("cleared"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now, db_index=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("alert firing")
        verbose_name_plural = _("alert firings")
        constraints = [
            models.UniqueConstraint(
                fields=["rule", "account", "condition_key"],
                condition=Q(cleared_at__isnull=True),
                name="alertfiring_one_open",
            )
        ]
        indexes = [models.Index(fields=["rule", "cleared_at"])]

    def __str__(self) -> str:
        return f"{self.rule} {self.account_id} {self.condition_key}"


class Notification(models.Model):
    """What one person sees under the bell: written in their language when it fired."""

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recipient"),
        on_delete=models.CASCADE,
        related_name="notifications",
    )
    firing = models.ForeignKey(
        AlertFiring,
        verbose_name=_("alert"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="notifications",
    )
    account = models.ForeignKey(
        "accounts.Account",
        verbose_name=_("account"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
    )
    rule = models.CharField(_("rule"), max_length=48, blank=True)
    message = models.TextField(_("message"))
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    read_at = models.DateTimeField(_("read"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        constraints = [
            # One notification per person and firing, whoever runs the evaluation twice.
            models.UniqueConstraint(
                fields=["recipient", "firing"], name="notification_once_per_firing"
            )
        ]
        indexes = [
            # The bell's count: the unread rows of one person.
            models.Index(
                fields=["recipient"], condition=Q(read_at__isnull=True), name="notif_unread"
            ),
            models.Index(fields=["recipient", "-created_at"], name="notif_recipient_created"),
        ]

    def __str__(self) -> str:
        return self.message[:80]

    @property
    def rule_label(self) -> str:
        from reports.alerts.rules import RULES  # the rules read these models

        rule = RULES.get(self.rule)
        return str(rule.label) if rule else self.rule


class DigestDelivery(models.Model):
    """One person's digest of one day (daily) or week (weekly, keyed by its Monday),
    claimed before it is built: beat may ask twice, the unique constraint sends once."""

    class Kind(models.TextChoices):
        DAILY = "daily", _("Daily")
        WEEKLY = "weekly", _("Weekly")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="digest_deliveries",
    )
    kind = models.CharField(_("kind"), max_length=8, choices=Kind.choices)
    day = models.DateField(_("day"))
    claimed_at = models.DateTimeField(_("claimed"), default=timezone.now)
    # Null when there was nothing to say that day (no mail went out).
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)
    items = models.PositiveIntegerField(_("items"), default=0)

    class Meta:
        verbose_name = _("digest delivery")
        verbose_name_plural = _("digest deliveries")
        constraints = [
            models.UniqueConstraint(fields=["user", "kind", "day"], name="digest_once_per_day")
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.user_id} {self.day}"
