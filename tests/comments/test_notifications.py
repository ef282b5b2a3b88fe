"""Who is emailed when a comment becomes public (comments.notifications), and who never is."""

import datetime
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from blog.models import SiteSettings
from comments.models import Comment, Commenter, MutedPost, Subscription
from comments.notifications import announce, recipients
from comments.services import comment_set_status
from tests.factories import AuthorFactory, PostFactory, UserFactory, make_comment

pytestmark = pytest.mark.django_db

REPLIES, THREAD = Subscription.Kind.REPLIES, Subscription.Kind.THREAD


@pytest.fixture
def post():
    return PostFactory(title="On gardens", authors=[AuthorFactory(user=None)])


@pytest.fixture
def write(django_capture_on_commit_callbacks):
    """Write a comment through the one write path as the public form does, running what it schedules."""

    def make(post, **fields):
        with django_capture_on_commit_callbacks(execute=True):
            return make_comment(post, notify=True, **fields)

    return make


def verified(email, **fields):
    return Commenter.objects.create(email=email, verified_at=timezone.now(), **fields)


def subscribe(commenter, comment, kind=REPLIES):
    return Subscription.objects.create(commenter=commenter, comment=comment, kind=kind)


def mails_to(outbox, address):
    return [message for message in outbox if message.to == [address]]


def only_mail_to(outbox, address):
    (message,) = mails_to(outbox, address)
    return message


def html_of(message):
    (html, mimetype), *_ = message.alternatives
    assert mimetype == "text/html"
    return html


def test_a_verified_subscriber_hears_of_a_reply_with_everything_they_need(post, write, delivered):
    ada = write(post, name="Ada", email="ada@example.com", body="Roses first.")
    subscribe(verified("ada@example.com"), ada)

    reply = write(post, parent=ada, name="Bob Gardener", email="bob@example.com", body="No, *tulips*.")

    message = only_mail_to(delivered(), "ada@example.com")
    assert message.subject == "New reply to your comment on “On gardens”"
    assert "Bob Gardener wrote:" in message.body
    assert "No, *tulips*." in message.body  # the text part carries the plain text
    assert "<em>tulips</em>" in html_of(message)  # the HTML part the sanitised HTML
    assert f"https://colloquy.example/comments/{reply.pk}/" in message.body
    assert "replies to your comment" in message.body
    unsubscribe = message.extra_headers["List-Unsubscribe"]
    assert re.fullmatch(r"<https://colloquy\.example/comments/email/unsubscribe/[^>]+/>", unsubscribe)
    assert message.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert unsubscribe[1:-1] in message.body
    assert unsubscribe[1:-1] in html_of(message)


def test_the_replier_never_hears_of_their_own_reply(post, write, delivered):
    ada = write(post, name="Ada", email="ada@example.com")
    subscribe(verified("ada@example.com"), ada, REPLIES)
    subscribe(Commenter.objects.get(email="ada@example.com"), ada, THREAD)

    write(post, parent=ada, name="Ada again", email=" ADA@Example.com ")

    assert mails_to(delivered(), "ada@example.com") == []


def test_a_logged_in_writer_never_hears_of_their_own_comment(post, write, delivered):
    ada_login = UserFactory(email="ada@example.com")
    ada = write(post, name="Ada", email="ada@example.com")
    subscribe(verified("ada@example.com"), ada)

    write(post, parent=ada, user=ada_login)

    assert mails_to(delivered(), "ada@example.com") == []


def test_unverified_and_unsubscribed_addresses_get_nothing(post, write, delivered):
    ada = write(post, name="Ada", email="ada@example.com")
    cy = write(post, parent=ada, name="Cy", email="cy@example.com")
    subscribe(Commenter.objects.create(email="ada@example.com"), ada)  # never confirmed
    subscribe(verified("cy@example.com", unsubscribed_at=timezone.now()), cy, THREAD)

    write(post, parent=ada, name="Bob", email="bob@example.com")

    outbox = delivered()
    assert mails_to(outbox, "ada@example.com") == []
    assert mails_to(outbox, "cy@example.com") == []


def test_thread_followers_hear_of_any_new_comment_in_their_thread_only(post, write, delivered):
    ada = write(post, name="Ada", email="ada@example.com")
    cy = write(post, parent=ada, name="Cy", email="cy@example.com")
    other = write(post, name="Dee", email="dee@example.com")
    subscribe(verified("cy@example.com"), cy, THREAD)
    subscribe(verified("dee@example.com"), other, THREAD)

    write(post, parent=ada, name="Bob", email="bob@example.com", body="Deep in the thread.")

    outbox = delivered()
    message = only_mail_to(outbox, "cy@example.com")
    assert message.subject == "New comment in a thread you follow on “On gardens”"
    assert "Deep in the thread." in message.body
    assert mails_to(outbox, "dee@example.com") == []


def test_one_email_per_address_and_the_reply_reason_wins(post, write, delivered):
    ada = write(post, name="Ada", email="ada@example.com")
    commenter = verified("ada@example.com")
    subscribe(commenter, ada, THREAD)
    subscribe(commenter, ada, REPLIES)

    write(post, parent=ada, name="Bob", email="bob@example.com")

    assert only_mail_to(delivered(), "ada@example.com").subject.startswith("New reply to your comment")


def test_a_reply_past_the_maximum_depth_reaches_the_comment_it_answers(post, write, delivered):
    site = SiteSettings.load()
    site.comment_max_depth = 2
    site.save()
    ada = write(post, name="Ada", email="ada@example.com")
    cy = write(post, parent=ada, name="Cy", email="cy@example.com")
    subscribe(verified("cy@example.com"), cy)

    reply = write(post, parent=cy, name="Bob", email="bob@example.com")

    assert reply.parent_id == ada.pk and reply.in_reply_to_id == cy.pk  # attached beside Cy
    assert only_mail_to(delivered(), "cy@example.com").subject.startswith("New reply to your comment")


@pytest.mark.parametrize("status", [Comment.Status.SPAM, Comment.Status.REMOVED])
def test_a_subscription_lapses_with_its_comment(post, write, delivered, status):
    ada = write(post, name="Ada", email="ada@example.com")
    subscribe(verified("ada@example.com"), ada, THREAD)
    reply = write(post, parent=ada, name="Bob", email="bob@example.com")
    comment_set_status([ada], status)

    write(post, parent=reply, name="Cy", email="cy@example.com")

    assert len(mails_to(delivered(), "ada@example.com")) == 1  # the first reply only


def test_a_subscriber_who_muted_the_post_gets_nothing(post, write, delivered):
    ada = write(post, name="Ada", email="ada@example.com")
    commenter = verified("ada@example.com")
    subscribe(commenter, ada)
    MutedPost.objects.create(commenter=commenter, post=post)

    write(post, parent=ada, name="Bob", email="bob@example.com")

    assert mails_to(delivered(), "ada@example.com") == []


def test_the_posts_authors_with_a_login_hear_of_new_comments(write, delivered):
    alice = AuthorFactory(user=UserFactory(email="Alice@Example.com"))
    guest = AuthorFactory(user=None)
    gone = AuthorFactory(user=UserFactory(email="gone@example.com", is_active=False))
    mailless = AuthorFactory(user=UserFactory(email=""))
    post = PostFactory(title="On gardens", authors=[alice, guest, gone, mailless])

    comment = write(post, name="Bob", email="bob@example.com", body="Lovely.")

    outbox = delivered()
    message = only_mail_to(outbox, "alice@example.com")
    assert message.subject == "New comment on your post “On gardens”"
    assert "Bob wrote:" in message.body and "Lovely." in message.body
    assert f"https://colloquy.example/comments/{comment.pk}/" in message.body
    assert "author of this post" in message.body
    assert message.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert [message.to for message in outbox] == [["alice@example.com"]]  # no guest, inactive or empty address


def test_an_author_is_not_told_of_their_own_comment(write, delivered):
    alice_login = UserFactory(email="alice@example.com")
    post = PostFactory(authors=[AuthorFactory(user=alice_login)])

    write(post, user=alice_login, body="Thanks, all.")

    assert delivered() == []


@pytest.mark.parametrize("silenced", ["muted", "unsubscribed"])
def test_an_author_who_muted_the_post_or_everything_gets_nothing(write, delivered, silenced):
    post = PostFactory(authors=[AuthorFactory(user=UserFactory(email="alice@example.com"))])
    other_post = PostFactory(authors=[AuthorFactory(user=UserFactory(email="alice2@example.com"))])
    alice = Commenter.objects.create(email="alice@example.com")  # authors need no verification
    if silenced == "muted":
        MutedPost.objects.create(commenter=alice, post=post)
    else:
        Commenter.objects.filter(pk=alice.pk).update(unsubscribed_at=timezone.now())

    write(post, name="Bob", email="bob@example.com")
    write(other_post, name="Bob", email="bob@example.com")

    assert [message.to for message in delivered()] == [["alice2@example.com"]]


def test_a_held_comment_tells_no_reader_or_author_until_it_is_approved(write, delivered):
    post = PostFactory(authors=[AuthorFactory(user=UserFactory(email="alice@example.com"))])
    ada = write(post, name="Ada", email="ada@example.com")
    subscribe(verified("ada@example.com"), ada)
    delivered().clear()

    write(post, parent=ada, name="Bob", email="bob@example.com", status=Comment.Status.PENDING)
    write(post, parent=ada, name="Spammer", email="spam@example.com", status=Comment.Status.SPAM)

    outbox = delivered()
    assert mails_to(outbox, "ada@example.com") == []
    assert mails_to(outbox, "alice@example.com") == []


def test_approval_tells_the_verified_writer_then_readers_and_authors_once(
    write, delivered, django_capture_on_commit_callbacks
):
    post = PostFactory(title="On gardens", authors=[AuthorFactory(user=UserFactory(email="alice@example.com"))])
    ada = write(post, name="Ada", email="ada@example.com")
    subscribe(verified("ada@example.com"), ada)
    verified("bob@example.com")
    held = write(post, parent=ada, name="Bob", email="bob@example.com", status=Comment.Status.PENDING)
    delivered().clear()

    for status in (Comment.Status.APPROVED, Comment.Status.REMOVED, Comment.Status.APPROVED):
        with django_capture_on_commit_callbacks(execute=True):
            comment_set_status([held], status)

    outbox = delivered()
    approved = only_mail_to(outbox, "bob@example.com")
    assert approved.subject == "Your comment on “On gardens” is published"
    assert f"https://colloquy.example/comments/{held.pk}/" in approved.body
    assert f"https://colloquy.example/comments/{held.pk}/edit/" in approved.body  # still in the edit window
    assert "List-Unsubscribe" in approved.extra_headers
    assert len(mails_to(outbox, "ada@example.com")) == 1
    assert len(mails_to(outbox, "alice@example.com")) == 1
    held.refresh_from_db()
    assert held.notified_at is not None


def test_the_approval_notice_has_no_edit_link_once_the_window_has_passed(
    post, write, delivered, django_capture_on_commit_callbacks, time_machine
):
    verified("bob@example.com")
    held = write(post, name="Bob", email="bob@example.com", status=Comment.Status.PENDING)

    time_machine.move_to(timezone.now() + datetime.timedelta(hours=1))
    with django_capture_on_commit_callbacks(execute=True):
        comment_set_status([held], Comment.Status.APPROVED)

    approved = only_mail_to(delivered(), "bob@example.com")
    assert "/edit/" not in approved.body


def test_only_a_verified_writer_hears_that_their_comment_was_approved(
    post, write, delivered, django_capture_on_commit_callbacks
):
    Commenter.objects.create(email="bob@example.com")  # asked, never confirmed
    verified("cy@example.com", unsubscribed_at=timezone.now())
    held = [
        write(post, name="Bob", email="bob@example.com", status=Comment.Status.PENDING),
        write(post, name="Cy", email="cy@example.com", status=Comment.Status.PENDING),
        write(post, name="Dee", email="dee@example.com", status=Comment.Status.PENDING),
    ]

    with django_capture_on_commit_callbacks(execute=True):
        comment_set_status(held, Comment.Status.APPROVED)

    assert [message for message in delivered() if "is published" in message.subject] == []


def test_a_comment_approved_at_once_is_announced_once(post, write, delivered, django_capture_on_commit_callbacks):
    ada = write(post, name="Ada", email="ada@example.com")
    subscribe(verified("ada@example.com"), ada)
    reply = write(post, parent=ada, name="Bob", email="bob@example.com")

    # A moderator removes it and restores it: readers heard of it already.
    for status in (Comment.Status.REMOVED, Comment.Status.APPROVED):
        with django_capture_on_commit_callbacks(execute=True):
            comment_set_status([reply], status)

    assert len(mails_to(delivered(), "ada@example.com")) == 1


def test_a_readers_name_never_reaches_a_header(write, delivered):
    post = PostFactory(title="On gardens", authors=[AuthorFactory(user=UserFactory(email="alice@example.com"))])
    ada = write(post, name="Ada", email="ada@example.com")
    subscribe(verified("ada@example.com"), ada)
    delivered().clear()

    write(post, parent=ada, name="Mallory\r\nBcc: victim@example.com", email="mallory@example.com")

    outbox = delivered()
    assert sorted(message.to[0] for message in outbox) == ["ada@example.com", "alice@example.com"]
    for message in outbox:
        headers = message.message().items()
        assert not [value for _name, value in headers if "Mallory" in value or "victim" in value]
        assert message.recipients() == message.to
        assert "Mallory" in message.body  # in the body, where names belong


def test_finding_the_recipients_costs_the_same_for_one_or_twenty_subscribers(write):
    post = PostFactory(authors=[AuthorFactory(user=UserFactory(email="alice@example.com"))])

    def queries_for(count):
        thread = write(post, name="Root", email="root@example.com")
        for number in range(count):
            follower = write(post, parent=thread, name=f"F{number}", email=f"f{number}-{thread.pk}@example.com")
            commenter = verified(follower.email)
            subscribe(commenter, follower, THREAD)
            subscribe(commenter, thread)
        comment = write(post, parent=thread, name="New", email="new@example.com")
        comment = Comment.objects.select_related("post", "user").get(pk=comment.pk)
        with CaptureQueriesContext(connection) as captured:
            found = recipients(comment)
        assert len(found) == count + 1  # the followers, once each, and the author
        return len(captured)

    assert queries_for(1) == queries_for(20)


def test_announcing_costs_one_insert_per_email_and_nothing_more_per_subscriber(post, write):
    def queries_for(count):
        thread = write(post, name="Root", email="root@example.com")
        for number in range(count):
            follower = write(post, parent=thread, name=f"F{number}", email=f"g{number}-{thread.pk}@example.com")
            subscribe(verified(follower.email), follower, THREAD)
        comment = write(post, parent=thread, name="New", email="new@example.com")
        comment = Comment.objects.select_related("post", "user").get(pk=comment.pk)
        with CaptureQueriesContext(connection) as captured:
            assert announce(comment) == count
        return [query["sql"] for query in captured if not query["sql"].startswith('INSERT INTO "post_office_email"')]

    SiteSettings.load()  # cached before counting
    assert len(queries_for(1)) == len(queries_for(20))


def test_a_comment_arrives_as_typed_even_when_it_looks_like_template_code(post, write, delivered):
    ada = write(post, name="Ada", email="ada@example.com")
    subscribe(verified("ada@example.com"), ada)
    body = "Try {{ site_name }} or {% now 'Y' %}, even {% if broken"

    write(post, parent=ada, name="Bob", email="bob@example.com", body=body)

    assert body in only_mail_to(delivered(), "ada@example.com").body
