"""Every page, at every width, in both languages, for the KAM and the sales head.

Over the demo company (`seed_demo` with its nightly jobs, so every page has content) each
test signs one person in and, in English and in Russian, visits every page of their menu
plus the pages a person reaches from them: an account, a contact, a plan, a tender, the
search results and the notifications. On each page it checks

- at 375 and 768 px (touch screens): no horizontal page scroll —
  `scrollWidth <= innerWidth` (wide tables scroll inside their own focusable region);
- at 1280 and 375 px: axe-core (from npm: `npm ci`, pinned in package.json) finds no
  violation of any impact;
- that the page links the app icon and the web app manifest (and that they answer 200);

and writes a full-page screenshot at 375, 768 and 1280 px to the screenshot folder
(`every-<role>-<lang>-<width>-<page>.jpg`: JPEG, twice as fast to take as PNG). Every
problem of a run is collected and reported together, naming the page, the role, the
language and the width.

One browser, three contexts (one per width) reused for every page of a test.
"""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.test import Client

from accounts.models import Account, Contact, User
from plans.models import AccountPlan, Tender

pytestmark = [pytest.mark.ui, pytest.mark.django_db(transaction=True)]

AXE = Path(settings.BASE_DIR) / "node_modules" / "axe-core" / "axe.min.js"
WIDTHS = {
    375: {"viewport": {"width": 375, "height": 812}, "is_mobile": True, "has_touch": True},
    768: {"viewport": {"width": 768, "height": 1024}, "is_mobile": True, "has_touch": True},
    1280: {"viewport": {"width": 1280, "height": 900}},
}
OVERFLOW_WIDTHS = (375, 768)
AXE_WIDTHS = (1280, 375)

# The widest element, to name in a failure (what sticks out past the viewport's right edge).
OVERFLOW = """(width) => {
  const scroll = Math.max(document.documentElement.scrollWidth, document.body.scrollWidth);
  const out = [];
  if (scroll > width) {
    const name = (el) => el.tagName.toLowerCase() + (el.id ? "#" + el.id : "") +
      (typeof el.className === "string" && el.className.trim()
        ? "." + el.className.trim().split(/\\s+/).join(".") : "");
    for (const el of document.body.querySelectorAll("*")) {
      const r = el.getBoundingClientRect();
      if (r.right <= width + 1 || r.width === 0) continue;
      // Clipped: inside its own scroll region, or fixed to the screen. An absolutely
      // positioned element is clipped only from its containing block (offsetParent) up.
      let clipped = getComputedStyle(el).position === "fixed";
      let p = getComputedStyle(el).position === "absolute" ? el.offsetParent : el.parentElement;
      for (; p && p !== document.body && !clipped; p = p.parentElement) {
        const style = getComputedStyle(p);
        clipped = style.position === "fixed" || style.overflowX !== "visible";
      }
      if (!clipped) out.push(`${name(el)} (right ${Math.round(r.right)})`);
    }
  }
  // The outermost and the innermost of what sticks out.
  const culprit = out.length ? [...new Set([out[0], out[out.length - 1]])].join(" … ") : null;
  return {scroll, inner: window.innerWidth, culprit};
}"""

AXE_RUN = """async () => {
  const result = await axe.run(document, {resultTypes: ["violations"]});
  return result.violations.map(v => ({
    id: v.id, impact: v.impact,
    targets: v.nodes.slice(0, 5).map(n => n.target.join(" ") + " — " + n.failureSummary
      .replace(/\\s+/g, " ").slice(0, 160)),
  }));
}"""


@pytest.fixture
def demo(settings):
    """The demo company after its nightly jobs: metrics, matrix, health and alerts."""
    settings.CELERY_TASK_ALWAYS_EAGER = True
    out = io.StringIO()
    call_command("seed_demo", "--accounts", "20", stdout=out)
    for command in ("recompute_metrics", "portfolio_matrix_compute", "evaluate_alerts"):
        call_command(command, stdout=out)
    kam = User.objects.get(username="a.ivanova")
    head = User.objects.get(username="s.volkov")
    # A key account of the KAM with an org chart, a plan and a tender: the pages reached
    # from the menu's lists.
    account = (
        Account.objects.filter(owner=kam, contacts__isnull=False, plans__isnull=False)
        .filter(tenders__isnull=False)
        .distinct()
        .order_by("pk")
        .first()
    )
    assert account is not None, "the demo gives its KAM a key account with plan and tender"
    return {
        "kam": kam,
        "head": head,
        "account": account,
        "contact": Contact.objects.filter(account=account).order_by("pk").first(),
        "plan": AccountPlan.objects.filter(account=account).order_by("pk").first(),
        "tender": Tender.objects.filter(account=account).order_by("pk").first(),
        "search": account.name.split()[0][:5],
    }


def track_requests(page) -> None:
    """Count the page's requests in flight (htmx panels load after the page)."""
    page.in_flight = 0

    def started(request) -> None:
        page.in_flight += 1

    def ended(request) -> None:
        page.in_flight -= 1

    page.on("request", started)
    page.on("requestfinished", ended)
    page.on("requestfailed", ended)


def settle(page) -> None:
    """Wait until no request has been in flight for 50 ms (htmx panels load after the
    page): Playwright's networkidle waits 500 ms after the last one, on every page."""
    quiet = 0
    while quiet < 2:
        page.wait_for_timeout(25)
        quiet = quiet + 1 if page.in_flight <= 0 else 0


def axe_source() -> Path:
    if not AXE.exists():
        pytest.fail(
            f"axe-core is missing ({AXE}): run `npm ci` in the project folder "
            "(make test does it once; package.json pins the version)",
            pytrace=False,
        )
    return AXE


def page_slug(url: str) -> str:
    path = url.split("?")[0].strip("/") or "home"
    return re.sub(r"[^a-z0-9]+", "-", path.lower()).strip("-")


@pytest.mark.parametrize("role", ["kam", "head"])
def test_every_page_fits_the_screen_and_passes_axe(
    browser, live_server, demo, role, screenshot_dir
):
    axe = axe_source()
    client = Client()
    client.force_login(demo[role])
    session = client.cookies[settings.SESSION_COOKIE_NAME].value
    contexts = {w: browser.new_context(**opts) for w, opts in WIDTHS.items()}
    problems: list[str] = []
    try:
        for context in contexts.values():
            context.add_cookies(
                [{"name": settings.SESSION_COOKIE_NAME, "value": session, "url": live_server.url}]
            )
        # axe-core comes with every page of the audited widths as an init script: the
        # browser runs it before the page's own scripts and the CSP does not apply to it
        # (a script tag added to the page would need the context to bypass the CSP), and
        # its compiled code is cached across pages (a script tag per page costs 0.3 s).
        for width in AXE_WIDTHS:
            contexts[width].add_init_script(path=str(axe))
        pages = {w: c.new_page() for w, c in contexts.items()}
        for page in pages.values():
            track_requests(page)

        pages[1280].goto(f"{live_server.url}/")
        menu = pages[1280].eval_on_selector_all("#mainnav a", "els => els.map(e => e.pathname)")
        assert len(menu) >= 5, menu
        urls = [
            *dict.fromkeys(menu),
            f"/accounts/{demo['account'].pk}/",
            f"/contacts/{demo['contact'].pk}/",
            f"/plans/{demo['plan'].pk}/",
            f"/tenders/{demo['tender'].pk}/",
            f"/search/?q={demo['search']}",
            "/notifications/",
        ]
        for lang in ("en", "ru"):
            for context in contexts.values():
                context.add_cookies(
                    [{"name": settings.LANGUAGE_COOKIE_NAME, "value": lang, "url": live_server.url}]
                )
            for url in urls:
                for width, page in pages.items():
                    where = f"{url} ({role}, {lang}, {width} px)"
                    problems += audit(page, live_server.url + url, where, lang, width)
                    page.screenshot(
                        path=str(
                            screenshot_dir / f"every-{role}-{lang}-{width}-{page_slug(url)}.jpg"
                        ),
                        full_page=True,
                        type="jpeg",
                        quality=70,
                    )
        # What a phone fetches to add KAM to its home screen, and what browsers ask alone.
        icons = [
            pages[1280].get_attribute('link[rel="manifest"]', "href"),
            pages[1280].get_attribute('link[rel="icon"]', "href"),
            pages[1280].get_attribute('link[rel="apple-touch-icon"]', "href"),
            "/favicon.ico",
        ]
        for href in icons:
            answer = pages[1280].request.get(live_server.url + href)
            if answer.status != 200:
                problems.append(f"{href}: HTTP {answer.status}")
    finally:
        for context in contexts.values():
            context.close()
    assert not problems, f"{len(problems)} problem(s):\n" + "\n".join(problems)


def audit(page, url: str, where: str, lang: str, width: int) -> list[str]:
    """What is wrong with one page at one width: sideways scroll, axe's violations."""
    response = page.goto(url)
    if response is None or response.status != 200:
        return [f"{where}: HTTP {response and response.status}"]
    settle(page)
    assert page.locator("html").get_attribute("lang") == lang, where
    problems = []
    links = page.eval_on_selector_all(
        'link[rel="manifest"], link[rel="icon"]', "els => els.map(e => e.rel)"
    )
    if sorted(links) != ["icon", "manifest"]:
        problems.append(f"{where}: links {links}, not the icon and the manifest")
    if width in OVERFLOW_WIDTHS:
        # On a touch screen Chromium zooms a too-wide page out and innerWidth grows with
        # it: compare with the screen's width.
        found = page.evaluate(OVERFLOW, width)
        if found["scroll"] > min(found["inner"], width):
            problems.append(
                f"{where}: the page scrolls sideways: scrollWidth {found['scroll']} > "
                f"innerWidth {width} (sticks out: {found['culprit']})"
            )
    if width in AXE_WIDTHS:
        for v in page.evaluate(AXE_RUN):
            problems.append(f"{where}: axe {v['id']} ({v['impact']}): " + "; ".join(v["targets"]))
    return problems
