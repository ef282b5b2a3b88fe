"""Trusted commenters: a verified address with enough approved comments skips the first-comment hold."""

import re

import pytest
from django.urls import reverse

from blog.models import SiteSettings
from comments.models import Comment, Commenter
from comments.services import comment_set_status
from comments.spam import is_trusted
from tests.factories import PostFactory, make_comment, trusted_commenter, verified_commenter

pytestmark = pytest.mark.django_db

Status = Comment.Status


@pytest.fixture
def post():
    return PostFactory()


@pytest.fixture
def rules():
    return SiteSettings.load()


def posted(send_comment, post, body, **fields):
    assert send_comment(post, body=body, **fields).status_code == 303
    comment = Comment.objects.get(body=body)
    return comment.status, comment.hold_reasons


def approved_comments(email, count):
    for number in range(count):
        make_comment(PostFactory(), email=email, body=f"Approved number {number}.")


def test_a_verified_address_with_an_approved_comment_skips_the_first_comment_hold(send_comment, post):
    trusted_commenter("ada@example.com")

    assert posted(send_comment, post, "Trusted at once.") == (Status.APPROVED, [])


def test_an_unverified_address_is_held_whatever_was_approved_under_it(send_comment, post):
    # The comments issue's rule trusted this; but anyone can type someone else's address.
    approved_comments("ada@example.com", 3)
    Commenter.objects.create(email="ada@example.com")  # ticked a box, never confirmed

    assert posted(send_comment, post, "Held again.") == (Status.PENDING, ["first_comment"])


def test_a_verified_address_without_an_approved_comment_is_held(send_comment, post):
    verified_commenter("ada@example.com")
    make_comment(PostFactory(), email="ada@example.com", status=Status.PENDING)
    make_comment(PostFactory(), email="ada@example.com", status=Status.SPAM)

    assert posted(send_comment, post, "Not yet.") == (Status.PENDING, ["first_comment"])


def test_the_number_of_approved_comments_needed_is_a_site_setting(send_comment, post, rules):
    rules.comment_trusted_after = 3
    rules.save()
    verified_commenter("ada@example.com")
    approved_comments("ada@example.com", 2)

    assert posted(send_comment, post, "Two are not enough.") == (Status.PENDING, ["first_comment"])

    approved_comments("bea@example.com", 3)
    verified_commenter("bea@example.com")
    assert posted(send_comment, post, "Three are.", email="bea@example.com") == (Status.APPROVED, [])


def test_addresses_are_compared_ignoring_case(send_comment, post):
    make_comment(PostFactory(), email="Ada@Example.com")
    verified_commenter("ada@example.com")

    assert posted(send_comment, post, "Capitals.", email="ADA@EXAMPLE.COM") == (Status.APPROVED, [])


def test_another_verified_address_lends_no_trust(send_comment, post):
    trusted_commenter("bea@example.com")
    verified_commenter("ada@example.com")

    assert posted(send_comment, post, "Not Bea.") == (Status.PENDING, ["first_comment"])


def test_the_other_layers_still_apply_to_trusted_commenters(send_comment, post, rules):
    trusted_commenter("ada@example.com")
    rules.comment_moderation_list = "casino"
    rules.comment_block_list = "viagra"
    rules.save()

    assert posted(send_comment, post, "Casino tips.") == (Status.PENDING, ["moderation_list:casino"])
    assert posted(send_comment, post, "Viagra here.")[0] == Status.SPAM
    assert posted(send_comment, post, "No trap.", homepage="filled")[0] == Status.SPAM


def test_trust_costs_at_most_two_queries(django_assert_max_num_queries, rules):
    trusted_commenter("ada@example.com")

    with django_assert_max_num_queries(2):
        assert is_trusted("Ada@Example.com", rules)
    with django_assert_max_num_queries(1):
        assert not is_trusted("stranger@example.com", rules)
    assert not is_trusted("", rules)


def test_confirming_from_the_email_then_an_approval_makes_a_reader_trusted(
    send_comment, client, post, django_capture_on_commit_callbacks, delivered
):
    with django_capture_on_commit_callbacks(execute=True):
        first_status = posted(send_comment, post, "Please verify me.", verify_email="on")
    assert first_status == (Status.PENDING, ["first_comment"])
    token = re.search(r"/comments/email/confirm/([^/\s]+)/", delivered()[0].body)[1]
    client.post(reverse("comments:confirm_email", args=[token]))
    assert posted(send_comment, post, "Verified, not yet approved.") == (Status.PENDING, ["first_comment"])

    comment_set_status(Comment.objects.filter(body="Please verify me."), Status.APPROVED)

    assert posted(send_comment, post, "Trusted now.") == (Status.APPROVED, [])
