"""Journey 3 on the demo's seed post, from the home page: a reader's comment is held; a moderator
logs in from the footer, sees it counted on the admin's desk, approves it from the post page and
answers; the reader reloads and finds the answer nested under theirs with the Moderator badge."""

import pytest
from playwright.sync_api import expect

from comments.models import Comment
from tests.e2e.conftest import comment_form

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_a_moderator_approves_and_answers_a_readers_comment(
    demo, seed_post, moderator, page, browser, log_in_from_footer, snap
):
    page.goto(demo.url)
    page.get_by_role("link", name=seed_post.title).click()
    form = comment_form(page)
    form.get_by_label("Name", exact=True).fill("Ada Reader")
    form.get_by_label("Email", exact=True).fill("ada@example.com")
    form.get_by_label("Comment", exact=True).fill("Were the letters ever *answered*?")
    form.get_by_role("button", name="Post comment").click()
    expect(page.locator(".comment", has_text="Were the letters ever answered?")).to_contain_text("awaiting moderation")
    comment = Comment.objects.get(name="Ada Reader")
    snap(page, "reader-comment-held")

    moderating = browser.new_context()
    mod = moderating.new_page()
    mod.goto(demo.url)
    log_in_from_footer(mod, "mona")
    mod.get_by_role("contentinfo").get_by_role("link", name="Admin").click()
    expect(mod.locator("#desk-comments caption")).to_have_text("Comments to moderate (1)")
    snap(mod, "admin-desk-pending-count")

    mod.get_by_role("link", name="View site").click()
    mod.get_by_role("link", name=seed_post.title).click()
    held = mod.locator(f"#comment-{comment.pk}")
    expect(held).to_contain_text("Pending moderation")
    held.get_by_text("Approve and reply").first.click()  # opens the reply box
    held.get_by_label("Your reply to Ada Reader").fill("They were, in **1921**.")
    snap(mod, "approving-and-replying")
    held.get_by_role("button", name="Approve and reply").click()
    expect(mod.locator(".messages")).to_contain_text("approved and your reply is published")
    reply = Comment.objects.get(parent=comment)
    snap(mod, "approved-and-answered")
    moderating.close()

    page.reload()
    thread = page.locator(f"#comment-{comment.pk}")
    expect(thread).not_to_contain_text("awaiting moderation")
    answer = thread.locator(f".comment-children > #comment-{reply.pk}")
    expect(answer.locator(".comment__body")).to_have_text("They were, in 1921.")
    expect(answer.locator(".comment__author")).to_have_text("Mona Moderator")
    expect(answer.locator(".badge--moderator")).to_have_text("Moderator")
    snap(page, "reader-sees-the-answer")
