"""Reads of the accounts app, scoped by who asks.

Who may see what is decided in `accounts.access` (DESIGN.md, "Who sees what"); the reads
here compose its scopes with the joins and annotations each page or endpoint needs.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from itertools import chain
from typing import TYPE_CHECKING, Any, TypedDict

from django.db import connection
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

from kam import textsearch

if TYPE_CHECKING:
    from django_stubs_ext import WithAnnotations

from . import access
from .models import (
    Account,
    Contact,
    ContactLink,
    Distributor,
    DistributorLink,
    Event,
    Interaction,
    SoftDeletable,
    Survey,
    User,
)


def account_list(*, user: User) -> QuerySet[Account]:
    return access.account_scope(user=user).select_related("owner", "region", "industry", "parent")


def account_get(*, user: User, pk: int) -> Account:
    """One visible account or Account.DoesNotExist (a KAM probing others' ids gets 404)."""
    return account_list(user=user).get(pk=pk)


def account_with_subsidiaries(*, user: User, pk: int) -> tuple[Account, list[Account]]:
    """A visible account and its visible direct subsidiaries by name, in one query (the
    account page's header), or Account.DoesNotExist."""
    rows = list(account_list(user=user).filter(Q(pk=pk) | Q(parent_id=pk)).order_by("name"))
    account = next((row for row in rows if row.pk == pk), None)
    if account is None:
        raise Account.DoesNotExist
    return account, [row for row in rows if row is not account]


def account_subtree(*, root_pk: int) -> dict[int, int]:
    """The account `root_pk` and its subsidiaries to any depth: {id: depth}, root 0, in
    walk order (each parent before its subsidiaries, siblings by name). Not scoped: the
    structure only; what a user may see of it is `access.holding_units`.

    One recursive query on PostgreSQL and SQLite alike. It selects ids with UNION (not
    UNION ALL), which drops a row already found, so a cycle of parents written around the
    model's check (raw SQL, an old import) ends the walk instead of looping; the depths
    come from a pass over the links in Python that visits each id once.
    """
    table = connection.ops.quote_name(Account._meta.db_table)
    sql = f"""
        WITH RECURSIVE tree(id) AS (
            SELECT id FROM {table} WHERE id = %s
            UNION
            SELECT child.id FROM {table} child JOIN tree ON child.parent_id = tree.id
        )
        SELECT a.id, a.parent_id FROM {table} a WHERE a.id IN (SELECT id FROM tree)
        ORDER BY a.name, a.id
    """  # noqa: S608 -- the table name comes from the model, the id is a parameter
    with connection.cursor() as cursor:
        cursor.execute(sql, [root_pk])
        rows = cursor.fetchall()
    if not any(pk == root_pk for pk, _parent in rows):
        return {}
    children: dict[int, list[int]] = defaultdict(list)
    for pk, parent_pk in rows:  # by name: siblings come out in that order
        if pk != root_pk and parent_pk is not None:
            children[parent_pk].append(pk)
    # Each account has one parent, so with the root's own parent link left out (a cycle
    # through the root) what hangs under the root is a tree: depth-first, each id once.
    depth: dict[int, int] = {}
    stack = [(root_pk, 0)]
    while stack:
        pk, level = stack.pop()
        if pk in depth:
            continue
        depth[pk] = level
        stack.extend((child, level + 1) for child in reversed(children.get(pk, ())))
    return depth


class LastInteraction(TypedDict):
    last_interaction_at: dt.datetime | None


def contact_list(*, user: User) -> QuerySet[WithAnnotations[Contact, LastInteraction]]:
    return (
        access.contact_scope(user=user)
        .select_related("account", "reports_to")
        .annotate(
            # A join bypasses Interaction's manager: leave deleted interactions out here.
            last_interaction_at=Max(
                "interactions__occurred_at", filter=Q(interactions__deleted_at__isnull=True)
            )
        )
    )


ACCOUNT_SEARCH = {"text": ("name", "legal_name", "tax_id")}
CONTACT_SEARCH = {"text": ("name", "email"), "phones": ("phone",)}


def account_search(*, user: User, query: str) -> QuerySet[Account]:
    """Visible accounts whose name, legal name or tax id contain the query
    (kam.textsearch's rule), by name."""
    return (
        access.account_scope(user=user)
        .alias(**textsearch.aliases(**ACCOUNT_SEARCH))
        .filter(textsearch.matching(query, **ACCOUNT_SEARCH))
        .select_related("owner")
        .order_by("name", "pk")
    )


def contact_search(*, user: User, query: str) -> QuerySet[Contact]:
    """Visible contacts whose name or e-mail contain the query or whose phone contains its
    digits, with their company, by name."""
    return (
        access.contact_scope(user=user)
        .alias(**textsearch.aliases(**CONTACT_SEARCH))
        .filter(textsearch.matching(query, **CONTACT_SEARCH))
        # Fetched for the rows shown only: a join would hash every account first.
        .prefetch_related("account")
        .order_by("name", "pk")
    )


def contact_neighbours(*, contact: Contact) -> dict[str, list[Contact]]:
    """Who the contact reports to, who reports to them and their peers (one query)."""
    rows = list(
        Contact.objects.filter(account_id=contact.account_id)
        .filter(
            Q(pk=contact.reports_to_id)
            | Q(reports_to=contact)
            | (Q(reports_to_id=contact.reports_to_id) & Q(reports_to__isnull=False))
        )
        .exclude(pk=contact.pk)
        .order_by("name")
    )
    return {
        "manager": [c for c in rows if c.pk == contact.reports_to_id],
        "reports": [c for c in rows if c.reports_to_id == contact.pk],
        "peers": [
            c for c in rows if contact.reports_to_id and c.reports_to_id == contact.reports_to_id
        ],
    }


def contact_timeline(*, contact: Contact, limit: int = 25) -> list[Interaction]:
    """The contact's interactions, newest first (two queries with their people)."""
    return list(
        contact.interactions.select_related("author")
        .prefetch_related("contacts")
        .order_by("-occurred_at")[:limit]
    )


def interaction_list(*, user: User) -> QuerySet[Interaction]:
    return (
        access.interaction_scope(user=user)
        .select_related("account", "author")
        .prefetch_related("contacts")
    )


def survey_list(*, user: User) -> QuerySet[Survey]:
    return access.survey_scope(user=user).select_related("account", "contact")


def distributor_link_list(*, user: User) -> QuerySet[DistributorLink]:
    return access.distributor_link_scope(user=user).select_related("distributor", "account")


def distributor_list(*, user: User) -> QuerySet[Distributor]:
    return access.distributor_scope(user=user).select_related("region")


def event_list(*, user: User, queryset: QuerySet[Event] | None = None) -> QuerySet[Event]:
    """Events the user may see; `queryset` is an optional base to scope (the deleted
    events, for "Recently deleted")."""
    return access.event_scope(user=user, queryset=queryset).select_related("organizer")


def event_api_list(*, user: User) -> QuerySet[Event]:
    """Events for the API: each with `visible_accounts`, `visible_invited` and
    `visible_attended` — only the accounts and people the user may see (a joint event
    a head linked to several KAMs' accounts must not name the others' ids)."""
    return event_list(user=user).prefetch_related(
        *(
            Prefetch(relation, rows, to_attr=f"visible_{relation}")
            for relation, rows in access.event_visible_prefetches(user=user).items()
        )
    )


def assignable_user_list() -> QuerySet[User]:
    """Who may own an account or sit on its team (accounts.access), by username."""
    return access.assignable_users().order_by("username")


# --- Soft-deleted records ("Recently deleted") ------------------------------------------
# The kinds of record that deleting only hides, by the name used in URLs and the API.
SOFT_DELETED_KINDS: dict[str, type[SoftDeletable]] = {
    "interaction": Interaction,
    "survey": Survey,
    "event": Event,
    "distributor-link": DistributorLink,
}


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
        qs = access.restorable_records(user=user, model=model)
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
    return access.account_scope(user=user).filter(Q(owner_id=user.pk) | Q(pk__in=team))


def account_memberships(*, accounts: QuerySet[Account]) -> dict[int, set[int]]:
    """user id -> ids of those of `accounts` that are theirs: owned or on the team.

    `my_accounts`' rule for every user at once (two queries), so a page that counts per
    person (the workload) counts what each KAM's home list shows.
    """
    mine: dict[int, set[int]] = defaultdict(set)
    for owner_id, pk in accounts.exclude(owner=None).values_list("owner_id", "pk"):
        mine[owner_id].add(pk)
    team = Account.team.through.objects.filter(account_id__in=accounts.values("pk"))
    for user_id, account_id in team.values_list("user_id", "account_id"):
        mine[user_id].add(account_id)
    return mine


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
) -> QuerySet[WithAnnotations[Account, LastInteraction]]:
    """The home table: scoped accounts, filtered, with the last interaction annotated.

    `owner` only matters for those who see every account: "me" keeps the accounts they own
    or are on the team of, a user id keeps that person's.
    """
    qs = account_list(user=user).annotate(last_interaction_at=_last_interaction())
    if owner and access.sees_every_account(user):
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


def key_accounts_without_contact(
    *, user: User, days: int = NO_CONTACT_DAYS
) -> QuerySet[WithAnnotations[Account, LastInteraction]]:
    """Key accounts nobody met, called or wrote to in `days` days (the attention strip)."""
    since = timezone.now() - dt.timedelta(days=days)
    recent = Interaction.objects.filter(account_id=OuterRef("pk"), occurred_at__gte=since)
    return (
        access.account_scope(user=user)
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
    coverage: Any = None  # accounts.coverage.ContactCoverage, set by the account page


def contact_org_chart(*, user: User, account: Account) -> list[OrgNode]:
    """The account's contacts as a forest following `reports_to` (one query).

    A contact whose manager is missing (another account's, or deleted) becomes a root, so
    nobody drops off the chart.
    """
    contacts = list(contact_list(user=user).filter(account=account).order_by("name"))
    now = timezone.now()
    nodes: dict[int | None, OrgNode] = {}
    for contact in contacts:
        last = contact.last_interaction_at
        contact.days_since_contact = (now - last).days if last else None
        contact.is_decider = contact.decision_role in DECISION_ROLES
        contact.unmet_decider = contact.is_decider and (
            last is None or (now - last).days > UNMET_DECISION_MAKER_DAYS
        )
        nodes[contact.pk] = OrgNode(contact)
    roots: list[OrgNode] = []
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


class EventPageRow(TypedDict):
    is_past: bool
    upcoming_on: dt.date | None


def event_page_list(
    *, user: User, today: dt.date | None = None
) -> QuerySet[WithAnnotations[Event, EventPageRow]]:
    """The events page: upcoming (not yet over) soonest first, then past ones newest first.

    `is_past` is annotated so the page can split the two without another query; the
    accounts come in one prefetch, so a page costs the same whatever the number of events.
    """
    today = today or timezone.localdate()
    # Only the accounts the user sees: another KAM's client stays unnamed. Into their own
    # attribute, so that `event.accounts` still means all of them to whoever asks.
    shown_accounts = access.event_visible_prefetches(user=user)["accounts"]
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
    contacts = (
        access.contact_scope(user=user).filter(pk__in=invited | attended).select_related("account")
    )
    groups: dict[int, tuple[Account, list[Contact]]] = {}
    for contact in contacts.order_by("account__name", "account_id", "name", "pk"):
        contact.was_invited, contact.came = contact.pk in invited, contact.pk in attended
        groups.setdefault(contact.account_id, (contact.account, []))[1].append(contact)
    return list(groups.values())


def contact_link_list(*, user: User) -> QuerySet[ContactLink]:
    """Links between people of the accounts the user sees, with both people at hand."""
    return access.contact_link_scope(user=user).select_related(
        "from_contact", "to_contact", "from_contact__account"
    )
