"""Journey 6: an editor logs in from the footer, writes a post in the admin, previews it,
publishes it, and finds it on the home page and in the feed."""

import pytest
from playwright.sync_api import expect

from blog.models import Post
from tests.factories import PASSWORD

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_editor_writes_previews_and_publishes_a_post(live_server, page, editor, snap):
    page.goto(live_server.url)
    page.get_by_role("link", name="Log in").click()
    page.get_by_label("Username").fill("edna")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page).to_have_url(f"{live_server.url}/")
    page.get_by_role("link", name="Admin", exact=True).click()
    page.locator('#content-main a[href$="/blog/post/add/"]').first.click()  # Posts: Add

    page.get_by_label("Title:").press_sequentially("Night Ferry")
    expect(page.get_by_label("Slug:")).to_have_value("night-ferry")
    page.get_by_label("Body:").fill("The last *ferry* leaves at midnight.\n\n## On deck\n\nCold, and worth it.")
    snap(page, "writing")
    page.get_by_role("button", name="Save and continue editing").click()
    expect(page.locator(".messagelist")).to_contain_text("was added successfully")
    post = Post.objects.get(slug="night-ferry")
    assert post.status == Post.Status.DRAFT

    # The preview opens in a tab of its own and shows the post as readers will see it.
    with page.context.expect_page() as opened:
        page.get_by_role("link", name="Preview", exact=True).click()
    preview = opened.value
    expect(preview.get_by_role("heading", level=1)).to_have_text("Night Ferry")
    expect(preview.locator("em", has_text="ferry")).to_be_visible()
    expect(preview.get_by_role("heading", level=2, name="On deck")).to_be_visible()
    snap(preview, "preview")
    preview.close()

    # Not public yet.
    assert page.request.get(f"{live_server.url}/feed/").text().count("Night Ferry") == 0

    page.get_by_label("Status:").select_option("published")
    page.get_by_role("link", name="Today").first.click()
    page.get_by_role("link", name="Now").first.click()
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.locator(".messagelist")).to_contain_text("was changed successfully")
    post.refresh_from_db()
    assert post.is_public

    page.get_by_role("link", name="View site").click()
    expect(page).to_have_url(f"{live_server.url}/")
    page.get_by_role("link", name="Night Ferry").first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Night Ferry")
    expect(page).to_have_url(f"{live_server.url}{post.get_absolute_url()}")
    snap(page, "published")

    feed = page.request.get(f"{live_server.url}/feed/")
    assert feed.ok
    assert "<title>Night Ferry</title>" in feed.text()
