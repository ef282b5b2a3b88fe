"""Journey 9: a reader asks to hear of replies, confirms the address from the email, and
follows the reply notification to the reply, nested under their own comment."""

import re
from urllib.parse import urlsplit

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from comments.mail import deliver
from comments.models import Comment, Commenter
from comments.services import comment_set_status
from tests.e2e.conftest import comment_form, reply_nested_under
from tests.factories import make_comment

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

LINK = re.compile(r"https?://\S+")


def emails_to(outbox, address):
    deliver()  # what `manage.py deliver_mail` does in production
    return [email for email in outbox if email.to == [address]]


def on_live_server(live_server, url):
    """The emailed link (on SITE_URL) at the test's live server."""
    parts = urlsplit(url)
    return f"{live_server.url}{parts.path}{'?' + parts.query if parts.query else ''}"


def test_a_reader_subscribes_confirms_and_follows_a_reply_notification(
    demo, seed_post, page, browser, mailoutbox, snap
):
    page.goto(demo.url)
    page.get_by_role("link", name=seed_post.title).click()
    form = comment_form(page)
    form.get_by_label("Name", exact=True).fill("Ada Reader")
    form.get_by_label("Email", exact=True).fill("ada@example.com")
    form.get_by_label("Comment", exact=True).fill("Were any of the letters answered in public?")
    form.get_by_label("Email me when someone replies to me").check()

    form.get_by_role("button", name="Post comment").click()
    expect(page.locator(".comment", has_text="answered in public")).to_contain_text("awaiting moderation")
    ada = Comment.objects.get(name="Ada Reader")

    (confirmation,) = emails_to(mailoutbox, "ada@example.com")
    confirm_link = next(link for link in LINK.findall(confirmation.body) if "/email/confirm/" in link)
    page.goto(on_live_server(demo, confirm_link))
    assert Commenter.objects.get(email="ada@example.com").verified_at is None  # opening the link confirms nothing

    page.get_by_role("button", name=re.compile("Confirm")).click()
    expect(page.get_by_text(re.compile("confirmed", re.IGNORECASE)).first).to_be_visible()
    assert Commenter.objects.get(email="ada@example.com").verified_at is not None

    comment_set_status([ada], Comment.Status.APPROVED)  # a moderator approves it in the admin
    (approved,) = emails_to(mailoutbox, "ada@example.com")[1:]
    assert "Were any of the letters answered in public?" in approved.body
    mailoutbox.clear()

    # Ben, a trusted commenter (confirmed, with an approved comment), answers Ada in his own browser.
    Commenter.objects.create(email="ben@example.com", verified_at=timezone.now())
    make_comment(seed_post, name="Ben", email="ben@example.com", body="Ben was here before.")
    ben_browser = browser.new_context()
    ben_page = ben_browser.new_page()
    ben_page.goto(f"{demo.url}{seed_post.get_absolute_url()}")
    ben_page.get_by_role("link", name="Reply to Ada Reader").click()
    ben_form = comment_form(ben_page)
    ben_form.get_by_label("Name", exact=True).fill("Ben")
    ben_form.get_by_label("Email", exact=True).fill("ben@example.com")
    ben_form.get_by_label("Comment", exact=True).fill("Some were, in the 1970s.")
    ben_form.get_by_role("button", name="Post comment").click()
    reply = Comment.objects.get(body="Some were, in the 1970s.")
    assert reply.status == Comment.Status.APPROVED and reply.parent == ada
    ben_browser.close()

    (notification,) = emails_to(mailoutbox, "ada@example.com")
    assert "Ben" in notification.body and "Some were, in the 1970s." in notification.body
    assert notification.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    to_reply = next(link for link in LINK.findall(notification.body) if f"/comments/{reply.pk}/" in link)
    page.goto(on_live_server(demo, to_reply))
    expect(page).to_have_url(re.compile(f"#comment-{reply.pk}$"))
    expect(page.locator(f"#comment-{reply.pk}")).to_contain_text("Some were, in the 1970s.")
    reply_nested_under(page, ada, reply)
