"""Health API: /api/v1/accounts/{id}/health/, /api/v1/health/, /api/v1/health/settings/.

Scoped like accounts (accounts.access): another KAM's account answers 404. The score is
the weighted mean of the included components' scores with the weights shown (which are
the head's weights rescaled over the included components, in %)."""

from __future__ import annotations

from typing import cast

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import Http404
from django.utils import timezone
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import generics, serializers
from rest_framework.exceptions import PermissionDenied
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.access import HealthSettingsPermission
from accounts.models import Account, User
from accounts.selectors import account_get
from kam.http import AuthenticatedRequest
from reports.health.compute import account_health_compute
from reports.health.definitions import DEFAULT_WEIGHTS, KEYS, LABELS
from reports.health.display import components_for_display
from reports.health.selectors import health_history, health_latest, health_list
from reports.health.services import health_settings_update
from reports.models import AccountHealth, HealthSettings

HISTORY_DAYS = 400


class HealthComponentSerializer(serializers.Serializer):
    key = serializers.ChoiceField(choices=[(k, k) for k in KEYS])
    label = serializers.CharField()  # type: ignore[assignment]  # a field, not Field.label
    value = serializers.FloatField(
        allow_null=True, help_text="the input the score rests on (growth, days, count…)"
    )
    score = serializers.FloatField(allow_null=True, help_text="0–100; null: left out")
    weight = serializers.FloatField(
        allow_null=True,
        help_text="% of the score after left-out components' weights are redistributed",
    )
    points = serializers.FloatField(allow_null=True, help_text="weight × score / 100")
    explanation = serializers.CharField()


class HealthHistoryPointSerializer(serializers.Serializer):
    date = serializers.DateField()
    score = serializers.FloatField()
    band = serializers.ChoiceField(choices=AccountHealth.Band.choices)


class AccountHealthSerializer(serializers.Serializer):
    account = serializers.IntegerField()
    date = serializers.DateField()
    score = serializers.FloatField()
    band = serializers.ChoiceField(choices=AccountHealth.Band.choices)
    computed_at = serializers.DateTimeField()
    components = HealthComponentSerializer(many=True)
    history = HealthHistoryPointSerializer(many=True)


class HealthRowSerializer(serializers.ModelSerializer):
    account = serializers.IntegerField(source="account_id")
    external_id = serializers.CharField(source="account.external_id", allow_null=True)
    name = serializers.CharField(source="account.name")
    owner = serializers.CharField(source="account.owner.username", allow_null=True)
    region = serializers.CharField(source="account.region.code", allow_null=True)
    score = serializers.FloatField()

    class Meta:
        model = AccountHealth
        fields = [
            "account",
            "external_id",
            "name",
            "owner",
            "region",
            "date",
            "score",
            "band",
            "computed_at",
        ]
        read_only_fields = fields


class HealthListQuery(serializers.Serializer):
    band = serializers.ChoiceField(choices=AccountHealth.Band.choices, required=False)
    owner = serializers.CharField(required=False, help_text="username or user id")
    region = serializers.CharField(required=False, help_text="region code or id")
    date = serializers.DateField(
        required=False, help_text="the day's snapshot; default each account's newest"
    )


HealthWeightsSerializer = type(
    "HealthWeightsSerializer",
    (serializers.Serializer,),
    {
        key: serializers.IntegerField(
            required=False, min_value=0, max_value=100, help_text=str(LABELS[key])
        )
        for key in KEYS
    },
)


class HealthSettingsSerializer(serializers.Serializer):
    weights = HealthWeightsSerializer(required=False)
    healthy_from = serializers.DecimalField(
        max_digits=4, decimal_places=1, min_value=0, max_value=100, required=False
    )
    watch_from = serializers.DecimalField(
        max_digits=4, decimal_places=1, min_value=0, max_value=100, required=False
    )
    default_weights = serializers.SerializerMethodField(help_text="the design's defaults")
    updated_at = serializers.DateTimeField(read_only=True)
    updated_by = serializers.CharField(source="updated_by.username", read_only=True, default=None)

    @extend_schema_field(HealthWeightsSerializer)
    def get_default_weights(self, obj) -> dict[str, int]:
        return dict(DEFAULT_WEIGHTS)


def _detail(row: AccountHealth) -> dict:
    history = [
        {"date": h.date, "score": float(h.score), "band": h.band}
        for h in health_history(account=row.account_id, days=HISTORY_DAYS).only(
            "date", "score", "band"
        )
    ]
    return {
        "account": row.account_id,
        "date": row.date,
        "score": float(row.score),
        "band": row.band,
        "computed_at": row.computed_at,
        "components": components_for_display(row),
        "history": history,
    }


def account_health_get(*, user: User, pk: int) -> AccountHealth:
    """The newest snapshot of a visible account (Account.DoesNotExist when not visible);
    an account with an owner never computed yet is computed now."""
    account = account_get(user=user, pk=pk)
    row = health_latest(account_ids=[account.pk]).get(account.pk)
    if row is None and account.owner_id is not None:
        account_health_compute(as_of=timezone.localdate(), account_ids=[account.pk])
        row = health_latest(account_ids=[account.pk]).get(account.pk)
    if row is None:
        raise AccountHealth.DoesNotExist
    return row


class AccountHealthView(APIView):
    """An account's health: score, band, each component explained, and the history."""

    integration_can_read = True

    @extend_schema(responses=AccountHealthSerializer)
    def get(self, request: AuthenticatedRequest, pk: int) -> Response:
        try:
            row = account_health_get(user=request.user, pk=pk)
        except Account.DoesNotExist as exc:
            raise Http404("No such account.") from exc
        except AccountHealth.DoesNotExist as exc:
            raise Http404("No health for an account without an owner.") from exc
        return Response(AccountHealthSerializer(_detail(row)).data)


@extend_schema(parameters=[HealthListQuery])
class HealthList(generics.ListAPIView):
    """One row per visible account: its newest snapshot, or the one of `date`."""

    request: AuthenticatedRequest
    serializer_class = HealthRowSerializer
    integration_can_read = True
    filter_backends: list = []

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return AccountHealth.objects.none()
        query = HealthListQuery(data=self.request.query_params)
        query.is_valid(raise_exception=True)
        params = dict(query.validated_data)
        date = params.pop("date", None)
        return health_list(user=self.request.user, date=date, filters=params)


class HealthSettingsView(APIView):
    """The weights per component and the band thresholds. Everyone reads; heads and admins
    change them with PUT (keys left out keep their value); the next computation uses them."""

    permission_classes = [HealthSettingsPermission]
    integration_can_read = True

    @extend_schema(responses=HealthSettingsSerializer)
    def get(self, request: Request) -> Response:
        return Response(HealthSettingsSerializer(_settings_data(HealthSettings.load())).data)

    @extend_schema(request=HealthSettingsSerializer, responses=HealthSettingsSerializer)
    def put(self, request: Request) -> Response:
        body = HealthSettingsSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        try:
            hs = health_settings_update(
                user=cast(User, request.user),
                weights=dict(data["weights"]) if "weights" in data else None,
                healthy_from=data.get("healthy_from"),
                watch_from=data.get("watch_from"),
            )
        except DjangoPermissionDenied as exc:
            raise PermissionDenied(str(exc)) from exc
        return Response(HealthSettingsSerializer(_settings_data(hs)).data)


def _settings_data(hs: HealthSettings):
    hs.weights = {key: hs.weight_of(key) for key in KEYS}
    return hs
