"""The white-space matrix page of a holding, and its cells edited in place with htmx.

A module of its own beside reports.views (the head's pages): it is an account's page.
Thin: the matrix is `reports.portfolio.whitespace.whitespace_matrix`, writes go through
`reports.services`. Without JavaScript the same URLs answer with whole pages and
redirects, so the matrix still works (one cell at a time).
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from accounts.access import page_view
from accounts.models import Account
from kam.forms import save_with
from kam.http import AuthenticatedHttpRequest

from .forms import WhiteSpaceCellForm
from .models import ProductCategory
from .portfolio.whitespace import Cell, Matrix, whitespace_matrix
from .services import whitespace_cell_save, whitespace_opportunity_create


def _matrix_or_404(request: AuthenticatedHttpRequest, pk: int) -> Matrix:
    try:
        return whitespace_matrix(user=request.user, account_pk=pk)
    except Account.DoesNotExist as missing:
        raise Http404 from missing


def _context(matrix: Matrix) -> dict:
    return {
        "matrix": matrix,
        "account": matrix.root,
        "cells_url": reverse("reports:whitespace", args=[matrix.root.pk]),
    }


@page_view
@require_http_methods(["GET"])
def whitespace(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    matrix = _matrix_or_404(request, pk)
    return render(request, "reports/whitespace.html", _context(matrix))


def _cell_or_404(matrix: Matrix, unit: int, category: int) -> Cell:
    """A cell of the matrix as the user sees it: a unit outside the holding (or the
    user's sight) or an inactive category is a 404."""
    try:
        return matrix.cell(unit, category)
    except StopIteration as missing:
        raise Http404 from missing


def _cell_answer(
    request: AuthenticatedHttpRequest, pk: int, unit: int, category: int, *, error: str = ""
) -> HttpResponse:
    """The cell as it now reads, with the totals it changes swapped out of band."""
    matrix = _matrix_or_404(request, pk)
    cell = _cell_or_404(matrix, unit, category)
    return render(
        request,
        "reports/_whitespace_saved.html",
        {
            **_context(matrix),
            "cell": cell,
            "unit": next(u for u in matrix.units if u.pk == unit),
            "category": next(c for c in matrix.categories if c.pk == category),
            "error": error,
        },
    )


@page_view
@require_http_methods(["GET", "POST"])
def whitespace_cell(
    request: AuthenticatedHttpRequest, pk: int, unit: int, category: int
) -> HttpResponse:
    """GET: the cell's form (`?show=1`: the cell itself, as Cancel asks). POST: save it."""
    matrix = _matrix_or_404(request, pk)
    cell = _cell_or_404(matrix, unit, category)
    if request.method == "GET" and request.GET.get("show"):
        return _cell_answer(request, pk, unit, category)
    prefix = f"ws-{unit}-{category}"
    initial = {
        "status": cell.status or "open",
        "competitor": cell.competitor,
        "potential": cell.potential,
        "note": cell.note,
    }
    form = WhiteSpaceCellForm(request.POST or None, initial=initial, prefix=prefix)
    if request.method == "POST" and form.is_valid():
        saved = save_with(
            form,
            whitespace_cell_save,
            user=request.user,
            account=Account.objects.get(pk=unit),
            category=ProductCategory.objects.get(pk=category),
        )
        if saved is not None:
            if request.htmx:
                return _cell_answer(request, pk, unit, category)
            messages.success(request, _("Cell saved."))
            return redirect(f"{reverse('reports:whitespace', args=[pk])}#ws-{unit}-{category}")
    context = {**_context(matrix), "cell": cell, "form": form}
    template = "reports/_whitespace_form.html" if request.htmx else "reports/whitespace_cell.html"
    # htmx swaps 200 answers only: the form with its errors comes back as one.
    status = 400 if form.errors and not request.htmx else 200
    return render(request, template, context, status=status)


@page_view
@require_POST
def whitespace_opportunity(
    request: AuthenticatedHttpRequest, pk: int, unit: int, category: int
) -> HttpResponse:
    """One click: the empty relevant cell becomes an opportunity (stage idea)."""
    matrix = _matrix_or_404(request, pk)
    _cell_or_404(matrix, unit, category)
    error = ""
    try:
        whitespace_opportunity_create(
            user=request.user,
            account=Account.objects.get(pk=unit),
            category=ProductCategory.objects.get(pk=category),
        )
    except ValidationError as exc:
        error = " ".join(exc.messages)
    if request.htmx:
        return _cell_answer(request, pk, unit, category, error=error)
    if error:
        messages.error(request, error)
    else:
        messages.success(request, _("Opportunity created at stage “Idea”."))
    return redirect(f"{reverse('reports:whitespace', args=[pk])}#ws-{unit}-{category}")
