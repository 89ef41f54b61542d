"""The demo's contracts: a frame agreement or supply contract for every key account, two of
them renewing soon (one with its signed PDF), the key accounts' revenue lines since the
start brought under them, so the contract page, the calendar, the home card and the
renewal reminder tell a story on first open."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import TYPE_CHECKING

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db.models import OuterRef, Subquery

from accounts.models import Account
from plans.models import Contract
from plans.services import document_add
from reports.models import RevenueLine

if TYPE_CHECKING:
    from .builder import DemoBuilder

RENEWING = 2
# The smallest well-formed PDF that says what it is: enough for the upload's content check.
DEMO_PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
)
TITLES = {
    True: ("Рамочный договор поставки", "Договор поставки", "Сервисный договор"),
    False: ("Frame supply agreement", "Supply agreement", "Service agreement"),
}
KINDS = (Contract.Kind.FRAME, Contract.Kind.SUPPLY, Contract.Kind.SERVICE)


def plant_contracts(builder: DemoBuilder) -> None:
    rng, as_of = builder.rng, builder.as_of
    key_plans = [p for p in builder.plans if p.key and p.status != Account.Status.LOST]
    rows = []
    for n, plan in enumerate(key_plans):
        account = plan.account
        notice_days = rng.choice([30, 60, 90])
        if n < RENEWING:
            # Notice date in two to six weeks: on the home card, the calendar, the alerts.
            end = as_of + dt.timedelta(days=notice_days + rng.randint(14, 42))
        else:
            end = as_of + dt.timedelta(days=notice_days + rng.randint(120, 700))
        start = end - dt.timedelta(days=rng.choice([730, 1095]))
        kind = KINDS[n % len(KINDS)]
        value = Decimal(round(builder._annual(plan) * rng.uniform(0.4, 0.8), -3))
        rows.append(
            Contract(
                account=account,
                number=f"{account.external_id}-{start.year}/{n + 1}",
                title=TITLES[plan.russian][n % len(KINDS)],
                kind=kind,
                status=Contract.Status.ACTIVE,
                start_date=start,
                end_date=end,
                notice_days=notice_days,
                auto_renewal=n % 2 == 1,
                annual_value=value.quantize(Decimal("0.01")),
                currency=builder.base,
                payment_terms=rng.choice(["30 days net", "45 days net", "prepayment 30 %"]),
                client_signatory=plan.contacts[0] if plan.contacts else None,
                our_signatory=account.owner,
            )
        )
    contracts = builder._bulk(Contract, rows, "contracts")
    # Each account's lines since its contract started, in one UPDATE for all of them.
    since = Contract.objects.filter(
        account_id=OuterRef("account_id"), start_date__lte=OuterRef("date")
    ).order_by("-start_date", "-pk")
    RevenueLine.objects.filter(account_id__in=[c.account_id for c in contracts]).update(
        contract=Subquery(since.values("pk")[:1])
    )
    first = contracts[0] if contracts else None
    if first is not None and first.account.owner is not None:
        document_add(
            user=first.account.owner,
            contract=first,
            file=SimpleUploadedFile(f"{first.number.replace('/', '-')}.pdf", DEMO_PDF),
        )
        builder.counts["contract documents"] += 1
