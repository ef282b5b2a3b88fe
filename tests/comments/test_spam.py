"""Each layer of comments/spam.py through the real form, with the reason it records."""

import datetime
import re

import pytest
import time_machine
from django.core import signing
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from pytest_django.asserts import assertContains, assertNotContains

from authors.roles import EDITORS, MODERATORS
from blog.models import SiteSettings
from comments.models import Ban, Comment
from comments.services import comment_set_status
from comments.spam import FORM_TOKEN_SALT
from comments.viewers import HELD_COOKIE
from tests.factories import AuthorFactory, PostFactory, make_comment, trusted_commenter, verified_commenter

pytestmark = pytest.mark.django_db

Status = Comment.Status


@pytest.fixture
def post():
    return PostFactory()


@pytest.fixture
def rules():
    """The site's settings, to change a rule and save."""
    return SiteSettings.load()


def trusted_reader(email="ada@example.com"):
    """Make `email` a trusted commenter (verified, an approved comment elsewhere): no first-comment hold."""
    trusted_commenter(email)


def the_comment(body):
    return Comment.objects.get(body=body)


def assert_quiet_spam(response, post, comment, *reasons):
    """Spam is redirected like a success, with no held-comment cookie, and kept with its reasons."""
    assert response.status_code == 303
    assert response["Location"] == f"{post.get_absolute_url()}#comment-{comment.pk}"
    assert HELD_COOKIE not in response.cookies
    assert (comment.status, comment.hold_reasons) == (Status.SPAM, list(reasons))
    assertNotContains(Client().get(post.get_absolute_url()), comment.body)


# The form itself


def test_the_form_has_a_hidden_honeypot_and_a_signed_timestamp(client, post, settings):
    shared = client.get(post.get_absolute_url())
    # A page for the shared cache leaves the timestamp to static/js/comments.js (blog.page_cache).
    assert 'name="form_token" value="' not in shared.content.decode()
    assertContains(shared, f'data-token-url="{reverse("comments:form_token")}"')

    settings.PAGE_CACHE_SECONDS = 0  # a page for this reader alone carries its own
    page = client.get(post.get_absolute_url())

    assertContains(page, '<label for="id_homepage">Leave this field empty</label>', html=True)
    assertContains(page, 'class="comment-form__extra"')
    field = re.search(r"<input[^>]*name=\"homepage\"[^>]*>", page.content.decode()).group(0)
    assert 'tabindex="-1"' in field and 'autocomplete="off"' in field
    token = re.search(r'name="form_token" value="([^"]+)"', page.content.decode()).group(1)
    signing.TimestampSigner(salt=FORM_TOKEN_SALT).unsign(token, max_age=60)
    assertContains(page, f'data-token-url="{reverse("comments:form_token")}"')


def test_the_pages_own_timestamp_is_enough_without_javascript(client, post, settings):
    settings.PAGE_CACHE_SECONDS = 0  # a page for this reader alone, as after a resend
    trusted_reader()
    page = client.get(post.get_absolute_url())
    token = re.search(r'name="form_token" value="([^"]+)"', page.content.decode()).group(1)

    response = client.post(
        reverse("comments:create", args=[post.pk]),
        {"name": "Ada Reader", "email": "ada@example.com", "body": "No script here.", "form_token": token},
    )

    assert response.status_code == 303
    assert (the_comment("No script here.").status, the_comment("No script here.").hold_reasons) == (Status.APPROVED, [])


def test_the_form_token_endpoint_gives_a_fresh_token_never_cached(client):
    response = client.get(reverse("comments:form_token"))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    signing.TimestampSigner(salt=FORM_TOKEN_SALT).unsign(response.json()["token"], max_age=60)
    cache_control = response["Cache-Control"]
    assert "no-store" in cache_control and "no-cache" in cache_control and "private" in cache_control
    assert client.post(reverse("comments:form_token")).status_code == 405


# Honeypot and timestamp


def test_a_filled_honeypot_is_quiet_spam(send_comment, post):
    trusted_reader()

    response = send_comment(post, body="Buy now.", homepage="https://spam.example")

    assert_quiet_spam(response, post, the_comment("Buy now."), "honeypot")


def test_a_form_sent_back_faster_than_a_person_types_is_spam(client, send_comment, post, settings):
    settings.COMMENT_MIN_SECONDS = 3
    trusted_reader()
    with time_machine.travel(timezone.now(), tick=False) as clock:
        token = client.get(reverse("comments:form_token")).json()["token"]
        clock.shift(1)
        too_fast = send_comment(post, body="Instant.", form_token=token)
        clock.shift(4)
        in_time = send_comment(post, body="Thought about it.", form_token=token)

    assert_quiet_spam(too_fast, post, the_comment("Instant."), "too_fast")
    assert in_time.status_code == 303
    assert the_comment("Thought about it.").status == Status.APPROVED


@pytest.mark.parametrize(
    "token",
    [
        "",
        "not-a-token",
        signing.TimestampSigner(salt="another.purpose").sign("comment-form"),
        signing.TimestampSigner(salt=FORM_TOKEN_SALT, key="not-our-secret-key-0123456789abcdef").sign("comment-form"),
    ],
    ids=["missing", "garbage", "other salt", "other key"],
)
def test_a_missing_or_forged_timestamp_is_quiet_spam(send_comment, post, token):
    trusted_reader()

    response = send_comment(post, body="Forged.", form_token=token)

    assert_quiet_spam(response, post, the_comment("Forged."), "forged_form")


def test_a_stale_form_is_held_and_its_text_kept(client, send_comment, post):
    trusted_reader()
    with time_machine.travel(timezone.now(), tick=False) as clock:
        token = client.get(reverse("comments:form_token")).json()["token"]
        clock.shift(datetime.timedelta(days=2))
        response = send_comment(post, body="Written over a weekend.", form_token=token)

    comment = the_comment("Written over a weekend.")
    assert response.status_code == 303
    assert (comment.status, comment.hold_reasons) == (Status.PENDING, ["stale_form"])
    assert comment.reason_labels == ["The form was too old"]
    assert HELD_COOKIE in response.cookies  # the writer sees it, awaiting moderation


# Bans


@pytest.mark.parametrize(
    ("kind", "value", "label"),
    [(Ban.Kind.EMAIL, "ADA@example.com", "Email"), (Ban.Kind.IP, "127.0.0.1", "IP address")],
    ids=["email", "ip"],
)
def test_a_banned_email_or_ip_is_quiet_spam(send_comment, post, kind, value, label):
    trusted_reader()
    Ban.objects.create(kind=kind, value=value, expires_at=timezone.now() + datetime.timedelta(days=1))

    response = send_comment(post, body="Let me back in.")

    comment = the_comment("Let me back in.")
    assert_quiet_spam(response, post, comment, f"banned:{label}")
    assert comment.reason_labels == [f"Banned commenter: {label}"]


def test_a_permanent_ban_holds_and_an_expired_one_is_ignored(send_comment, post):
    trusted_reader()
    Ban.objects.create(kind=Ban.Kind.EMAIL, value="ada@example.com", expires_at=timezone.now() - datetime.timedelta(1))
    Ban.objects.create(kind=Ban.Kind.IP, value="127.0.0.2", expires_at=None)

    send_comment(post, body="After my ban.")
    send_comment(post, body="From the banned address.", email="other@example.com", meta={"REMOTE_ADDR": "127.0.0.2"})

    assert the_comment("After my ban.").status == Status.APPROVED
    assert the_comment("From the banned address.").hold_reasons == ["banned:IP address"]


# Rules from the site settings


def test_more_links_than_allowed_are_held_with_their_count(send_comment, post, rules):
    assert rules.comment_max_links == 2
    trusted_reader()

    send_comment(post, body="See https://a.example and [b](https://b.example).")
    send_comment(post, body="See http://a.example, [b](https://b.example) and [c](www.c.example).")

    assert the_comment("See https://a.example and [b](https://b.example).").status == Status.APPROVED
    held = the_comment("See http://a.example, [b](https://b.example) and [c](www.c.example).")
    assert (held.status, held.hold_reasons) == (Status.PENDING, ["too_many_links:3 links"])
    assert held.reason_labels == ["Links: 3 links"]


@pytest.mark.parametrize(
    ("entry", "fields"),
    [
        ("casino", {"body": "The best CASINO bonuses."}),
        ("Viktor", {"name": "viktor the seller"}),
        ("@mailinator.example", {"email": "someone@Mailinator.example"}),
        ("127.0.0.1", {}),
        ("cheap-pills", {"website": "https://www.cheap-pills.example/shop"}),
    ],
    ids=["word", "name", "email", "ip", "url part"],
)
def test_the_moderation_list_holds_a_match_in_any_field(send_comment, post, rules, entry, fields):
    rules.comment_hold_first = False
    rules.comment_moderation_list = f"nothing-matches-this\n\n  {entry}  \n"
    rules.save()

    response = send_comment(post, **fields)

    comment = Comment.objects.get()
    assert response.status_code == 303
    assert (comment.status, comment.hold_reasons) == (Status.PENDING, [f"moderation_list:{entry}"])
    assert comment.reason_labels == [f"Matched the moderation list: {entry}"]


def test_the_block_list_sends_a_match_to_spam(send_comment, post, rules):
    rules.comment_hold_first = False
    rules.comment_moderation_list = "pills"
    rules.comment_block_list = "viagra"
    rules.save()

    response = send_comment(post, body="Cheap Viagra pills.")

    comment = the_comment("Cheap Viagra pills.")
    assert_quiet_spam(response, post, comment, "block_list:viagra", "moderation_list:pills")
    assert comment.reason_labels == ["Matched the block list: viagra", "Matched the moderation list: pills"]


def test_the_maximum_length_comes_from_the_settings(client, send_comment, post, rules):
    rules.comment_max_length = 100
    rules.save()

    assertContains(client.get(post.get_absolute_url()), "Up to 100 characters.")
    response = send_comment(post, body="x" * 101)

    assert response.status_code == 400
    assertContains(response, "Please shorten your comment to 100 characters (it has 101).", status_code=400)
    assertContains(response, "x" * 101, status_code=400)
    assert not Comment.objects.exists()


def test_a_first_comment_is_held_and_the_next_approved_once_verified_and_approved(send_comment, post, rules):
    send_comment(post, body="Hello, first time here.")
    first = the_comment("Hello, first time here.")
    assert (first.status, first.hold_reasons) == (Status.PENDING, ["first_comment"])
    assert first.reason_labels == ["First comment from this email"]

    comment_set_status([first], Status.APPROVED)
    send_comment(post, body="Back again.", email="ADA@example.com")
    # Anyone may type an address: an approved comment alone no longer trusts it (tests/comments/test_trusted.py).
    assert the_comment("Back again.").hold_reasons == ["first_comment"]

    verified_commenter("ada@example.com")
    send_comment(post, body="Confirmed now.", email="ADA@example.com")
    assert the_comment("Confirmed now.").status == Status.APPROVED


def test_first_comments_are_approved_when_the_rule_is_off(send_comment, post, rules):
    rules.comment_hold_first = False
    rules.save()

    send_comment(post, body="Straight in.")

    assert (the_comment("Straight in.").status, the_comment("Straight in.").hold_reasons) == (Status.APPROVED, [])


def test_moderators_and_the_posts_authors_skip_every_layer(client, staff, rules):
    rules.comment_block_list = "casino"
    rules.save()
    Ban.objects.create(kind=Ban.Kind.IP, value="127.0.0.1")
    author = staff("Authors")
    post = PostFactory(authors=[AuthorFactory(user=author)])
    suspicious = {"homepage": "filled", "form_token": "", "body": "casino https://a.example https://b.example http://c"}

    for user in (staff(MODERATORS), author):
        client.force_login(user)
        response = client.post(reverse("comments:create", args=[post.pk]), {**suspicious, "body": f"{user.pk} casino"})
        assert response.status_code == 303

    assert [(comment.status, comment.hold_reasons) for comment in Comment.objects.all()] == [(Status.APPROVED, [])] * 2


# Duplicates


def test_the_same_text_again_is_refused_with_the_text_kept(send_comment, post):
    send_comment(post, body="I  agree with\nevery word.")

    again = send_comment(post, body="i agree with every WORD.", email="another@example.com")

    assert again.status_code == 400
    assertContains(again, "You have already posted this comment here.", status_code=400)
    assertContains(again, "i agree with every WORD.", status_code=400)
    assertContains(again, 'value="another@example.com"', status_code=400)
    assert Comment.objects.count() == 1


def test_the_same_text_is_welcome_elsewhere_from_others_and_later(send_comment, post):
    with time_machine.travel(timezone.now(), tick=False) as clock:
        send_comment(post, body="Well said.")
        other_post = send_comment(PostFactory(), body="Well said.")
        someone_else = send_comment(
            post, body="Well said.", email="bea@example.com", meta={"REMOTE_ADDR": "203.0.113.4"}
        )
        clock.shift(datetime.timedelta(minutes=61))
        an_hour_later = send_comment(post, body="Well said.")

    assert [other_post.status_code, someone_else.status_code, an_hour_later.status_code] == [303, 303, 303]
    assert Comment.objects.filter(body="Well said.").count() == 4


# What moderators see


def test_moderators_see_why_a_comment_is_held_or_spam_on_the_page(client, staff, post):
    make_comment(
        post, status=Status.PENDING, body="Held one.", hold_reasons=["too_many_links:3 links", "first_comment"]
    )
    make_comment(post, status=Status.SPAM, body="Spam one.", hold_reasons=["moderation_list:casino", "honeypot"])

    client.force_login(staff(MODERATORS))
    page = client.get(post.get_absolute_url())

    assertContains(page, "Pending moderation: Links: 3 links; First comment from this email")
    assertContains(page, "Spam: Matched the moderation list: casino; Filled the hidden honeypot field")


def test_the_writer_of_a_held_comment_sees_it_but_not_why(client, send_comment, post):
    send_comment(post, body="My first words here.")

    page = client.get(post.get_absolute_url())

    assertContains(page, "My first words here.")
    assertContains(page, "Your comment is awaiting moderation.")
    assertNotContains(page, "First comment from this email")


def test_editors_set_the_rules_in_the_site_settings(client, staff, send_comment, post):
    client.force_login(staff(EDITORS))
    change_page = reverse("admin:blog_sitesettings_change", args=[SiteSettings.load().pk])
    page = client.get(change_page)
    assertContains(page, "Spam and abuse")
    assertContains(page, "Privacy")
    form = page.context["adminform"].form
    data = {name: value for name, value in form.initial.items() if name in form.fields and value is not None}

    saved = client.post(change_page, data | {"logo": "", "comment_block_list": "casino\r\nlottery"})
    client.logout()
    send_comment(post, body="Win the LOTTERY.")

    assert saved.status_code == 302
    assert the_comment("Win the LOTTERY.").hold_reasons == ["block_list:lottery"]
