"""The portfolio matrix API: /api/v1/portfolio-matrix/ (positions, the KAM's scores) and
/api/v1/portfolio-matrix/criteria/ (criteria and weights; heads and admins write).

Positions are scoped like accounts (a KAM sees the rows of their accounts; another KAM's
account is a 404); the ERP user has no access (the rows carry the KAMs' own scores).
"""

from __future__ import annotations

from typing import Any, cast

from django.core.paginator import Paginator as DjangoPaginator
from django.http import Http404
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from accounts import access
from accounts.access import CanReadRecords, MatrixCriteriaPermission, RolePermission
from accounts.models import Account, User
from kam.api.pagination import Pagination
from kam.forms import parse_id
from kam.http import AuthenticatedRequest
from reports.models import MatrixCriterion, MatrixPosition, MatrixScore
from reports.portfolio import matrix

YEAR_PARAM = OpenApiParameter(
    "year", OpenApiTypes.INT, description="calendar year (default: the latest computed)"
)
QUADRANT_PARAM = OpenApiParameter(
    "quadrant", OpenApiTypes.STR, enum=Account.Quadrant.values, description="one quadrant"
)


def _year(request: Request) -> int:
    text = request.query_params.get("year")
    if not text:
        return matrix.matrix_default_year()
    if not text.isdigit() or not 2000 <= int(text) <= 2100:
        raise serializers.ValidationError({"year": ["A calendar year, e.g. 2026."]})
    return int(text)


# --- serializers ----------------------------------------------------------------------
class HealthSerializer(serializers.Serializer):
    score = serializers.FloatField()
    band = serializers.CharField()


class CriterionScoreSerializer(serializers.Serializer):
    key = serializers.CharField()
    axis = serializers.ChoiceField(choices=MatrixCriterion.Axis.choices)
    value = serializers.JSONField(
        allow_null=True, help_text="what it was scored from (a number, or money as a string)"
    )
    score = serializers.FloatField(allow_null=True, help_text="1–5; null when left out")
    weight = serializers.IntegerField()


class MatrixRowSerializer(serializers.ModelSerializer):
    account = serializers.IntegerField(source="account_id", help_text="the account's id")
    external_id = serializers.CharField(source="account.external_id")
    name = serializers.CharField(source="account.name")
    quadrant = serializers.ChoiceField(choices=Account.Quadrant.choices)
    previous_quadrant = serializers.SerializerMethodField(
        help_text="the quadrant of the year before; null when the account had none"
    )
    revenue = serializers.DecimalField(
        max_digits=18, decimal_places=2, help_text="ttm revenue at the compute (0 without one)"
    )
    health = serializers.SerializerMethodField()

    class Meta:
        model = MatrixPosition
        fields = [
            "account",
            "external_id",
            "name",
            "year",
            "attractiveness",
            "strength",
            "quadrant",
            "previous_quadrant",
            "revenue",
            "health",
            "computed_at",
        ]
        read_only_fields = fields

    @extend_schema_field({"type": "string", "enum": Account.Quadrant.values, "nullable": True})
    def get_previous_quadrant(self, obj: MatrixPosition) -> str | None:
        return self.context.get("previous", {}).get(obj.account_id)

    @extend_schema_field(HealthSerializer(allow_null=True))
    def get_health(self, obj: MatrixPosition) -> dict[str, Any] | None:
        if obj.health_score is None:
            return None
        return {"score": obj.health_score, "band": obj.health_band}


class MatrixDetailSerializer(MatrixRowSerializer):
    criteria = CriterionScoreSerializer(many=True)

    class Meta(MatrixRowSerializer.Meta):
        fields = [*MatrixRowSerializer.Meta.fields, "criteria"]
        read_only_fields = fields


class MatrixScoreSerializer(serializers.ModelSerializer):
    criterion = serializers.SlugRelatedField(
        slug_field="key", queryset=MatrixCriterion.objects.filter(source="manual")
    )
    year = serializers.IntegerField(
        required=False, help_text="this year (default) or the last", min_value=2000, max_value=2100
    )
    score = serializers.IntegerField(min_value=1, max_value=5)
    scored_by: serializers.SlugRelatedField = serializers.SlugRelatedField(
        slug_field="username", read_only=True, allow_null=True
    )

    class Meta:
        model = MatrixScore
        fields = ["id", "criterion", "year", "score", "note", "scored_by", "scored_at"]
        read_only_fields = ["id", "scored_by", "scored_at"]


class MatrixCriterionSerializer(serializers.ModelSerializer):
    # A field named like Field.label: fine for DRF, the checker sees a clash.
    label = serializers.SerializerMethodField()  # type: ignore[assignment]
    rule = serializers.SerializerMethodField(help_text="how the criterion is scored 1–5")
    weight = serializers.IntegerField(min_value=0, max_value=100)
    updated_by: serializers.SlugRelatedField = serializers.SlugRelatedField(
        slug_field="username", read_only=True, allow_null=True
    )

    class Meta:
        model = MatrixCriterion
        fields = [
            "id",
            "axis",
            "key",
            "label",
            "rule",
            "source",
            "weight",
            "updated_at",
            "updated_by",
        ]
        read_only_fields = [
            "id",
            "axis",
            "key",
            "label",
            "rule",
            "source",
            "updated_at",
            "updated_by",
        ]

    def get_label(self, obj: MatrixCriterion) -> str:
        return matrix.criterion_label(obj)

    def get_rule(self, obj: MatrixCriterion) -> str:
        return str(matrix.RULES.get(obj.key, ""))


# --- views ----------------------------------------------------------------------------
class CountedPagination(Pagination):
    """A COUNT(*) and a LIMIT rather than the window total: the window makes PostgreSQL join
    and sort every position before the first 50 leave (0.4 s at 10 000 accounts), while the
    page itself comes in order from the (year, revenue) index."""

    django_paginator_class = DjangoPaginator  # type: ignore[assignment]  # the plain one on purpose


@extend_schema(parameters=[YEAR_PARAM])
class PortfolioMatrixViewSet(viewsets.ReadOnlyModelViewSet):
    """Positions in the portfolio matrix, one row per account and year, biggest revenue
    first; `/{account id}/` one account's, with its criteria; `/{account id}/scores/` the
    KAM's scores (strategic fit)."""

    request: AuthenticatedRequest
    permission_classes = [RolePermission, CanReadRecords]
    filter_backends: list = []
    pagination_class = CountedPagination
    lookup_value_regex = r"\d+"
    lookup_url_kwarg = "pk"
    lookup_field = "account_id"

    def get_serializer_class(self):
        return MatrixDetailSerializer if self.action == "retrieve" else MatrixRowSerializer

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return MatrixPosition.objects.none()
        quadrant = self.request.query_params.get("quadrant") or None
        if quadrant and quadrant not in Account.Quadrant.values:
            raise serializers.ValidationError(
                {"quadrant": [f"One of: {', '.join(Account.Quadrant.values)}."]}
            )
        return matrix.matrix_positions(
            user=self.request.user, year=_year(self.request), quadrant=quadrant
        )

    def _with_previous(self, rows: list[MatrixPosition]) -> dict[str, Any]:
        year = _year(self.request)
        return {
            **self.get_serializer_context(),
            "previous": matrix.matrix_previous_quadrants(
                account_ids=[r.account_id for r in rows], year=year
            ),
        }

    @extend_schema(parameters=[YEAR_PARAM, QUADRANT_PARAM])
    def list(self, request: Request, *args, **kwargs) -> Response:
        page = self.paginate_queryset(self.get_queryset())
        rows = list(page if page is not None else self.get_queryset())
        data = MatrixRowSerializer(rows, many=True, context=self._with_previous(rows)).data
        return self.get_paginated_response(data) if page is not None else Response(data)

    def retrieve(self, request: Request, *args, **kwargs) -> Response:
        if parse_id(kwargs.get("pk", "")) is None:  # past 64 bits: no such row, not a 500
            raise Http404("No such account.")
        row = self.get_object()
        return Response(MatrixDetailSerializer(row, context=self._with_previous([row])).data)

    def _account(self, pk: str) -> Account:
        if parse_id(pk) is None:
            raise Http404("No such account.")
        account = access.account_scope(user=self.request.user).filter(pk=pk).first()
        if account is None:
            raise Http404("No such account.")
        return account

    @extend_schema(
        parameters=[],
        request=MatrixScoreSerializer,
        responses={200: MatrixScoreSerializer(many=True), 201: MatrixScoreSerializer},
        summary="The KAM's scores of an account (GET: every year's); POST sets one",
        description='POST `{"criterion": "strategic_fit", "score": 1-5, "year"?}` '
        "sets the account's score for this year (or the last); a second score of the same "
        "year replaces the first (the history keeps who and when). The account's KAMs, a "
        "sales head or an admin may score it. Positions move at the next compute.",
    )
    @action(
        detail=True,
        methods=["get", "post"],
        url_path="scores",
        filter_backends=[],
        pagination_class=None,
    )
    def scores(self, request: Request, pk: str, format: str | None = None) -> Response:
        account = self._account(pk)
        if request.method == "GET":
            rows = access.matrix_scope(
                user=cast(User, request.user),
                queryset=MatrixScore.objects.filter(account=account).select_related(
                    "criterion", "scored_by"
                ),
            )
            return Response(MatrixScoreSerializer(rows, many=True).data)
        params = MatrixScoreSerializer(data=request.data)
        params.is_valid(raise_exception=True)
        data = params.validated_data
        year = data.get("year") or timezone.localdate().year
        score = matrix.matrix_score_set(
            user=cast(User, request.user),
            account=account,
            criterion=data["criterion"],
            year=year,
            score=data["score"],
            note=data.get("note", ""),
        )
        return Response(MatrixScoreSerializer(score).data, status=status.HTTP_201_CREATED)


class MatrixCriterionViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """The matrix's criteria and weights: everyone who reads the matrix reads them; sales
    heads and admins change a weight (`PATCH {"weight": 0-100}`; 0 leaves it out)."""

    request: AuthenticatedRequest
    serializer_class = MatrixCriterionSerializer
    permission_classes = [MatrixCriteriaPermission]
    filter_backends: list = []
    pagination_class = None
    queryset = MatrixCriterion.objects.select_related("updated_by")

    def perform_update(self, serializer) -> None:
        serializer.instance = matrix.matrix_criterion_update(
            user=self.request.user,
            criterion=serializer.instance,
            weight=serializer.validated_data.get("weight", serializer.instance.weight),
        )
