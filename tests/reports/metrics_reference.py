"""A plain-Python reference for DESIGN.md "Metric definitions", written straight from the
text and sharing no code with reports/metrics (periods, conversion and ranking are all
re-done here, with Fractions for the exact comparisons).

Input: plain dicts, not models. Output: {(period, external_id): row} and {period: portfolio}.
"""

from __future__ import annotations

import datetime as dt
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

CENT = Decimal("0.01")


def convert(amount: Decimal, currency: str, day: dt.date, rates: dict, base: str) -> Decimal:
    """Base amount: the currency's rate on the latest date on or before `day`, half-up."""
    if currency == base:
        return amount
    dates = [d for (c, d) in rates if c == currency and d <= day]
    rate = rates[(currency, max(dates))]
    return (amount * rate).quantize(CENT, rounding=ROUND_HALF_UP)


def _month_index(day: dt.date) -> int:
    return day.year * 12 + day.month - 1


def _first(index: int) -> dt.date:
    return dt.date(index // 12, index % 12 + 1, 1)


def _last(index: int) -> dt.date:
    return _first(index + 1) - dt.timedelta(days=1)


def calendar_periods(day: dt.date) -> list[tuple[str, str, int, int]]:
    """(label, kind, first month index, month count) of the month, quarter and year of day."""
    m = _month_index(day)
    q0 = day.year * 12 + (day.month - 1) // 3 * 3
    return [
        (f"{day.year}-{day.month:02d}", "month", m, 1),
        (f"{day.year}-Q{(day.month - 1) // 3 + 1}", "quarter", q0, 3),
        (f"{day.year}", "year", day.year * 12, 12),
    ]


def reference(
    *,
    lines: list[dict],
    accounts: dict[str, dict],
    categories: dict[str, bool],
    rates: dict,
    as_of: dt.date,
    base: str = "RUB",
    tier_a: Fraction = Fraction(8, 10),
    tier_b: Fraction = Fraction(95, 100),
) -> tuple[dict, dict]:
    converted = []
    for line in lines:
        cost = line.get("cost")
        converted.append(
            {
                "account": line["account"],
                "category": line["category"],
                "index": _month_index(line["date"]),
                "amount": convert(line["amount"], line["currency"], line["date"], rates, base),
                "cost": None
                if cost is None
                else convert(cost, line["currency"], line["date"], rates, base),
            }
        )
    periods = {}
    for line in lines:
        for label, kind, first, n in calendar_periods(line["date"]):
            periods[label] = (kind, first, n)
    ttm_first = _month_index(as_of) - 12
    periods["ttm"] = ("ttm", ttm_first, 12)
    active = [code for code, is_active in categories.items() if is_active]

    def figures(first: int, n: int) -> dict[str, dict]:
        out: dict[str, dict] = {}
        for line in converted:
            if first <= line["index"] < first + n:
                f = out.setdefault(
                    line["account"], {"rev": Decimal(0), "by_cat": {}, "c_amt": None, "c_m": None}
                )
                f["rev"] += line["amount"]
                f["by_cat"][line["category"]] = (
                    f["by_cat"].get(line["category"], Decimal(0)) + line["amount"]
                )
                if line["cost"] is not None:
                    f["c_amt"] = (f["c_amt"] or Decimal(0)) + line["amount"]
                    f["c_m"] = (f["c_m"] or Decimal(0)) + line["amount"] - line["cost"]
        return out

    def margin(f: dict | None) -> float | None:
        if f is None or f["c_amt"] is None or f["c_amt"] <= 0:
            return None
        return float(Fraction(f["c_m"]) / Fraction(f["c_amt"]))

    rows: dict = {}
    portfolio: dict = {}
    for label, (_kind, first, n) in periods.items():
        cur = figures(first, n)
        prev = figures(first - n, n)
        total = sum((f["rev"] for f in cur.values()), Decimal(0))
        ranking = sorted((a for a in cur if cur[a]["rev"] > 0), key=lambda a: (-cur[a]["rev"], a))
        running = Fraction(0)
        for a, f in cur.items():
            rev = f["rev"]
            share = Fraction(rev) / Fraction(total) if total > 0 else None
            row = {
                "period_start": _first(first),
                "period_end": _last(first + n - 1),
                "revenue": rev,
                "revenue_share": float(share) if share is not None else None,
                "rank": None,
                "cumulative_share": None,
                "tier": None if total <= 0 else "C",
            }
            potential = accounts[a]["potential"]
            row["penetration"] = (
                float(Fraction(rev) / (Fraction(potential) * n / 12)) if potential else None
            )
            row["category_penetration"] = (
                sum(1 for c in active if f["by_cat"].get(c, 0) > 0) / len(active)
                if active
                else None
            )
            p = prev.get(a)
            row["growth"] = (
                float(Fraction(rev) / Fraction(p["rev"]) - 1) if p and p["rev"] > 0 else None
            )
            row["margin_pct"] = margin(f)
            pm = margin(p)
            row["margin_change"] = (
                row["margin_pct"] - pm if row["margin_pct"] is not None and pm is not None else None
            )
            rows[(label, a)] = row
        for position, a in enumerate(ranking, start=1):
            row = rows[(label, a)]
            row["rank"] = position
            if total > 0:
                share = Fraction(cur[a]["rev"]) / Fraction(total)
                before = running
                running += share
                row["cumulative_share"] = float(running)
                row["tier"] = "A" if before < tier_a else "B" if before < tier_b else "C"
        shares = (
            sorted((Fraction(f["rev"]) / Fraction(total) for f in cur.values()), reverse=True)
            if total > 0
            else []
        )
        portfolio[label] = {
            "period_start": _first(first),
            "period_end": _last(first + n - 1),
            "total_revenue": total,
            "accounts_with_revenue": len(ranking),
            "tier_counts": {t: sum(1 for a in cur if rows[(label, a)]["tier"] == t) for t in "ABC"},
            "top10_share": float(sum(shares[:10])) if shares else None,
            "hhi": float(sum(s * s for s in shares if s > 0)) if shares else None,
            "concentration_risk": [
                a
                for a in ranking
                if total > 0 and Fraction(cur[a]["rev"]) / Fraction(total) >= Fraction(1, 10)
            ],
        }
    return rows, portfolio


def key_accounts(
    rows: dict, portfolio: dict, accounts: dict[str, dict], key_share: Fraction = Fraction(1, 10)
) -> dict[str, bool]:
    total = portfolio["ttm"]["total_revenue"]
    out = {}
    for a, info in accounts.items():
        row = rows.get(("ttm", a))
        out[a] = bool(
            info.get("strategic")
            or (row and row["tier"] == "A")
            or (row and total > 0 and Fraction(row["revenue"]) / Fraction(total) >= key_share)
        )
    return out
