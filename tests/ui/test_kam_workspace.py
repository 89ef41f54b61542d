"""What a KAM does in the browser, on Debian's Chromium (see shared/RECIPES.md).

Each test builds its few rows with factories and signs in by session cookie (the sign-in
form has its own test), so the module stays fast; screenshots go to `screenshot_dir`.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from accounts.models import Contact, DistributorLink, Event, Survey
from plans.models import Action, Tender
from tests.factories import AccountFactory, DistributorFactory, UserFactory
from tests.ui.browser import DESKTOP, PHONE, sign_in

pytestmark = [pytest.mark.ui, pytest.mark.django_db(transaction=True)]


def test_kam_signs_in_finds_an_account_and_sees_it(
    page: Page, live_server, anna, account, screenshot_dir
):
    AccountFactory(owner=anna, name="Another Client")
    page.set_viewport_size(DESKTOP)
    page.goto(f"{live_server.url}/")
    expect(page).to_have_url(re.compile(r"/login/"))
    page.get_by_label("Username").fill("anna")
    page.get_by_label("Password").fill("pass-word-123")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="My accounts")).to_be_visible()
    expect(page.get_by_text("Overdue actions")).to_be_visible()
    page.screenshot(path=screenshot_dir / "kam-home-desktop.png", full_page=True)

    page.get_by_label("Name or tax id").fill("Client 001")
    page.get_by_role("button", name="Apply").click()
    rows = page.locator("table.responsive tbody tr")
    expect(rows).to_have_count(1)
    rows.get_by_role("link", name="Client 001", exact=True).click()
    expect(page.get_by_role("heading", name=re.compile("Client 001"))).to_be_visible()
    expect(page.locator("#org-chart")).to_contain_text("Boss 1")
    expect(page.locator("#timeline")).to_contain_text("Discussed next year's volumes")
    expect(page.locator("#revenue-chart")).to_be_visible()
    page.screenshot(path=screenshot_dir / "kam-account-desktop.png", full_page=True)
    page.set_viewport_size(PHONE)
    page.reload()
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    page.screenshot(path=screenshot_dir / "kam-account-375.png", full_page=True)
    page.goto(f"{live_server.url}/")
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    page.screenshot(path=screenshot_dir / "kam-home-375.png", full_page=True)


def test_kam_logs_an_interaction_one_handed_on_a_phone(
    page: Page, live_server, anna, account, screenshot_dir
):
    sign_in(page, live_server, anna)
    page.set_viewport_size(PHONE)
    page.goto(f"{live_server.url}/")
    page.get_by_role("link", name="Log an interaction with Client 001").click()
    expect(page.get_by_role("heading", name=re.compile("Log an interaction"))).to_be_visible()
    # Nothing may overflow sideways at 375 px.
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    # What the phone shows: the top of the form with the save button kept under the thumb.
    page.screenshot(path=screenshot_dir / "kam-log-form-375.png")

    page.get_by_label("Call").check()
    page.get_by_label("Boss 1").check()
    page.get_by_label("Summary").fill("Agreed a trial of the new line")
    # A due date without a step: the form keeps what was typed and says what is missing.
    page.get_by_label("Next step due").fill("2030-01-15")
    page.get_by_role("button", name="Save interaction").click()
    expect(page.locator("#id_next_step_error")).to_contain_text("Say what the next step is")
    expect(page.get_by_label("Summary")).to_have_value("Agreed a trial of the new line")
    page.locator("#id_next_step").fill("Send the trial contract")
    page.get_by_role("button", name="Save interaction").click()

    expect(page).to_have_url(re.compile(rf"/accounts/{account.pk}/"))
    timeline = page.locator("#timeline")
    expect(timeline).to_contain_text("Agreed a trial of the new line")
    expect(timeline).to_contain_text("Send the trial contract")
    boss = page.locator(".person", has_text="Boss 1")
    expect(boss).to_contain_text("0 days ago")


def test_log_from_the_account_page_updates_the_timeline_in_place(
    page: Page, live_server, anna, account, screenshot_dir
):
    sign_in(page, live_server, anna)
    page.set_viewport_size(DESKTOP)
    page.goto(f"{live_server.url}/accounts/{account.pk}/")
    form = page.locator("#log-form")
    form.get_by_label("Visit").check()
    form.get_by_label("Summary").fill("Plant tour with the buyer")
    page.locator("#log").screenshot(path=screenshot_dir / "kam-log-form-desktop.png")
    with page.expect_response(re.compile(r"/log/$")):
        form.get_by_role("button", name="Save interaction").click()
    expect(page.locator("#timeline li").first).to_contain_text("Plant tour with the buyer")
    expect(page.locator("#log-form .saved")).to_be_visible()
    expect(page.locator("#log-form").get_by_label("Summary")).to_have_value("")
    assert page.url.endswith(f"/accounts/{account.pk}/")  # no navigation: swapped in place


def test_kam_adds_a_contact_under_a_manager_and_sees_it_in_the_org_chart(
    page: Page, live_server, anna, account
):
    sign_in(page, live_server, anna)
    page.goto(f"{live_server.url}/accounts/{account.pk}/")
    page.locator("#org-chart-card").get_by_role("link", name="Add contact").click()
    page.get_by_label("Name").fill("Olga Smirnova")
    page.get_by_label("Position").fill("Head of procurement")
    page.get_by_label("Reports to").select_option(label="Buyer 1")
    page.get_by_label("Decision role").select_option("economic_buyer")
    page.get_by_label("Influence").fill("5")
    page.get_by_label("Supporter").check()
    page.get_by_role("button", name="Save contact").click()

    manager = page.locator(".org li", has=page.locator(":scope > .person", has_text="Buyer 1"))
    expect(manager.locator(":scope > ul .person")).to_contain_text("Olga Smirnova")
    olga = Contact.objects.get(name="Olga Smirnova")
    assert olga.reports_to.name == "Buyer 1" and olga.influence == 5


def test_kam_records_a_survey_on_a_phone_and_sees_it_on_the_account_page(
    page: Page, live_server, anna, account, screenshot_dir
):
    sign_in(page, live_server, anna)
    page.set_viewport_size(PHONE)
    page.goto(f"{live_server.url}/accounts/{account.pk}/")
    page.locator("#surveys").get_by_role("link", name="Record survey").click()
    expect(page.get_by_role("heading", name="Record a survey")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]

    page.locator("#id_contact").select_option(label="Boss 1")
    page.get_by_label("NPS score").fill("11")  # out of 0-10: refused beside the field
    page.get_by_label("Satisfaction").fill("4")
    page.get_by_label("Needs").fill("Deliveries twice a week to the new warehouse")
    page.get_by_role("button", name="Save survey").click()
    expect(page.locator("#id_nps_error")).to_be_visible()
    expect(page.get_by_label("Needs")).to_have_value("Deliveries twice a week to the new warehouse")
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    page.screenshot(path=screenshot_dir / "kam-survey-form-error-375.png", full_page=True)
    page.get_by_label("NPS score").fill("9")
    page.get_by_role("button", name="Save survey").click()

    expect(page).to_have_url(re.compile(rf"/accounts/{account.pk}/#surveys$"))
    surveys = page.locator("#surveys")
    expect(surveys).to_contain_text("Deliveries twice a week to the new warehouse")
    expect(surveys).to_contain_text("NPS 9/10")
    surveys.scroll_into_view_if_needed()
    page.screenshot(path=screenshot_dir / "kam-account-surveys-375.png")
    survey = Survey.objects.get(needs__startswith="Deliveries")
    assert (survey.nps, survey.satisfaction, survey.contact.name) == (9, 4, "Boss 1")


def test_kam_links_a_distributor_on_a_phone(page: Page, live_server, anna, account, screenshot_dir):
    DistributorFactory(name="Volga Trade")
    sign_in(page, live_server, anna)
    page.set_viewport_size(PHONE)
    page.goto(f"{live_server.url}/accounts/{account.pk}/")
    page.locator("#distributors").get_by_role("link", name="Link distributor").click()
    page.get_by_label("Distributor").select_option(label="Volga Trade")
    page.get_by_label("Role").select_option("exclusive")
    page.get_by_label("Share of volume, %").fill("150")
    page.get_by_label("Since").fill("2025-01-01")
    page.get_by_label("Until").fill("2024-12-31")
    page.get_by_role("button", name="Save link").click()
    expect(page.locator("#id_share_of_volume_error")).to_be_visible()
    page.get_by_label("Share of volume, %").fill("70")
    page.get_by_role("button", name="Save link").click()
    expect(page.locator("#id_until_error")).to_contain_text("ends before it starts")
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    page.screenshot(path=screenshot_dir / "kam-distributor-form-error-375.png", full_page=True)
    page.get_by_label("Until").fill("2026-12-31")
    page.get_by_role("button", name="Save link").click()

    expect(page.locator("#distributors")).to_contain_text("Volga Trade")
    link = DistributorLink.objects.get(distributor__name="Volga Trade")
    assert (link.role, link.share_of_volume, link.account_id) == ("exclusive", 70, account.pk)


def test_kam_plans_with_an_objective_and_an_action_and_completes_it(
    page: Page, live_server, anna, account
):
    sign_in(page, live_server, anna)
    page.goto(f"{live_server.url}/accounts/{account.pk}/")
    page.get_by_role("link", name="New plan").click()
    expect(page.get_by_label("Client's goals")).to_have_value(re.compile("business goals"))
    page.get_by_label("Title").fill("Grow Client 001 in 2027")
    page.get_by_label("Period start").fill("2027-01-01")
    page.get_by_label("Period end").fill("2027-12-31")
    # No revenue target to type: the plan's is the sum of the account's targets for 2027.
    expect(page.get_by_label("Revenue target")).to_have_count(0)
    page.get_by_role("button", name="Create plan").click()
    expect(page.get_by_role("heading", name=re.compile("Grow Client 001"))).to_be_visible()
    expect(page.locator("#plan-revenue-target")).to_contain_text("—")  # none set for 2027
    expect(page.locator("#completeness")).to_contain_text("objectives")

    page.get_by_text("Add an objective").click()
    page.locator("#id_objective-description").fill("Win the packaging category")
    page.get_by_role("button", name="Add objective").click()
    page.get_by_text("Add an action").click()
    page.locator("#id_action-description").fill("Present the packaging line")
    page.locator("#id_action-objective").select_option(label="Win the packaging category")
    page.locator("#id_action-due").fill("2027-02-01")
    page.get_by_role("button", name="Add action").click()

    page.get_by_role("button", name="Mark “Present the packaging line” done").click()
    row = page.locator("#actions li", has_text="Present the packaging line")
    expect(row).to_have_class(re.compile("done"))
    expect(page.get_by_role("button", name="Reopen “Present the packaging line”")).to_be_visible()
    action = Action.objects.get(description="Present the packaging line")
    assert action.status == "done" and action.objective.description.startswith("Win")


def test_kam_moves_a_tender_to_lost_with_a_reason(page: Page, live_server, anna, account):
    tender = account.tenders.get()
    sign_in(page, live_server, anna)
    page.goto(f"{live_server.url}/tenders/")
    page.get_by_role("link", name=tender.title).click()
    page.get_by_label("Move to stage").select_option("lost")
    page.get_by_role("button", name="Move").click()
    expect(page.locator("#id_reason_error")).to_contain_text("Say why")
    page.get_by_label("Reason (won or lost)").fill("Price 8 % above the winner")
    page.get_by_role("button", name="Move").click()
    expect(page.locator("h1 .badge")).to_have_text("Lost")
    tender.refresh_from_db()
    assert tender.stage == Tender.Stage.LOST
    assert tender.outcome_reason == "Price 8 % above the winner"


def test_kam_switches_the_language_to_russian(
    page: Page, live_server, anna, account, screenshot_dir
):
    sign_in(page, live_server, anna)
    page.goto(f"{live_server.url}/")
    page.get_by_label("Language").select_option("ru")
    expect(page.get_by_role("heading", name="Мои клиенты")).to_be_visible()
    expect(page.locator("html")).to_have_attribute("lang", "ru")
    page.goto(f"{live_server.url}/accounts/{account.pk}/")
    expect(page.get_by_role("heading", name="Оргструктура")).to_be_visible()
    page.screenshot(path=screenshot_dir / "kam-account-ru-desktop.png", full_page=True)


def test_kam_cannot_open_another_kams_account(page: Page, live_server, anna):
    stranger = AccountFactory(owner=UserFactory(username="boris"), name="Boris's Client")
    sign_in(page, live_server, anna)
    response = page.goto(f"{live_server.url}/accounts/{stranger.pk}/")
    assert response.status == 404
    expect(page.get_by_text("Boris's Client")).to_have_count(0)


def test_kam_plans_an_event_invites_two_and_marks_who_came_on_a_phone(
    page: Page, live_server, anna, account, screenshot_dir
):
    sign_in(page, live_server, anna)
    page.set_viewport_size(PHONE)
    page.goto(f"{live_server.url}/accounts/{account.pk}/")
    page.get_by_role("link", name="Plan an event").click()
    expect(page.get_by_role("heading", name="Plan an event")).to_be_visible()
    expect(page.get_by_label("Client 001")).to_be_checked()  # came from the account page
    page.get_by_label("Name").fill("Packaging line presentation")
    page.get_by_label("Kind").select_option("presentation")
    page.get_by_label("Location").fill("Kazan, client's plant")
    invited = page.locator("#id_invited")
    invited.get_by_label("Boss 1").check()
    invited.get_by_label("Buyer 1").check()
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    page.screenshot(path=screenshot_dir / "kam-event-form-375.png", full_page=True)
    page.get_by_role("button", name="Save event").click()

    expect(page.get_by_role("heading", name=re.compile("Packaging line"))).to_be_visible()
    people = page.locator("#people")
    expect(people.locator("li", has_text="Boss 1")).to_contain_text("invited")
    expect(people.locator("li", has_text="Buyer 1")).to_contain_text("invited")
    # After the event: tick who came right on the event page.
    page.locator("#attendance").get_by_label("Buyer 1").check()
    page.get_by_role("button", name="Save attendance").click()
    expect(page.get_by_text("Attendance saved.")).to_be_visible()
    expect(people.locator("li", has_text="Buyer 1")).to_contain_text("attended")
    expect(people.locator("li", has_text="Boss 1")).not_to_contain_text("attended")
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    page.screenshot(path=screenshot_dir / "kam-event-375.png", full_page=True)

    page.get_by_role("button", name="Menu").click()  # folded on a phone
    page.get_by_role("link", name="Events", exact=True).click()
    expect(page.get_by_role("link", name="Packaging line presentation")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    page.screenshot(path=screenshot_dir / "kam-events-375.png", full_page=True)
    event = Event.objects.get(name="Packaging line presentation")
    assert [c.name for c in event.attended.all()] == ["Buyer 1"]
    assert sorted(c.name for c in event.invited.all()) == ["Boss 1", "Buyer 1"]
    assert list(event.accounts.all()) == [account] and event.organizer == anna


def test_head_narrows_the_long_account_list_to_plan_an_event(
    page: Page, live_server, anna, screenshot_dir
):
    # A head chooses among every account: a search box narrows the list as they type.
    head = UserFactory(username="boss", role="head")
    for i in range(30):
        AccountFactory(owner=anna, name=f"Client {i:02d} Trading")
    wanted = AccountFactory(owner=anna, name="Uralkali Chemicals")
    sign_in(page, live_server, head)
    page.set_viewport_size(DESKTOP)
    page.goto(f"{live_server.url}/events/new/")
    accounts = page.locator("select#id_accounts")
    page.get_by_placeholder("Type to narrow the list").fill("ural chem")
    visible = accounts.locator("option:not([hidden])")
    expect(visible).to_have_count(1)
    expect(visible).to_have_text("Uralkali Chemicals")
    accounts.select_option(str(wanted.pk))
    page.get_by_label("Name").fill("Chemicals forum")
    page.screenshot(path=screenshot_dir / "head-event-form-filter.png", full_page=True)
    page.get_by_role("button", name="Save event").click()
    expect(page.get_by_role("heading", name=re.compile("Chemicals forum"))).to_be_visible()
    assert list(Event.objects.get(name="Chemicals forum").accounts.all()) == [wanted]


def test_kam_deletes_a_survey_and_restores_it_from_recently_deleted_on_a_phone(
    page: Page, live_server, anna, account, screenshot_dir
):
    survey = Survey.objects.create(account=account, date="2025-03-04", nps=3, needs="Faster")
    sign_in(page, live_server, anna)
    page.set_viewport_size(PHONE)
    page.goto(f"{live_server.url}/surveys/{survey.pk}/edit/")
    page.get_by_text("Delete…").click()
    expect(page.locator(".delete-zone")).to_contain_text("Recently deleted")
    page.locator(".delete-zone").get_by_role("button", name="Delete").click()
    expect(page).to_have_url(re.compile(rf"/accounts/{account.pk}/#surveys$"))
    expect(page.locator("#surveys")).not_to_contain_text("Faster")

    page.get_by_role("link", name="Recently deleted on this account").click()
    row = page.locator(f'tr[data-kind="survey"][data-pk="{survey.pk}"]')
    expect(row).to_contain_text("Anna Petrova")
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    page.screenshot(path=screenshot_dir / "kam-recently-deleted-375.png", full_page=True)
    page.set_viewport_size(DESKTOP)
    page.screenshot(path=screenshot_dir / "kam-recently-deleted-1280.png", full_page=True)
    row.get_by_role("button", name="Restore").click()

    expect(page).to_have_url(re.compile(rf"/accounts/{account.pk}/#surveys$"))
    expect(page.locator("#surveys")).to_contain_text("Faster")
    expect(page.locator(".messages")).to_contain_text("Restored")
    assert Survey.objects.filter(pk=survey.pk).exists()
