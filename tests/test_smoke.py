import pytest


@pytest.mark.django_db
def test_healthz_answers_ok_with_database(client):
    response = client.get("/healthz")  # the other states: tests/test_health.py
    assert response.status_code == 200
    assert response.json()["checks"]["database"] == "ok"


@pytest.mark.django_db
def test_unknown_api_urls_answer_json_and_pages_html(client, kam_user):
    client.force_login(kam_user)
    api = client.get("/api/v1/accounts/0.5/")
    assert api.status_code == 404
    assert api["Content-Type"] == "application/problem+json"
    assert api.json()["detail"] == "Not found." and api.json()["status"] == 404
    page = client.get("/no-such-page/")
    assert page.status_code == 404
    assert page["Content-Type"].startswith("text/html")


@pytest.mark.django_db
def test_a_crash_under_the_api_answers_json(client, kam_user, monkeypatch):
    from accounts.api.views import AccountViewSet

    def crash(self, request, *args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(AccountViewSet, "list", crash)
    client.raise_request_exception = False
    client.force_login(kam_user)
    response = client.get("/api/v1/accounts/")
    assert response.status_code == 500
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["detail"] == "A server error occurred."
