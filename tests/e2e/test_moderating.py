"""A moderator's journey in a real browser: a reader's comment is held, the moderator logs in
from the footer, approves it from the post page and answers in the same step, and the reader
sees the answer nested under their comment with the Moderator badge."""

import pytest
from playwright.sync_api import expect

from comments.models import Comment, CommentReport
from tests.factories import PASSWORD, PostFactory, make_comment

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_a_moderator_approves_and_answers_a_readers_comment_from_the_post_page(live_server, page, moderator):
    post = PostFactory(title="Love Letters")
    post_url = f"{live_server.url}{post.get_absolute_url()}"

    # A reader comments for the first time: held, and shown only to them.
    page.goto(post_url)
    page.locator("#id_name").fill("Karl Abraham")
    page.locator("#id_email").fill("karl@example.com")
    page.locator("#id_body").fill("Were the letters ever *answered*?")
    page.get_by_role("button", name="Post comment").click()
    karls = page.locator(".comment", has_text="Were the letters ever answered?")
    expect(karls).to_contain_text("awaiting moderation")
    comment = Comment.objects.get(name="Karl Abraham")
    assert comment.status == Comment.Status.PENDING

    # The moderator, in another browser, logs in from the footer and lands back on the post.
    moderating = page.context.browser.new_context()
    mod_page = moderating.new_page()
    mod_page.goto(post_url)
    mod_page.get_by_role("link", name="Log in").click()
    mod_page.get_by_label("Username").fill("mona")
    mod_page.get_by_label("Password").fill(PASSWORD)
    mod_page.get_by_role("button", name="Log in").click()
    expect(mod_page).to_have_url(post_url)

    held = mod_page.locator(f"#comment-{comment.pk}")
    expect(held).to_contain_text("Pending moderation")
    held.get_by_text("Approve and reply").first.click()  # opens the reply box
    held.get_by_label("Your reply to Karl Abraham").fill("They were, in **1921**.")
    held.get_by_role("button", name="Approve and reply").click()
    expect(mod_page.locator(".messages")).to_contain_text("approved and your reply is published")
    reply = Comment.objects.get(parent=comment)
    expect(mod_page.locator(f"#comment-{reply.pk}")).to_be_in_viewport()
    moderating.close()

    # The reader reloads: the answer sits under their comment, badged, and theirs is public.
    page.reload()
    thread = page.locator(f"#comment-{comment.pk}")
    expect(thread).not_to_contain_text("awaiting moderation")
    answer = thread.locator(f".comment-children #comment-{reply.pk}")
    expect(answer).to_contain_text("They were, in 1921.")
    expect(answer.locator(".comment__author")).to_have_text("Mona Moderator")
    expect(answer.locator(".badge--moderator")).to_have_text("Moderator")
    expect(page.locator("#comments-title")).to_have_text("2 comments")


def test_a_reader_reports_a_comment_through_the_pages_one_report_form(live_server, page):
    post = PostFactory(title="Love Letters")
    make_comment(post, name="Karl Abraham", body="First!")
    spam = make_comment(post, name="Watch Seller", body="Cheap watches here.")

    page.goto(f"{live_server.url}{post.get_absolute_url()}")
    page.locator(f"#comment-{spam.pk}").get_by_role("link", name="Report").click()

    dialog = page.get_by_role("dialog", name="Report the comment by Watch Seller")
    expect(dialog).to_be_visible()
    dialog.get_by_label("Spam or advertising").check()
    dialog.get_by_label("Anything else").fill("Posted on every article.")
    dialog.get_by_role("button", name="Send report").click()

    expect(page.locator(".messages")).to_contain_text("Thank you for your report")
    report = CommentReport.objects.get()
    assert (report.comment_id, report.reason, report.note) == (spam.pk, "spam", "Posted on every article.")

    # Cancel closes the form without sending anything.
    page.locator(f"#comment-{spam.pk}").get_by_role("link", name="Report").click()
    expect(dialog).to_be_visible()
    dialog.get_by_role("button", name="Cancel").click()
    expect(dialog).to_be_hidden()
    assert CommentReport.objects.count() == 1
