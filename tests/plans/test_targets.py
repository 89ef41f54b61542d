"""Targets: set by the KAM, approved by the head, a later change flagged and recorded;
one annual target or quarterly ones per account and year; /api/v1/targets/."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from plans import services
from plans.models import Target
from tests import factories as f
from tests.conftest import field_errors

pytestmark = pytest.mark.django_db
D = Decimal


@pytest.fixture
def mine(kam_user):
    return f.AccountFactory(owner=kam_user, name="Mine")


@pytest.fixture
def theirs(other_kam):
    return f.AccountFactory(owner=other_kam, name="Theirs")


def _set(user, **kwargs):
    return services.target_set(user=user, **kwargs)


def test_kam_sets_a_draft_target_and_the_head_approves_it(kam_user, head_user, mine):
    target = _set(kam_user, account=mine, year=2026, revenue_target=D("1000000"))
    assert target.status == "draft" and target.set_by == kam_user
    assert not target.changed_after_approval
    approved = services.target_approve(user=head_user, target=target)
    approved.refresh_from_db()
    assert approved.status == "approved" and approved.approved_by == head_user
    assert approved.approved_at is not None and not approved.changed_after_approval


def test_a_change_after_approval_stays_approved_flagged_and_recorded(kam_user, head_user, mine):
    target = _set(kam_user, account=mine, year=2026, revenue_target=D("1000000"))
    services.target_approve(user=head_user, target=target)
    # Saving the same numbers again is not a change.
    _set(kam_user, target=target, revenue_target=D("1000000"))
    target.refresh_from_db()
    assert not target.changed_after_approval
    _set(kam_user, target=target, revenue_target=D("1200000"))
    target.refresh_from_db()
    assert target.status == "approved" and target.changed_after_approval
    assert target.revenue_target == D("1200000")
    latest = target.history.order_by("-history_date", "-history_id").first()
    assert latest.history_change_reason == "changed after approval"
    assert latest.history_user == kam_user
    assert latest.prev_record.revenue_target == D("1000000")
    # Approving again clears the flag (and that is recorded too).
    services.target_approve(user=head_user, target=target)
    target.refresh_from_db()
    assert not target.changed_after_approval
    reasons = list(
        target.history.order_by("history_id").values_list("history_change_reason", flat=True)
    )
    assert reasons == [None, "approved", "changed after approval", "approved"]


def test_a_kam_cannot_approve(kam_user, mine):
    target = _set(kam_user, account=mine, year=2026, revenue_target=D("1"))
    with pytest.raises(PermissionDenied):
        services.target_approve(user=kam_user, target=target)
    target.refresh_from_db()
    assert target.status == "draft"


def test_a_kam_sets_no_target_on_another_kams_account(kam_user, theirs):
    with pytest.raises(PermissionDenied):
        _set(kam_user, account=theirs, year=2026, revenue_target=D("1"))


def test_a_year_has_an_annual_target_or_quarterly_ones_not_both(kam_user, mine):
    _set(kam_user, account=mine, year=2026, quarter=1, revenue_target=D("100"))
    _set(kam_user, account=mine, year=2026, quarter=2, revenue_target=D("100"))
    with pytest.raises(ValidationError) as annual:
        _set(kam_user, account=mine, year=2026, revenue_target=D("400"))
    assert "quarter" in annual.value.message_dict
    with pytest.raises(ValidationError) as twice:
        _set(kam_user, account=mine, year=2026, quarter=2, revenue_target=D("5"))
    assert "quarter" in twice.value.message_dict
    _set(kam_user, account=mine, year=2027, revenue_target=D("400"))
    with pytest.raises(ValidationError):
        _set(kam_user, account=mine, year=2027, quarter=3, revenue_target=D("5"))
    assert Target.objects.filter(account=mine).count() == 3


def test_a_kam_deletes_a_draft_not_an_approved_target(kam_user, head_user, mine):
    draft = _set(kam_user, account=mine, year=2026, revenue_target=D("1"))
    approved = _set(kam_user, account=mine, year=2027, revenue_target=D("1"))
    services.target_approve(user=head_user, target=approved)
    services.target_delete(user=kam_user, target=draft)
    with pytest.raises(PermissionDenied):
        services.target_delete(user=kam_user, target=approved)
    services.target_delete(user=head_user, target=approved)
    assert not Target.objects.filter(account=mine).exists()


# --- the API ------------------------------------------------------------------------------
def test_api_creates_filters_and_approves(kam_user, head_user, mine, theirs, api_client_for):
    kam = api_client_for(kam_user)
    response = kam.post(
        "/api/v1/targets/",
        {"account": mine.pk, "year": 2026, "quarter": 1, "revenue_target": "250000.00"},
        format="json",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["status"] == "draft" and body["set_by"] == "kam1" and body["quarter"] == 1
    pk = body["id"]
    f.TargetFactory(account=theirs, year=2026)
    listed = kam.get("/api/v1/targets/", {"year": 2026}).json()["results"]
    assert [row["id"] for row in listed] == [pk]

    refused = kam.post(f"/api/v1/targets/{pk}/approve/")
    assert refused.status_code == 403
    assert refused["Content-Type"].startswith("application/problem+json")
    assert Target.objects.get(pk=pk).status == "draft"

    head = api_client_for(head_user)
    approved = head.post(f"/api/v1/targets/{pk}/approve/")
    assert approved.status_code == 200, approved.content
    assert approved.json()["status"] == "approved" and approved.json()["approved_by"] == "head"
    assert (
        head.get("/api/v1/targets/", {"status": "approved", "owner": "kam1"}).json()["count"] == 1
    )
    assert head.get("/api/v1/targets/", {"status": "draft"}).json()["count"] == 1

    changed = kam.patch(f"/api/v1/targets/{pk}/", {"revenue_target": "300000.00"}, format="json")
    assert changed.status_code == 200
    assert changed.json()["status"] == "approved" and changed.json()["changed_after_approval"]
    history = kam.get(f"/api/v1/targets/{pk}/history/").json()["results"]
    assert history[0]["reason"] == "changed after approval"
    assert {"field": "revenue_target", "old": "250000.00", "new": "300000.00"} in history[0][
        "changes"
    ]
    # Status is the approve action's, not a field a KAM writes.
    kam.patch(f"/api/v1/targets/{pk}/", {"status": "draft"}, format="json")
    assert Target.objects.get(pk=pk).status == "approved"
    # An approved target is the head's to delete.
    assert kam.delete(f"/api/v1/targets/{pk}/").status_code == 403
    assert head.delete(f"/api/v1/targets/{pk}/").status_code == 204


def test_api_refuses_both_kinds_in_one_year_naming_the_field(kam_user, mine, api_client_for):
    kam = api_client_for(kam_user)
    ok = kam.post(
        "/api/v1/targets/",
        {"account": mine.pk, "year": 2026, "revenue_target": "1000.00"},
        format="json",
    )
    assert ok.status_code == 201
    again = kam.post(
        "/api/v1/targets/",
        {"account": mine.pk, "year": 2026, "quarter": 4, "revenue_target": "1.00"},
        format="json",
    )
    assert again.status_code == 400
    assert "quarter" in field_errors(again.json())
    bad = kam.post(
        "/api/v1/targets/",
        {"account": mine.pk, "year": 2026, "quarter": 5, "revenue_target": "-1"},
        format="json",
    )
    assert bad.status_code == 400
    assert {"quarter", "revenue_target"} <= set(field_errors(bad.json()))
