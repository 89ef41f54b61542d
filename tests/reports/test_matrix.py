"""The portfolio matrix's rules (DESIGN.md), on hand-built accounts where the answer is known."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from accounts.models import Account
from reports.metrics.periods import ttm_period
from reports.models import AccountHealth, AccountMetric, MatrixCriterion, MatrixPosition
from reports.portfolio import matrix
from reports.portfolio.matrix import (
    axis_value,
    from_health_score,
    growth_score,
    penetration_score,
    quadrant_of,
    quintile_scores,
)
from tests.factories import AccountFactory, InteractionFactory, UserFactory
from tests.reports.matrix_criteria import matrix_criteria  # noqa: F401  (autouse)

Q = Account.Quadrant


# --- each criterion's rule ---------------------------------------------------------------
@pytest.mark.parametrize(
    ("growth", "score"),
    [
        (-0.5, 1),
        (-0.1001, 1),
        (-0.10, 2),
        (-0.01, 2),
        (0.0, 3),
        (0.0999, 3),
        (0.10, 4),
        (0.2499, 4),
        (0.25, 5),
        (3.0, 5),
        (None, None),
    ],
)
def test_growth_bands(growth, score):
    assert growth_score(growth) == score


@pytest.mark.parametrize(
    ("penetration", "score"),
    [
        (0.0, 1),
        (0.0999, 1),
        (0.10, 2),
        (0.2499, 2),
        (0.25, 3),
        (0.4999, 3),
        (0.50, 4),
        (0.7499, 4),
        (0.75, 5),
        (1.4, 5),
        (None, None),
    ],
)
def test_penetration_bands(penetration, score):
    assert penetration_score(penetration) == score


def test_quintiles_of_ten_values_give_two_accounts_each_score():
    values = {pk: Decimal(pk * 1000) for pk in range(1, 11)}
    assert quintile_scores(values) == {1: 1, 2: 1, 3: 2, 4: 2, 5: 3, 6: 3, 7: 4, 8: 4, 9: 5, 10: 5}


def test_quintiles_give_equal_values_one_score_and_a_lone_account_the_middle():
    assert quintile_scores({1: 5.0, 2: 5.0, 3: 5.0, 4: 9.0}) == {1: 2, 2: 2, 3: 2, 4: 5}
    assert quintile_scores({7: Decimal("100")}) == {7: 3}
    assert quintile_scores({}) == {}


@pytest.mark.parametrize(
    ("component", "score"),
    [(None, None), (0, 1.0), (10, 1.0), (20, 1.0), (33.3, 1.665), (66.7, 3.335), (100, 5.0)],
)
def test_health_components_become_criteria_divided_by_20_at_least_1(component, score):
    result = from_health_score(component)
    assert result == (None if score is None else pytest.approx(score))


def test_axis_is_the_weighted_mean_of_the_criteria_with_data():
    # 35·5 + 20·3 + 20·1 + 25·4 = 355 over 100.
    assert axis_value([(35, 5), (20, 3), (20, 1), (25, 4)]) == 3.55
    # Margin without data is left out, not scored 1: (175 + 60 + 100) / 80.
    assert axis_value([(35, 5), (20, 3), (20, None), (25, 4)]) == 4.19
    # A weight of 0 leaves a criterion out too; nothing left -> no axis.
    assert axis_value([(0, 5), (20, 2)]) == 2.0
    assert axis_value([(35, None), (0, 4)]) is None


def test_quadrant_edges_at_exactly_three():
    assert quadrant_of(3.0, 3.0) == Q.STRATEGIC
    assert quadrant_of(3.0, 2.99) == Q.STAR
    assert quadrant_of(2.99, 3.0) == Q.STATUS
    assert quadrant_of(2.99, 2.99) == Q.STREAMLINE
    assert quadrant_of(5, 1) == Q.STAR and quadrant_of(1, 5) == Q.STATUS


# --- the compute on hand-built accounts -------------------------------------------------
def _ttm(account, *, revenue="100000", growth=None, margin=None, penetration=None):
    window = ttm_period(timezone.localdate())
    return AccountMetric.objects.create(
        account=account,
        period="ttm",
        period_kind="ttm",
        period_start=window.start,
        period_end=window.end,
        revenue=Decimal(revenue),
        growth=growth,
        margin_pct=margin,
        penetration=penetration,
        tier="A",
    )


def _health(
    account, *, score="75.0", band="healthy", role_coverage=None, satisfaction=None, tenders=None
):
    components = [
        {
            "key": key,
            "label": key,
            "value": None,
            "score": value,
            "weight": None,
            "points": None,
            "explanation": "",
        }
        for key, value in (
            ("role_coverage", role_coverage),
            ("satisfaction", satisfaction),
            ("tenders", tenders),
        )
    ]
    return AccountHealth.objects.create(
        account=account,
        date=timezone.localdate(),
        score=Decimal(score),
        band=band,
        components=components,
    )


def _fit(account, score, *, year=None, user=None):
    return matrix.matrix_score_set(
        user=user or account.owner,
        account=account,
        criterion=MatrixCriterion.objects.get(key="strategic_fit"),
        year=year or timezone.localdate().year,
        score=score,
    )


@pytest.fixture
def two_accounts(db):
    """`big`: top potential, +30 % growth, top margin, fit 5; 50 % penetration, full role
    coverage, NPS 8, half the tenders won. `small`: the other ends, no surveys."""
    owner = UserFactory(role="kam")
    big = AccountFactory(owner=owner, name="Big", potential_annual=Decimal("9000000"))
    small = AccountFactory(owner=owner, name="Small", potential_annual=Decimal("100000"))
    _ttm(big, growth=0.30, margin=0.40, penetration=0.50)
    _ttm(small, revenue="5000", growth=-0.20, margin=0.05, penetration=0.05)
    _health(big, role_coverage=100.0, satisfaction=80.0, tenders=50.0)
    _health(small, score="30.0", band="at_risk", role_coverage=0.0, satisfaction=None, tenders=None)
    _fit(big, 5)
    _fit(small, 1)
    return big, small


def _position(account, year=None):
    return MatrixPosition.objects.get(account=account, year=year or timezone.localdate().year)


def test_compute_places_accounts_by_the_design_rules(two_accounts):
    big, small = two_accounts
    assert matrix.portfolio_matrix_compute() == 2
    p = _position(big)
    # Potential quintile among 2: the larger has p = 0.75 -> 4; growth 30 % -> 5; margin
    # quintile -> 4; fit 5: (35·4 + 20·5 + 20·4 + 25·5) / 100 = 4.45.
    assert p.attractiveness == 4.45
    # Penetration 50 % -> 4; relationship 100/20 = 5; satisfaction 80/20 = 4; tenders
    # 50/20 = 2.5: (35·4 + 25·5 + 20·4 + 20·2.5) / 100 = 3.95.
    assert p.strength == 3.95
    assert p.quadrant == Q.STRATEGIC
    assert p.revenue == Decimal("100000.00") and p.health_band == "healthy"
    assert {c["key"]: c["score"] for c in p.criteria}["tender_win_rate"] == 2.5
    s = _position(small)
    # (35·2 + 20·1 + 20·2 + 25·1) / 100 = 1.55; strength: penetration 1 and relationship 1
    # only (satisfaction and tenders have no data): 1.0.
    assert (s.attractiveness, s.strength, s.quadrant) == (1.55, 1.0, Q.STREAMLINE)
    left_out = {c["key"] for c in s.criteria if c["score"] is None}
    assert left_out == {"satisfaction", "tender_win_rate"}
    # Written down on the accounts, for the accounts table and API filters.
    assert Account.objects.get(pk=big.pk).quadrant == Q.STRATEGIC
    assert Account.objects.get(pk=small.pk).quadrant == Q.STREAMLINE


def test_an_account_without_health_is_placed_on_penetration_alone(db):
    a = AccountFactory(potential_annual=Decimal("1000"))
    _ttm(a, penetration=0.30)
    matrix.portfolio_matrix_compute()
    p = _position(a)
    assert p.strength == 3.0 and p.attractiveness == 3.0  # lone potential -> 3
    assert p.quadrant == Q.STRATEGIC and p.health_score is None


def test_an_account_without_strength_data_has_no_position(db):
    a = AccountFactory(potential_annual=Decimal("1000"))
    _ttm(a, penetration=None)
    AccountFactory(owner=None)  # no owner: not in the matrix
    assert matrix.portfolio_matrix_compute() == 0
    assert not MatrixPosition.objects.exists()


def test_the_compute_is_idempotent(two_accounts):
    matrix.portfolio_matrix_compute()
    first = list(MatrixPosition.objects.values_list("account_id", "attractiveness", "quadrant"))
    matrix.portfolio_matrix_compute()
    again = list(MatrixPosition.objects.values_list("account_id", "attractiveness", "quadrant"))
    assert first == again and len(again) == 2


def test_weights_changed_by_the_head_move_positions_at_the_next_compute(two_accounts):
    big, _small = two_accounts
    head = UserFactory(role="head")
    matrix.portfolio_matrix_compute()
    assert _position(big).quadrant == Q.STRATEGIC
    # The head keeps only tender win rate on the strength axis: big's 2.5 is weak.
    for c in MatrixCriterion.objects.filter(axis="strength").order_by("-key"):
        weight = 100 if c.key == "tender_win_rate" else 0
        matrix.matrix_criterion_update(user=head, criterion=c, weight=weight)
    assert _position(big).quadrant == Q.STRATEGIC  # not until the next compute
    matrix.portfolio_matrix_compute()
    p = _position(big)
    assert (p.strength, p.quadrant) == (2.5, Q.STAR)
    changed = MatrixCriterion.history.filter(key="penetration").latest("history_date")
    assert (changed.weight, changed.updated_by_id) == (0, head.pk)  # the history: who, when


def test_a_kam_cannot_change_weights_and_an_axis_keeps_one(db):
    kam, head = UserFactory(role="kam"), UserFactory(role="head")
    c = MatrixCriterion.objects.get(key="growth")
    with pytest.raises(PermissionDenied):
        matrix.matrix_criterion_update(user=kam, criterion=c, weight=10)
    with pytest.raises(ValidationError):
        matrix.matrix_criterion_update(user=head, criterion=c, weight=101)
    for crit in MatrixCriterion.objects.filter(axis="attractiveness").exclude(key="growth"):
        matrix.matrix_criterion_update(user=head, criterion=crit, weight=0)
    with pytest.raises(ValidationError) as err:
        matrix.matrix_criterion_update(user=head, criterion=c, weight=0)
    assert "weight" in err.value.message_dict


def test_defaults_are_the_design_weights(db):
    assert dict(MatrixCriterion.objects.values_list("key", "weight")) == {
        "potential_size": 35,
        "growth": 20,
        "margin": 20,
        "strategic_fit": 25,
        "penetration": 35,
        "relationship": 25,
        "satisfaction": 20,
        "tender_win_rate": 20,
    }


def test_quadrant_moves_year_on_year(two_accounts):
    big, small = two_accounts
    year = timezone.localdate().year
    matrix.portfolio_matrix_compute(as_of=dt.date(year - 1, 6, 30))
    # Last year the same numbers; this year big's KAM loses faith in it (fit 1) and its
    # margin drops to the bottom: big moves from Strategic to Status.
    assert _position(big, year - 1).quadrant == Q.STRATEGIC
    AccountMetric.objects.filter(account=big).update(margin_pct=0.01, growth=-0.15)
    _fit(big, 1)
    matrix.portfolio_matrix_compute()
    assert _position(big).quadrant == Q.STATUS
    assert _position(big, year - 1).quadrant == Q.STRATEGIC  # last year's row kept
    assert matrix.matrix_previous_quadrants(account_ids=[big.pk, small.pk], year=year) == {
        big.pk: Q.STRATEGIC,
        small.pk: Q.STREAMLINE,
    }
    # The write-down follows the current year, not a recompute of last year.
    matrix.portfolio_matrix_compute(as_of=dt.date(year - 1, 6, 30))
    assert Account.objects.get(pk=big.pk).quadrant == Q.STATUS


def test_strategic_fit_is_carried_from_last_year_until_rescored(two_accounts):
    big, _small = two_accounts
    year = timezone.localdate().year
    big.matrix_scores.all().delete()
    _fit(big, 2, year=year - 1)
    inputs = matrix.matrix_inputs(year=year)
    assert inputs[big.pk].manual == {"strategic_fit": 2}
    _fit(big, 4)
    assert matrix.matrix_inputs(year=year)[big.pk].manual == {"strategic_fit": 4}


def test_strategic_fit_is_scored_by_the_accounts_kams_with_history(two_accounts):
    big, _small = two_accounts
    stranger = UserFactory(role="kam")
    with pytest.raises(PermissionDenied):
        _fit(big, 3, user=stranger)
    with pytest.raises(ValidationError) as err:
        _fit(big, 6)
    assert "score" in err.value.message_dict
    with pytest.raises(ValidationError):
        _fit(big, 3, year=timezone.localdate().year - 3)
    row = _fit(big, 3)
    assert row.score == 3 and row.scored_by == big.owner
    assert [h.score for h in row.history.order_by("history_date")] == [5, 3]


def test_resources_flag_the_account_that_takes_time_out_of_proportion(two_accounts):
    big, small = two_accounts
    matrix.portfolio_matrix_compute()
    head = UserFactory(role="head")
    for _ in range(8):
        InteractionFactory(account=small)  # the Streamline account takes 8 of 9
    InteractionFactory(account=big)
    InteractionFactory(account=big, occurred_at=timezone.now() - dt.timedelta(days=400))
    r = matrix.matrix_resources(user=head, year=timezone.localdate().year)
    assert r.interactions == 9
    by_q = {q["quadrant"]: q for q in r.quadrants}
    # Suggested: Strategic 4 / (4 + 1), Streamline 1 / 5.
    assert by_q["strategic"]["suggested"] == pytest.approx(0.8)
    assert by_q["streamline"]["actual"] == pytest.approx(8 / 9)
    assert by_q["streamline"]["verdict"] == "more" and by_q["strategic"]["verdict"] == "less"
    assert [a["name"] for a in r.over] == ["Small"]
    assert [a["name"] for a in r.under] == ["Big"]
