"""Reads of the accounts app, scoped by who asks.

Scoping lives here so the API, the admin and the pages share one rule (DESIGN.md, "Who
sees what"): a KAM sees the accounts they own or are on the team of, with everything under
them; sales heads, admins and the integration user see every account.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from itertools import chain

from django.conf import settings
from django.db.models import (
    Case,
    Count,
    Exists,
    F,
    Max,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
    Window,
)
from django.utils import timezone

from .models import (
    Account,
    Contact,
    Distributor,
    DistributorLink,
    Event,
    Interaction,
    SoftDeletable,
    Survey,
    User,
)


def _team_membership(user: User) -> Q:
    # An uncorrelated IN (…) rather than a correlated EXISTS: PostgreSQL hashes the user's
    # few team rows once instead of probing per account (50 ms -> 3 ms at 5 000 accounts).
    return Q(pk__in=Account.team.through.objects.filter(user_id=user.pk).values("account_id"))


def account_scope(*, user: User, queryset: QuerySet[Account] | None = None) -> QuerySet[Account]:
    """Every account the user may see (no ordering or joins: compose on top of it).

    `queryset` is an optional base to scope (say, a prepared `.values()` for a hot list).
    """
    qs = Account.objects.all() if queryset is None else queryset.all()
    if not user.is_authenticated or not user.is_active:
        return qs.none()
    if user.sees_all_accounts:
        return qs
    return qs.filter(Q(owner_id=user.pk) | _team_membership(user))


def account_ids_in_scope(*, user: User) -> QuerySet:
    """A subquery of visible account ids, for filtering rows that hang under an account."""
    return account_scope(user=user).values("pk")


def account_list(*, user: User) -> QuerySet[Account]:
    return account_scope(user=user).select_related("owner", "region", "industry", "parent")


def account_get(*, user: User, pk: int) -> Account:
    """One visible account or Account.DoesNotExist (a KAM probing others' ids gets 404)."""
    return account_list(user=user).get(pk=pk)


def user_can_change_account(*, user: User, account: Account) -> bool:
    """KAMs change the accounts they see; heads and admins any; the ERP user none."""
    if not user.is_authenticated or user.is_integration:
        return False
    if user.is_head_or_admin:
        return True
    return account_scope(user=user).filter(pk=account.pk).exists()


def contact_list(*, user: User) -> QuerySet[Contact]:
    return (
        Contact.objects.filter(account_id__in=account_ids_in_scope(user=user))
        .select_related("account", "reports_to")
        .annotate(
            # A join bypasses Interaction's manager: leave deleted interactions out here.
            last_interaction_at=Max(
                "interactions__occurred_at", filter=Q(interactions__deleted_at__isnull=True)
            )
        )
    )


def interaction_list(*, user: User) -> QuerySet[Interaction]:
    return (
        Interaction.objects.filter(account_id__in=account_ids_in_scope(user=user))
        .select_related("account", "author")
        .prefetch_related("contacts")
    )


def survey_list(*, user: User) -> QuerySet[Survey]:
    return Survey.objects.filter(account_id__in=account_ids_in_scope(user=user)).select_related(
        "account", "contact"
    )


def distributor_link_list(*, user: User) -> QuerySet[DistributorLink]:
    return DistributorLink.objects.filter(
        account_id__in=account_ids_in_scope(user=user)
    ).select_related("distributor", "account")


def distributor_list(*, user: User) -> QuerySet[Distributor]:
    """Distributors are company-wide master data: everyone signed in may read them."""
    if not user.is_authenticated:
        return Distributor.objects.none()
    return Distributor.objects.select_related("region")


def event_list(*, user: User, queryset: QuerySet[Event] | None = None) -> QuerySet[Event]:
    """Events with no account are company events everyone sees; others follow the accounts.

    `queryset` is an optional base to scope (the deleted events, for "Recently deleted").
    """
    base = Event.objects.all() if queryset is None else queryset
    if not user.is_authenticated:
        return base.none()
    qs = base.select_related("organizer")
    if user.sees_all_accounts:
        return qs
    visible = Event.accounts.through.objects.filter(
        event_id=OuterRef("pk"), account_id__in=account_ids_in_scope(user=user)
    )
    any_account = Event.accounts.through.objects.filter(event_id=OuterRef("pk"))
    return qs.filter(Exists(visible) | ~Exists(any_account) | Q(organizer_id=user.pk))


def user_list(*, user: User) -> QuerySet[User]:
    """People a user may pick (owners, teams, action owners) and see named in the API.

    Heads and admins see every active person; a KAM sees themself, the sales heads and
    the colleagues who share one of their accounts; the ERP user sees only itself.
    """
    if not user.is_authenticated or not user.is_active:
        return User.objects.none()
    qs = User.objects.filter(is_active=True)
    if user.is_admin_role:
        return qs
    if user.is_integration:
        return qs.filter(pk=user.pk)
    qs = qs.exclude(role=User.Role.INTEGRATION)
    if user.is_head_or_admin:
        return qs
    visible = account_ids_in_scope(user=user)
    owns = Exists(Account.objects.filter(owner_id=OuterRef("pk"), pk__in=visible))
    on_team = Exists(
        Account.team.through.objects.filter(user_id=OuterRef("pk"), account_id__in=visible)
    )
    return qs.filter(Q(pk=user.pk) | Q(role=User.Role.HEAD) | owns | on_team)


def assignable_user_list() -> QuerySet[User]:
    """Who may own an account or sit on its team: active KAMs, heads and admins."""
    return User.objects.filter(
        is_active=True, role__in=(User.Role.KAM, User.Role.HEAD, User.Role.ADMIN)
    ).order_by("username")


def user_can_change_event(*, user: User, event: Event) -> bool:
    """Heads, admins and the organizer; otherwise a KAM who can change all its accounts."""
    if not user.is_authenticated or user.is_integration:
        return False
    if user.is_head_or_admin or event.organizer_id == user.pk:
        return True
    account_ids = set(event.accounts.values_list("pk", flat=True))
    if not account_ids:
        return False  # a company-wide event belongs to its organizer and the heads
    return account_scope(user=user).filter(pk__in=account_ids).count() == len(account_ids)


# --- Soft-deleted records ("Recently deleted") ------------------------------------------
# The kinds of record that deleting only hides, by the name used in URLs and the API.
SOFT_DELETED_KINDS: dict[str, type[SoftDeletable]] = {
    "interaction": Interaction,
    "survey": Survey,
    "event": Event,
    "distributor-link": DistributorLink,
}


def soft_delete_cutoff(*, now: dt.datetime | None = None) -> dt.datetime:
    """Rows deleted before this are past retention: no longer listed, restorable or kept."""
    return (now or timezone.now()) - dt.timedelta(days=settings.SOFT_DELETE_RETENTION_DAYS)


def restorable_records(*, user: User, model: type[SoftDeletable]) -> QuerySet:
    """Deleted rows of `model`, within retention, that the user may see and restore.

    Heads and admins: any. A KAM: what they authored (an interaction's author, an event's
    organizer) or deleted themselves, on accounts they can still see. Nobody else.
    """
    qs = model.all_objects.filter(deleted_at__gte=soft_delete_cutoff())
    if not user.is_authenticated or not user.is_active or user.is_integration:
        return qs.none()
    if user.is_head_or_admin:
        return qs
    mine = Q(deleted_by_id=user.pk)
    if model is Interaction:
        mine |= Q(author_id=user.pk)
    if model is Event:
        return event_list(user=user, queryset=qs.filter(mine | Q(organizer_id=user.pk)))
    return qs.filter(mine, account_id__in=account_ids_in_scope(user=user))


def user_can_restore(*, user: User, record: SoftDeletable) -> bool:
    """Restorable by the user (above), and an event only by who may change it now."""
    if not restorable_records(user=user, model=type(record)).filter(pk=record.pk).exists():
        return False
    if isinstance(record, Event):
        return user_can_change_event(user=user, event=record)
    return True


@dataclass
class DeletedEntry:
    kind: str  # a key of SOFT_DELETED_KINDS
    record: SoftDeletable
    account: Account | None  # None for events (they may concern several accounts)

    @property
    def kind_label(self) -> str:
        return str(SOFT_DELETED_KINDS[self.kind]._meta.verbose_name).capitalize()


def deleted_record_ids(*, user: User, kind: str = "", account_id: int | None = None) -> QuerySet:
    """(kind, pk, deleted_at) rows of what the user may restore, newest deletion first:
    one UNION over the kinds, so a page of it costs the same whatever was deleted."""
    parts = []
    for name, model in SOFT_DELETED_KINDS.items():
        if kind and kind != name:
            continue
        qs = restorable_records(user=user, model=model)
        if account_id is not None:
            qs = qs.filter(accounts=account_id) if model is Event else qs.filter(account=account_id)
        parts.append(
            qs.order_by()
            .annotate(record_kind=Value(name))
            .values_list("record_kind", "pk", "deleted_at")
        )
    if not parts:
        return Interaction.all_objects.none().values_list("pk")
    first, *rest = parts
    return first.union(*rest, all=True).order_by("-deleted_at", "record_kind", "-pk")


def deleted_entries(rows: list[tuple[str, int, dt.datetime]]) -> list[DeletedEntry]:
    """The records of a page of `deleted_record_ids` (one query per kind on the page)."""
    wanted: dict[str, list[int]] = {}
    for kind, pk, _ in rows:
        wanted.setdefault(kind, []).append(pk)
    related = {
        "interaction": ("account", "author", "deleted_by"),
        "survey": ("account", "contact", "deleted_by"),
        "event": ("organizer", "deleted_by"),
        "distributor-link": ("account", "distributor", "deleted_by"),
    }
    found = {
        (kind, obj.pk): obj
        for kind, pks in wanted.items()
        for obj in SOFT_DELETED_KINDS[kind]
        .all_objects.select_related(*related[kind])
        .filter(pk__in=pks)
    }
    entries = []
    for kind, pk, _ in rows:
        record = found.get((kind, pk))
        if record is not None:  # purged between the two queries
            entries.append(DeletedEntry(kind, record, getattr(record, "account", None)))
    return entries


# --- Reads shaped for one page each (bounded queries whatever the number of rows) ---
# Sort keys a visitor may ask for -> ORDER BY; nulls go last whichever way we sort.
HOME_SORTS = {
    "name": [F("name").asc()],
    "-revenue": [F("ttm_revenue").desc(nulls_last=True), F("name").asc()],
    "revenue": [F("ttm_revenue").asc(nulls_last=True), F("name").asc()],
    "-share": [F("ttm_share").desc(nulls_last=True), F("name").asc()],
    "-penetration": [F("ttm_penetration").desc(nulls_last=True), F("name").asc()],
    "penetration": [F("ttm_penetration").asc(nulls_last=True), F("name").asc()],
    "-growth": [F("ttm_growth").desc(nulls_last=True), F("name").asc()],
    "growth": [F("ttm_growth").asc(nulls_last=True), F("name").asc()],
    "tier": [F("tier").asc(nulls_last=True), F("ttm_revenue").desc(nulls_last=True)],
    # Longest without contact first: the accounts that need a visit.
    "last_contact": [F("last_interaction_at").asc(nulls_first=True), F("name").asc()],
}
NO_CONTACT_DAYS = 30
DECISION_ROLES = (Contact.DecisionRole.DECISION_MAKER, Contact.DecisionRole.ECONOMIC_BUYER)
UNMET_DECISION_MAKER_DAYS = 90


def first_rows_and_count(qs: QuerySet, n: int) -> tuple[list, int]:
    """The first n rows and how many there are in all, in one query (COUNT(*) OVER ())."""
    rows = list(qs.annotate(_total=Window(Count("*")))[:n])
    return rows, rows[0]._total if rows else 0


def _last_interaction() -> Subquery:
    return Subquery(
        Interaction.objects.filter(account_id=OuterRef("pk"))
        .order_by("-occurred_at")
        .values("occurred_at")[:1]
    )


def my_accounts(*, user: User) -> QuerySet[Account]:
    """Accounts the user owns or works on, whatever their role (heads see all elsewhere)."""
    team = Account.team.through.objects.filter(user_id=user.pk).values("account_id")
    return account_scope(user=user).filter(Q(owner_id=user.pk) | Q(pk__in=team))


def account_home_list(
    *,
    user: User,
    q: str = "",
    tier: str = "",
    region: int | None = None,
    status: str = "",
    key_only: bool = False,
    owner: str = "",
    sort: str = "name",
) -> QuerySet[Account]:
    """The home table: scoped accounts, filtered, with the last interaction annotated.

    `owner` only matters for those who see every account: "me" keeps the accounts they own
    or are on the team of, a user id keeps that person's.
    """
    qs = account_list(user=user).annotate(last_interaction_at=_last_interaction())
    if user.sees_all_accounts and owner:
        if owner == "me":
            qs = qs.filter(pk__in=my_accounts(user=user).values("pk"))
        elif owner.isdigit():
            qs = qs.filter(owner_id=int(owner))
    if q:
        qs = qs.filter(
            Q(name__icontains=q)
            | Q(legal_name__icontains=q)
            | Q(external_id__iexact=q)
            | Q(tax_id=q)
        )
    if tier:
        qs = qs.filter(tier=tier)
    if region:
        qs = qs.filter(region_id=region)
    if status:
        qs = qs.filter(status=status)
    if key_only:
        qs = qs.filter(is_key=True)
    return qs.order_by(*HOME_SORTS.get(sort, HOME_SORTS["name"]))


def key_accounts_without_contact(*, user: User, days: int = NO_CONTACT_DAYS) -> QuerySet[Account]:
    """Key accounts nobody met, called or wrote to in `days` days (the attention strip)."""
    since = timezone.now() - dt.timedelta(days=days)
    recent = Interaction.objects.filter(account_id=OuterRef("pk"), occurred_at__gte=since)
    return (
        account_scope(user=user)
        .filter(is_key=True)
        .exclude(status=Account.Status.LOST)
        .filter(~Exists(recent))
        .annotate(last_interaction_at=_last_interaction())
        .order_by(F("last_interaction_at").asc(nulls_first=True), "name")
    )


@dataclass
class OrgNode:
    contact: Contact
    children: list[OrgNode] = field(default_factory=list)


def contact_org_chart(*, user: User, account: Account) -> list[OrgNode]:
    """The account's contacts as a forest following `reports_to` (one query).

    A contact whose manager is missing (another account's, or deleted) becomes a root, so
    nobody drops off the chart.
    """
    contacts = list(contact_list(user=user).filter(account=account).order_by("name"))
    now = timezone.now()
    nodes = {}
    for contact in contacts:
        last = contact.last_interaction_at
        contact.days_since_contact = (now - last).days if last else None
        contact.is_decider = contact.decision_role in DECISION_ROLES
        contact.unmet_decider = contact.is_decider and (
            last is None or (now - last).days > UNMET_DECISION_MAKER_DAYS
        )
        nodes[contact.pk] = OrgNode(contact)
    roots = []
    for node in nodes.values():
        parent = nodes.get(node.contact.reports_to_id)
        (parent.children if parent else roots).append(node)
    return roots


@dataclass
class TimelineEntry:
    kind: str  # "interaction" | "survey" | "event"
    when: dt.datetime | dt.date
    sort_key: dt.datetime
    obj: object


def _as_datetime(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def account_timeline(*, user: User, account: Account, limit: int = 25) -> list[TimelineEntry]:
    """Interactions, surveys and events of the account, newest first (three queries + m2m)."""
    interactions = (
        Interaction.objects.filter(account=account)
        .select_related("author")
        .prefetch_related("contacts")
        .order_by("-occurred_at")[:limit]
    )
    surveys = account.surveys.select_related("contact").order_by("-date")[:limit]
    events = event_list(user=user).filter(accounts=account).order_by("-starts_on")[:limit]
    entries = chain(
        (TimelineEntry("interaction", i.occurred_at, i.occurred_at, i) for i in interactions),
        (TimelineEntry("survey", s.date, _as_datetime(s.date), s) for s in surveys),
        (TimelineEntry("event", e.starts_on, _as_datetime(e.starts_on), e) for e in events),
    )
    return sorted(entries, key=lambda e: e.sort_key, reverse=True)[:limit]


def event_page_list(*, user: User, today: dt.date | None = None) -> QuerySet[Event]:
    """The events page: upcoming (not yet over) soonest first, then past ones newest first.

    `is_past` is annotated so the page can split the two without another query; the
    accounts come in one prefetch, so a page costs the same whatever the number of events.
    """
    today = today or timezone.localdate()
    # Only the accounts the user sees: another KAM's client stays unnamed. Into their own
    # attribute, so that `event.accounts` still means all of them to whoever asks.
    shown_accounts = account_scope(user=user).only("pk", "name").order_by("name")
    over = Q(ends_on__lt=today) | Q(ends_on__isnull=True, starts_on__lt=today)
    return (
        event_list(user=user)
        .annotate(
            is_past=Case(When(over, then=Value(True)), default=Value(False)),
            upcoming_on=Case(When(~over, then=F("starts_on"))),
        )
        .prefetch_related(Prefetch("accounts", shown_accounts, to_attr="shown_accounts"))
        .order_by("is_past", F("upcoming_on").asc(nulls_last=True), "-starts_on", "name", "pk")
    )


def event_people(*, user: User, event: Event) -> list[tuple[Account, list[Contact]]]:
    """Who was invited and who came, grouped by account (only accounts the user sees).

    Each contact carries `was_invited` and `came`, so the page marks them without a query.
    """
    invited = set(event.invited.values_list("pk", flat=True))
    attended = set(event.attended.values_list("pk", flat=True))
    contacts = Contact.objects.filter(
        pk__in=invited | attended, account_id__in=account_ids_in_scope(user=user)
    ).select_related("account")
    groups: dict[int, tuple[Account, list[Contact]]] = {}
    for contact in contacts.order_by("account__name", "account_id", "name", "pk"):
        contact.was_invited, contact.came = contact.pk in invited, contact.pk in attended
        groups.setdefault(contact.account_id, (contact.account, []))[1].append(contact)
    return list(groups.values())
