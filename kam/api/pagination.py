"""Page-number pagination for every list: `page` and `page_size` (at most 1000)."""

from __future__ import annotations

from django.core.paginator import EmptyPage, PageNotAnInteger, Paginator
from django.db.models import Count, Window
from rest_framework import exceptions
from rest_framework.pagination import PageNumberPagination

# An OFFSET the database can take (PostgreSQL and SQLite: 64-bit); `page=9202988112207105504`
# must be a 404, not an overflow.
MAX_OFFSET = 2**62


class WindowCountPaginator(Paginator):
    """Django's paginator runs `COUNT(*)` and then the page; here the page carries the total
    as `COUNT(*) OVER ()`, one round trip fewer on every list. An empty page (past the end,
    or no rows at all) falls back to the plain path, which raises or answers as Django does.
    """

    TOTAL = "_window_total"

    def page(self, number):
        query = getattr(self.object_list, "query", None)
        # DISTINCT would count rows before de-duplication: keep the exact COUNT there.
        if query is None or query.distinct or "count" in self.__dict__:
            return super().page(number)
        try:
            number = int(number)
        except (TypeError, ValueError) as exc:
            raise PageNotAnInteger(self.error_messages["invalid_page"]) from exc
        if number < 1:
            raise EmptyPage(self.error_messages["min_page"])
        bottom = (number - 1) * self.per_page
        if bottom > MAX_OFFSET:  # past any real list; the plain path answers "invalid page"
            return super().page(number)
        # A QuerySet here (it has a query); the stubs only know "something paginable".
        window = self.object_list.annotate(**{self.TOTAL: Window(Count("*"))})  # type: ignore[attr-defined]
        rows = list(window[bottom : bottom + self.per_page])
        if not rows:
            return super().page(number)
        first = rows[0]
        self.count = first[self.TOTAL] if isinstance(first, dict) else getattr(first, self.TOTAL)
        return self._get_page(rows, number, self)  # type: ignore[attr-defined]  # Django's hook


class Pagination(PageNumberPagination):
    """`page` and `page_size` (at most 1000), with `next`/`previous` links; the page and
    its total come from one query."""

    django_paginator_class = WindowCountPaginator
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 1000

    def get_page_size(self, request) -> int:
        """`page_size` from 1 to 1000; anything else is a 400 naming it (a larger one was
        silently cut to 1000 before, so a client could not tell it got less)."""
        raw = request.query_params.get(self.page_size_query_param)
        if raw is None:
            return self.page_size
        if not (raw.isascii() and raw.isdigit() and 1 <= int(raw) <= self.max_page_size):
            raise exceptions.ValidationError(
                {self.page_size_query_param: [f"A whole number from 1 to {self.max_page_size}."]}
            )
        return int(raw)

    def get_schema_operation_parameters(self, view):
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            if parameter["name"] == self.page_query_param:
                parameter["schema"]["minimum"] = 1
            elif parameter["name"] == self.page_size_query_param:
                parameter["schema"].update(minimum=1, maximum=self.max_page_size)
        return parameters
