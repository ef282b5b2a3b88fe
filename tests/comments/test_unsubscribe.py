"""The unsubscribe links in every email: the page shows, only a POST acts, one-click works (RFC 8058)."""

import pytest
from django.test import Client
from django.utils import timezone

from comments import links
from comments.models import Commenter, MutedPost, Subscription
from comments.notifications import unsubscribe_url
from tests.factories import AuthorFactory, PostFactory, UserFactory, make_comment

pytestmark = pytest.mark.django_db


@pytest.fixture
def post():
    return PostFactory(title="On gardens", authors=[AuthorFactory(user=UserFactory(email="alice@example.com"))])


@pytest.fixture
def write(django_capture_on_commit_callbacks):
    def make(post, **fields):
        with django_capture_on_commit_callbacks(execute=True):
            return make_comment(post, notify=True, **fields)

    return make


@pytest.fixture
def ada(post, write):
    """A verified commenter following replies to her comment and its thread, and a thread elsewhere."""
    comment = write(post, name="Ada", email="ada@example.com")
    commenter = Commenter.objects.create(email="ada@example.com", verified_at=timezone.now())
    Subscription.objects.create(commenter=commenter, comment=comment, kind=Subscription.Kind.REPLIES)
    Subscription.objects.create(commenter=commenter, comment=comment, kind=Subscription.Kind.THREAD)
    elsewhere = write(post, name="Ada", email="ada@example.com", body="Another thread.")
    Subscription.objects.create(commenter=commenter, comment=elsewhere, kind=Subscription.Kind.THREAD)
    return comment


def path_of(url):
    return url.removeprefix("https://colloquy.example")


def link_in(message):
    """The unsubscribe link of a sent email, from its List-Unsubscribe header."""
    return path_of(message.extra_headers["List-Unsubscribe"][1:-1])


def test_the_page_shows_what_it_stops_and_changes_nothing(client, ada):
    url = path_of(unsubscribe_url("ada@example.com", comment=ada))

    page = client.get(url)

    assert page.status_code == 200
    html = page.content.decode()
    assert "ada@example.com" in html
    assert 'value="thread"' in html and "Stop emails about this thread" in html
    assert 'value="all"' in html and "Stop all emails from Colloquy" in html
    assert "no-cache" in page["Cache-Control"] and "private" in page["Cache-Control"]
    assert Subscription.objects.count() == 3
    assert Commenter.objects.get(email="ada@example.com").unsubscribed_at is None


def test_stopping_a_thread_keeps_the_other_threads(client, ada):
    url = path_of(unsubscribe_url("ada@example.com", comment=ada))

    page = client.post(url, {"scope": "thread"})

    assert page.status_code == 200
    assert "We will not email ada@example.com about this thread again." in page.content.decode()
    assert list(Subscription.objects.values_list("comment__body", flat=True)) == ["Another thread."]
    assert Commenter.objects.get(email="ada@example.com").unsubscribed_at is None


def test_stopping_everything_from_a_reply_email_stops_every_email(client, post, ada, write, delivered):
    write(post, parent=ada, name="Bob", email="bob@example.com")
    (reply_email,) = [message for message in delivered() if message.to == ["ada@example.com"]]
    delivered().clear()

    page = client.post(link_in(reply_email), {"scope": "all"})

    assert "We will not email ada@example.com again." in page.content.decode()
    assert Commenter.objects.get(email="ada@example.com").unsubscribed_at is not None
    write(post, parent=ada, name="Cy", email="cy@example.com")
    assert [message.to for message in delivered()] == [["alice@example.com"]]


def test_an_author_stops_emails_about_one_post(client, post, write, delivered):
    write(post, name="Bob", email="bob@example.com")
    (author_email,) = delivered()
    delivered().clear()
    url = link_in(author_email)

    assert 'value="post"' in client.get(url).content.decode()
    client.post(url, {"scope": "post"})

    assert MutedPost.objects.filter(commenter__email="alice@example.com", post=post).exists()
    assert Commenter.objects.get(email="alice@example.com").unsubscribed_at is None
    other_post = PostFactory(authors=post.authors.all())
    write(post, name="Cy", email="cy@example.com")
    write(other_post, name="Cy", email="cy@example.com")
    (only,) = delivered()
    assert other_post.title in only.subject


def test_one_click_unsubscribes_without_a_csrf_token(ada, post, write, delivered):
    write(post, parent=ada, name="Bob", email="bob@example.com")
    (reply_email,) = [message for message in delivered() if message.to == ["ada@example.com"]]
    mail_provider = Client(enforce_csrf_checks=True)

    response = mail_provider.post(
        link_in(reply_email),
        "List-Unsubscribe=One-Click",
        content_type="application/x-www-form-urlencoded",
    )

    assert response.status_code == 200
    # The link's own scope: this thread, not everything.
    assert list(Subscription.objects.values_list("comment__body", flat=True)) == ["Another thread."]
    assert Commenter.objects.get(email="ada@example.com").unsubscribed_at is None


def test_a_link_for_everything_offers_only_everything(client):
    url = path_of(unsubscribe_url("Zed@Example.com"))

    assert 'value="thread"' not in client.get(url).content.decode()
    client.post(url, "List-Unsubscribe=One-Click", content_type="application/x-www-form-urlencoded")

    assert Commenter.objects.get(email="zed@example.com").unsubscribed_at is not None


def test_a_link_cannot_widen_to_another_scope_than_its_own_or_all(client, ada, post):
    url = path_of(unsubscribe_url("ada@example.com", comment=ada))

    client.post(url, {"scope": "post"})

    assert not MutedPost.objects.exists()
    assert Subscription.objects.count() == 1  # its own scope: the thread


@pytest.mark.parametrize(
    "token",
    [
        "not-a-token",
        links.make_token("confirm", e="ada@example.com", c=None, p=None),  # another purpose's
        links.make_token("unsubscribe", e="ada@example.com", c=None, p=None)[:-2] + "xx",  # tampered
    ],
)
def test_a_bad_link_is_refused_and_changes_nothing(client, ada, token):
    for response in (
        client.get(f"/comments/email/unsubscribe/{token}/"),
        client.post(f"/comments/email/unsubscribe/{token}/", {"scope": "all"}),
    ):
        assert response.status_code == 400
        assert "This link does not work" in response.content.decode()
        assert "ada@example.com" not in response.content.decode()
    assert Commenter.objects.get(email="ada@example.com").unsubscribed_at is None
    assert Subscription.objects.count() == 3
