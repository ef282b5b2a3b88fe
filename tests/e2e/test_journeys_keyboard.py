"""Journey 7: keyboard only. A reader tabs to "Reply" on a nested comment, answers, fixes a
mistake and posts, without a mouse; focus always lands where they need to be next."""

import re

import pytest
from playwright.sync_api import expect

from comments.models import Comment
from tests.factories import PostFactory, comment_node, make_threads

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def tab_to(page, locator, *, limit=120):
    """Press Tab until `locator` has focus, as a keyboard user walks the page."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if locator.evaluate("element => element === document.activeElement"):
            return
    raise AssertionError(f"{limit} presses of Tab never reached {locator}")


def test_reader_replies_to_a_nested_comment_with_the_keyboard_only(live_server, page, snap):
    post = PostFactory(title="Tide Tables")
    comments = make_threads(
        post,
        comment_node("Karl Abraham", comment_node("Abdul Momen", comment_node("Bea Lund"))),
        comment_node("Cyd Moss"),
    )
    bea = comments["Bea Lund"]
    url = f"{live_server.url}{post.get_absolute_url()}"
    page.goto(url)

    # Tab to Reply under the third-level comment; Enter opens the form there, focus in its box.
    reply = page.get_by_role("link", name="Reply to Bea Lund")
    tab_to(page, reply)
    page.keyboard.press("Enter")
    expect(page.locator(f"#comment-{bea.pk} > #respond")).to_have_count(1)
    body = page.get_by_label("Comment", exact=True)
    expect(body).to_be_focused()
    page.keyboard.type("High water at six, by my reckoning.")
    snap(page, "replying")

    # Submit without a name: the page comes back with focus on the first field to fix.
    tab_to(page, page.get_by_role("button", name="Post comment"))
    page.keyboard.press("Enter")
    name = page.get_by_label("Name", exact=True)
    expect(name).to_have_attribute("aria-invalid", "true")
    expect(name).to_be_focused()
    expect(page.locator(f"#comment-{bea.pk} > #respond")).to_have_count(1)  # still under Bea's comment
    expect(body).to_have_value("High water at six, by my reckoning.")
    snap(page, "error")
    assert not Comment.objects.filter(name="Ada Reader").exists()

    page.keyboard.type("Ada Reader")
    page.keyboard.press("Tab")
    page.keyboard.type("ada@example.com")
    page.keyboard.press("Enter")  # submits the form from a text field

    # Focus on the new comment, which tells her it awaits moderation.
    expect(page).to_have_url(re.compile(rf"^{re.escape(url)}#comment-\d+$"))
    mine = Comment.objects.get(name="Ada Reader")
    assert (mine.parent, mine.level, mine.status) == (bea, 3, Comment.Status.PENDING)
    expect(page).to_have_url(f"{url}#comment-{mine.pk}")
    new_comment = page.locator(f"#comment-{mine.pk}")
    expect(new_comment).to_be_focused()
    expect(new_comment).to_contain_text("awaiting moderation")
    expect(new_comment).to_contain_text("High water at six, by my reckoning.")
    snap(page, "posted")

    # From there, the keyboard carries on through the page after her comment.
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement !== document.body")
