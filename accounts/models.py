"""Who the client is and what happened with it."""

from __future__ import annotations

import datetime as dt
import hashlib
import uuid
from decimal import Decimal

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.core.exceptions import ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.core.validators import MaxValueValidator, MinValueValidator, URLValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords


class User(AbstractUser):
    class Role(models.TextChoices):
        KAM = "kam", _("Key account manager")
        HEAD = "head", _("Sales head")
        INTEGRATION = "integration", _("Integration (ERP)")
        ADMIN = "admin", _("Administrator")

    role = models.CharField(_("role"), max_length=16, choices=Role.choices, default=Role.KAM)
    # Preferences for what reaches the person outside the pages (reports.alerts digests).
    # Blank language / time zone: the site's LANGUAGE_CODE / TIME_ZONE.
    # Defaults in the database too: rows written by SQL (bulk loads, benches) get them.
    language = models.CharField(
        _("language"),
        max_length=8,
        blank=True,
        choices=settings.LANGUAGES,
        default="",
        db_default="",
    )
    timezone = models.CharField(
        _("time zone"), max_length=64, blank=True, default="", db_default=""
    )
    digest_daily = models.BooleanField(_("daily digest e-mail"), default=True, db_default=True)
    digest_weekly = models.BooleanField(_("weekly digest e-mail"), default=True, db_default=True)

    @staticmethod
    def name_of(first_name: str, last_name: str, username: str) -> str:
        """A person as every page names them: the full name, or the username without one
        (for rows read with .values())."""
        return f"{first_name} {last_name}".strip() or username

    @property
    def display_name(self) -> str:
        """The full name, or the username without one (the `person` template filter)."""
        return self.name_of(self.first_name, self.last_name, self.username)

    # Facts about the role; what each role may see and do is decided in accounts.access.
    @property
    def is_admin_role(self) -> bool:
        return self.is_superuser or self.role == self.Role.ADMIN

    @property
    def is_head_or_admin(self) -> bool:
        return self.is_admin_role or self.role == self.Role.HEAD

    @property
    def is_integration(self) -> bool:
        return self.role == self.Role.INTEGRATION and not self.is_superuser


class TimeStamped(models.Model):
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        abstract = True


class LiveManager(models.Manager):
    """The default manager of a soft-deletable model: deleted rows are not there.

    Being the *default* manager is what makes the rule impossible to forget: selectors,
    related managers (`account.interactions`), the admin, serializers and the reports all
    start from it. Joins through a relation (`contacts__interactions__…`) do not pass
    through a manager; those few filter `deleted_at__isnull=True` themselves.
    """

    def get_queryset(self) -> models.QuerySet:
        return super().get_queryset().filter(deleted_at__isnull=True)


class SoftDeletable(models.Model):
    """Deleting sets `deleted_at`/`deleted_by` (accounts.services.record_soft_delete); the
    row stays restorable until the retention purge (settings.SOFT_DELETE_RETENTION_DAYS)."""

    deleted_at = models.DateTimeField(_("deleted"), null=True, blank=True, editable=False)
    deleted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("deleted by"),
        null=True,
        blank=True,
        editable=False,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    all_objects = models.Manager()  # deleted rows too: restore, purge, "Recently deleted"
    objects = LiveManager()

    class Meta:
        abstract = True
        default_manager_name = "objects"
        # Cascades, saves and forward relations (`survey.account`) see every row.
        base_manager_name = "all_objects"


class Region(models.Model):
    code = models.CharField(_("code"), max_length=32, unique=True)
    name = models.CharField(_("name"), max_length=200)

    class Meta:
        ordering = ["name"]
        verbose_name = _("region")
        verbose_name_plural = _("regions")

    def __str__(self) -> str:
        return self.name


class Industry(models.Model):
    code = models.CharField(_("code"), max_length=32, unique=True)
    name = models.CharField(_("name"), max_length=200)

    class Meta:
        ordering = ["name"]
        verbose_name = _("industry")
        verbose_name_plural = _("industries")

    def __str__(self) -> str:
        return self.name


class Account(TimeStamped):
    class Status(models.TextChoices):
        PROSPECT = "prospect", _("Prospect")
        ACTIVE = "active", _("Active")
        AT_RISK = "at_risk", _("At risk")
        LOST = "lost", _("Lost")

    class Quadrant(models.TextChoices):
        """The portfolio matrix's quadrants (DESIGN.md): attractive and strong, attractive
        only, strong only, neither."""

        STRATEGIC = "strategic", _("Strategic")
        STAR = "star", _("Star")
        STATUS = "status", _("Status")
        STREAMLINE = "streamline", _("Streamline")

    class Tier(models.TextChoices):
        A = "A", "A"
        B = "B", "B"
        C = "C", "C"

    # Null for a prospect a KAM or a head created: the ERP claims it later (erp/accounts/link/).
    external_id = models.CharField(
        _("external id"), max_length=64, unique=True, null=True, blank=True
    )
    name = models.CharField(_("name"), max_length=255)
    legal_name = models.CharField(_("legal name"), max_length=255, blank=True)
    tax_id = models.CharField(_("tax id"), max_length=32, blank=True)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent account"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="subsidiaries",
    )
    region = models.ForeignKey(
        Region, verbose_name=_("region"), null=True, blank=True, on_delete=models.PROTECT
    )
    industry = models.ForeignKey(
        Industry, verbose_name=_("industry"), null=True, blank=True, on_delete=models.PROTECT
    )
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.ACTIVE
    )
    # KAM-owned fields: the ERP never overwrites them.
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("owner"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="owned_accounts",
    )
    team = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("team"),
        blank=True,
        related_name="team_accounts",
    )
    potential_annual = models.DecimalField(
        _("annual potential"),
        max_digits=16,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0"))],
        help_text=_("What the client could buy from us in a year, in the base currency."),
    )
    strategic = models.BooleanField(_("strategic"), default=False)
    notes = models.TextField(_("notes"), blank=True)

    # Written down by the reports app's nightly job (latest ttm), so lists can filter and
    # sort on them without joining the metric tables.
    tier = models.CharField(_("tier"), max_length=1, choices=Tier.choices, blank=True)
    is_key = models.BooleanField(_("key account"), default=False, db_index=True)
    ttm_revenue = models.DecimalField(
        _("revenue, last 12 months"), max_digits=16, decimal_places=2, null=True, blank=True
    )
    ttm_share = models.FloatField(_("share, last 12 months"), null=True, blank=True)
    ttm_penetration = models.FloatField(_("penetration, last 12 months"), null=True, blank=True)
    ttm_growth = models.FloatField(_("growth, last 12 months"), null=True, blank=True)
    # The portfolio matrix's quadrant this year (reports.portfolio.matrix writes it down):
    # strategic, star, status, streamline, or blank when the account has no position.
    quadrant = models.CharField(
        _("matrix quadrant"),
        max_length=16,
        choices=Quadrant.choices,
        blank=True,
        db_index=True,
        default="",
        db_default="",  # rows written by SQL (bulk loads, benches) have no position yet
    )

    history = HistoricalRecords(m2m_fields=[team], excluded_fields=["updated_at", "quadrant"])

    # Not a column: set on the rows of the home page (accounts.views.home).
    days_since_contact: int | None

    class Meta:
        ordering = ["name"]
        verbose_name = _("account")
        verbose_name_plural = _("accounts")
        constraints = [
            models.CheckConstraint(
                condition=Q(potential_annual__isnull=True) | Q(potential_annual__gte=0),
                name="account_potential_non_negative",
            ),
            models.CheckConstraint(
                condition=~Q(parent=models.F("id")), name="account_not_own_parent"
            ),
            models.CheckConstraint(
                condition=~Q(external_id=""), name="account_external_id_not_blank"
            ),
        ]
        indexes = [models.Index(fields=["owner", "name"])]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        super().clean()
        if self.parent_id and self.pk:
            seen = {self.pk}
            ancestor = self.parent
            while ancestor is not None:
                if ancestor.pk in seen:
                    raise ValidationError(
                        {"parent": _("This parent would make a cycle of parent accounts.")}
                    )
                seen.add(ancestor.pk)
                ancestor = ancestor.parent


class Contact(TimeStamped):
    class DecisionRole(models.TextChoices):
        DECISION_MAKER = "decision_maker", _("Decision maker")
        ECONOMIC_BUYER = "economic_buyer", _("Economic buyer")
        INFLUENCER = "influencer", _("Influencer")
        TECHNICAL_EVALUATOR = "technical_evaluator", _("Technical evaluator")
        USER = "user", _("User")
        GATEKEEPER = "gatekeeper", _("Gatekeeper")
        CHAMPION = "champion", _("Champion")

    class Attitude(models.TextChoices):
        SUPPORTER = "supporter", _("Supporter")
        NEUTRAL = "neutral", _("Neutral")
        DETRACTOR = "detractor", _("Detractor")

    account = models.ForeignKey(
        Account, verbose_name=_("account"), on_delete=models.CASCADE, related_name="contacts"
    )
    name = models.CharField(_("name"), max_length=200)
    position = models.CharField(_("position"), max_length=200, blank=True)
    department = models.CharField(_("department"), max_length=200, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    phone = models.CharField(_("phone"), max_length=50, blank=True)
    reports_to = models.ForeignKey(
        "self",
        verbose_name=_("reports to"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="reports",
    )
    decision_role = models.CharField(
        _("decision role"), max_length=32, choices=DecisionRole.choices, default=DecisionRole.USER
    )
    influence = models.PositiveSmallIntegerField(
        _("influence"),
        default=3,
        validators=[MinValueValidator(1), MaxValueValidator(5)],
        help_text=_("1 (little) to 5 (decisive)"),
    )
    attitude = models.CharField(
        _("attitude"), max_length=16, choices=Attitude.choices, default=Attitude.NEUTRAL
    )
    is_primary = models.BooleanField(_("primary contact"), default=False)

    history = HistoricalRecords(excluded_fields=["updated_at"])

    # Not columns: set on the rows of some pages by accounts.selectors.
    days_since_contact: int | None
    is_decider: bool
    unmet_decider: bool
    was_invited: bool
    came: bool

    class Meta:
        ordering = ["name"]
        verbose_name = _("contact")
        verbose_name_plural = _("contacts")
        constraints = [
            models.CheckConstraint(
                condition=Q(influence__gte=1) & Q(influence__lte=5),
                name="contact_influence_1_5",
            ),
            models.CheckConstraint(
                condition=~Q(reports_to=models.F("id")), name="contact_not_own_manager"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        super().clean()
        manager = self.reports_to
        if manager is None:
            return
        if manager.account_id != self.account_id:
            raise ValidationError(
                {"reports_to": _("The manager must be a contact of the same account.")}
            )
        seen = {self.pk} if self.pk else set()
        while manager is not None:
            if manager.pk in seen:
                raise ValidationError(
                    {"reports_to": _("This would make a cycle in the reporting lines.")}
                )
            seen.add(manager.pk)
            manager = manager.reports_to


class ContactLink(TimeStamped):
    """A relationship between two people of one account beyond `reports_to`: who influences
    whom, who is close to whom, who are rivals (the relationship map draws them).

    `influences` has a direction (from → to); `close_to` and `rivals` do not, so the
    services refuse the reverse of an existing one. Contacts are deleted for good, and
    their links with them (with a last history row).
    """

    class Kind(models.TextChoices):
        INFLUENCES = "influences", _("Influences")
        CLOSE_TO = "close_to", _("Is close to")
        RIVALS = "rivals", _("Rivals")

    SYMMETRIC = frozenset({Kind.CLOSE_TO, Kind.RIVALS})

    from_contact = models.ForeignKey(
        Contact, verbose_name=_("from"), on_delete=models.CASCADE, related_name="links_out"
    )
    to_contact = models.ForeignKey(
        Contact, verbose_name=_("to"), on_delete=models.CASCADE, related_name="links_in"
    )
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    note = models.TextField(_("note"), blank=True)

    history = HistoricalRecords(excluded_fields=["updated_at"])

    class Meta:
        ordering = ["from_contact__name", "kind", "to_contact__name"]
        verbose_name = _("contact link")
        verbose_name_plural = _("contact links")
        constraints = [
            models.UniqueConstraint(
                fields=["from_contact", "to_contact", "kind"], name="contactlink_unique"
            ),
            models.CheckConstraint(
                condition=~Q(from_contact=models.F("to_contact")), name="contactlink_not_self"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.from_contact} {self.get_kind_display().lower()} {self.to_contact}"

    def clean(self) -> None:
        super().clean()
        if not (self.from_contact_id and self.to_contact_id):
            return
        if self.from_contact_id == self.to_contact_id:
            raise ValidationError({"to_contact": _("A person cannot be linked to themself.")})
        if self.from_contact.account_id != self.to_contact.account_id:
            raise ValidationError(
                {"to_contact": _("Both people must be contacts of the same account.")}
            )


# A clock a few minutes fast on a phone must not refuse "now".
FUTURE_TOLERANCE = dt.timedelta(minutes=15)


class Interaction(SoftDeletable, TimeStamped):
    class Kind(models.TextChoices):
        MEETING = "meeting", _("Meeting")
        CALL = "call", _("Call")
        EMAIL = "email", _("E-mail")
        VISIT = "visit", _("Visit")
        PRESENTATION = "presentation", _("Presentation")
        EVENT = "event", _("Event")
        INFORMAL = "informal", _("Informal")
        SURVEY = "survey", _("Survey")

    class Sentiment(models.TextChoices):
        POSITIVE = "positive", _("Positive")
        NEUTRAL = "neutral", _("Neutral")
        NEGATIVE = "negative", _("Negative")

    class StepStatus(models.TextChoices):
        OPEN = "open", _("Open")
        DONE = "done", _("Done")
        CANCELLED = "cancelled", _("Cancelled")

    account = models.ForeignKey(
        Account, verbose_name=_("account"), on_delete=models.CASCADE, related_name="interactions"
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("author"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="interactions",
    )
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices, default=Kind.MEETING)
    occurred_at = models.DateTimeField(_("when"), db_index=True)
    contacts = models.ManyToManyField(
        Contact, verbose_name=_("who was there"), blank=True, related_name="interactions"
    )
    subject = models.CharField(_("subject"), max_length=255, blank=True)
    summary = models.TextField(_("summary"))
    outcome = models.TextField(_("outcome"), blank=True)
    next_step = models.CharField(_("next step"), max_length=255, blank=True)
    next_step_due = models.DateField(_("next step due"), null=True, blank=True)
    # db_default too: bulk paths that write raw rows (COPY in the demo and the benches)
    # leave the column out.
    next_step_status = models.CharField(
        _("next step status"),
        max_length=16,
        choices=StepStatus.choices,
        default=StepStatus.OPEN,
        db_default=StepStatus.OPEN,
    )
    next_step_closed_at = models.DateTimeField(_("next step closed"), null=True, blank=True)
    sentiment = models.CharField(
        _("sentiment"), max_length=16, choices=Sentiment.choices, default=Sentiment.NEUTRAL
    )

    history = HistoricalRecords(m2m_fields=[contacts], excluded_fields=["updated_at"])

    class Meta(SoftDeletable.Meta):
        ordering = ["-occurred_at"]
        verbose_name = _("interaction")
        verbose_name_plural = _("interactions")
        indexes = [models.Index(fields=["account", "-occurred_at"])]

    def __str__(self) -> str:
        label = self.subject or self.summary[:40]
        return f"{self.get_kind_display()} {self.occurred_at:%Y-%m-%d}: {label}"

    def clean(self) -> None:
        super().clean()
        # Checked here (not only in the service) so edits and the admin keep the rule too.
        due, occurred_at = self.next_step_due, self.occurred_at
        if occurred_at and occurred_at > timezone.now() + FUTURE_TOLERANCE:
            raise ValidationError(
                {
                    "occurred_at": _(
                        "This is in the future: log a meeting once it has happened, and plan "
                        "the next one as this interaction's next step (it goes on the calendar)."
                    )
                }
            )
        if due and occurred_at and due < timezone.localtime(occurred_at).date():
            raise ValidationError({"next_step_due": _("The next step is due before the meeting.")})


class Distributor(TimeStamped):
    external_id = models.CharField(_("external id"), max_length=64, unique=True)
    name = models.CharField(_("name"), max_length=255)
    region = models.ForeignKey(
        Region, verbose_name=_("region"), null=True, blank=True, on_delete=models.PROTECT
    )
    contacts = models.TextField(_("contacts"), blank=True, help_text=_("People, phones, e-mails"))
    # Joins through every link, deleted ones too (no manager on a join): read the links
    # through DistributorLink.objects / selectors.distributor_link_list instead.
    accounts: models.ManyToManyField[Account, DistributorLink] = models.ManyToManyField(
        Account, through="DistributorLink", related_name="distributors", blank=True
    )

    class Meta:
        ordering = ["name"]
        verbose_name = _("distributor")
        verbose_name_plural = _("distributors")
        constraints = [
            models.CheckConstraint(
                condition=~Q(external_id=""), name="distributor_external_id_not_blank"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class DistributorLink(SoftDeletable, TimeStamped):
    class Role(models.TextChoices):
        EXCLUSIVE = "exclusive", _("Exclusive")
        PREFERRED = "preferred", _("Preferred")
        SECONDARY = "secondary", _("Secondary")

    class Status(models.TextChoices):
        ACTIVE = "active", _("Active")
        PAUSED = "paused", _("Paused")
        ENDED = "ended", _("Ended")

    distributor = models.ForeignKey(
        Distributor, verbose_name=_("distributor"), on_delete=models.CASCADE, related_name="links"
    )
    account = models.ForeignKey(
        Account,
        verbose_name=_("account"),
        on_delete=models.CASCADE,
        related_name="distributor_links",
    )
    role = models.CharField(_("role"), max_length=16, choices=Role.choices, default=Role.PREFERRED)
    share_of_volume = models.DecimalField(
        _("share of volume, %"),
        max_digits=5,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("100"))],
    )
    since = models.DateField(_("since"), null=True, blank=True)
    until = models.DateField(_("until"), null=True, blank=True)
    terms = models.TextField(_("terms"), blank=True)
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.ACTIVE
    )

    history = HistoricalRecords(excluded_fields=["updated_at"])

    class Meta(SoftDeletable.Meta):
        verbose_name = _("distributor link")
        verbose_name_plural = _("distributor links")
        constraints = [
            # A deleted link does not stop the pair being linked again (restore then refuses).
            models.UniqueConstraint(
                fields=["distributor", "account"],
                condition=Q(deleted_at__isnull=True),
                name="distributorlink_unique_live_pair",
            ),
            models.CheckConstraint(
                condition=Q(share_of_volume__isnull=True)
                | (Q(share_of_volume__gte=0) & Q(share_of_volume__lte=100)),
                name="distributorlink_share_0_100",
            ),
            models.CheckConstraint(
                condition=Q(since__isnull=True)
                | Q(until__isnull=True)
                | Q(until__gte=models.F("since")),
                name="distributorlink_until_after_since",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.distributor} → {self.account}"

    def clean(self) -> None:
        super().clean()
        # The check constraint backs this up; here the error names the field.
        if self.since and self.until and self.until < self.since:
            raise ValidationError({"until": _("The link ends before it starts.")})


class Event(SoftDeletable, TimeStamped):
    class Kind(models.TextChoices):
        CONFERENCE = "conference", _("Conference")
        PRESENTATION = "presentation", _("Presentation")
        EXHIBITION = "exhibition", _("Exhibition")
        WORKSHOP = "workshop", _("Workshop")
        OTHER = "other", _("Other")

    name = models.CharField(_("name"), max_length=255)
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices, default=Kind.CONFERENCE)
    starts_on = models.DateField(_("starts on"))
    ends_on = models.DateField(_("ends on"), null=True, blank=True)
    location = models.CharField(_("location"), max_length=255, blank=True)
    description = models.TextField(_("description"), blank=True)
    organizer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("organizer"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="organized_events",
    )
    accounts = models.ManyToManyField(
        Account, verbose_name=_("accounts"), blank=True, related_name="events"
    )
    invited = models.ManyToManyField(
        Contact, verbose_name=_("invited"), blank=True, related_name="events_invited"
    )
    attended = models.ManyToManyField(
        Contact, verbose_name=_("attended"), blank=True, related_name="events_attended"
    )

    history = HistoricalRecords(
        m2m_fields=[accounts, invited, attended], excluded_fields=["updated_at"]
    )

    class Meta(SoftDeletable.Meta):
        ordering = ["-starts_on"]
        verbose_name = _("event")
        verbose_name_plural = _("events")
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__isnull=True) | Q(ends_on__gte=models.F("starts_on")),
                name="event_ends_after_start",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        super().clean()
        if self.starts_on and self.ends_on and self.ends_on < self.starts_on:
            raise ValidationError({"ends_on": _("The event ends before it starts.")})


class Survey(SoftDeletable, TimeStamped):
    account = models.ForeignKey(
        Account, verbose_name=_("account"), on_delete=models.CASCADE, related_name="surveys"
    )
    contact = models.ForeignKey(
        Contact,
        verbose_name=_("contact"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="surveys",
    )
    date = models.DateField(_("date"))
    nps = models.PositiveSmallIntegerField(
        _("NPS score"),
        null=True,
        blank=True,
        validators=[MinValueValidator(0), MaxValueValidator(10)],
        help_text=_("0 to 10: how likely they recommend us"),
    )
    satisfaction = models.PositiveSmallIntegerField(
        _("satisfaction"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(5)],
        help_text=_("1 to 5"),
    )
    needs = models.TextField(_("needs"), blank=True)
    comments = models.TextField(_("comments"), blank=True)

    history = HistoricalRecords(excluded_fields=["updated_at"])

    class Meta(SoftDeletable.Meta):
        ordering = ["-date"]
        verbose_name = _("survey")
        verbose_name_plural = _("surveys")
        constraints = [
            models.CheckConstraint(
                condition=Q(nps__isnull=True) | (Q(nps__gte=0) & Q(nps__lte=10)),
                name="survey_nps_0_10",
            ),
            models.CheckConstraint(
                condition=Q(satisfaction__isnull=True)
                | (Q(satisfaction__gte=1) & Q(satisfaction__lte=5)),
                name="survey_satisfaction_1_5",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.account} {self.date}"


class AuditEvent(models.Model):
    """Who read or took out what: exports and the opening of an account or its contacts.

    Append-only; read by admins in the Django admin; purged after AUDIT_RETENTION_DAYS.
    The account is kept as a plain id (not a foreign key) so the trail outlives the account,
    and the username beside the user for the same reason.
    """

    class Action(models.TextChoices):
        EXPORT = "export", _("Export")
        VIEW_ACCOUNT = "view_account", _("Opened an account")
        VIEW_CONTACTS = "view_contacts", _("Opened a contact")

    at = models.DateTimeField(_("when"), default=timezone.now, db_index=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    username = models.CharField(_("username"), max_length=150, blank=True)
    action = models.CharField(_("action"), max_length=16, choices=Action.choices)
    account_id = models.BigIntegerField(_("account id"), null=True, blank=True)
    details = models.JSONField(_("details"), default=dict, blank=True)

    class Meta:
        ordering = ["-at", "-pk"]
        verbose_name = _("audit event")
        verbose_name_plural = _("audit events")
        indexes = [
            models.Index(fields=["account_id", "-at"], name="auditevent_account_at"),
            models.Index(fields=["user", "-at"], name="auditevent_user_at"),
        ]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.username} {self.get_action_display()}"


# --- Webhooks out: endpoints, the outbox, deliveries (accounts/webhooks.py sends them) ---
# In the lowest app so plans and reports can write events in their own transactions.
class WebhookEventType(models.TextChoices):
    IMPORT_APPLIED = "import.applied", _("ERP import applied")
    IMPORT_REJECTED = "import.rejected", _("ERP import rejected")
    METRICS_RECOMPUTED = "metrics.recomputed", _("Metrics recomputed")
    ACCOUNT_TIER_CHANGED = "account.tier_changed", _("Account tier changed")
    ACCOUNT_KEY_CHANGED = "account.key_changed", _("Account became key or stopped being key")
    TENDER_STAGE_CHANGED = "tender.stage_changed", _("Tender stage changed")


class WebhookEndpoint(TimeStamped):
    """A URL that receives the events it subscribes to, signed with its secret.

    `active` is off when an admin pauses it or when deliveries kept failing (then
    `disabled_at` and `disabled_reason` say when and why); switching it on again resets
    the failure streak.
    """

    url = models.URLField(
        _("URL"), max_length=500, validators=[URLValidator(schemes=["http", "https"])]
    )
    description = models.CharField(_("description"), max_length=200, blank=True)
    # HMAC-SHA256 key of X-KAM-Signature. Stored as is (we must sign with it), never shown
    # again after it is created.
    secret = models.CharField(_("secret"), max_length=200)
    event_types = models.JSONField(_("event types"), default=list)
    active = models.BooleanField(_("active"), default=True)
    # Failed attempts in a row (any delivery); a success resets it.
    failure_count = models.PositiveIntegerField(_("failures in a row"), default=0)
    failing_since = models.DateTimeField(_("failing since"), null=True, blank=True)
    disabled_at = models.DateTimeField(_("disabled"), null=True, blank=True)
    disabled_reason = models.TextField(_("why disabled"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        ordering = ["id"]
        verbose_name = _("webhook endpoint")
        verbose_name_plural = _("webhook endpoints")

    def __str__(self) -> str:
        return self.url

    def clean(self) -> None:
        super().clean()
        types = self.event_types
        if not isinstance(types, list) or not types:
            raise ValidationError({"event_types": _("Choose at least one event type.")})
        unknown = [t for t in types if t not in WebhookEventType.values]
        if unknown:
            raise ValidationError(
                {
                    "event_types": _("Unknown event type(s): %(types)s. Known: %(known)s.")
                    % {
                        "types": ", ".join(map(str, unknown)),
                        "known": ", ".join(WebhookEventType.values),
                    }
                }
            )


class WebhookEvent(models.Model):
    """The outbox: one row per event, written in the transaction of the change it reports."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    event_type = models.CharField(_("event type"), max_length=64, choices=WebhookEventType.choices)
    payload = models.JSONField(_("payload"), encoder=DjangoJSONEncoder)
    created_at = models.DateTimeField(_("created"), default=timezone.now, db_index=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("webhook event")
        verbose_name_plural = _("webhook events")

    def __str__(self) -> str:
        return f"{self.event_type} {self.created_at:%Y-%m-%d %H:%M:%S}"


class WebhookDelivery(models.Model):
    """One event to one endpoint: retried with back-off until delivered or given up."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        DELIVERED = "delivered", _("Delivered")
        FAILED = "failed", _("Given up")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    event = models.ForeignKey(
        WebhookEvent, verbose_name=_("event"), on_delete=models.CASCADE, related_name="deliveries"
    )
    endpoint = models.ForeignKey(
        WebhookEndpoint,
        verbose_name=_("endpoint"),
        on_delete=models.CASCADE,
        related_name="deliveries",
    )
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.PENDING
    )
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt"), default=timezone.now)
    # A sender holds the delivery until then; a crashed sender's claim simply expires.
    locked_until = models.DateTimeField(_("claimed until"), null=True, blank=True)
    last_status = models.PositiveSmallIntegerField(_("last HTTP status"), null=True, blank=True)
    last_error = models.TextField(_("last error"), blank=True)
    delivered_at = models.DateTimeField(_("delivered"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("webhook delivery")
        verbose_name_plural = _("webhook deliveries")
        constraints = [
            models.UniqueConstraint(fields=["event", "endpoint"], name="webhookdelivery_unique"),
        ]
        indexes = [
            models.Index(
                fields=["next_attempt_at"],
                condition=Q(status="pending"),
                name="webhookdelivery_due",
            ),
            models.Index(fields=["endpoint", "-created_at"], name="webhookdelivery_endpoint"),
        ]

    def __str__(self) -> str:
        return f"{self.event_id} → {self.endpoint_id} {self.status}"


class WebhookAttempt(models.Model):
    """Each POST of a delivery: what the receiver answered, or why it could not."""

    delivery = models.ForeignKey(
        WebhookDelivery,
        verbose_name=_("delivery"),
        on_delete=models.CASCADE,
        related_name="attempt_log",
    )
    number = models.PositiveIntegerField(_("attempt"))
    attempted_at = models.DateTimeField(_("attempted"), default=timezone.now)
    http_status = models.PositiveSmallIntegerField(_("HTTP status"), null=True, blank=True)
    error = models.TextField(_("error"), blank=True)
    response_excerpt = models.TextField(_("response (start)"), blank=True)
    duration_ms = models.PositiveIntegerField(_("duration, ms"), default=0)

    class Meta:
        ordering = ["delivery", "number"]
        verbose_name = _("webhook attempt")
        verbose_name_plural = _("webhook attempts")

    def __str__(self) -> str:
        return f"#{self.number} {self.http_status or self.error[:40]}"


class ApiToken(models.Model):
    """An API token (`Authorization: Token <key>`), kept as a SHA-256 hash.

    The key is shown once, when issued (`manage.py issue_api_token`); the database keeps
    its first characters (to tell tokens apart in the admin and the logs) and the hash it
    is looked up by. A key is 160 random bits, so a plain hash is enough: there is nothing
    to brute-force that a slow hash would protect.
    """

    PREFIX_LENGTH = 8

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="api_tokens",
    )
    prefix = models.CharField(_("prefix"), max_length=PREFIX_LENGTH, db_index=True)
    key_hash = models.CharField(_("key hash"), max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    expires_at = models.DateTimeField(_("expires"), null=True, blank=True)
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")

    def __str__(self) -> str:
        return f"{self.prefix}… ({self.user_id})"

    @staticmethod
    def hash_key(key: str) -> str:
        return hashlib.sha256(key.encode()).hexdigest()

    @property
    def is_revoked(self) -> bool:
        return self.revoked_at is not None
