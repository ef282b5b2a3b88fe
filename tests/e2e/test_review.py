"""Editorial review in a real browser: an Author submits a draft, an Editor finds it on the
dashboard and returns it with a note, and the Author reads the note by email, on the
dashboard and at the top of the post."""

import pytest
from django.core import mail
from playwright.sync_api import expect

from authors.roles import AUTHORS
from blog.models import Post
from tests.factories import AuthorFactory, PostFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def at_the_desk(browser, log_in, username):
    """A page signed in to the admin as `username`, in a browser context of its own, on the dashboard."""
    page = browser.new_context().new_page()
    log_in(page, username)
    expect(page.locator("#editorial-desk")).to_be_visible()
    return page


def test_an_editor_returns_a_submitted_post_with_a_note(live_server, browser, staff, editor, log_in):
    writer = staff(AUTHORS, username="ada", email="ada@example.com")
    post = PostFactory(
        title="Harbour Lights", authors=[AuthorFactory(user=writer)], status=Post.Status.DRAFT, published_at=None
    )

    # The Author submits the draft from its page.
    author_page = at_the_desk(browser, log_in, "ada")
    author_page.locator("#desk-draft").get_by_role("link", name="Harbour Lights").click()
    author_page.get_by_role("button", name="Submit for review").click()
    expect(author_page.locator(".messagelist")).to_contain_text("Submitted for review")

    # The Editor finds it on the dashboard and returns it with a note.
    editor_page = at_the_desk(browser, log_in, "edna")
    pending = editor_page.locator("#desk-pending")
    expect(pending).to_contain_text("Pending review (1)")
    pending.get_by_role("link", name="Harbour Lights").click()
    editor_page.get_by_role("link", name="Return to author…").click()
    expect(editor_page.locator("#content-main")).to_contain_text("ada@example.com")
    editor_page.get_by_label("Note to the author").fill("Name the harbour in the first line.")
    editor_page.get_by_role("button", name="Return to author").click()
    expect(editor_page.locator(".messagelist")).to_contain_text("is back in draft with your note")
    post.refresh_from_db()
    assert (post.status, post.review_note) == (Post.Status.DRAFT, "Name the harbour in the first line.")
    [email] = mail.outbox
    assert email.to == ["ada@example.com"]

    # The Author sees it on the dashboard, then at the top of the post.
    author_page.goto(f"{live_server.url}/admin/")
    returned = author_page.locator("#desk-returned")
    expect(returned).to_contain_text("Name the harbour in the first line.")
    returned.get_by_role("link", name="Harbour Lights").click()
    expect(author_page.locator("fieldset").first).to_contain_text("Name the harbour in the first line.")
