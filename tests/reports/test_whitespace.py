"""The white-space matrix: the walk down a holding, the roll-up of hand-built revenue, the
KAM's cells (validation, history), the one-click opportunity, who sees what, the page's
query count and the API."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from accounts.models import Account
from accounts.selectors import account_subtree
from plans.models import Opportunity
from reports.metrics.periods import ttm_period
from reports.models import WhiteSpaceCell
from reports.portfolio.whitespace import whitespace_matrix
from reports.services import whitespace_cell_save, whitespace_opportunity_create
from tests import factories as f
from tests.account_page import account_page
from tests.conftest import field_errors
from tests.service_checks import assert_refused_naming

pytestmark = pytest.mark.django_db

# As of 2026-11-26 the ttm window is 2025-11-01 … 2026-10-31 (DESIGN.md).
PERIOD = ttm_period(dt.date(2026, 11, 26))
IN, BEFORE, AFTER = dt.date(2026, 3, 10), dt.date(2025, 10, 31), dt.date(2026, 11, 1)
D = Decimal


def _line(account, category, amount, day=IN):
    return f.RevenueLineFactory(account=account, category=category, amount=D(amount), date=day)


@pytest.fixture
def holding(kam_user):
    """root ─ a ─ b ─ c (three levels of subsidiaries), and root ─ s (a sibling branch)."""
    root = f.AccountFactory(owner=kam_user, name="Holding")
    a = f.AccountFactory(owner=kam_user, name="A level 1", parent=root)
    b = f.AccountFactory(owner=kam_user, name="B level 2", parent=a)
    c = f.AccountFactory(owner=kam_user, name="C level 3", parent=b)
    s = f.AccountFactory(owner=kam_user, name="S level 1", parent=root)
    steel = f.ProductCategoryFactory(code="STEEL", name="Steel")
    pipes = f.ProductCategoryFactory(code="PIPES", name="Pipes")
    f.ProductCategoryFactory(code="OLD", name="Retired", active=False)
    return {"root": root, "a": a, "b": b, "c": c, "s": s, "steel": steel, "pipes": pipes}


# --- the walk -----------------------------------------------------------------------------
def test_subtree_walks_every_level_each_parent_before_its_subsidiaries(holding):
    h = holding
    tree = account_subtree(root_pk=h["root"].pk)
    assert list(tree) == [h["root"].pk, h["a"].pk, h["b"].pk, h["c"].pk, h["s"].pk]
    assert list(tree.values()) == [0, 1, 2, 3, 1]
    assert account_subtree(root_pk=h["b"].pk) == {h["b"].pk: 0, h["c"].pk: 1}
    assert account_subtree(root_pk=10**9) == {}


def test_a_cycle_of_parents_ends_the_walk(holding):
    h = holding
    # Written around the model's check (as raw SQL or an old import could): c is a's parent.
    Account.objects.filter(pk=h["a"].pk).update(parent=h["c"])
    assert account_subtree(root_pk=h["a"].pk) == {h["a"].pk: 0, h["b"].pk: 1, h["c"].pk: 2}
    # The root itself inside the loop: walked once, the page answers.
    Account.objects.filter(pk=h["root"].pk).update(parent=h["c"])
    Account.objects.filter(pk=h["a"].pk).update(parent=h["root"])
    tree = account_subtree(root_pk=h["root"].pk)
    assert sorted(tree.values()) == [0, 1, 1, 2, 3]
    matrix = whitespace_matrix(user=h["root"].owner, account_pk=h["root"].pk, period=PERIOD)
    assert len(matrix.units) == 5


# --- the roll-up ----------------------------------------------------------------------------
def test_rollup_through_three_levels_of_subsidiaries(holding, kam_user):
    h = holding
    steel, pipes = h["steel"], h["pipes"]
    _line(h["root"], steel, "1000")
    _line(h["root"], steel, "-200")  # a credit note
    _line(h["c"], steel, "300")  # three levels down
    _line(h["c"], pipes, "50")
    _line(h["c"], pipes, "999", day=BEFORE)  # outside the window
    _line(h["c"], pipes, "999", day=AFTER)
    _line(h["s"], pipes, "400")
    # The KAM's estimates: c could buy 1 000 of steel (it buys 300: 700 of room), b is
    # supplied by a rival (potential 500, all room), a is not relevant for pipes (no
    # potential), the root buys more pipes than estimated… no: root's steel 800 > 600.
    whitespace_cell_save(user=kam_user, account=h["c"], category=steel, potential=D("1000"))
    whitespace_cell_save(
        user=kam_user,
        account=h["b"],
        category=pipes,
        status="competitor",
        competitor="Rival Steel",
        potential=D("500"),
    )
    whitespace_cell_save(user=kam_user, account=h["a"], category=pipes, status="not_relevant")
    whitespace_cell_save(user=kam_user, account=h["root"], category=steel, potential=D("600"))

    m = whitespace_matrix(user=kam_user, account_pk=h["root"].pk, period=PERIOD)
    assert [c.name for c in m.categories] == ["Pipes", "Steel"]  # active only, by name
    assert [(u.name, u.depth) for u in m.units] == [
        ("Holding", 0), ("A level 1", 1), ("B level 2", 2), ("C level 3", 3), ("S level 1", 1),
    ]  # fmt: skip
    cell = {(c.unit_pk, c.category_pk): c for c in m.cells}
    assert cell[(h["root"].pk, steel.pk)].bought == D("800")
    assert cell[(h["root"].pk, steel.pk)].state == "bought"
    assert cell[(h["c"].pk, pipes.pk)].bought == D("50")
    assert cell[(h["c"].pk, steel.pk)].figures.white_space == D("700")
    assert cell[(h["b"].pk, pipes.pk)].state == "competitor"
    assert cell[(h["b"].pk, pipes.pk)].competitor == "Rival Steel"
    assert cell[(h["a"].pk, pipes.pk)].state == "not_relevant"
    assert cell[(h["a"].pk, steel.pk)].state == "empty"
    assert cell[(h["root"].pk, steel.pk)].figures.white_space == 0  # bought beyond estimate

    units = {u.pk: u.totals for u in m.units}
    assert units[h["c"].pk].bought == D("350")
    assert units[h["c"].pk].potential == D("1000")
    assert units[h["c"].pk].white_space == D("700")
    assert units[h["b"].pk].white_space == D("500")
    cats = {c.code: c.totals for c in m.categories}
    assert cats["STEEL"].bought == D("1100")  # 800 + 300
    assert cats["PIPES"].bought == D("450")  # 50 + 400
    assert cats["STEEL"].potential == D("1600")
    assert cats["STEEL"].white_space == D("700")  # root's −200 does not eat c's room
    assert m.totals.bought == D("1550")
    assert m.totals.potential == D("2100")
    assert m.totals.white_space == D("1200")
    assert m.totals.pipeline == 0


def test_open_opportunities_fill_their_cell_and_the_pipeline(holding, kam_user):
    h = holding
    Opportunity.objects.create(
        account=h["b"], category_id=h["steel"].pk, title="Steel for B", value=D("250")
    )
    Opportunity.objects.create(
        account=h["b"],
        category_id=h["steel"].pk,
        title="Lost one",
        value=D("999"),
        stage="lost",
        outcome_reason="price",
    )
    m = whitespace_matrix(user=kam_user, account_pk=h["root"].pk, period=PERIOD)
    cell = m.cell(h["b"].pk, h["steel"].pk)
    assert cell.state == "opportunity"
    assert [o.title for o in cell.opportunities] == ["Steel for B"]
    assert m.totals.pipeline == D("250")
    assert not cell.takes_opportunity


# --- the KAM's cells ------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"status": "competitor"}, "competitor"),
        ({"status": "competitor", "competitor": "   "}, "competitor"),
        ({"status": "open", "competitor": "Rival"}, "competitor"),
        ({"status": "not_relevant", "potential": D("10")}, "potential"),
        ({"status": "open", "potential": D("-1")}, "potential"),
        ({"status": "maybe"}, "status"),
    ],
)
def test_cell_edit_is_refused_with_the_field_named(holding, kam_user, fields, field):
    h = holding
    assert_refused_naming(
        lambda: whitespace_cell_save(user=kam_user, account=h["a"], category=h["steel"], **fields),
        field,
    )
    assert not WhiteSpaceCell.objects.exists()


def test_inactive_category_has_no_cell(holding, kam_user):
    old = f.ProductCategoryFactory(code="OLD")
    assert_refused_naming(
        lambda: whitespace_cell_save(user=kam_user, account=holding["a"], category=old),
        "category",
    )


def test_cell_edit_keeps_history_and_who(holding, kam_user):
    h = holding
    cell = whitespace_cell_save(user=kam_user, account=h["a"], category=h["steel"])
    whitespace_cell_save(
        user=kam_user, account=h["a"], category=h["steel"], status="competitor", competitor="X"
    )
    whitespace_cell_save(  # the same again: no write
        user=kam_user, account=h["a"], category=h["steel"], status="competitor", competitor="X"
    )
    cell.refresh_from_db()
    assert (cell.status, cell.competitor, cell.updated_by) == ("competitor", "X", kam_user)
    assert [r.status for r in cell.history.order_by("history_date")] == ["open", "competitor"]


def test_page_cell_form_shows_errors_beside_the_field(holding, kam_user):
    h = holding
    client = Client()
    client.force_login(kam_user)
    url = f"/accounts/{h['root'].pk}/whitespace/{h['c'].pk}/{h['steel'].pk}/"
    prefix = f"ws-{h['c'].pk}-{h['steel'].pk}"
    response = client.post(
        url, {f"{prefix}-status": "competitor", f"{prefix}-potential": "12"}, HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 200  # htmx swaps the form back in
    html = response.content.decode()
    assert "field-error" in html and "Name the competitor who supplies it." in html
    assert not WhiteSpaceCell.objects.exists()
    response = client.post(
        url,
        {
            f"{prefix}-status": "competitor",
            f"{prefix}-competitor": "Rival",
            f"{prefix}-potential": "12",
        },
        HTTP_HX_REQUEST="true",
    )
    html = response.content.decode()
    assert "Rival" in html and 'id="ws-holding"' in html and 'hx-swap-oob="true"' in html
    assert WhiteSpaceCell.objects.get().competitor == "Rival"
    # Without JavaScript: a redirect back to the matrix.
    response = client.post(url, {f"{prefix}-status": "open", f"{prefix}-potential": "5"})
    assert response.status_code == 302
    assert response["Location"].endswith(f"/whitespace/#{prefix}")


# --- one click ------------------------------------------------------------------------------
def test_one_click_makes_exactly_one_opportunity_and_the_cell_shows_it(holding, kam_user):
    h = holding
    whitespace_cell_save(user=kam_user, account=h["s"], category=h["steel"], potential=D("900"))
    client = Client()
    client.force_login(kam_user)
    url = f"/accounts/{h['root'].pk}/whitespace/{h['s'].pk}/{h['steel'].pk}/opportunity/"
    first = client.post(url, HTTP_HX_REQUEST="true")
    second = client.post(url, HTTP_HX_REQUEST="true")  # a double click
    assert first.status_code == second.status_code == 200
    opportunity = Opportunity.objects.get()
    assert (opportunity.account, opportunity.category_id) == (h["s"], h["steel"].pk)
    assert (opportunity.stage, opportunity.value, opportunity.owner) == ("idea", D("900"), kam_user)
    assert opportunity.title == "Steel for S level 1"
    assert "Steel for S level 1" in first.content.decode()
    assert f'href="/opportunities/{opportunity.pk}/"' in first.content.decode()
    assert "already has an open opportunity" in second.content.decode()
    cell = whitespace_matrix(user=kam_user, account_pk=h["root"].pk, period=PERIOD).cell(
        h["s"].pk, h["steel"].pk
    )
    assert cell.state == "opportunity" and cell.figures.pipeline == D("900")
    page = client.get(f"/accounts/{h['root'].pk}/whitespace/").content.decode()
    assert "Steel for S level 1" in page


def test_one_click_refused_on_a_cell_marked_not_relevant(holding, kam_user):
    h = holding
    whitespace_cell_save(user=kam_user, account=h["a"], category=h["pipes"], status="not_relevant")
    with pytest.raises(Exception, match="not relevant"):
        whitespace_opportunity_create(user=kam_user, account=h["a"], category=h["pipes"])
    assert not Opportunity.objects.exists()


# --- who sees what --------------------------------------------------------------------------
def test_kam_cannot_read_or_edit_another_kams_holding(holding, other_kam, api_client_for):
    h = holding
    client = Client()
    client.force_login(other_kam)
    root, c, steel = h["root"].pk, h["c"].pk, h["steel"].pk
    assert client.get(f"/accounts/{root}/whitespace/").status_code == 404
    assert client.get(f"/accounts/{root}/whitespace/{c}/{steel}/").status_code == 404
    assert client.post(f"/accounts/{root}/whitespace/{c}/{steel}/", {}).status_code == 404
    assert client.post(f"/accounts/{root}/whitespace/{c}/{steel}/opportunity/").status_code == 404
    api = api_client_for(other_kam)
    assert api.get(f"/api/v1/accounts/{root}/whitespace-matrix/").status_code == 404
    put = api.put(f"/api/v1/accounts/{c}/whitespace-cells/{steel}/", {"status": "open"})
    assert put.status_code == 404
    assert not WhiteSpaceCell.objects.exists() and not Opportunity.objects.exists()


def test_subsidiary_of_another_kam_stays_out_of_the_holding(holding, kam_user, other_kam):
    h = holding
    Account.objects.filter(pk=h["b"].pk).update(owner=other_kam)  # b, not c under it
    m = whitespace_matrix(user=kam_user, account_pk=h["root"].pk, period=PERIOD)
    assert [u.name for u in m.units] == ["Holding", "A level 1", "C level 3", "S level 1"]
    client = Client()
    client.force_login(kam_user)
    url = f"/accounts/{h['root'].pk}/whitespace/{h['b'].pk}/{h['steel'].pk}/"
    assert client.get(url).status_code == 404
    # A unit outside the holding is not a cell of it either.
    elsewhere = f.AccountFactory(owner=kam_user)
    url = f"/accounts/{h['root'].pk}/whitespace/{elsewhere.pk}/{h['steel'].pk}/"
    assert client.get(url).status_code == 404


# --- the page -------------------------------------------------------------------------------
def _grow(root, owner, n: int) -> None:
    """n more subsidiaries, spread over three levels, with revenue, cells, opportunities."""
    steel = f.ProductCategoryFactory(code="STEEL")
    parents = [root]
    for i in range(n):
        unit = f.AccountFactory(
            owner=owner, parent=parents[i // 3] if i // 3 < len(parents) else root
        )
        parents.append(unit)
        _line(unit, steel, "100")
        WhiteSpaceCell.objects.create(account=unit, category=steel, potential=D("300"))
        Opportunity.objects.create(account=unit, category_id=steel.pk, title="t", value=D("1"))


def _page_queries(client, root) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(f"/accounts/{root.pk}/whitespace/")
    assert response.status_code == 200
    return len(ctx.captured_queries)


def test_page_query_count_does_not_grow_with_the_subsidiaries(holding, kam_user):
    client = Client()
    client.force_login(kam_user)
    client.get(f"/accounts/{holding['root'].pk}/whitespace/")  # the bell's count cached
    small = _page_queries(client, holding["root"])
    _grow(holding["root"], kam_user, 30)
    large = _page_queries(client, holding["root"])
    assert large == small
    assert large <= 16, large


def test_page_shows_units_categories_and_totals(holding, kam_user):
    h = holding
    _line(h["c"], h["steel"], "300")
    client = Client()
    client.force_login(kam_user)
    html = client.get(f"/accounts/{h['root'].pk}/whitespace/").content.decode()
    for text in ("C level 3", "Steel", "Pipes", "Holding total", 'tabindex="0"', "depth-3"):
        assert text in html
    assert "Retired" not in html  # inactive category
    panels = account_page(client, h["root"].pk)
    assert f"/accounts/{h['root'].pk}/whitespace/" in panels


# --- the API --------------------------------------------------------------------------------
def test_api_matrix_shape(holding, kam_user, api_client_for):
    h = holding
    _line(h["c"], h["steel"], "300")
    body = api_client_for(kam_user).get(f"/api/v1/accounts/{h['root'].pk}/whitespace-matrix/")
    assert body.status_code == 200
    data = body.json()
    assert set(data) == {
        "account", "period", "period_start", "period_end", "units", "categories", "cells",
        "totals",
    }  # fmt: skip
    assert data["account"] == h["root"].pk
    assert [u["depth"] for u in data["units"]] == [0, 1, 2, 3, 1]
    assert data["units"][3]["parent"] == h["b"].pk
    assert len(data["cells"]) == 5 * 2
    assert set(data["totals"]) == {"bought", "pipeline", "potential", "white_space"}
    cell = next(
        c for c in data["cells"] if c["account"] == h["c"].pk and c["category"] == h["steel"].pk
    )
    assert cell["state"] == "bought" and cell["status"] is None


def test_api_cell_put_patch_and_errors(holding, kam_user, api_client_for, integration_user):
    h = holding
    api = api_client_for(kam_user)
    url = f"/api/v1/accounts/{h['c'].pk}/whitespace-cells/{h['steel'].pk}/"
    bad = api.put(url, {"status": "competitor"}, format="json")
    assert bad.status_code == 400
    assert "competitor" in field_errors(bad.json())
    ok = api.put(
        url, {"status": "competitor", "competitor": "Rival", "potential": "1000.00"}, format="json"
    )
    assert ok.status_code == 200, ok.json()
    assert (ok.json()["state"], ok.json()["potential"]) == ("competitor", "1000.00")
    patched = api.patch(url, {"note": "Ask in March"}, format="json")
    assert patched.json()["competitor"] == "Rival" and patched.json()["note"] == "Ask in March"
    put = api.put(url, {"status": "open"}, format="json")  # PUT replaces: the rest cleared
    assert (put.json()["competitor"], put.json()["potential"], put.json()["note"]) == ("", None, "")
    old = f.ProductCategoryFactory(code="OLD")
    assert (
        api.put(
            f"/api/v1/accounts/{h['c'].pk}/whitespace-cells/{old.pk}/",
            {"status": "open"},
            format="json",
        ).status_code
        == 404
    )
    erp = api_client_for(integration_user)
    assert erp.get(f"/api/v1/accounts/{h['root'].pk}/whitespace-matrix/").status_code == 403


# --- the demo -------------------------------------------------------------------------------
def test_demo_has_a_three_level_holding_with_every_kind_of_cell():
    import io

    from django.core.management import call_command

    call_command("seed_demo", "--accounts", "120", stdout=io.StringIO())
    cells = WhiteSpaceCell.objects.select_related("account")
    root = Account.objects.get(pk=cells.first().account_id)
    while root.parent_id is not None:
        root = root.parent
    assert max(account_subtree(root_pk=root.pk).values()) == 3
    kam = root.owner
    m = whitespace_matrix(user=kam, account_pk=root.pk)
    assert {"bought", "competitor", "not_relevant", "opportunity"} <= {c.state for c in m.cells}
    assert max(u.depth for u in m.units) == 3  # the KAM sees every level
    assert m.totals.white_space > 0


def test_page_speaks_russian(holding, kam_user, settings):
    client = Client()
    client.force_login(kam_user)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "ru"
    html = client.get(f"/accounts/{holding['root'].pk}/whitespace/").content.decode()
    for text in ("Белые пятна: Holding", "Итого по холдингу", "Создать сделку", "Изменить"):
        assert text in html, text
