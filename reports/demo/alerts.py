"""The demo's alerts: the bell has something on first open.

The seed writes no metrics (`make demo` recomputes them next, then runs
`manage.py evaluate_alerts` again for the rules that read them), so here the rules that
read the KAMs' records fire: detractor surveys, tenders closing soon, overdue actions.
"""

from __future__ import annotations

import datetime as dt

from reports.alerts.services import alerts_evaluate
from reports.models import Notification


def demo_alerts(*, as_of: dt.date) -> int:
    """Evaluate the alert rules as of the demo's today; returns the notifications made."""
    alerts_evaluate(as_of=as_of)
    return Notification.objects.count()
