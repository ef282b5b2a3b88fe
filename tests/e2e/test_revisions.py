"""An editor compares two revisions of a post and restores the older one, in Chromium under the CSP."""

import os

import pytest
from playwright.sync_api import expect

from blog.models import Post
from tests.factories import PostFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_an_editor_compares_and_restores_a_revision(live_server, page, violations, editor, log_in):
    post = PostFactory(title="Harbour Lights", body="The boats come in at dusk.", authors=[editor.author])
    change = f"{live_server.url}/admin/blog/post/{post.pk}/change/"

    log_in(page, next_url=f"/admin/blog/post/{post.pk}/change/")
    page.get_by_role("button", name="Save and continue editing").click()
    page.get_by_label("Body:").fill("The boats come in at dawn. <script>alert('x')</script>")
    page.get_by_role("button", name="Save and continue editing").click()
    expect(page).to_have_url(change)

    page.get_by_role("link", name="History").click()
    expect(page.locator("#change-history tbody tr")).to_have_count(2)
    if os.environ.get("SCREENSHOTS"):
        page.screenshot(path=os.path.join(os.environ["SCREENSHOTS"], "history.png"))
    page.get_by_role("button", name="compare").click()
    body = page.locator("h3", has_text="body").locator("xpath=following-sibling::div[1]")
    # A character diff: "d" stays, "usk." goes, "awn. …" comes.
    expect(body.locator("del")).to_have_text("usk.")
    expect(body.locator("ins")).to_contain_text("awn.")
    expect(body).to_contain_text("<script>alert('x')</script>")  # shown as text, never run
    if os.environ.get("SCREENSHOTS"):
        page.screenshot(path=os.path.join(os.environ["SCREENSHOTS"], "compare.png"), full_page=True)

    page.get_by_role("link", name="Revert to this version").first.click()
    expect(page.get_by_label("Body:")).to_have_value("The boats come in at dusk.")
    page.get_by_role("button", name="Save", exact=True).click()

    post.refresh_from_db()
    assert post.body == "The boats come in at dusk."
    assert "dusk" in post.body_html
    assert violations == []
    assert Post.objects.count() == 1
