"""The white-space matrix API: `GET /api/v1/accounts/{id}/whitespace-matrix/` (read-only,
the holding rooted at the account as the user sees it) and
`GET|PUT|PATCH /api/v1/accounts/{id}/whitespace-cells/{category}/` (the KAM's entry for
one unit and one active category; PUT replaces it, PATCH changes the fields sent).

The KAMs' records: the ERP user gets 403; another KAM's account is a 404. The numbers are
those of the page (reports.portfolio.whitespace), in the base currency.
"""

from __future__ import annotations

from django.db import IntegrityError
from django.http import Http404
from drf_spectacular.utils import extend_schema
from rest_framework import exceptions, serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.access import CanReadRecords, RolePermission
from accounts.models import Account
from accounts.selectors import account_get
from kam.api.base import CONFLICT, StrictCharField
from kam.http import AuthenticatedRequest
from reports.models import ProductCategory, WhiteSpaceCell
from reports.portfolio.whitespace import STATES, Matrix, whitespace_matrix
from reports.services import whitespace_cell_save


def _money(**kwargs) -> serializers.DecimalField:
    return serializers.DecimalField(max_digits=18, decimal_places=2, **kwargs)


class FiguresSerializer(serializers.Serializer):
    bought = _money(help_text="revenue in the ttm window")
    pipeline = _money(help_text="value of the open opportunities (base currency, not weighted)")
    potential = _money(help_text="the KAM's estimates; cells marked not relevant count none")
    white_space = _money(help_text="per cell: potential − bought where positive, summed")


class OpenOpportunitySerializer(serializers.Serializer):
    id = serializers.IntegerField(source="pk")
    title = serializers.CharField()
    value = serializers.DecimalField(max_digits=16, decimal_places=2)
    currency = serializers.CharField()
    value_base = _money(allow_null=True, help_text="in the base currency; null: no rate yet")
    stage = serializers.CharField()


class UnitSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="pk")
    external_id = serializers.CharField()
    name = serializers.CharField()
    # A field named like Field.parent: DRF's metaclass takes it out of the class.
    parent = serializers.IntegerField(source="parent_pk", allow_null=True)  # type: ignore[assignment]
    depth = serializers.IntegerField(help_text="0: the account asked for; 1: a subsidiary …")
    totals = FiguresSerializer()


class CategorySerializer(serializers.Serializer):
    id = serializers.IntegerField(source="pk")
    code = serializers.CharField()
    name = serializers.CharField()
    totals = FiguresSerializer()


class CellSerializer(serializers.Serializer):
    account = serializers.IntegerField(source="unit_pk", help_text="the buying unit's id")
    category = serializers.IntegerField(source="category_pk")
    state = serializers.ChoiceField(
        choices=STATES,
        help_text="what the cell shows first: bought, an open opportunity, a competitor, "
        "not relevant, open white space, or empty (not assessed)",
    )
    bought = _money()
    status = serializers.ChoiceField(
        choices=WhiteSpaceCell.Status.choices,
        allow_null=True,
        help_text="the KAM's entry; null: not assessed yet",
    )
    competitor = serializers.CharField(allow_blank=True)
    potential = serializers.DecimalField(max_digits=16, decimal_places=2, allow_null=True)
    note = serializers.CharField(allow_blank=True)
    updated_by = serializers.CharField(allow_blank=True)
    updated_at = serializers.DateTimeField(allow_null=True)
    opportunities = OpenOpportunitySerializer(many=True)
    figures = FiguresSerializer()


class MatrixSerializer(serializers.Serializer):
    account = serializers.IntegerField(source="root.pk", help_text="the holding's account id")
    period = serializers.CharField(source="period.key")
    period_start = serializers.DateField(source="period.start")
    period_end = serializers.DateField(source="period.end")
    units = UnitSerializer(many=True)
    categories = CategorySerializer(many=True)
    cells = CellSerializer(many=True, help_text="one per unit and category")
    totals = FiguresSerializer()


class CellWriteSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=WhiteSpaceCell.Status.choices)
    competitor = StrictCharField(
        max_length=200, allow_blank=True, required=False, help_text="required for competitor"
    )
    potential = serializers.DecimalField(
        max_digits=16, decimal_places=2, min_value=0, allow_null=True, required=False
    )
    note = StrictCharField(max_length=1000, allow_blank=True, required=False)


def _matrix(request: AuthenticatedRequest, pk: int) -> Matrix:
    try:
        return whitespace_matrix(user=request.user, account_pk=pk)
    except Account.DoesNotExist as exc:
        raise Http404("No such account.") from exc


class AccountWhitespaceMatrixView(APIView):
    """Buying units (the account and its subsidiaries to any depth that the user sees) ×
    active categories: cells and totals per unit, per category and for the holding."""

    permission_classes = [RolePermission, CanReadRecords]

    @extend_schema(responses=MatrixSerializer)
    def get(self, request: AuthenticatedRequest, pk: int) -> Response:
        return Response(MatrixSerializer(_matrix(request, pk)).data)


class WhitespaceCellView(APIView):
    """The KAM's entry for one unit (the account in the URL) and one active category."""

    permission_classes = [RolePermission, CanReadRecords]

    def _cell_data(self, request: AuthenticatedRequest, pk: int, category: int) -> dict:
        # The matrix rooted at the unit holds its own cell, computed as the page does.
        matrix = _matrix(request, pk)
        try:
            cell = matrix.cell(pk, category)
        except StopIteration as exc:
            raise Http404("No such active category.") from exc
        return CellSerializer(cell).data

    @extend_schema(responses=CellSerializer)
    def get(self, request: AuthenticatedRequest, pk: int, category: int) -> Response:
        return Response(self._cell_data(request, pk, category))

    def _write(self, request: AuthenticatedRequest, pk: int, category: int, *, partial: bool):
        try:
            account = account_get(user=request.user, pk=pk)
            product = ProductCategory.objects.get(pk=category, active=True)
        except (Account.DoesNotExist, ProductCategory.DoesNotExist) as exc:
            raise Http404("No such account or active category.") from exc
        serializer = CellWriteSerializer(data=request.data, partial=partial)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        if not partial:  # PUT replaces the entry: what is not sent is cleared
            data = {"competitor": "", "potential": None, "note": "", **data}
        try:
            whitespace_cell_save(user=request.user, account=account, category=product, **data)
        except IntegrityError as exc:  # two first saves of one cell at the same moment
            raise exceptions.ValidationError({"non_field_errors": [CONFLICT]}) from exc
        return Response(self._cell_data(request, pk, category))

    @extend_schema(request=CellWriteSerializer, responses=CellSerializer)
    def put(self, request: AuthenticatedRequest, pk: int, category: int) -> Response:
        return self._write(request, pk, category, partial=False)

    @extend_schema(request=CellWriteSerializer(partial=True), responses=CellSerializer)
    def patch(self, request: AuthenticatedRequest, pk: int, category: int) -> Response:
        return self._write(request, pk, category, partial=True)
