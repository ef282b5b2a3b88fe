"""A reader's comment in a real browser, on a fresh post: fixing a form with errors.

Replying deep into a thread, with and without JavaScript, is journey 4 in
test_journeys_commenting.py."""

import re

import pytest
from playwright.sync_api import expect

from comments.models import Comment
from tests.e2e.conftest import comment_form
from tests.factories import PostFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_reader_fixes_an_empty_comment_and_sees_it_awaiting_moderation(live_server, page, browser):
    post = PostFactory(title="Harbour Lights")
    url = f"{live_server.url}{post.get_absolute_url()}"
    page.goto(url)

    form = comment_form(page)
    form.get_by_label("Name", exact=True).fill("Ada Reader")
    form.get_by_label("Email", exact=True).fill("ada@example.com")
    form.get_by_label("Website (optional)").fill("ada.example.org")
    form.get_by_label("Remember my name").check()
    form.get_by_role("button", name="Post comment").click()

    # The post page again, the error next to the empty field, everything else as typed.
    body = form.get_by_label("Comment", exact=True)
    expect(body).to_have_attribute("aria-invalid", "true")
    expect(body).to_be_focused()
    error = form.locator(".comment-form__field--body .errorlist")
    expect(error).to_have_text("Please write your comment.")
    expect(body).to_have_attribute("aria-describedby", re.compile(r"\bid_body_error\b"))
    expect(form.get_by_label("Name", exact=True)).to_have_value("Ada Reader")
    expect(form.get_by_label("Email", exact=True)).to_have_value("ada@example.com")
    expect(form.get_by_label("Website (optional)")).to_have_value("ada.example.org")
    expect(form.get_by_label("Remember my name")).to_be_checked()
    assert Comment.objects.count() == 0

    body.fill("The harbour looked *lovely* tonight.")
    form.get_by_role("button", name="Post comment").click()

    comment = Comment.objects.get()
    expect(page).to_have_url(f"{url}#comment-{comment.pk}")
    mine = page.locator(f"#comment-{comment.pk}")
    expect(mine).to_contain_text("The harbour looked lovely tonight.")
    expect(mine.locator("em")).to_have_text("lovely")
    expect(mine).to_contain_text("awaiting moderation")
    expect(form.get_by_label("Name", exact=True)).to_have_value("Ada Reader")  # remembered

    stranger = browser.new_context()
    other = stranger.new_page()
    other.goto(url)
    expect(other.get_by_role("heading", level=1)).to_have_text("Harbour Lights")
    expect(other.get_by_text("The harbour looked")).to_have_count(0)
    expect(other.get_by_text("awaiting moderation")).to_have_count(0)
    stranger.close()
