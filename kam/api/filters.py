"""The search and ordering filters of every list (the project's DEFAULT_FILTER_BACKENDS).

Kept apart from kam.api.base: DRF reads DEFAULT_FILTER_BACKENDS while `rest_framework.generics`
loads, so this module must not import views or viewsets.
"""

from __future__ import annotations

from rest_framework import exceptions, filters


class StableOrderingFilter(filters.OrderingFilter):
    """`ordering` among the view's `ordering_fields` (an unknown one is a 400 naming it, not
    silently ignored; the schema lists them), always ending with the primary key, so pages
    never repeat or skip rows."""

    def remove_invalid_fields(self, queryset, fields, view, request):
        valid = super().remove_invalid_fields(queryset, fields, view, request)
        unknown = [term for term in fields if term not in valid]
        if unknown:
            allowed = ", ".join(self._choices(view))
            raise exceptions.ValidationError(
                {self.ordering_param: [f"Unknown ordering {', '.join(unknown)}; use {allowed}."]}
            )
        return valid

    def get_ordering(self, request, queryset, view):
        ordering = list(super().get_ordering(request, queryset, view) or queryset.query.order_by)
        if not any(o.lstrip("-") in ("pk", "id") for o in ordering):
            ordering.append("pk")
        return ordering

    @staticmethod
    def _choices(view) -> list[str]:
        fields = [f if isinstance(f, str) else f[0] for f in view.ordering_fields]
        return [term for field in fields for term in (field, f"-{field}")]

    def get_schema_operation_parameters(self, view):
        (parameter,) = super().get_schema_operation_parameters(view)
        parameter["description"] = "Sort by this field (`-field`: descending)."
        parameter["schema"] = {"type": "string", "enum": self._choices(view)}
        return [parameter]


class SearchFilter(filters.SearchFilter):
    """DRF's search, whose refusals name the `search` parameter like every other query
    parameter's (DRF's own says "Null characters are not allowed." with no field)."""

    def get_search_terms(self, request):
        try:
            return super().get_search_terms(request)
        except exceptions.ValidationError as exc:
            raise exceptions.ValidationError({self.search_param: exc.detail}) from None
