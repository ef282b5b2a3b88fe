"""A reader's comments in a real browser: fixing a form with errors, and replying deep
into a thread with JavaScript (the form moves) and without it (the reply page)."""

import re

import pytest
from playwright.sync_api import expect

from comments.models import Comment
from tests.factories import PostFactory, make_comment

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def comment_form(page):
    return page.locator("#respond")


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


def reply_nested_under(page, parent, reply):
    """The reply's list item sits in its parent's list of replies."""
    expect(page.locator(f"#comment-{parent.pk} > .comment-children > #comment-{reply.pk}")).to_have_count(1)


def test_reader_replies_four_levels_deep_with_and_without_javascript(live_server, page, browser):
    make_comment(PostFactory(), name="Ada Reader", email="ada@example.com")  # her comments are approved
    post = PostFactory(title="Love Letters")
    karl = make_comment(post, name="Karl Abraham", body="Where do the letters go?")
    make_comment(post, name="Abdul Momen", body="A second thread.")
    url = f"{live_server.url}{post.get_absolute_url()}"
    page.goto(url)
    form = comment_form(page)
    form.get_by_label("Name", exact=True).fill("Ada Reader")
    form.get_by_label("Email", exact=True).fill("ada@example.com")
    form.get_by_label("Remember my name").check()

    # Reply, then change one's mind: the form goes back, focus returns to the Reply link.
    reply_link = page.get_by_role("link", name="Reply to Karl Abraham")
    reply_link.click()
    expect(page.locator(f"#comment-{karl.pk} > #respond")).to_have_count(1)
    form.get_by_role("link", name="Cancel reply").click()
    expect(page.locator("#respond-home > #respond")).to_have_count(1)
    expect(page.locator("#respond-replying")).to_have_text("")
    expect(form.locator('input[name="parent"]')).to_have_value("")
    expect(reply_link).to_be_focused()

    parent = karl
    for level in range(1, 5):
        before = page.url
        page.get_by_role("link", name=f"Reply to {parent.name}").click()
        expect(page.locator(f"#comment-{parent.pk} > #respond")).to_have_count(1)
        expect(page.locator("#respond-replying")).to_have_text(f"Replying to {parent.name}. Cancel reply")
        assert page.url == before  # moved in place, no page load
        body = form.get_by_label("Comment", exact=True)
        expect(body).to_be_focused()
        page.keyboard.type(f"An answer at level {level}.")
        form.get_by_label("Name", exact=True).fill(f"Ada (level {level})")  # tells the Reply links apart
        form.get_by_role("button", name="Post comment").click()

        reply = Comment.objects.get(body=f"An answer at level {level}.")
        expect(page).to_have_url(f"{url}#comment-{reply.pk}")
        assert (reply.parent, reply.level, reply.status) == (parent, level, Comment.Status.APPROVED)
        reply_nested_under(page, parent, reply)
        parent = reply

    # The same, in a browser without JavaScript: Reply opens the reply page.
    no_script = browser.new_context(java_script_enabled=False)
    plain = no_script.new_page()
    plain.goto(url)
    level_two = Comment.objects.get(level=2, post=post)
    plain.get_by_role("link", name=f"Reply to {level_two.name}").click()
    expect(plain).to_have_url(re.compile(rf"\?cpage=1&replyto={level_two.pk}#respond$"))
    expect(plain.locator(f"#comment-{level_two.pk} > #respond")).to_have_count(1)
    expect(plain.locator("#respond-replying")).to_contain_text(f"Replying to {level_two.name}")
    form = comment_form(plain)
    form.get_by_label("Name", exact=True).fill("Ada Reader")
    form.get_by_label("Email", exact=True).fill("ada@example.com")
    form.get_by_label("Comment", exact=True).fill("Answered without JavaScript.")
    form.get_by_role("button", name="Post comment").click()

    reply = Comment.objects.get(body="Answered without JavaScript.")
    expect(plain).to_have_url(f"{url}#comment-{reply.pk}")
    assert (reply.parent, reply.level) == (level_two, 3)
    reply_nested_under(plain, level_two, reply)
    expect(plain.locator(f"#comment-{reply.pk}")).to_contain_text("Answered without JavaScript.")
    no_script.close()
