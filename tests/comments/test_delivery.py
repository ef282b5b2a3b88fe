"""Delivery: the database queue, retries after a failure, the deliver_mail command, and safe headers."""

import datetime
import io
import os
import signal
import threading

import pytest
from django.conf import settings as django_settings
from django.core import mail as django_mail
from django.core.exceptions import ValidationError
from django.core.mail import BadHeaderError
from django.core.mail.backends.base import BaseEmailBackend
from django.core.management import call_command
from django.db import connections
from django.utils import timezone
from post_office.models import STATUS, Email

from blog.models import SiteSettings
from comments import mail
from comments.models import Comment
from tests.factories import AuthorFactory, PostFactory, UserFactory, make_comment

pytestmark = pytest.mark.django_db

WORKING = "django.core.mail.backends.locmem.EmailBackend"
FAILING = "tests.comments.test_delivery.FailingBackend"


class FailingBackend(BaseEmailBackend):
    """An SMTP server that is down."""

    def send_messages(self, email_messages):
        raise ConnectionRefusedError("the mail server is down")


def use_backend(settings, backend):
    settings.POST_OFFICE = {**django_settings.POST_OFFICE, "BACKENDS": {"default": backend}}


@pytest.fixture
def post():
    return PostFactory(title="On gardens", authors=[AuthorFactory(user=UserFactory(email="alice@example.com"))])


@pytest.fixture
def open_to_all():
    """Comments from new addresses appear at once, so posting one mails the post's author."""
    site = SiteSettings.load()
    site.comment_hold_first = False
    site.save()


def test_a_failing_mail_server_never_loses_the_comment_and_the_email_is_retried(
    settings, post, open_to_all, send_comment, django_capture_on_commit_callbacks, time_machine
):
    use_backend(settings, FAILING)
    time_machine.move_to(timezone.now(), tick=False)

    with django_capture_on_commit_callbacks(execute=True):
        response = send_comment(post, name="Bob", email="bob@example.com", body="Lovely garden.")

    assert response.status_code == 303
    comment = Comment.objects.get(body="Lovely garden.")
    assert comment.status == Comment.Status.APPROVED
    queued = Email.objects.get()
    assert queued.to == ["alice@example.com"]
    assert queued.status == STATUS.queued

    assert mail.deliver() == (0, 0, 1)
    queued.refresh_from_db()
    assert queued.status == STATUS.requeued
    assert queued.scheduled_time == timezone.now() + settings.POST_OFFICE["RETRY_INTERVAL"]
    assert queued.logs.get().message == "the mail server is down"

    # The server is back, but nothing is retried before its time; then it is sent.
    use_backend(settings, WORKING)
    assert mail.deliver() == (0, 0, 0)
    time_machine.shift(settings.POST_OFFICE["RETRY_INTERVAL"] + datetime.timedelta(seconds=1))
    assert mail.deliver() == (1, 0, 0)
    queued.refresh_from_db()
    assert queued.status == STATUS.sent
    (sent,) = django_mail.outbox
    assert sent.to == ["alice@example.com"] and "Lovely garden." in sent.body


def test_emails_wait_in_the_queue_until_delivered(post, django_capture_on_commit_callbacks, mailoutbox):
    with django_capture_on_commit_callbacks(execute=True):
        make_comment(post, notify=True, name="Bob", email="bob@example.com")

    assert mailoutbox == []  # posting only queues
    assert Email.objects.filter(status=STATUS.queued).count() == 1
    assert mail.deliver() == (1, 0, 0)
    assert [message.to for message in mailoutbox] == [["alice@example.com"]]


@pytest.mark.parametrize(
    "address", ["a@example.com\nBcc: x@example.com", "a@example.com\r\nBcc: x@example.com", "a@example.com\rX: y"]
)
def test_a_line_break_never_reaches_a_header(address):
    with pytest.raises((BadHeaderError, ValidationError)):
        mail.queue_email(
            to=address,
            template="author_comment",
            context={"post": PostFactory(), "comment": make_comment(PostFactory()), "comment_url": "x"},
        )
    assert not Email.objects.exists()


def test_deliver_mail_sends_the_queue_and_says_what_it_did(post, django_capture_on_commit_callbacks, mailoutbox):
    with django_capture_on_commit_callbacks(execute=True):
        make_comment(post, notify=True, name="Bob", email="bob@example.com")
    out = io.StringIO()

    call_command("deliver_mail", stdout=out)

    assert "Sent: 1, failed: 0, to retry: 0." in out.getvalue()
    assert [message.to for message in mailoutbox] == [["alice@example.com"]]
    assert Email.objects.get().status == STATUS.sent


@pytest.mark.django_db(databases=["default", "replica"])
def test_deliver_mail_skips_the_round_while_another_one_sends(post, django_capture_on_commit_callbacks, mailoutbox):
    from comments.management.commands.deliver_mail import LOCK_KEY, LOCK_NAMESPACE

    with django_capture_on_commit_callbacks(execute=True):
        make_comment(post, notify=True, name="Bob", email="bob@example.com")
    # Another worker: a second connection to the same database (the test settings' replica alias).
    other = connections["replica"]
    with other.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_lock(%s, %s)", [LOCK_NAMESPACE, LOCK_KEY])
    try:
        out = io.StringIO()
        call_command("deliver_mail", stdout=out)
        assert "skipped this round" in out.getvalue()
        assert mailoutbox == []
        assert Email.objects.get().status == STATUS.queued
    finally:
        with other.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_unlock(%s, %s)", [LOCK_NAMESPACE, LOCK_KEY])
        other.close()

    call_command("deliver_mail", stdout=io.StringIO())
    assert len(mailoutbox) == 1


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT])
def test_the_worker_finishes_its_round_and_stops_on_a_signal(
    post, django_capture_on_commit_callbacks, mailoutbox, signum
):
    with django_capture_on_commit_callbacks(execute=True):
        make_comment(post, notify=True, name="Bob", email="bob@example.com")
    handler_before = signal.getsignal(signum)
    stop = threading.Timer(0.5, os.kill, args=(os.getpid(), signum))
    stop.start()
    try:
        call_command("deliver_mail", "--loop", "60", stdout=io.StringIO())  # returns on the signal, not in 60s
    finally:
        stop.cancel()

    assert [message.to for message in mailoutbox] == [["alice@example.com"]]
    assert signal.getsignal(signum) is handler_before


def test_a_crash_while_notifying_never_breaks_posting(
    post, open_to_all, send_comment, django_capture_on_commit_callbacks, monkeypatch, caplog
):
    def broken(**kwargs):
        raise RuntimeError("template missing")

    monkeypatch.setattr("comments.notifications.queue_email", broken)

    with django_capture_on_commit_callbacks(execute=True):
        response = send_comment(post, name="Bob", email="bob@example.com", body="Still here.")

    assert response.status_code == 303
    assert Comment.objects.get(body="Still here.").status == Comment.Status.APPROVED
    assert "Comment notifications failed: comment_posted" in caplog.text
