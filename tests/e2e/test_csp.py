"""The site and its admin work in Chromium under the Content-Security-Policy, with nothing refused."""

import pytest
from django.contrib.auth.models import Group
from playwright.sync_api import expect

from authors.roles import EDITORS, sync_roles
from blog.models import Category
from tests.factories import AuthorFactory, PostFactory, UserFactory, make_comment

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PASSWORD = "correct horse battery staple"


@pytest.fixture
def violations(page):
    """What Chromium refused under the policy (its console says so), and script errors on `page`."""
    seen = []
    page.on("console", lambda message: "Content Security Policy" in message.text and seen.append(message.text))
    page.on("pageerror", lambda error: seen.append(str(error)))
    return seen


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


def test_the_admin_works_under_the_policy(live_server, page, violations):
    sync_roles()  # a previous browser test's flush empties the groups
    editor = UserFactory(username="edna", is_staff=True)
    editor.groups.add(Group.objects.get(name=EDITORS))
    AuthorFactory(name="Edna Editor", user=editor)
    Category.objects.create(name="Harbours", slug="harbours")

    page.goto(f"{live_server.url}/admin/login/?next=/admin/blog/post/add/")
    page.get_by_label("Username").fill("edna")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()

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
