"""The score of each account from its components, and the daily snapshot.

`score_facts` is the one place the weighted mean is taken: the nightly run, the
recompute of one account and the backtest all call it. A component with no data is left
out and the remaining weights rescale (it is never scored 0); score = Σ wᵢ·sᵢ / Σ wᵢ
over the included components, rounded half-up to one place.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
import logging
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.conf import settings as django_settings
from django.db import connection, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext

from reports.models import AccountHealth, HealthSettings

from .components import SCORERS, Facts, Part, explain
from .definitions import KEYS, LABELS
from .inputs import accounts_in_play, gather

logger = logging.getLogger(__name__)

ONE_PLACE = Decimal("0.1")
NEUTRAL = Decimal("50.0")  # nothing at all is known: the middle, never 0


@dataclass
class Scored:
    score: Decimal
    band: str
    parts: dict[str, Part]


def _round(x: float) -> Decimal:
    return Decimal(repr(x)).quantize(ONE_PLACE, rounding=ROUND_HALF_UP)


def score_parts(parts: dict[str, Part], *, weights: dict[str, int]) -> Decimal:
    """Σ wᵢ·sᵢ / Σ wᵢ over the included components with a weight > 0, one place."""
    num = den = 0.0
    for key, part in parts.items():
        w = weights.get(key, 0)
        if part.score is not None and w > 0:
            num += w * part.score
            den += w
    return _round(num / den) if den else NEUTRAL


def score_facts(facts: Facts, *, hs: HealthSettings) -> Scored:
    parts = {key: SCORERS[key](facts) for key in KEYS}
    weights = {key: hs.weight_of(key) for key in KEYS}
    score = score_parts(parts, weights=weights)
    return Scored(score=score, band=hs.band_of(score), parts=parts)


def components_json(
    scored: Scored,
    *,
    hs: HealthSettings,
    tr: Callable[[Any], str] = gettext,
    label_of: dict[str, str] | None = None,
) -> list[dict]:
    """The stored list: key, label, value, score, weight (its share after the left-out ones
    are redistributed, in %), points (weight × score / 100: the points sum to the score)
    and one sentence; a left-out component has score, weight and points null."""
    weights = {key: hs.weight_of(key) for key in KEYS}
    labels = {key: str(LABELS[key]) for key in KEYS} if label_of is None else label_of
    included = sum(w for k, w in weights.items() if scored.parts[k].score is not None and w > 0)
    out = []
    for key in KEYS:
        part = scored.parts[key]
        w = weights[key]
        if part.score is None or not included:
            share = points = None
        else:
            share = round(100 * w / included, 1)
            points = round(w / included * part.score, 1)
        out.append(
            {
                "key": key,
                "label": labels[key],
                "value": part.value,
                "score": None if part.score is None else round(part.score, 1),
                "weight": share,
                "points": points,
                "explanation": explain(key, part, tr),
                "facts": part.facts,  # lets a page re-render the sentence in its language
                "configured_weight": w,
            }
        )
    return out


COLUMNS = ("account_id", "date", "score", "band", "components", "computed_at")


def _insert(rows: list[tuple]) -> None:
    """COPY on PostgreSQL (bulk_create's quoting of 10 000 JSON documents costs seconds);
    bulk_create elsewhere."""
    if connection.vendor != "postgresql":
        AccountHealth.objects.bulk_create(
            [AccountHealth(**dict(zip(COLUMNS, r, strict=True))) for r in rows], batch_size=2000
        )
        return
    table = connection.ops.quote_name(AccountHealth._meta.db_table)
    sql = f"COPY {table} ({', '.join(COLUMNS)}) FROM STDIN"
    with connection.cursor() as cursor, cursor.copy(sql) as copy:
        for pk, day, score, band, components, at in rows:
            copy.write_row((pk, day, score, band, json.dumps(components), at))


def account_health_compute(
    *, as_of: dt.date | None = None, account_ids: Iterable[int] | None = None
) -> int:
    """Replace the snapshot of `as_of` (default today) for `account_ids` (default every
    account with an owner); returns the rows written. Idempotent: a rerun replaces the day."""
    day = as_of or timezone.localdate()
    started = time.monotonic()
    every = account_ids is None
    ids = accounts_in_play(account_ids)
    hs = HealthSettings.load()
    facts = gather(as_of=day, account_ids=ids, every=every)
    now = timezone.now()
    rows = []
    # Stored sentences are in the site's language; pages re-render them in the reader's.
    with translation.override(django_settings.LANGUAGE_CODE):
        tr = functools.cache(gettext)  # a few sentences, many accounts
        labels = {key: str(LABELS[key]) for key in KEYS}
        for pk in ids:
            scored = score_facts(facts[pk], hs=hs)
            parts = components_json(scored, hs=hs, tr=tr, label_of=labels)
            rows.append((pk, day, scored.score, scored.band, parts, now))
    with transaction.atomic():
        stale = AccountHealth.objects.filter(date=day)
        if not every:
            stale = stale.filter(account_id__in=ids)
        stale.delete()
        _insert(rows)
    logger.info(
        "health: %d accounts as of %s in %.2f s", len(rows), day, time.monotonic() - started
    )
    return len(rows)
