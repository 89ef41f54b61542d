"""Metrics read API: /api/v1/metrics/…, /api/v1/accounts/{id}/metrics/ and /whitespace/.

Money is a decimal string with 2 places, ratios are JSON numbers (DESIGN.md). Views only
parse input, call a selector and serialize.
"""

from __future__ import annotations

from typing import cast

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError
from django.db.models import F, QuerySet
from django.http import Http404
from django.urls import reverse
from django_filters import rest_framework as filters
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics, serializers, status
from rest_framework.exceptions import PermissionDenied
from rest_framework.filters import OrderingFilter
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.access import IsErpClient, IsHeadOrAdmin
from accounts.models import Account, User
from kam.api.filters import StableOrderingFilter
from kam.http import AuthenticatedRequest
from reports import selectors
from reports.metrics.periods import KINDS, parse_period
from reports.metrics.run import metric_run_request
from reports.models import AccountMetric, MetricRun, PortfolioMetric

PERIOD_HELP = "2025-07 (month), 2025-Q3 (quarter), 2025 (year) or ttm (last 12 months)"
PERIOD_PARAM = OpenApiParameter("period", OpenApiTypes.STR, required=True, description=PERIOD_HELP)


def _period_from(request: Request, *, default: str | None = None):
    text = request.query_params.get("period", default)
    if not text:
        raise serializers.ValidationError({"period": [f"Required: {PERIOD_HELP}."]})
    try:
        return parse_period(text)
    except ValidationError as exc:
        raise serializers.ValidationError({"period": exc.message_dict["period"]}) from exc


# --- serializers ----------------------------------------------------------------------
class TierField(serializers.CharField):
    """Stored as '' when the period's total is ≤ 0; clients get null."""

    def to_representation(self, value):
        return value or None


class AccountMetricSerializer(serializers.ModelSerializer):
    account = serializers.CharField(source="account.external_id")
    revenue = serializers.DecimalField(max_digits=18, decimal_places=2)
    tier = TierField(allow_null=True)

    class Meta:
        model = AccountMetric
        fields = [
            "account",
            "period",
            "period_start",
            "period_end",
            "revenue",
            "revenue_share",
            "cumulative_share",
            "rank",
            "tier",
            "penetration",
            "category_penetration",
            "growth",
            "margin_pct",
            "margin_change",
            "computed_at",
            "run",
        ]
        read_only_fields = fields


class PortfolioMetricSerializer(serializers.ModelSerializer):
    total_revenue = serializers.DecimalField(max_digits=20, decimal_places=2)
    tier_counts = serializers.DictField(child=serializers.IntegerField())
    concentration_risk = serializers.ListField(child=serializers.CharField())

    class Meta:
        model = PortfolioMetric
        fields = [
            "period",
            "period_start",
            "period_end",
            "total_revenue",
            "accounts_with_revenue",
            "tier_counts",
            "top10_share",
            "hhi",
            "concentration_risk",
            "computed_at",
            "run",
        ]
        read_only_fields = fields


class MetricRunSerializer(serializers.ModelSerializer):
    requested_by: serializers.SlugRelatedField = serializers.SlugRelatedField(
        slug_field="username", read_only=True
    )

    class Meta:
        model = MetricRun
        fields = [
            "id",
            "requested_at",
            "requested_by",
            "started_at",
            "finished_at",
            "as_of",
            "full",
            "status",
            "periods_recomputed",
            "periods_unchanged",
            "rows",
            "duration_s",
            "error",
            "note",
            "details",
        ]
        read_only_fields = fields


class MetricRunRequestSerializer(serializers.Serializer):
    as_of = serializers.DateField(
        required=False, help_text="the date ttm is computed as of; default today"
    )
    full = serializers.BooleanField(
        required=False, default=False, help_text="recompute every period, changed or not"
    )


class WhitespaceCategorySerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()
    revenue = serializers.DecimalField(max_digits=18, decimal_places=2)
    bought = serializers.BooleanField()


class WhitespaceSerializer(serializers.Serializer):
    account = serializers.CharField()
    period = serializers.CharField()
    period_start = serializers.DateField()
    period_end = serializers.DateField()
    category_penetration = serializers.FloatField(allow_null=True)
    categories = WhitespaceCategorySerializer(many=True)


# --- filters --------------------------------------------------------------------------
class AccountMetricFilter(filters.FilterSet):
    tier = filters.ChoiceFilter(choices=Account.Tier.choices)
    account = filters.CharFilter(field_name="account__external_id", help_text="external id")
    owner = filters.CharFilter(field_name="account__owner__username", help_text="username")
    region = filters.CharFilter(field_name="account__region__code", help_text="region code")

    class Meta:
        model = AccountMetric
        fields = ["tier", "account", "owner", "region"]


class NullsLastOrdering(StableOrderingFilter):
    """Ordering where accounts without a value (null growth, penetration…) come last; ties
    by external id, like the ranking."""

    def filter_queryset(self, request, queryset, view):
        # DRF's own choice of terms (validated by remove_invalid_fields), without the
        # primary key StableOrderingFilter appends: rows tie by external id here.
        ordering = OrderingFilter.get_ordering(self, request, queryset, view)
        if not ordering:
            return queryset
        terms = [
            F(o[1:]).desc(nulls_last=True) if o.startswith("-") else F(o).asc(nulls_last=True)
            for o in ordering
        ]
        return queryset.order_by(*terms, "account__external_id")


class HistoryFilter(filters.FilterSet):
    kind = filters.ChoiceFilter(field_name="period_kind", choices=[(k, k) for k in KINDS])

    class Meta:
        model = AccountMetric
        fields = ["kind"]


# --- views ----------------------------------------------------------------------------
@extend_schema(parameters=[PERIOD_PARAM])
class AccountMetricList(generics.ListAPIView):
    """One period's rows; a KAM sees the rows of their own accounts."""

    request: AuthenticatedRequest  # IsAuthenticated (the default) admits signed-in users only
    serializer_class = AccountMetricSerializer
    integration_can_read = True  # the ERP reads the metrics back (accounts.access)
    filter_backends = [filters.DjangoFilterBackend, NullsLastOrdering]
    filterset_class = AccountMetricFilter
    ordering_fields = ["revenue", "revenue_share", "penetration", "growth", "rank"]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return AccountMetric.objects.none()
        period = _period_from(self.request)
        # Default order: the ranking (rank 1 first), accounts without revenue after.
        return selectors.account_metric_list(user=self.request.user, period=period).order_by(
            F("rank").asc(nulls_last=True), "account__external_id"
        )


class PortfolioMetricView(APIView):
    """Company-wide totals of one period — the same for every role."""

    integration_can_read = True

    @extend_schema(parameters=[PERIOD_PARAM], responses=PortfolioMetricSerializer)
    def get(self, request: AuthenticatedRequest) -> Response:
        period = _period_from(request)
        try:
            portfolio = selectors.portfolio_metric_get(user=request.user, period=period)
        except PortfolioMetric.DoesNotExist as exc:
            raise Http404(f"No metrics for period {period.key}.") from exc
        return Response(PortfolioMetricSerializer(portfolio).data)


def _runs_for(request: Request) -> QuerySet[MetricRun]:
    try:
        return selectors.metric_run_list(user=cast(User, request.user))
    except DjangoPermissionDenied as exc:
        raise PermissionDenied(
            "Only the integration role, sales heads and admins see metric runs."
        ) from exc


class MetricRunList(generics.ListAPIView):
    """The recompute log, newest first (the integration role, sales heads and admins);
    POST asks for a recompute."""

    request: AuthenticatedRequest  # IsAuthenticated (the default) admits signed-in users only
    serializer_class = MetricRunSerializer
    permission_classes = [IsErpClient | IsHeadOrAdmin]
    filter_backends: list = []

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return MetricRun.objects.none()
        return _runs_for(self.request)

    @extend_schema(
        request=MetricRunRequestSerializer,
        responses={202: MetricRunSerializer},
        summary="Ask for a recompute (single flight)",
        description="Queues a recompute and answers 202 with the run and a `Location` header "
        "to poll (`GET /api/v1/metrics/runs/{id}/`) until `status` is `success`, `skipped` "
        "or `failed`. While a run (nightly or requested) is queued or running, no other "
        "starts: the answer is 202 with that run. A `metrics.recomputed` webhook is sent "
        "when a run succeeds.",
    )
    def post(self, request: Request) -> Response:
        params = MetricRunRequestSerializer(data=request.data)
        params.is_valid(raise_exception=True)
        run, _created = metric_run_request(user=cast(User, request.user), **params.validated_data)
        run.refresh_from_db()  # the task may have run already (eager mode) or failed to queue
        location = request.build_absolute_uri(reverse("api:metrics-run-detail", args=[run.pk]))
        return Response(
            MetricRunSerializer(run).data,
            status=status.HTTP_202_ACCEPTED,
            headers={"Location": location},
        )


class MetricRunDetail(generics.RetrieveAPIView):
    """One recompute: poll it after POST /api/v1/metrics/runs/."""

    serializer_class = MetricRunSerializer
    permission_classes = [IsErpClient | IsHeadOrAdmin]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return MetricRun.objects.none()
        return _runs_for(self.request)


class AccountMetricHistory(generics.ListAPIView):
    """Every period's row of one account (`?kind=month|quarter|year|ttm`)."""

    request: AuthenticatedRequest  # IsAuthenticated (the default) admits signed-in users only
    serializer_class = AccountMetricSerializer
    integration_can_read = True
    filter_backends = [filters.DjangoFilterBackend]
    filterset_class = HistoryFilter

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return AccountMetric.objects.none()
        try:
            return selectors.account_metric_history(
                user=self.request.user, account_pk=self.kwargs["pk"]
            )
        except Account.DoesNotExist as exc:
            raise Http404("No such account.") from exc


class AccountWhitespaceView(APIView):
    """Per active category: what the account bought in the period (default ttm)."""

    integration_can_read = True

    @extend_schema(
        parameters=[OpenApiParameter("period", OpenApiTypes.STR, description=PERIOD_HELP)],
        responses=WhitespaceSerializer,
    )
    def get(self, request: AuthenticatedRequest, pk: int) -> Response:
        period = _period_from(request, default="ttm")
        try:
            data = selectors.account_whitespace(user=request.user, account_pk=pk, period=period)
        except Account.DoesNotExist as exc:
            raise Http404("No such account.") from exc
        return Response(WhitespaceSerializer(data).data)
