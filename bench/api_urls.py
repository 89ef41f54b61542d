"""bench/api.py's urlconf: the product's URLs plus the bare Django view it compares with.

The bare view returns the same 50 rows as `GET /api/v1/accounts/?page_size=50` with the
bench's filter and ordering, straight from `QuerySet.values()` into a JsonResponse: no
authentication, no serializer, no pagination count — the floor our API is measured against.
"""

from __future__ import annotations

from django.http import JsonResponse
from django.urls import path

from accounts.models import Account
from kam.urls import urlpatterns as product_urlpatterns

FIELDS = (
    "id",
    "external_id",
    "name",
    "legal_name",
    "tax_id",
    "parent_id",
    "region_id",
    "industry_id",
    "status",
    "owner__username",
    "potential_annual",
    "strategic",
    "notes",
    "tier",
    "is_key",
    "ttm_revenue",
    "ttm_share",
    "ttm_penetration",
    "ttm_growth",
    "created_at",
    "updated_at",
)


def bare_accounts(request):
    qs = Account.objects.filter(
        region_id=request.GET["region"], status=request.GET["status"]
    ).order_by("-ttm_revenue", "pk")
    return JsonResponse(list(qs.values(*FIELDS)[:50]), safe=False)


urlpatterns = [path("bench/bare-accounts/", bare_accounts), *product_urlpatterns]
