"""Posting comments and replies from the post page, the reply page fallback, and permalinks."""

import datetime
import re

import pytest
import time_machine
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from pytest_django.asserts import assertContains, assertNotContains

from authors.roles import MODERATORS
from blog.context_processors import layout
from blog.models import Post, SiteSettings
from comments.forms import COMMENTER_COOKIE
from comments.models import Comment
from comments.spam import form_token
from comments.viewers import HELD_COOKIE
from tests.factories import AuthorFactory, PostFactory, make_comment, trusted_commenter

pytestmark = pytest.mark.django_db

JANUARY_1_2024 = datetime.datetime(2024, 1, 1, 9, tzinfo=datetime.UTC)


@pytest.fixture
def post():
    return PostFactory()


def form_data(**fields):
    """What a reader types into the comment form, with the signed timestamp the page gives out."""
    return {
        "name": "Ada Reader",
        "email": "ada@example.com",
        "website": "",
        "body": "A fine post.",
        "form_token": form_token(),
        **fields,
    }


def send(client, post, **fields):
    return client.post(
        reverse("comments:create", args=[post.pk]), form_data(**fields), HTTP_USER_AGENT="TestBrowser/1.0"
    )


def trusted_reader(email="ada@example.com"):
    """Make `email` a trusted commenter (verified, an approved comment elsewhere): no first-comment hold."""
    trusted_commenter(email)


def position(html, marker):
    index = html.find(marker)
    assert index >= 0, f"{marker!r} is not on the page"
    return index


def assert_form_under(response, comment):
    """The one comment form sits inside `comment`'s list item, not at the end of the discussion."""
    html = response.content.decode()
    assert html.count('id="respond"') == 1
    assert position(html, f'id="comment-{comment.pk}"') < position(html, 'id="respond"')
    assert position(html, 'id="respond"') < position(html, 'id="respond-home"')
    hidden_parent = f'<input type="hidden" name="parent" id="id_parent" value="{comment.pk}">'
    assertContains(response, hidden_parent, html=True, status_code=response.status_code)
    replying = f'Replying to <a href="#comment-{comment.pk}">{comment.name}</a>'
    assertContains(response, replying, status_code=response.status_code)


# Posting


def test_a_first_comment_is_held_and_only_its_writer_sees_it(client, post):
    response = send(client, post, body="My very first comment.")

    comment = Comment.objects.get()
    assert response.status_code == 303
    assert response["Location"] == f"{post.get_absolute_url()}#comment-{comment.pk}"
    assert comment.status == Comment.Status.PENDING
    assert comment.hold_reasons == [Comment.HoldReason.FIRST_COMMENT]
    assert (comment.name, comment.email, comment.parent) == ("Ada Reader", "ada@example.com", None)
    assert (comment.ip_address, comment.user_agent) == ("127.0.0.1", "TestBrowser/1.0")
    assert response.cookies[HELD_COOKIE]["httponly"]

    page = client.get(post.get_absolute_url())
    assertContains(page, "My very first comment.")
    assertContains(page, "awaiting moderation")

    stranger = Client().get(post.get_absolute_url())
    assertNotContains(stranger, "My very first comment.")
    assertNotContains(stranger, "awaiting moderation")
    post.refresh_from_db()
    assert post.comment_count == 0


def test_a_reader_whose_email_has_an_approved_comment_is_approved_at_once(client, post):
    trusted_reader(email="Ada@Example.com")

    response = send(client, post, email="ada@EXAMPLE.com", body="Back again.")

    comment = Comment.objects.get(post=post)
    assert response.status_code == 303
    assert (comment.status, comment.hold_reasons) == (Comment.Status.APPROVED, [])
    assert HELD_COOKIE not in response.cookies
    assertContains(Client().get(post.get_absolute_url()), "Back again.")
    post.refresh_from_db()
    assert post.comment_count == 1


def test_only_an_approved_comment_vouches_for_an_email(client, post):
    make_comment(post, email="ada@example.com", status=Comment.Status.PENDING)
    make_comment(post, email="ada@example.com", status=Comment.Status.SPAM)

    send(client, post, body="Third time.")

    assert Comment.objects.get(body="Third time.").status == Comment.Status.PENDING


@pytest.mark.parametrize(
    ("fields", "error", "kept"),
    [
        ({"body": "   "}, "Please write your comment.", ['value="Ada Reader"', 'value="ada@example.com"']),
        ({"email": "ada-at-example"}, "Enter a valid email address", ['value="ada-at-example"', "A fine post."]),
        ({"name": ""}, "Please enter your name.", ['value="ada@example.com"', "A fine post."]),
        ({"website": "not a url"}, "Enter a valid web address", ['value="not a url"', "A fine post."]),
        ({"body": "x" * 5001}, "Please shorten your comment to 5,000 characters (it has 5,001)", ["x" * 5001]),
    ],
    ids=["empty body", "bad email", "no name", "bad website", "too long"],
)
def test_a_form_with_errors_shows_the_post_again_with_everything_typed(client, post, fields, error, kept):
    response = send(client, post, **{"website": "example.org", "remember": "on", **fields})

    assert response.status_code == 400
    assert Comment.objects.count() == 0
    assertContains(response, post.title, status_code=400)  # the post page itself
    assertContains(response, error, status_code=400)
    assertContains(response, 'aria-invalid="true"', count=1, status_code=400)
    assertContains(response, "not posted yet", status_code=400)
    for text in kept:
        assertContains(response, text, status_code=400)
    assertContains(response, 'name="remember" id="id_remember" checked', status_code=400)


def test_a_reply_with_errors_stays_under_the_comment_it_answers(client, post):
    karl = make_comment(post, name="Karl Abraham")

    response = send(client, post, parent=karl.pk, body="", name="Typed name")

    assert response.status_code == 400
    assert_form_under(response, karl)
    assertContains(response, 'value="Typed name"', status_code=400)


def test_comment_text_is_markdown_and_typed_html_shows_as_text(client, post):
    trusted_reader()

    send(client, post, body='<script>alert("x")</script> and <b>bold</b> and **strong**')

    page = Client().get(post.get_absolute_url())
    assertContains(page, "&lt;script&gt;alert")
    assertContains(page, "&lt;b&gt;bold&lt;/b&gt;")
    assertContains(page, "<strong>strong</strong>")
    assertNotContains(page, '<script>alert("x")')


def test_emails_never_appear_on_the_post_page(client, post):
    trusted_reader("secret-one@example.com")
    send(client, post, email="secret-one@example.com", body="Approved one.")
    send(Client(), post, email="secret-two@example.com", body="Held one.")
    karl = make_comment(post, name="Karl", email="secret-three@example.com")
    send(client, post, email="secret-one@example.com", parent=karl.pk, body="A reply.")

    for page in (Client().get(post.get_absolute_url()), client.get(f"{post.get_absolute_url()}?replyto={karl.pk}")):
        assert page.status_code == 200
        assertNotContains(page, "secret-")
        assertNotContains(page, "@example.com")


def test_the_form_is_protected_against_cross_site_requests(post):
    browser = Client(enforce_csrf_checks=True)

    refused = browser.post(reverse("comments:create", args=[post.pk]), form_data(body="Typed before the token."))

    # Refused, and shown again with what was typed and a fresh token (the no-JavaScript path).
    assert refused.status_code == 403
    assert Comment.objects.count() == 0
    assertContains(refused, "Typed before the token.", status_code=403)
    assertContains(refused, "Your comment is not posted yet", status_code=403)
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', refused.content.decode()).group(1)
    accepted = browser.post(reverse("comments:create", args=[post.pk]), form_data(csrfmiddlewaretoken=token))
    assert accepted.status_code == 303
    assert Comment.objects.count() == 1


def test_a_cached_page_gets_its_csrf_token_from_the_visitor_endpoint(post):
    browser = Client(enforce_csrf_checks=True)

    page = browser.get(post.get_absolute_url())
    assert re.search(r'name="csrfmiddlewaretoken" value=""', page.content.decode())  # the shared page holds none
    token = browser.get(reverse("comments:form_token")).json()["csrf"]

    accepted = browser.post(reverse("comments:create", args=[post.pk]), form_data(csrfmiddlewaretoken=token))
    assert accepted.status_code == 303
    assert Comment.objects.count() == 1


def test_posting_needs_post_and_a_post_readers_can_see(client):
    draft = PostFactory(status=Post.Status.DRAFT, published_at=None)
    scheduled = PostFactory(published_at=datetime.datetime(2099, 1, 1, tzinfo=datetime.UTC))

    assert client.get(reverse("comments:create", args=[PostFactory().pk])).status_code == 405
    assert send(client, draft).status_code == 404
    assert send(client, scheduled).status_code == 404
    assert send(client, Post(pk=999_999)).status_code == 404
    assert Comment.objects.count() == 0


# Remember me


def test_remember_me_keeps_the_readers_details_for_the_form(client, post):
    response = send(client, post, website="ada.example.org", remember="on")

    cookie = response.cookies[COMMENTER_COOKIE]
    assert cookie["httponly"] and cookie["samesite"] == "Lax" and cookie["max-age"] == 365 * 24 * 3600
    assert "ada@example.com" not in cookie.value  # signed and encoded, not plain text

    page = client.get(post.get_absolute_url())
    assertContains(page, '<input type="text" name="name" value="Ada Reader"', count=1)
    assertContains(page, 'value="ada@example.com"', count=1)
    assertContains(page, 'value="https://ada.example.org"', count=1)
    assertContains(page, 'name="remember" id="id_remember" checked')

    forgotten = send(client, post, body="Forget me now.")
    assert forgotten.cookies[COMMENTER_COOKIE].value == ""
    assert forgotten.cookies[COMMENTER_COOKIE]["max-age"] == 0
    page = client.get(post.get_absolute_url())
    assertNotContains(page, 'value="Ada Reader"')
    assertNotContains(page, 'value="ada@example.com"')


def test_a_tampered_remember_me_cookie_is_ignored(client, post):
    client.cookies[COMMENTER_COOKIE] = "eyJuYW1lIjoiTWFsbG9yeSJ9:forged:signature"

    page = client.get(post.get_absolute_url())

    assert page.status_code == 200
    assertNotContains(page, "Mallory")


# Replies and depth


def test_replies_nest_up_to_the_maximum_depth_then_attach_beside_the_deepest(client, post):
    assert SiteSettings.load().comment_max_depth == 5
    trusted_reader()
    parent = make_comment(post, name="Level 0")
    for level in range(1, 5):
        response = send(client, post, parent=parent.pk, name=f"Level {level}", body=f"At level {level}.")
        reply = Comment.objects.get(name=f"Level {level}")
        assert response["Location"] == f"{post.get_absolute_url()}#comment-{reply.pk}"
        assert (reply.level, reply.parent, reply.in_reply_to) == (level, parent, None)
        parent = reply

    send(client, post, parent=parent.pk, name="Too deep", body="Past the limit.")

    too_deep = Comment.objects.get(name="Too deep")
    assert (too_deep.level, too_deep.parent, too_deep.in_reply_to) == (4, parent.parent, parent)
    assert Comment.objects.filter(post=post).count() == 6
    page = Client().get(post.get_absolute_url())
    assertContains(page, f'in reply to <a href="#comment-{parent.pk}">Level 4</a>', count=1)
    html = page.content.decode()
    assert position(html, "At level 4.") < position(html, "Past the limit.")


def test_a_reader_may_reply_to_their_own_held_comment(client, post):
    send(client, post, body="Held first.")
    held = Comment.objects.get()

    response = send(client, post, parent=held.pk, body="And a follow-up.")

    assert response.status_code == 303
    assert Comment.objects.get(body="And a follow-up.").parent == held


@pytest.mark.parametrize("target", ["other post", "held by someone else", "spam", "missing"])
def test_a_reply_to_a_comment_the_reader_cannot_answer_is_a_form_error(client, post, target):
    parent = {
        "other post": lambda: make_comment(PostFactory(), name="Elsewhere"),
        "held by someone else": lambda: make_comment(post, status=Comment.Status.PENDING),
        "spam": lambda: make_comment(post, status=Comment.Status.SPAM),
        "missing": lambda: Comment(pk=987_654),
    }[target]()

    response = send(client, post, parent=parent.pk, body="Where does this go?")

    assert response.status_code == 400
    assertContains(response, "no longer available", status_code=400)
    assertContains(response, "Where does this go?", status_code=400)
    # Sending again posts it on its own: the broken reply target is not kept.
    assertContains(response, '<input type="hidden" name="parent" id="id_parent" value="">', html=True, status_code=400)
    assert not Comment.objects.filter(body="Where does this go?").exists()


def test_the_reply_page_shows_the_form_under_the_comment_with_the_parent_set(client, post):
    karl = make_comment(post, name="Karl Abraham")
    make_comment(post, name="Abdul Momen")

    page = client.get(f"{post.get_absolute_url()}?cpage=1&replyto={karl.pk}")

    assert page.status_code == 200
    assert_form_under(page, karl)
    assertContains(page, f'href="?replyto={karl.pk}#respond"')  # what Reply links to


@pytest.mark.parametrize("replyto", ["abc", "99999999999999999999999", "0", "123456"])
def test_a_reply_page_for_an_unknown_comment_shows_the_form_at_the_end(client, post, replyto):
    make_comment(post)

    page = client.get(f"{post.get_absolute_url()}?replyto={replyto}")

    assert page.status_code == 200
    html = page.content.decode()
    assert position(html, 'id="respond-home"') < position(html, 'id="respond"')
    assertNotContains(page, "Replying to")


def test_the_reply_page_costs_one_query_more_than_the_post_page(client, post):
    karl = make_comment(post, name="Karl Abraham")
    make_comment(post, parent=karl)
    layout()  # the layout's settings and menu, cached: not part of what a page costs

    with CaptureQueriesContext(connection) as plain:
        client.get(post.get_absolute_url())
    with CaptureQueriesContext(connection) as reply_page:
        client.get(f"{post.get_absolute_url()}?cpage=1&replyto={karl.pk}")

    assert len(reply_page) == len(plain) + 1


def test_a_reply_page_without_a_page_number_opens_on_the_page_of_its_comment(client, post):
    settings = SiteSettings.load()
    settings.comment_threads_per_page = 2
    settings.save()
    threads = [make_comment(post, name=f"Thread {number}") for number in range(1, 4)]

    page = client.get(f"{post.get_absolute_url()}?replyto={threads[2].pk}")

    assert page.context["discussion"].page.number == 2
    assert_form_under(page, threads[2])


def test_a_reply_in_a_thread_on_a_later_page_returns_to_that_page(client, post):
    settings = SiteSettings.load()
    settings.comment_threads_per_page = 2
    settings.save()
    threads = [make_comment(post, name=f"Thread {number}") for number in range(1, 4)]

    response = send(client, post, parent=threads[2].pk)

    reply = Comment.objects.get(parent=threads[2])
    assert response["Location"] == f"{post.get_absolute_url()}?cpage=2#comment-{reply.pk}"
    assertContains(client.get(response["Location"]), "awaiting moderation")


# Who is writing: badges and statuses from the login


def test_a_moderator_comments_approved_with_the_moderator_badge(client, post, staff):
    moderator = staff(MODERATORS)
    moderator.first_name, moderator.last_name = "Mona", "Moderator"
    moderator.save()
    client.force_login(moderator)

    form_page = client.get(post.get_absolute_url())
    assertNotContains(form_page, 'name="email"')
    assertNotContains(form_page, 'name="name"')
    assertContains(form_page, "Commenting as <strong>Mona Moderator</strong>")
    response = client.post(reverse("comments:create", args=[post.pk]), {"body": "Please keep it civil."})

    comment = Comment.objects.get()
    assert response.status_code == 303
    assert (comment.status, comment.badge, comment.user) == (Comment.Status.APPROVED, "moderator", moderator)
    assert (comment.name, comment.email) == ("Mona Moderator", moderator.email)
    page = Client().get(post.get_absolute_url())
    assertContains(page, '<span class="badge badge--moderator">Moderator</span>', count=1)


def test_the_posts_author_comments_approved_with_the_author_badge(client, staff):
    user = staff("Authors")
    user.first_name, user.last_name = "Eugene", "Bach"
    user.save()
    post = PostFactory(authors=[AuthorFactory(name="Eugene Bach", user=user)])
    karl = make_comment(post, name="Karl Abraham")
    client.force_login(user)

    client.post(reverse("comments:create", args=[post.pk]), {"body": "Thank you, Karl.", "parent": karl.pk})

    reply = Comment.objects.get(parent=karl)
    assert (reply.status, reply.badge, reply.name) == (Comment.Status.APPROVED, "author", "Eugene Bach")
    page = Client().get(post.get_absolute_url())
    assertContains(page, '<span class="badge badge--author">Author</span>', count=1)


def test_an_author_of_another_post_is_moderated_like_a_reader(client, staff, post):
    user = staff("Authors")
    AuthorFactory(name="Someone Else", user=user)
    client.force_login(user)

    client.post(reverse("comments:create", args=[post.pk]), {"body": "Nice one.", "form_token": form_token()})

    comment = Comment.objects.get()
    assert (comment.status, comment.badge) == (Comment.Status.PENDING, "")


def test_typing_the_authors_name_earns_no_badge_nor_the_name(client):
    author = AuthorFactory(name="Eugene Bach")
    post = PostFactory(authors=[author])
    trusted_reader("eugene@example.com")

    response = send(client, post, name="Eugene Bach", email="eugene@example.com", body="Trust me, I wrote this.")

    # Posing as an author is refused outright (comments.validators); the badge needs the login.
    assert response.status_code == 400
    assertContains(response, "This name belongs to someone on our team", status_code=400)
    assert not Comment.objects.filter(post=post).exists()
    assertNotContains(Client().get(post.get_absolute_url()), "badge--")


# Closed discussions


def assert_closed(client, post, existing):
    page = client.get(post.get_absolute_url())
    assertContains(page, "Comments are closed.")
    assertNotContains(page, 'class="comment-form"')
    assertNotContains(page, "data-reply-to")
    assertContains(page, existing.body)

    refused = send(client, post, body="Too late to say this.")
    assert refused.status_code == 403
    assertContains(refused, "not posted", status_code=403)
    assertContains(refused, "Too late to say this.", status_code=403)  # so the reader can keep a copy
    assertContains(refused, existing.body, status_code=403)
    assert not Comment.objects.filter(body="Too late to say this.").exists()


def test_a_closed_post_shows_its_discussion_without_a_form_and_refuses_comments(client):
    post = PostFactory(discussion=Post.Discussion.CLOSED)
    existing = make_comment(post, body="Said while it was open.")

    assert_closed(client, post, existing)


def test_discussions_close_by_themselves_after_the_sites_number_of_days(client):
    settings = SiteSettings.load()
    settings.comment_auto_close_days = 14
    settings.save()
    post = PostFactory(published_at=JANUARY_1_2024)
    existing = make_comment(post, body="Said while it was open.")

    with time_machine.travel(JANUARY_1_2024 + datetime.timedelta(days=13, hours=23), tick=False):
        assertContains(client.get(post.get_absolute_url()), 'class="comment-form"')
        assert send(client, post, body="Just in time.").status_code == 303

    with time_machine.travel(JANUARY_1_2024 + datetime.timedelta(days=14, minutes=1), tick=False):
        assert_closed(client, post, existing)


# Permalinks


@pytest.fixture
def two_pages(post):
    """Five threads, two per page; the last one has a reply four levels deep."""
    settings = SiteSettings.load()
    settings.comment_threads_per_page = 2
    settings.save()
    threads = [make_comment(post, name=f"Thread {number}") for number in range(1, 6)]
    deep = threads[3]
    for level in range(1, 5):
        deep = make_comment(post, parent=deep, name=f"Deep {level}")
    return threads, deep


def test_a_permalink_lands_on_the_page_that_holds_the_comment(client, post, two_pages):
    threads, deep = two_pages

    response = client.get(deep.get_absolute_url())

    assert response.status_code == 302
    assert response["Location"] == f"{post.get_absolute_url()}?cpage=2#comment-{deep.pk}"
    assertContains(client.get(response["Location"]), f'id="comment-{deep.pk}"')
    first = client.get(threads[0].get_absolute_url())
    assert first["Location"] == f"{post.get_absolute_url()}#comment-{threads[0].pk}"


def test_a_permalink_follows_the_sites_thread_order(client, post, two_pages):
    threads, deep = two_pages
    settings = SiteSettings.load()
    settings.comment_order = SiteSettings.CommentOrder.NEWEST
    settings.save()

    assert client.get(deep.get_absolute_url())["Location"] == f"{post.get_absolute_url()}#comment-{deep.pk}"
    assert client.get(threads[0].get_absolute_url())["Location"].endswith(f"?cpage=3#comment-{threads[0].pk}")


def test_a_permalink_to_a_comment_the_reader_cannot_see_is_not_found(client, post):
    held = make_comment(post, status=Comment.Status.PENDING)
    removed = make_comment(post, status=Comment.Status.REMOVED)
    on_a_draft = make_comment(PostFactory(status=Post.Status.DRAFT, published_at=None))

    for comment in (held, removed, on_a_draft):
        assert client.get(comment.get_absolute_url()).status_code == 404
    assert client.get("/comments/999999/").status_code == 404


def test_a_permalink_to_the_readers_own_held_comment_works_on_their_browser(client, post):
    send(client, post)
    held = Comment.objects.get()

    assert client.get(held.get_absolute_url())["Location"] == f"{post.get_absolute_url()}#comment-{held.pk}"
    assert Client().get(held.get_absolute_url()).status_code == 404
