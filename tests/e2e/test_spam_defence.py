"""The comment form's spam traps in a real browser: people never meet the honeypot, and the
form's timestamp (with the CSRF token) is fetched when the reader starts writing: a page from
the shared cache holds neither."""

import re

import pytest
from playwright.sync_api import expect

from comments.models import Comment
from tests.factories import PostFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_a_reader_never_meets_the_honeypot_and_gets_their_own_timestamp(live_server, page):
    post = PostFactory(title="Quiet Harbour")
    page.goto(f"{live_server.url}{post.get_absolute_url()}")
    form = page.locator("#respond")
    server_token = form.locator('input[name="form_token"]').input_value()

    with page.expect_response(re.compile(r"/comments/form-token/$")) as answer:
        form.get_by_label("Name", exact=True).fill("Ada Reader")
    visitor = answer.value.json()
    expect(form.locator('input[name="form_token"]')).to_have_value(visitor["token"])
    # The page came from the shared cache: it held no timestamp and no CSRF token of anyone's.
    assert server_token == ""
    expect(form.locator('input[name="csrfmiddlewaretoken"]')).to_have_value(visitor["csrf"])

    # Off screen, and Tab goes from the website straight to the comment.
    honeypot = form.get_by_label("Leave this field empty")
    box = honeypot.bounding_box()
    assert box["x"] + box["width"] <= 0
    form.get_by_label("Website (optional)").focus()
    page.keyboard.press("Tab")
    expect(form.get_by_label("Comment", exact=True)).to_be_focused()

    form.get_by_label("Email", exact=True).fill("ada@example.com")
    form.get_by_label("Comment", exact=True).fill("A person wrote this.")
    form.get_by_role("button", name="Post comment").click()

    expect(page.locator(".comment--pending")).to_contain_text("awaiting moderation")
    comment = Comment.objects.get()
    assert (comment.status, comment.hold_reasons) == (Comment.Status.PENDING, ["first_comment"])
