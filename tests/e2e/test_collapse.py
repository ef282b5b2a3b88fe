"""Collapse thread: a reader hides and shows a thread's replies by mouse and by keyboard;
without JavaScript there is no control and every reply shows."""

import pytest
from playwright.sync_api import expect

from tests.factories import PostFactory, make_threads
from tests.factories import comment_node as node

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def thread(live_server):
    """Karl's thread, three replies two deep, and Abdul's comment without replies."""
    post = PostFactory(title="Harbour Lights")
    comments = make_threads(
        post, node("Karl Abraham", node("Ada Reader", node("Mona Moderator")), node("Eugene Bach")), node("Abdul Momen")
    )
    return f"{live_server.url}{post.get_absolute_url()}", comments


def test_reader_collapses_a_thread_by_mouse_and_by_keyboard(page, thread, violations, snap):
    url, comments = thread
    page.goto(url)
    replies = page.locator(f"#comment-{comments['Karl Abraham'].pk} > .comment-children")
    toggle = page.get_by_role("button", name="3 replies to Karl Abraham")
    expect(toggle).to_have_attribute("aria-expanded", "true")
    expect(toggle).to_have_attribute("aria-controls", replies.evaluate("list => list.id"))
    expect(page.get_by_role("button", name="replies to Abdul Momen")).to_have_count(0)  # nothing to collapse
    expect(page.get_by_role("button", name="reply to")).to_have_count(0)  # only whole threads collapse
    expect(page.get_by_text("Mona Moderator writes.")).to_be_visible()
    snap(page, "thread-expanded")

    toggle.click()
    expect(toggle).to_have_attribute("aria-expanded", "false")
    expect(replies).to_be_hidden()
    expect(page.get_by_text("Ada Reader writes.")).to_be_hidden()
    expect(page.get_by_text("Karl Abraham writes.")).to_be_visible()
    expect(page.get_by_text("Abdul Momen writes.")).to_be_visible()
    snap(page, "thread-collapsed")

    toggle.click()
    expect(toggle).to_have_attribute("aria-expanded", "true")
    expect(page.get_by_text("Mona Moderator writes.")).to_be_visible()

    # Keyboard: Tab from Karl's Report link reaches the control; Enter and Space toggle it.
    page.get_by_role("link", name="Report the comment by Karl Abraham").focus()
    page.keyboard.press("Tab")
    expect(toggle).to_be_focused()
    page.keyboard.press("Enter")
    expect(toggle).to_have_attribute("aria-expanded", "false")
    expect(replies).to_be_hidden()
    page.keyboard.press("Space")
    expect(toggle).to_have_attribute("aria-expanded", "true")
    expect(replies).to_be_visible()
    assert violations == []


def test_a_link_into_a_collapsed_thread_opens_it(page, thread):
    url, comments = thread
    page.goto(url)
    toggle = page.get_by_role("button", name="3 replies to Karl Abraham")
    toggle.click()
    expect(page.get_by_text("Eugene Bach writes.")).to_be_hidden()

    page.goto(f"{url}#comment-{comments['Eugene Bach'].pk}")
    expect(toggle).to_have_attribute("aria-expanded", "true")
    expect(page.get_by_text("Eugene Bach writes.")).to_be_visible()


def test_without_javascript_every_reply_shows_and_there_is_no_control(browser, thread):
    url, _ = thread
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(url)

    for name in ["Karl Abraham", "Ada Reader", "Mona Moderator", "Eugene Bach", "Abdul Momen"]:
        expect(page.get_by_text(f"{name} writes.")).to_be_visible()
    expect(page.locator(".comment__thread-toggle")).to_have_count(0)
    expect(page.get_by_role("button", name="replies")).to_have_count(0)
    context.close()
