"""The comment form's email boxes, the one confirmation email, and its confirm page."""

import datetime
import re

import pytest
import time_machine
from django.core import signing
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from pytest_django.asserts import assertContains, assertNotContains

from comments import commenters, links
from comments.models import Comment, Commenter, Subscription
from comments.services import comment_set_status
from tests.factories import PostFactory, UserFactory, verified_commenter

pytestmark = pytest.mark.django_db

Kind = Subscription.Kind
CONFIRM_LINK = re.compile(r"https://colloquy\.example/comments/email/confirm/([^/\s\"]+)/")
MONDAY = datetime.datetime(2024, 3, 4, 9, tzinfo=datetime.UTC)


@pytest.fixture
def post():
    # Published long before MONDAY, where some tests move the clock.
    return PostFactory(published_at=datetime.datetime(2020, 1, 1, tzinfo=datetime.UTC))


@pytest.fixture
def post_ticked(send_comment, post, django_capture_on_commit_callbacks, delivered):
    """Post a comment with boxes ticked, as the commit runs; returns the emails sent so far."""

    def send(**fields):
        with django_capture_on_commit_callbacks(execute=True):
            response = send_comment(post, **fields)
        assert response.status_code == 303
        return delivered()

    return send


def confirm_url(email):
    """The confirmation link's path in `email` (the plain-text body)."""
    match = CONFIRM_LINK.search(email.body)
    assert match, email.body
    return reverse("comments:confirm_email", args=[match[1]])


def all_headers(email):
    return "\n".join(f"{name}: {value}" for name, value in email.message().items())


# The form.


def test_readers_are_offered_the_email_boxes_in_a_labelled_group(client, post):
    page = client.get(post.get_absolute_url())

    assertContains(page, "<legend>Email (optional)</legend>", html=True)
    for name in ("notify_replies", "follow_thread", "verify_email"):
        assertContains(page, f'name="{name}"')
        assertContains(page, f'<label for="id_{name}">', count=1)
    assertContains(page, "We first send one email to confirm the address; every email has an unsubscribe link.")


def test_logins_are_not_offered_the_email_boxes(client, post):
    client.force_login(UserFactory())

    page = client.get(post.get_absolute_url())

    assertContains(page, "Commenting as")
    assertNotContains(page, 'name="notify_replies"')
    assertNotContains(page, "Email (optional)")


def test_a_login_ticking_the_boxes_anyway_records_nothing(send_comment, client, post):
    client.force_login(UserFactory())

    response = send_comment(post, notify_replies="on", verify_email="on")

    assert response.status_code == 303
    assert not Commenter.objects.exists()
    assert not Subscription.objects.exists()


# What ticking records.


def test_ticking_records_the_commenter_by_normalised_email_and_the_subscriptions(post_ticked):
    post_ticked(email="Ada.Lovelace@Example.COM", notify_replies="on", follow_thread="on")

    commenter = Commenter.objects.get()
    comment = Comment.objects.get()
    assert commenter.email == "ada.lovelace@example.com"
    assert commenter.verified_at is None
    assert set(commenter.subscriptions.values_list("comment", "kind")) == {
        (comment.pk, Kind.REPLIES),
        (comment.pk, Kind.THREAD),
    }


def test_each_box_asks_for_its_own_subscription(post_ticked):
    post_ticked(body="Replies only.", follow_thread="", notify_replies="on")
    post_ticked(body="Thread only.", follow_thread="on")
    post_ticked(body="Just verify me.", verify_email="on")

    kinds = dict(Subscription.objects.values_list("comment__body", "kind"))
    assert kinds == {"Replies only.": Kind.REPLIES, "Thread only.": Kind.THREAD}
    assert Commenter.objects.count() == 1


def test_no_box_ticked_records_and_sends_nothing(post_ticked):
    sent = post_ticked()

    assert not Commenter.objects.exists()
    assert sent == []


# The confirmation email.


def test_one_confirmation_email_goes_to_the_comments_address(post_ticked):
    sent = post_ticked(name="Zebulon Quux", email="zeb@example.com", notify_replies="on", verify_email="on")

    assert len(sent) == 1
    email = sent[0]
    assert email.to == ["zeb@example.com"]
    assert "Hello Zebulon Quux," in email.body
    assert "email you when someone replies to your comment" in email.body
    assert "Confirm my address: https://colloquy.example/comments/email/confirm/" in email.body
    assert "If you did not write this comment, ignore this email: nothing more will be sent." in email.body
    html = email.alternatives[0][0]
    assert "Hello Zebulon Quux," in html
    assert ">Confirm my address</a>" in html
    # The reader's name is in the bodies only; the headers are the site's.
    assert "Zebulon" not in all_headers(email)
    assert email.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert "/comments/email/unsubscribe/" in email.extra_headers["List-Unsubscribe"]


def test_the_confirmation_email_offers_the_edit_link_while_the_comment_can_be_edited(post_ticked):
    with time_machine.travel(MONDAY, tick=False):
        sent = post_ticked(verify_email="on")

    comment = Comment.objects.get()
    assert "You can edit or delete your comment until 09:15 UTC: " in sent[0].body
    assert f"/comments/{comment.pk}/edit/" in sent[0].body


def test_the_confirmation_links_signed_data_is_the_address_and_the_comment(post_ticked):
    sent = post_ticked(email="Ada@Example.com", notify_replies="on")

    token = CONFIRM_LINK.search(sent[0].body)[1]
    assert links.read_token("confirm", token) == {"e": "ada@example.com", "c": Comment.objects.get().pk}


def test_a_verified_address_is_not_asked_again(post_ticked):
    verified_commenter("ada@example.com")

    sent = post_ticked(notify_replies="on", verify_email="on")

    assert sent == []
    assert Subscription.objects.get().kind == Kind.REPLIES  # recorded all the same


def test_at_most_three_confirmations_a_day_then_again_the_next_day(post_ticked):
    with time_machine.travel(MONDAY, tick=False):
        for number in range(4):
            sent = post_ticked(body=f"Comment number {number}.", notify_replies="on")
    assert Comment.objects.count() == 4  # the fourth is posted all the same
    assert Subscription.objects.count() == 4
    assert len(sent) == 3

    with time_machine.travel(MONDAY + datetime.timedelta(days=1), tick=False):
        sent = post_ticked(body="The next day.", notify_replies="on")
    assert len(sent) == 4
    commenter = Commenter.objects.get()
    assert (commenter.confirmations_sent, commenter.confirmation_day) == (1, datetime.date(2024, 3, 5))


def test_the_daily_count_refuses_past_the_limit_and_starts_again_each_day():
    today = timezone.localdate()
    commenter = Commenter.objects.create(email="ada@example.com", confirmations_sent=3, confirmation_day=today)

    assert commenters.count_confirmation(commenter) is False
    Commenter.objects.filter(pk=commenter.pk).update(confirmation_day=today - datetime.timedelta(days=1))
    assert commenters.count_confirmation(commenter) is True

    commenter.refresh_from_db()
    assert (commenter.confirmations_sent, commenter.confirmation_day) == (1, today)


def test_the_comment_is_kept_when_the_confirmation_cannot_be_queued(post_ticked, monkeypatch, caplog):
    def broken(**kwargs):
        raise OSError("The mail queue is down")

    monkeypatch.setattr(commenters, "queue_email", broken)

    sent = post_ticked(body="Kept whatever happens.", notify_replies="on")

    assert sent == []
    assert Comment.objects.filter(body="Kept whatever happens.").exists()
    assert Subscription.objects.filter(comment__body="Kept whatever happens.").exists()
    assert "The mail queue is down" in caplog.text


def test_an_address_unsubscribed_from_everything_is_asked_again_not_mailed(post_ticked, client):
    verified_commenter("ada@example.com", unsubscribed_at=timezone.now())

    sent = post_ticked(notify_replies="on")

    # Anyone can type the address: only its owner, from the email, turns emails back on.
    commenter = Commenter.objects.get()
    assert commenter.unsubscribed_at is not None
    assert len(sent) == 1
    client.post(confirm_url(sent[0]))
    commenter.refresh_from_db()
    assert commenter.may_be_mailed


# The confirm page.


def test_following_the_link_shows_a_button_and_confirms_nothing(post_ticked, client):
    sent = post_ticked(notify_replies="on")

    page = client.get(confirm_url(sent[0]))

    assertContains(page, "<h1>Confirm ada@example.com</h1>", html=True)
    assertContains(page, '<button type="submit">Confirm my address</button>', html=True)
    assertContains(page, 'name="csrfmiddlewaretoken"')
    assert "no-store" in page["Cache-Control"]
    assert Commenter.objects.get().verified_at is None


def test_pressing_the_button_confirms_the_address(post_ticked):
    sent = post_ticked(notify_replies="on", follow_thread="on")
    browser = Client(enforce_csrf_checks=True)
    page = browser.get(confirm_url(sent[0]))

    page = browser.post(confirm_url(sent[0]), {"csrfmiddlewaretoken": page.context["csrf_token"]})

    assertContains(page, "Your address is confirmed")
    assertContains(page, "From now on we email ada@example.com: replies to your comment and every new comment")
    assert Commenter.objects.get().verified_at is not None


def test_the_confirmed_page_links_to_the_comment_once_readers_can_see_it(post_ticked, client, post):
    sent = post_ticked(notify_replies="on")
    comment = Comment.objects.get()
    assert comment.status == Comment.Status.PENDING  # a first comment

    page = client.post(confirm_url(sent[0]))
    assertContains(page, f'<a href="{post.get_absolute_url()}">Back to {post.title}</a>', html=True)

    comment_set_status([comment], Comment.Status.APPROVED)
    page = client.post(confirm_url(sent[0]))
    assertContains(page, f'<a href="{comment.get_absolute_url()}">Back to your comment</a>', html=True)


def test_a_second_use_changes_nothing(post_ticked, client):
    sent = post_ticked(notify_replies="on")
    client.post(confirm_url(sent[0]))
    verified_at = Commenter.objects.get().verified_at

    with time_machine.travel(datetime.timedelta(hours=1)):
        page = client.post(confirm_url(sent[0]))

    assertContains(page, "Your address was already confirmed")
    assert Commenter.objects.get().verified_at == verified_at


def test_an_expired_link_says_how_to_get_a_new_one(post_ticked, client):
    with time_machine.travel(MONDAY, tick=False):
        sent = post_ticked(notify_replies="on")

    with time_machine.travel(MONDAY + datetime.timedelta(days=3, minutes=1), tick=False):
        shown = client.get(confirm_url(sent[0]))
        pressed = client.post(confirm_url(sent[0]))

    for page in (shown, pressed):
        assertContains(page, "This link has expired", status_code=410)
        assertContains(page, "tick one of the email boxes", status_code=410)
    assert Commenter.objects.get().verified_at is None


def test_a_link_still_works_just_before_it_expires(post_ticked, client):
    with time_machine.travel(MONDAY, tick=False):
        sent = post_ticked(notify_replies="on")

    with time_machine.travel(MONDAY + datetime.timedelta(days=3, minutes=-1), tick=False):
        page = client.post(confirm_url(sent[0]))

    assertContains(page, "Your address is confirmed")


@pytest.mark.parametrize("tamper", ["flip", "other-address", "other-purpose"])
def test_a_tampered_link_is_refused(post_ticked, client, tamper):
    sent = post_ticked(notify_replies="on")
    token = CONFIRM_LINK.search(sent[0].body)[1]
    if tamper == "flip":
        token = token[:-1] + ("A" if token[-1] != "A" else "B")
    elif tamper == "other-address":
        # Signed by someone else's key: a forged link for an address of the forger's choosing.
        token = signing.dumps({"e": "ada@example.com", "c": 1}, key="not-the-site-key", salt="comments.link.confirm")
    else:
        token = links.make_token("unsubscribe", e="ada@example.com", c=None, p=None)

    page = client.post(reverse("comments:confirm_email", args=[token]))

    assertContains(page, "This link does not work", status_code=400)
    assert Commenter.objects.get().verified_at is None
