"""The site and its admin work in Chromium under the Content-Security-Policy, with nothing refused."""

import pytest
from playwright.sync_api import expect

from blog.models import Category
from tests.factories import PostFactory, make_comment

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_the_post_page_and_its_scripts_work_under_the_policy(live_server, page, violations):
    post = PostFactory(title="Harbour Lights")
    make_comment(post, name="Karl Abraham", body="Where do the boats go?")
    response = page.goto(f"{live_server.url}{post.get_absolute_url()}")
    assert "script-src 'self'" in response.headers["content-security-policy"]

    # comments.js: Reply moves the form under the comment.
    page.get_by_role("link", name="Reply to Karl Abraham").click()
    expect(page.locator("#respond-replying")).to_contain_text("Replying to Karl Abraham")
    # report.js: Report opens the dialog.
    page.get_by_role("link", name="Report the comment by Karl Abraham").click()
    expect(page.locator("#report-dialog")).to_be_visible()
    # The stylesheet applied: the skip link is moved off screen.
    assert page.locator(".skip-link").evaluate("link => link.getBoundingClientRect().bottom <= 0")

    assert violations == []


def test_the_admin_works_under_the_policy(live_server, page, violations, editor, log_in):
    Category.objects.create(name="Harbours", slug="harbours")

    log_in(page, next_url="/admin/blog/post/add/")

    # Prepopulated slug and autocomplete (select2) are script-driven.
    page.get_by_label("Title:").press_sequentially("Harbour Lights")
    expect(page.get_by_label("Slug:")).to_have_value("harbour-lights")
    page.locator(".field-categories .select2-selection").click()
    page.locator(".field-categories .select2-search__field").press_sequentially("Harb")
    page.get_by_role("option", name="Harbours").click()
    expect(page.locator(".field-categories .select2-selection__choice")).to_contain_text("Harbours")

    page.goto(f"{live_server.url}/admin/blog/post/")
    expect(page.locator("#changelist")).to_be_visible()
    page.goto(f"{live_server.url}/admin/two-factor/")
    qr_code = page.get_by_role("img", name="QR code for your authenticator app")
    expect(qr_code).to_be_visible()
    assert qr_code.evaluate("img => img.complete && img.naturalWidth > 0")

    assert violations == []
