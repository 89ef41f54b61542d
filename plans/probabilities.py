"""Stage probabilities of the pipeline (DESIGN.md: the weighted pipeline): defaults, and
the head's settings over them (`StageProbability` rows)."""

from __future__ import annotations

from decimal import Decimal

from .models import Opportunity, StageProbability, Tender

OPPORTUNITY = StageProbability.Kind.OPPORTUNITY
TENDER = StageProbability.Kind.TENDER

# DESIGN.md, "Contracts, targets, opportunities and the forecast" — in percent.
DEFAULTS: dict[str, dict[str, int]] = {
    OPPORTUNITY: {
        Opportunity.Stage.IDEA: 10,
        Opportunity.Stage.QUALIFIED: 25,
        Opportunity.Stage.PROPOSAL: 50,
        Opportunity.Stage.NEGOTIATION: 75,
    },
    TENDER: {
        Tender.Stage.IDENTIFIED: 10,
        Tender.Stage.PREPARING: 25,
        Tender.Stage.SUBMITTED: 50,
    },
}


def stage_probabilities() -> dict[str, dict[str, int]]:
    """{kind: {open stage: percent}}: the head's settings over the defaults (one query)."""
    table = {kind: dict(stages) for kind, stages in DEFAULTS.items()}
    for kind, stage, percent in StageProbability.objects.values_list("kind", "stage", "percent"):
        if stage in table.get(kind, {}):
            table[kind][stage] = percent
    return table


def opportunity_percent(opportunity: Opportunity, table: dict[str, dict[str, int]]) -> int:
    """An opportunity's probability: its own if set, else its stage's; won 100, lost 0."""
    if opportunity.stage == Opportunity.Stage.WON:
        return 100
    if opportunity.stage == Opportunity.Stage.LOST:
        return 0
    if opportunity.probability is not None:
        return opportunity.probability
    return table[OPPORTUNITY].get(opportunity.stage, 0)


def weighted(value: Decimal, percent: int) -> Decimal:
    return (value * percent / 100).quantize(Decimal("0.01"))
