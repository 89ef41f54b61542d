"""The product categories plans asks about (see plans.categories): registered at start."""

from __future__ import annotations

from collections.abc import Iterable

from .models import ProductCategory


class ProductCategorySource:
    def choices(self) -> list[tuple[int, str]]:
        return list(
            ProductCategory.objects.filter(active=True).order_by("name").values_list("pk", "name")
        )

    def names(self, ids: Iterable[int]) -> dict[int, str]:
        return dict(ProductCategory.objects.filter(pk__in=list(ids)).values_list("pk", "name"))
