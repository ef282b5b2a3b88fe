"""axe-core in Chromium on the pages readers use: no serious or critical violations.

axe is the npm package's built file, committed beside this test (vendor/, MPL-2.0), never
fetched at test time. The site's CSP forbids injected scripts, so axe runs in a context
that bypasses it.
"""

import datetime
from pathlib import Path

import pytest
from django.core.management import call_command
from django.utils import timezone
from playwright.sync_api import expect

from tests.factories import AuthorFactory, CategoryFactory, PostFactory, TagFactory, comment_node, make_threads

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

AXE = Path(__file__).parent / "vendor" / "axe.min.js"
BLOCKING = {"serious", "critical"}
PHONE = {"width": 390, "height": 844}
PUBLISHED = timezone.make_aware(datetime.datetime(2024, 3, 14, 9, 30))


@pytest.fixture
def site(live_server):
    """A post with a six-deep thread, a second post, by an author with a page."""
    author = AuthorFactory(name="Grace Hopper", slug="grace-hopper", bio="Writes about *compilers*.")
    post = PostFactory(
        title="Harbour Lights",
        slug="harbour-lights",
        dek="What the lighthouse keeper saw.",
        body=(
            "The harbour at night.\n\n## The keeper\n\nA *long* watch,[^1] with [a map](https://example.org/map).\n\n"
            "[^1]: Twelve hours, from dusk."
        ),
        published_at=PUBLISHED,
        authors=[author],
        categories=[CategoryFactory(name="Coast", slug="coast")],
        tags=[TagFactory(name="night", slug="night")],
    )
    PostFactory(title="Tide Tables", slug="tide-tables", published_at=PUBLISHED - datetime.timedelta(days=3))
    deep = comment_node("Level Six")
    for level in range(5, 0, -1):
        deep = comment_node(f"Level {level}", deep)
    make_threads(post, deep, comment_node("Second Thread", comment_node("Short Reply")))
    return post


@pytest.fixture
def axe_page(browser):
    """A page in its own context where the site's CSP lets axe's script in."""
    context = browser.new_context(bypass_csp=True, reduced_motion="reduce")  # no transitions mid-check
    yield context.new_page()
    context.close()


def assert_accessible(page):
    page.add_script_tag(path=str(AXE))
    results = page.evaluate("() => axe.run(document, {resultTypes: ['violations']})")
    blocking = [violation for violation in results["violations"] if violation["impact"] in BLOCKING]
    report = "\n".join(
        f"{violation['id']} ({violation['impact']}): {violation['help']}\n"
        + "\n".join(f"    {node['target']}: {node['failureSummary']}" for node in violation["nodes"])
        for violation in blocking
    )
    assert blocking == [], f"axe on {page.url}:\n{report}"


def test_home_page(site, live_server, axe_page):
    axe_page.goto(live_server.url)
    expect(axe_page.get_by_role("link", name="Harbour Lights")).to_be_visible()
    assert_accessible(axe_page)


def test_post_page_with_a_six_deep_thread(site, live_server, axe_page):
    axe_page.goto(f"{live_server.url}{site.get_absolute_url()}")
    sixth = axe_page.get_by_text("Level Six writes.")
    expect(sixth).to_be_visible()
    assert sixth.evaluate("node => document.evaluate('count(ancestor::ol)', node).numberValue") == 6
    expect(axe_page.locator(".footnote-backref")).to_have_count(1)
    assert_accessible(axe_page)

    axe_page.set_viewport_size(PHONE)
    assert_accessible(axe_page)


def test_post_page_with_the_comment_form_showing_errors_then_awaiting_moderation(site, live_server, axe_page):
    axe_page.goto(f"{live_server.url}{site.get_absolute_url()}")
    form = axe_page.locator("#respond")
    form.get_by_label("Name", exact=True).fill("Ada Reader")
    form.get_by_role("button", name="Post comment").click()
    body = form.get_by_label("Comment", exact=True)
    expect(body).to_have_attribute("aria-invalid", "true")
    assert_accessible(axe_page)

    form.get_by_label("Email", exact=True).fill("ada@example.com")
    body.fill("A fine watch.")
    form.get_by_role("button", name="Post comment").click()
    expect(axe_page.get_by_text("awaiting moderation").first).to_be_visible()
    assert_accessible(axe_page)


def test_post_page_with_the_reply_form_open_deep_in_the_thread(site, live_server, axe_page):
    axe_page.goto(f"{live_server.url}{site.get_absolute_url()}")
    axe_page.get_by_role("link", name="Reply to Level 5").click()
    expect(axe_page.locator("#respond").get_by_label("Comment", exact=True)).to_be_focused()
    assert_accessible(axe_page)


def test_demo_seed_post_with_its_discussion(live_server, axe_page):
    """The demo's real content: a featured image, avatars, footnotes and a long discussion."""
    call_command("loaddemo", verbosity=0)
    axe_page.goto(f"{live_server.url}/2020/09/love-letters-between-north-korea-and-palestine/")
    expect(axe_page.locator(".bio-box")).to_contain_text("Back to Jerusalem")
    assert_accessible(axe_page)


def test_author_page(site, live_server, axe_page):
    axe_page.goto(f"{live_server.url}/authors/grace-hopper/")
    expect(axe_page.get_by_role("heading", level=1)).to_have_text("Grace Hopper")
    assert_accessible(axe_page)


def test_search_results(site, live_server, axe_page):
    axe_page.goto(f"{live_server.url}/search/?q=harbour")
    expect(axe_page.get_by_role("link", name="Harbour Lights")).to_be_visible()
    assert_accessible(axe_page)


def test_year_archive(site, live_server, axe_page):
    axe_page.goto(f"{live_server.url}/2024/")
    expect(axe_page.get_by_role("link", name="Tide Tables")).to_be_visible()
    assert_accessible(axe_page)


def test_page_not_found(site, live_server, axe_page):
    response = axe_page.goto(f"{live_server.url}/no/such/page/")
    assert response.status == 404
    assert_accessible(axe_page)


def test_pages_reached_from_emails_and_the_writers_edit_page(site, live_server, axe_page):
    from comments.links import make_token
    from comments.models import Comment

    axe_page.goto(f"{live_server.url}{site.get_absolute_url()}")
    form = axe_page.locator("#respond")
    form.get_by_label("Name", exact=True).fill("Ada Reader")
    form.get_by_label("Email", exact=True).fill("ada@example.com")
    form.get_by_label("Comment", exact=True).fill("A fine watch.")
    form.get_by_label("Email me when someone replies to me").check()
    form.get_by_role("button", name="Post comment").click()
    expect(axe_page.get_by_text("awaiting moderation").first).to_be_visible()
    assert_accessible(axe_page)  # with the writer's Edit and Delete

    axe_page.get_by_role("link", name="Edit your comment").click()
    expect(axe_page.get_by_label("Your comment", exact=True)).to_have_value("A fine watch.")
    assert_accessible(axe_page)

    ada = Comment.objects.get(name="Ada Reader")
    for path in (
        f"/comments/email/confirm/{make_token('confirm', e='ada@example.com', c=ada.pk)}/",
        f"/comments/email/unsubscribe/{make_token('unsubscribe', e='ada@example.com', c=ada.pk, p=None)}/",
    ):
        assert axe_page.goto(f"{live_server.url}{path}").status == 200
        assert_accessible(axe_page)
