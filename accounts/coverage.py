"""Relationship coverage: who on our side knows whom at the client, and the gaps.

From the interaction log: an interaction's `author` is our person who was there, its
`contacts` the client's people. For each contact and each of our people who met them
(DESIGN.md, "Health, coverage and the portfolio matrix"):

    strength = round(100 × (0.6·r + 0.4·f))
    r = max(0, 1 − days since their last interaction together / 180)
    f = min(1, interactions together in the last 90 days / 6)

Days are calendar days in the site's time zone, as of `as_of` (today by default); an
interaction counts as "in the last 90 days" when it is at most 90 days old, the org chart's
"not met in 90 days" rule. Interactions dated after `as_of` are not seen, so a past date
gives the coverage as it was.

Gaps per account, each with a sentence naming the people:
- `no_champion`: no contact is marked champion;
- `unmet_decider`: a decision maker or economic buyer nobody met in 90 days;
- `single_threaded`: one contact was in ≥ 70 % of the account's interactions of the last
  90 days, with ≥ 3 interactions;
- `one_person`: one of our people holds every relationship (strength > 0) with the
  client's people, and those are at least two people.

Set-based: whatever the number of accounts and contacts, four queries (interaction pairs,
interactions per account, contacts, links). This module computes no health score; the
health job (reports) keeps its own formulas.
"""

from __future__ import annotations

import datetime as dt
import math
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from fractions import Fraction

from django.db.models import Count, Max, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from . import access
from .models import Account, Contact, ContactLink, Interaction, User

RECENCY_DAYS = 180
WINDOW_DAYS = 90
FULL_FREQUENCY = 6  # interactions in the window that make f = 1
SINGLE_THREAD_SHARE = Fraction(7, 10)
SINGLE_THREAD_MIN_INTERACTIONS = 3
ONE_PERSON_MIN_CONTACTS = 2
DECIDERS = (Contact.DecisionRole.DECISION_MAKER, Contact.DecisionRole.ECONOMIC_BUYER)
# Bands of a strength, for the badge beside a person (text, never colour alone).
STRONG, MEDIUM = 70, 40


def strength(*, days_since: int, interactions_90d: int) -> int:
    """DESIGN's strength, computed exactly (fractions) and rounded half up."""
    r = max(Fraction(0), 1 - Fraction(days_since, RECENCY_DAYS))
    f = min(Fraction(1), Fraction(interactions_90d, FULL_FREQUENCY))
    value = 100 * (Fraction(3, 5) * r + Fraction(2, 5) * f)
    return math.floor(value + Fraction(1, 2))


def strength_band(value: int) -> str:
    return "strong" if value >= STRONG else "medium" if value >= MEDIUM else "weak"


@dataclass(frozen=True)
class Cover:
    """One of our people and one contact: how well they know each other."""

    user_id: int
    username: str
    full_name: str
    last_met: dt.date
    days_since: int
    interactions_90d: int
    strength: int

    @property
    def band(self) -> str:
        return strength_band(self.strength)

    @property
    def band_label(self) -> str:
        return {"strong": _("strong"), "medium": _("medium"), "weak": _("weak")}[self.band]

    @property
    def initials(self) -> str:
        parts = self.full_name.split()
        return "".join(p[0] for p in parts[:2]).upper() if parts else self.username[:2].upper()


@dataclass
class ContactCoverage:
    contact: Contact
    covers: list[Cover] = field(default_factory=list)  # strongest first
    last_met: dt.date | None = None  # by anyone on our side (an author since removed too)
    days_since: int | None = None
    interactions_90d: int = 0

    @property
    def is_decider(self) -> bool:
        return self.contact.decision_role in DECIDERS

    @property
    def unmet(self) -> bool:
        return self.days_since is None or self.days_since > WINDOW_DAYS

    @property
    def live_covers(self) -> list[Cover]:
        return [c for c in self.covers if c.strength > 0]


GAP_TITLES = {
    "no_champion": gettext_lazy("No champion"),
    "unmet_decider": gettext_lazy("Decision maker not met"),
    "single_threaded": gettext_lazy("Single-threaded"),
    "one_person": gettext_lazy("One person holds it all"),
}


@dataclass(frozen=True)
class Gap:
    kind: str  # a key of GAP_TITLES
    message: str
    contacts: tuple[int, ...] = ()
    users: tuple[str, ...] = ()  # usernames

    @property
    def title(self) -> str:
        return str(GAP_TITLES[self.kind])


@dataclass
class AccountCoverage:
    account: Account
    as_of: dt.date
    contacts: list[ContactCoverage]
    interactions_90d: int
    links: list[ContactLink]
    gaps: list[Gap] = field(default_factory=list)

    @property
    def by_contact(self) -> dict[int, ContactCoverage]:
        return {cc.contact.pk: cc for cc in self.contacts}

    @property
    def people(self) -> list[Cover]:
        """Our people who met any of the account's contacts: each with their strongest cover."""
        best: dict[int, Cover] = {}
        for cc in self.contacts:
            for cover in cc.covers:
                if cover.user_id not in best or cover.strength > best[cover.user_id].strength:
                    best[cover.user_id] = cover
        return sorted(best.values(), key=lambda c: (-c.strength, c.full_name))


def _local_midnight(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def _full_name(first: str, last: str, username: str) -> str:
    return f"{first} {last}".strip() or username


def coverage_for_accounts(
    *, accounts: Iterable[Account], contacts: QuerySet[Contact], as_of: dt.date | None = None
) -> dict[int, AccountCoverage]:
    """Coverage and gaps of `accounts` (already scoped) from `contacts` (the scoped contact
    rows to consider), as of a date; four queries whatever their number."""
    as_of = as_of or timezone.localdate()
    by_pk = {a.pk: a for a in accounts}
    end = _local_midnight(as_of + dt.timedelta(days=1))
    window_start = _local_midnight(as_of - dt.timedelta(days=WINDOW_DAYS))
    ids = list(by_pk)
    seen = Q(
        interaction__account_id__in=ids,
        interaction__deleted_at__isnull=True,  # a join: the manager does not filter here
        interaction__occurred_at__lt=end,
    )
    pairs = (
        Interaction.contacts.through.objects.filter(seen)
        .values(
            "contact_id",
            "interaction__author_id",
            "interaction__author__username",
            "interaction__author__first_name",
            "interaction__author__last_name",
        )
        .annotate(
            last=Max("interaction__occurred_at"),
            recent=Count("interaction_id", filter=Q(interaction__occurred_at__gte=window_start)),
        )
        .order_by()
    )
    totals = dict(
        Interaction.objects.filter(
            account_id__in=ids, occurred_at__lt=end, occurred_at__gte=window_start
        )
        .values("account_id")
        .annotate(n=Count("pk"))
        .order_by()
        .values_list("account_id", "n")
    )
    people = {
        c.pk: ContactCoverage(c) for c in contacts.filter(account_id__in=ids).order_by("name", "pk")
    }
    for row in pairs:
        cc = people.get(row["contact_id"])
        if cc is None:
            continue
        last = timezone.localdate(row["last"])
        days = (as_of - last).days
        cc.interactions_90d += row["recent"]
        if cc.days_since is None or days < cc.days_since:
            cc.last_met, cc.days_since = last, days
        if row["interaction__author_id"] is None:
            continue  # its author's user was removed: the contact was met, by nobody now
        cc.covers.append(
            Cover(
                user_id=row["interaction__author_id"],
                username=row["interaction__author__username"],
                full_name=_full_name(
                    row["interaction__author__first_name"],
                    row["interaction__author__last_name"],
                    row["interaction__author__username"],
                ),
                last_met=last,
                days_since=days,
                interactions_90d=row["recent"],
                strength=strength(days_since=days, interactions_90d=row["recent"]),
            )
        )
    links_by_account: dict[int, list[ContactLink]] = defaultdict(list)
    links = (
        ContactLink.objects.filter(from_contact__in=list(people), to_contact__in=list(people))
        .select_related("from_contact", "to_contact")
        .order_by("from_contact__name", "kind", "to_contact__name", "pk")
    )
    for link in links:
        links_by_account[link.from_contact.account_id].append(link)
    by_account: dict[int, list[ContactCoverage]] = defaultdict(list)
    for cc in people.values():
        cc.covers.sort(key=lambda c: (-c.strength, c.full_name, c.user_id))
        by_account[cc.contact.account_id].append(cc)
    result = {}
    for pk, account in by_pk.items():
        coverage = AccountCoverage(
            account=account,
            as_of=as_of,
            contacts=by_account.get(pk, []),
            interactions_90d=totals.get(pk, 0),
            links=links_by_account.get(pk, []),
        )
        coverage.gaps = account_gaps(coverage)
        result[pk] = coverage
    return result


def _days_text(cc: ContactCoverage) -> str:
    if cc.days_since is None:
        return _("never met")
    return ngettext("last met %(days)d day ago", "last met %(days)d days ago", cc.days_since) % {
        "days": cc.days_since
    }


def account_gaps(coverage: AccountCoverage) -> list[Gap]:
    """The gaps of one account's coverage (see the module's docstring), in a fixed order."""
    gaps: list[Gap] = []
    contacts = coverage.contacts
    if not any(cc.contact.decision_role == Contact.DecisionRole.CHAMPION for cc in contacts):
        gaps.append(
            Gap(
                "no_champion",
                _(
                    "Nobody at %(account)s is marked champion: find the person who sells "
                    "for us inside the client."
                )
                % {"account": coverage.account.name},
            )
        )
    unmet = [cc for cc in contacts if cc.is_decider and cc.unmet]
    if unmet:
        names = "; ".join(
            f"{cc.contact.name} ({cc.contact.get_decision_role_display().lower()}, "
            f"{_days_text(cc)})"
            for cc in unmet
        )
        gaps.append(
            Gap(
                "unmet_decider",
                ngettext(
                    "A decision maker nobody met in %(days)d days: %(names)s.",
                    "Decision makers nobody met in %(days)d days: %(names)s.",
                    len(unmet),
                )
                % {"days": WINDOW_DAYS, "names": names},
                contacts=tuple(cc.contact.pk for cc in unmet),
            )
        )
    total = coverage.interactions_90d
    if total >= SINGLE_THREAD_MIN_INTERACTIONS and contacts:
        top = max(contacts, key=lambda cc: (cc.interactions_90d, -cc.contact.pk))
        if Fraction(top.interactions_90d, total) >= SINGLE_THREAD_SHARE:
            gaps.append(
                Gap(
                    "single_threaded",
                    _(
                        "%(name)s was in %(n)d of the %(total)d interactions of the last "
                        "%(days)d days (%(pct)d %%): meet other people there too."
                    )
                    % {
                        "name": top.contact.name,
                        "n": top.interactions_90d,
                        "total": total,
                        "days": WINDOW_DAYS,
                        "pct": math.floor(100 * top.interactions_90d / total),
                    },
                    contacts=(top.contact.pk,),
                )
            )
    holders = {c.user_id: c for cc in contacts for c in cc.live_covers}
    covered = [cc for cc in contacts if cc.live_covers]
    if len(holders) == 1 and len(covered) >= ONE_PERSON_MIN_CONTACTS:
        (holder,) = holders.values()
        gaps.append(
            Gap(
                "one_person",
                ngettext(
                    "%(user)s holds every relationship (%(n)d person): nobody else on our "
                    "side has met them in %(days)d days.",
                    "%(user)s holds every relationship (%(n)d people): nobody else on our "
                    "side has met them in %(days)d days.",
                    len(covered),
                )
                % {"user": holder.full_name, "n": len(covered), "days": RECENCY_DAYS},
                contacts=tuple(cc.contact.pk for cc in covered),
                users=(holder.username,),
            )
        )
    return gaps


# --- Scoped reads for pages and the API ---------------------------------------------------
def account_coverage(
    *, user: User, account: Account, as_of: dt.date | None = None
) -> AccountCoverage:
    """One account's coverage as the user may see it (the caller found the account in
    their scope; the contacts are scoped again here)."""
    contacts = access.contact_scope(user=user)
    return coverage_for_accounts(accounts=[account], contacts=contacts, as_of=as_of)[account.pk]


def contact_coverage(
    *, user: User, contact: Contact, as_of: dt.date | None = None
) -> ContactCoverage:
    """Who on our side covers one contact (found in the user's scope by the caller)."""
    contacts = access.contact_scope(user=user).filter(pk=contact.pk)
    coverage = coverage_for_accounts(accounts=[contact.account], contacts=contacts, as_of=as_of)
    found = coverage[contact.account_id].by_contact.get(contact.pk)
    return found or ContactCoverage(contact)
