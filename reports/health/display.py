"""A stored snapshot as a reader sees it: labels and sentences in the active language."""

from __future__ import annotations

from reports.models import AccountHealth

from .components import Part, explain
from .definitions import LABELS


def components_for_display(row: AccountHealth) -> list[dict]:
    """The row's components with label and explanation re-rendered in the active language
    (stored in the site's); the API keys only: key, label, value, score, weight, points,
    explanation (plus `included`, for templates)."""
    out = []
    for c in row.components:
        key = c["key"]
        sentence = c.get("explanation", "")
        if key in LABELS and "facts" in c:
            sentence = explain(key, Part(c.get("value"), c.get("score"), c.get("facts") or {}))
        out.append(
            {
                "key": key,
                "label": str(LABELS.get(key, c.get("label", key))),
                "value": c.get("value"),
                "score": c.get("score"),
                "weight": c.get("weight"),
                "points": c.get("points"),
                "explanation": sentence,
                "included": c.get("score") is not None and c.get("weight") is not None,
            }
        )
    return out
