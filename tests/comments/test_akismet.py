"""Akismet, faked at its boundary: a real HTTP server on 127.0.0.1 that records what it is sent."""

import logging
import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs

import pytest
from django.urls import reverse
from pytest_django.asserts import assertContains

from authors.roles import MODERATORS
from comments.models import Comment
from tests.factories import PostFactory, make_comment, trusted_commenter

pytestmark = pytest.mark.django_db

Status = Comment.Status
CHANGELIST = reverse("admin:comments_comment_changelist")


class FakeAkismetHandler(BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers["Content-Length"])).decode()
        self.server.requests.append((self.path, {name: values[0] for name, values in parse_qs(body).items()}))
        status, answer = self.server.answer
        self.send_response(status)
        self.send_header("Content-Type", "text/plain")
        self.end_headers()
        self.wfile.write(answer.encode())

    def log_message(self, format, *args):
        pass


@pytest.fixture
def fake_akismet(settings):
    """The fake service, with AKISMET_API_KEY set and AKISMET_API_URL pointing at it.

    Set `.answer` to (HTTP status, body); `.requests` lists (path, fields) as received.
    """
    server = ThreadingHTTPServer(("127.0.0.1", 0), FakeAkismetHandler)
    server.requests, server.answer = [], (200, "false")
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    settings.AKISMET_API_KEY = "test-key"
    settings.AKISMET_API_URL = f"http://127.0.0.1:{server.server_port}/1.1"
    yield server
    server.shutdown()
    server.server_close()
    thread.join()


@pytest.fixture
def post():
    return PostFactory()


def trusted_reader(email="ada@example.com"):
    """Make `email` a trusted commenter (verified, an approved comment elsewhere): no first-comment hold."""
    trusted_commenter(email)


def test_akismets_spam_verdict_marks_the_comment_spam(send_comment, post, fake_akismet, settings):
    fake_akismet.answer = (200, "true")
    trusted_reader()

    response = send_comment(post, body="Great post! Visit my site.", website="https://ada.example")

    comment = Comment.objects.get(body="Great post! Visit my site.")
    assert response.status_code == 303
    assert (comment.status, comment.hold_reasons, comment.reason_labels) == (
        Status.SPAM,
        ["akismet"],
        ["Akismet: spam"],
    )
    [(path, fields)] = fake_akismet.requests
    assert path == "/1.1/comment-check"
    assert fields == {
        "api_key": "test-key",
        "blog": settings.SITE_URL,
        "user_ip": "127.0.0.1",
        "user_agent": "TestBrowser/1.0",
        "comment_type": "comment",
        "comment_author": "Ada Reader",
        "comment_author_email": "ada@example.com",
        "comment_author_url": "https://ada.example",
        "comment_content": "Great post! Visit my site.",
        "permalink": f"{settings.SITE_URL}{post.get_absolute_url()}",
    }


def test_a_ham_verdict_leaves_the_usual_rules(send_comment, post, fake_akismet):
    send_comment(post, body="A first comment.")
    trusted_reader("bea@example.com")
    send_comment(post, body="A trusted one.", email="bea@example.com")

    assert Comment.objects.get(body="A first comment.").hold_reasons == ["first_comment"]
    assert Comment.objects.get(body="A trusted one.").status == Status.APPROVED
    assert len(fake_akismet.requests) == 2


@pytest.mark.parametrize("answer", [(500, "oops"), (200, "invalid")], ids=["server error", "invalid key"])
def test_an_akismet_error_is_logged_and_ignored(send_comment, post, fake_akismet, caplog, answer):
    fake_akismet.answer = answer
    trusted_reader()

    with caplog.at_level(logging.WARNING, logger="comments.akismet"):
        response = send_comment(post, body="Still posted.")

    assert response.status_code == 303
    assert Comment.objects.get(body="Still posted.").status == Status.APPROVED
    assert "Akismet" in caplog.text and "ada@example.com" not in caplog.text


def test_when_akismet_is_down_the_comment_is_posted_all_the_same(send_comment, post, settings, caplog):
    with socket.socket() as unused:
        unused.bind(("127.0.0.1", 0))
        port = unused.getsockname()[1]  # nothing listens there once closed
    settings.AKISMET_API_KEY = "test-key"
    settings.AKISMET_API_URL = f"http://127.0.0.1:{port}/1.1"
    trusted_reader()

    with caplog.at_level(logging.WARNING, logger="comments.akismet"):
        response = send_comment(post, body="Down but posted.")

    assert response.status_code == 303
    assert Comment.objects.get(body="Down but posted.").status == Status.APPROVED
    assert "Akismet comment-check failed" in caplog.text


def test_without_a_key_nothing_is_sent(send_comment, post, fake_akismet, settings):
    settings.AKISMET_API_KEY = ""

    send_comment(post, body="No key, no call.")

    assert fake_akismet.requests == []
    assert Comment.objects.get(body="No key, no call.").hold_reasons == ["first_comment"]


def test_spam_already_caught_and_moderators_comments_are_not_sent(client, send_comment, staff, post, fake_akismet):
    send_comment(post, body="Honeypot.", homepage="filled")
    client.force_login(staff(MODERATORS))
    client.post(reverse("comments:create", args=[post.pk]), {"body": "A moderator's note."})

    assert fake_akismet.requests == []


# Moderators' decisions go back to Akismet


@pytest.fixture
def moderator(client, staff):
    user = staff(MODERATORS)
    client.force_login(user)
    return user


def sent(fake_akismet):
    return [(path.rsplit("/", 1)[1], fields["comment_content"]) for path, fields in fake_akismet.requests]


def test_the_admins_mark_as_spam_and_restore_report_spam_and_ham(client, moderator, post, fake_akismet):
    missed = make_comment(post, body="Spam Akismet missed.", ip_address="203.0.113.8", user_agent="Bot/1")
    caught = make_comment(post, status=Status.SPAM, body="A good comment caught.", hold_reasons=["akismet"])
    already = make_comment(post, status=Status.SPAM, body="Already spam.")

    client.post(CHANGELIST, {"action": "mark_spam", "_selected_action": [missed.pk, already.pk]})
    client.post(CHANGELIST, {"action": "restore", "_selected_action": [caught.pk]})

    assert sent(fake_akismet) == [("submit-spam", "Spam Akismet missed."), ("submit-ham", "A good comment caught.")]
    assert fake_akismet.requests[0][1]["user_ip"] == "203.0.113.8"
    assert fake_akismet.requests[0][1]["user_agent"] == "Bot/1"


def test_approving_a_held_comment_is_not_reported(client, moderator, post, fake_akismet):
    held = make_comment(post, status=Status.PENDING, body="Held for links.")

    client.post(CHANGELIST, {"action": "approve", "_selected_action": [held.pk]})
    client.post(reverse("admin:comments_comment_status", args=[held.pk]), {"status": "removed"})

    assert fake_akismet.requests == []


def test_the_comment_page_and_the_public_buttons_report_too(client, moderator, post, fake_akismet):
    one = make_comment(post, body="Marked on its admin page.")
    two = make_comment(post, body="Marked on the post page.")

    client.post(reverse("admin:comments_comment_status", args=[one.pk]), {"status": "spam"})
    response = client.post(reverse("comments:moderate", args=[two.pk]), {"action": "spam"}, follow=True)
    client.post(reverse("comments:moderate", args=[two.pk]), {"action": "restore"})

    assertContains(response, "is marked as spam")
    assert sent(fake_akismet) == [
        ("submit-spam", "Marked on its admin page."),
        ("submit-spam", "Marked on the post page."),
        ("submit-ham", "Marked on the post page."),
    ]


def test_without_a_key_moderation_sends_nothing(client, moderator, post, fake_akismet, settings):
    settings.AKISMET_API_KEY = ""
    comment = make_comment(post)

    client.post(CHANGELIST, {"action": "mark_spam", "_selected_action": [comment.pk]})

    assert Comment.objects.get(pk=comment.pk).status == Status.SPAM
    assert fake_akismet.requests == []
