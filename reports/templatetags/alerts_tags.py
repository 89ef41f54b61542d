"""The bell of the top bar: the signed-in person's unread notifications (one COUNT).

Written by Python (it is in the frame of every page): `{% notification_bell %}` on every
page, `{% bell unread_count oob=True %}` where htmx swaps the count after a change.
"""

from __future__ import annotations

from django import template
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import ngettext

from accounts.access import can_use_pages
from accounts.templatetags.kam_ui import url_for
from reports.alerts.selectors import notification_unread_count

register = template.Library()

ICON = (
    '<svg aria-hidden="true" focusable="false" viewBox="0 0 24 24" width="22" height="22" '
    'fill="currentColor"><path d="M12 22c1.1 0 2-.9 2-2h-4c0 1.1.9 2 2 2zm6-6v-5c0-3.07-1.64'
    "-5.64-4.5-6.32V4c0-.83-.67-1.5-1.5-1.5s-1.5.67-1.5 1.5v.68C7.63 5.36 6 7.92 6 11v5l-2 "
    '2v1h16v-1l-2-2z"/></svg>'
)


@register.simple_tag
def bell(unread_count: int, oob: bool = False) -> SafeString:
    label = ngettext("Notifications: %(n)s unread", "Notifications: %(n)s unread", unread_count) % {
        "n": unread_count
    }
    count = (
        f'<span class="bell-count" aria-hidden="true">'
        f"{'99+' if unread_count > 99 else unread_count}</span>"
        if unread_count
        else ""
    )
    classes = "bell has-unread" if unread_count else "bell"
    swap = ' hx-swap-oob="true"' if oob else ""
    return mark_safe(  # noqa: S308 - the only texts are the escaped label and our numbers
        f'<a id="bell" class="{classes}" href="{escape(url_for("alerts:notifications"))}"'
        f'{swap} aria-label="{escape(label)}">{ICON}{count}</a>'
    )


@register.simple_tag(takes_context=True)
def notification_bell(context) -> str:
    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or not can_use_pages(user):
        return ""
    return bell(notification_unread_count(user=user))
