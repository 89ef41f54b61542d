"""bench/api.py's urlconf: the product's URLs plus two views it compares with.

- the bare view returns the same 50 rows as `GET /api/v1/accounts/?page_size=50` with the
  bench's filter and ordering, straight from `QuerySet.values()` into a JsonResponse: no
  authentication, no serializer, no pagination count — the floor we are measured against;
- a reference: what DRF gives out of the box for the same rows (a ListAPIView with a
  ModelSerializer of the same fields, DRF's JSON renderer and the project's default auth,
  filter and paginator), to show what the optimisations of the real endpoint buy.
"""

from __future__ import annotations

from django.http import JsonResponse
from django.urls import path
from rest_framework import generics, renderers, serializers

from accounts.api.serializers import AccountSerializer
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


class DefaultAccountSerializer(serializers.ModelSerializer):
    owner = serializers.SlugRelatedField(slug_field="username", read_only=True)
    team = serializers.SlugRelatedField(slug_field="username", many=True, read_only=True)

    class Meta:
        model = Account
        fields = AccountSerializer.Meta.fields


class DefaultAccountList(generics.ListAPIView):
    queryset = Account.objects.select_related("owner").prefetch_related("team")
    serializer_class = DefaultAccountSerializer
    filterset_fields = ["region", "status"]
    ordering_fields = ["ttm_revenue"]
    renderer_classes = [renderers.JSONRenderer]  # DRF's own, not the project's orjson one


urlpatterns = [
    path("bench/bare-accounts/", bare_accounts),
    path("bench/drf-default-accounts/", DefaultAccountList.as_view()),
    *product_urlpatterns,
]
