"""The bell of the top bar: the signed-in person's unread notifications (one COUNT)."""

from __future__ import annotations

from django import template

from accounts.access import can_use_pages
from reports.alerts.selectors import notification_unread_count

register = template.Library()


@register.inclusion_tag("reports/alerts/_bell.html", takes_context=True)
def notification_bell(context):
    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or not can_use_pages(user):
        return {"show": False}
    return {"show": True, "unread_count": notification_unread_count(user=user)}
