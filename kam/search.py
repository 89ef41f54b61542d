"""The search of the top bar: accounts, contacts (with their company) and tenders in one
page, each list scoped by accounts.access through its app's selector. It lives here
because it composes two apps (accounts and plans); the matching rule is kam.textsearch."""

from __future__ import annotations

from django.http import HttpResponse
from django.shortcuts import render

from accounts.access import page_view
from accounts.selectors import account_search, contact_search
from kam.http import AuthenticatedHttpRequest
from kam.textsearch import MIN_QUERY
from plans.selectors import tender_search

ROWS = 10  # per kind on the page; "more" shows that there are more to narrow down


@page_view
def search(request: AuthenticatedHttpRequest) -> HttpResponse:
    query = request.GET.get("q", "").replace("\x00", "").strip()[:200]
    context: dict = {"query": query, "too_short": 0 < len(query) < MIN_QUERY, "groups": []}
    if len(query) >= MIN_QUERY:
        for key, rows in (
            ("accounts", account_search(user=request.user, query=query)),
            ("contacts", contact_search(user=request.user, query=query)),
            ("tenders", tender_search(user=request.user, query=query)),
        ):
            found = list(rows[: ROWS + 1])
            context["groups"].append((key, found[:ROWS], len(found) > ROWS))
        context["found"] = any(rows for _key, rows, _more in context["groups"])
    template = "_search_results.html" if request.htmx else "search.html"
    return render(request, template, context)
