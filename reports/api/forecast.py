"""Forecast read API: /api/v1/forecast/ and /api/v1/forecast/history/ (read-only).

Scoped like every list: a KAM's rows are their own accounts (their company row is the sum
of them); the snapshot history shows a KAM only their own KAM rows. The ERP user has no
access (the forecast holds the KAMs' pipeline).
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.access import CanReadRecords
from kam.api.pagination import Pagination
from kam.http import AuthenticatedRequest
from reports.portfolio import forecast as fc
from reports.portfolio.forecast_history import SNAPSHOT_LEVELS, forecast_history


def _money(**kwargs) -> serializers.DecimalField:
    return serializers.DecimalField(max_digits=20, decimal_places=2, **kwargs)


class ForecastRowSerializer(serializers.Serializer):
    key = serializers.IntegerField(
        allow_null=True,
        help_text="Account, user or region id; null for the company and for no owner/region",
    )
    label = serializers.CharField()  # type: ignore[assignment]  # a field, not Field.label
    actual = _money(help_text="Revenue of the period to date")
    run_rate = _money(help_text="Mean monthly revenue of the last 3 complete months × months left")
    opportunities = _money(
        help_text="Weighted open opportunities expected to close inside the period"
    )
    tenders = _money(help_text="Weighted open tenders decided inside the period")
    forecast = _money()
    target = _money(allow_null=True)
    gap = _money(allow_null=True, help_text="forecast − target")
    attainment = serializers.FloatField(allow_null=True, help_text="forecast / target")


class ForecastSerializer(serializers.Serializer):
    period = serializers.CharField()
    period_start = serializers.DateField()
    period_end = serializers.DateField()
    as_of = serializers.DateField()
    level = serializers.ChoiceField(choices=fc.LEVELS)
    months_left = serializers.FloatField()
    unconverted = serializers.IntegerField(
        help_text="Pipeline amounts left out: no exchange rate for their currency yet"
    )
    total = ForecastRowSerializer()
    count = serializers.IntegerField()
    next = serializers.URLField(allow_null=True)
    previous = serializers.URLField(allow_null=True)
    results = ForecastRowSerializer(many=True)


class SnapshotWeekSerializer(serializers.Serializer):
    week = serializers.DateField(help_text="Monday of the ISO week")
    actual = _money()
    run_rate = _money()
    opportunities = _money()
    tenders = _money()
    forecast = _money()
    target = _money(allow_null=True)


class SnapshotSeriesSerializer(serializers.Serializer):
    key = serializers.IntegerField(help_text="User or region id; 0 for the company / none")
    label = serializers.CharField()  # type: ignore[assignment]  # a field, not Field.label
    weeks = SnapshotWeekSerializer(many=True)


class AccuracySerializer(serializers.Serializer):
    key = serializers.IntegerField()
    label = serializers.CharField()  # type: ignore[assignment]  # a field, not Field.label
    actual = _money()
    first_week = serializers.DateField(allow_null=True)
    first_forecast = _money(allow_null=True)
    first_accuracy = serializers.FloatField(
        allow_null=True, help_text="1 − |forecast − actual| / actual"
    )
    last_week = serializers.DateField(allow_null=True)
    last_forecast = _money(allow_null=True)
    last_accuracy = serializers.FloatField(allow_null=True)


class ForecastHistorySerializer(serializers.Serializer):
    period = serializers.CharField()
    level = serializers.ChoiceField(choices=SNAPSHOT_LEVELS)
    closed = serializers.BooleanField()
    series = SnapshotSeriesSerializer(many=True)
    accuracy = AccuracySerializer(many=True, help_text="Once the period has closed")


PERIOD = OpenApiParameter(
    "period", OpenApiTypes.STR, description="2026 (year) or 2026-Q3 (quarter); default this year"
)


def _period(request: AuthenticatedRequest):
    try:
        return fc.parse_forecast_period(
            request.query_params.get("period", ""), as_of=timezone.localdate()
        )
    except ValidationError as exc:
        raise serializers.ValidationError({"period": exc.messages}) from exc


def _level(request: AuthenticatedRequest, choices, default: str) -> str:
    level = request.query_params.get("level", default)
    if level not in choices:
        raise serializers.ValidationError({"level": [f"One of: {', '.join(choices)}."]})
    return level


class ForecastView(APIView):
    """The forecast of a year or a quarter: actual to date + run-rate + weighted open
    opportunities and tenders closing inside it, against the target, by level (rows
    largest forecast first, paginated; `total` sums every row)."""

    permission_classes = [CanReadRecords]

    @extend_schema(
        parameters=[
            OpenApiParameter("level", OpenApiTypes.STR, enum=list(fc.LEVELS)),
            PERIOD,
            OpenApiParameter("page", OpenApiTypes.INT),
            OpenApiParameter("page_size", OpenApiTypes.INT),
        ],
        responses=ForecastSerializer,
    )
    def get(self, request: AuthenticatedRequest) -> Response:
        level = _level(request, fc.LEVELS, fc.COMPANY)
        result = fc.forecast(user=request.user, period=_period(request), level=level)
        paginator = Pagination()
        rows: list = result.rows
        page: list = paginator.paginate_queryset(rows, request, view=self) or []  # type: ignore[arg-type]
        return Response(
            {
                "period": result.period.key,
                "period_start": result.period.start,
                "period_end": result.period.end,
                "as_of": result.as_of,
                "level": level,
                "months_left": float(result.months_left),
                "unconverted": result.unconverted,
                "total": ForecastRowSerializer(result.total.as_dict()).data,
                "count": len(result.rows),
                "next": paginator.get_next_link(),
                "previous": paginator.get_previous_link(),
                "results": ForecastRowSerializer([r.as_dict() for r in page], many=True).data,
            }
        )


class ForecastHistoryView(APIView):
    """How the forecast of a period moved, week by week (snapshots by KAM, region or the
    company), and once it has closed, its accuracy. A KAM sees their own KAM rows only."""

    permission_classes = [CanReadRecords]

    @extend_schema(
        parameters=[
            OpenApiParameter("level", OpenApiTypes.STR, enum=list(SNAPSHOT_LEVELS)),
            PERIOD,
        ],
        responses=ForecastHistorySerializer,
    )
    def get(self, request: AuthenticatedRequest) -> Response:
        level = _level(request, SNAPSHOT_LEVELS, fc.COMPANY)
        history = forecast_history(user=request.user, period=_period(request), level=level)
        data = {
            **history,
            "period": history["period"].key,
            "accuracy": [a.as_dict() for a in history["accuracy"]],
        }
        return Response(ForecastHistorySerializer(data).data)
