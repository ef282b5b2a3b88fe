"""Banning a commenter in one action from the comment's admin page, and the list of bans."""

import datetime

import pytest
import time_machine
from django.contrib.auth.models import Permission
from django.contrib.messages import get_messages
from django.urls import reverse
from pytest_django.asserts import assertContains, assertNotContains

from authors.roles import AUTHORS, MODERATORS
from comments.models import Ban, Comment
from tests.factories import PostFactory, UserFactory, make_comment

pytestmark = pytest.mark.django_db

Status = Comment.Status
BANS = reverse("admin:comments_ban_changelist")
NOW = datetime.datetime(2024, 3, 1, 12, tzinfo=datetime.UTC)


@pytest.fixture
def moderator(client, staff):
    user = staff(MODERATORS)
    client.force_login(user)
    return user


@pytest.fixture
def comment(db):
    return make_comment(
        PostFactory(),
        status=Status.PENDING,
        name="Spammy",
        email="spammy@example.com",
        ip_address="203.0.113.9",
        body="Cheap watches.",
    )


def ban(client, comment, **fields):
    """Post the comment page's ban form."""
    data = {f"ban-{name}": value for name, value in {"duration": "week", **fields}.items()}
    return client.post(reverse("admin:comments_comment_ban", args=[comment.pk]), data)


def said(response):
    return [str(message) for message in get_messages(response.wsgi_request)]


# From the comment's page


def test_the_comment_page_offers_the_ban_form(client, moderator, comment):
    page = client.get(reverse("admin:comments_comment_change", args=[comment.pk]))

    assertContains(page, "Ban the commenter")
    assertContains(page, '<label for="id_ban-email">Ban the email spammy@example.com</label>', html=True)
    assertContains(page, '<label for="id_ban-ip">Ban the IP address 203.0.113.9</label>', html=True)
    radio = '<input type="radio" name="ban-duration" value="week" required id="id_ban-duration_1" checked>'
    assertContains(page, radio, html=True)
    assertContains(page, "Permanently")
    assertContains(page, f'formaction="{reverse("admin:comments_comment_ban", args=[comment.pk])}"')


@time_machine.travel(NOW, tick=False)
def test_banning_the_email_lasts_a_week_by_default_and_marks_the_comment_spam(client, moderator, comment):
    response = ban(client, comment, email="on", reason="Sells watches", mark_spam="on")

    assert response.status_code == 302
    assert response["Location"] == reverse("admin:comments_comment_change", args=[comment.pk])
    banned = Ban.objects.get()
    assert (banned.kind, banned.value, banned.reason) == (Ban.Kind.EMAIL, "spammy@example.com", "Sells watches")
    assert (banned.comment, banned.created_by) == (comment, moderator)
    assert banned.expires_at == NOW + datetime.timedelta(weeks=1)
    comment.refresh_from_db()
    assert (comment.status, comment.moderated_by) == (Status.SPAM, moderator)
    assert said(response)[0].startswith("spammy@example.com is banned until ")


@pytest.mark.parametrize(
    ("duration", "expires_in"),
    [("day", datetime.timedelta(days=1)), ("month", datetime.timedelta(days=30)), ("permanent", None)],
)
@time_machine.travel(NOW, tick=False)
def test_banning_the_ip_for_a_chosen_time_or_deliberately_for_ever(client, moderator, comment, duration, expires_in):
    response = ban(client, comment, ip="on", duration=duration)

    banned = Ban.objects.get()
    assert (banned.kind, banned.value) == (Ban.Kind.IP, "203.0.113.9")
    assert banned.expires_at == (NOW + expires_in if expires_in else None)
    comment.refresh_from_db()
    assert comment.status == Status.PENDING  # not marked spam unless asked
    if duration == "permanent":
        assert said(response) == ["203.0.113.9 is banned permanently."]


def test_banning_both_and_the_ban_works_at_once(client, moderator, comment, send_comment):
    ban(client, comment, email="on", ip="on")
    client.logout()

    send_comment(comment.post, body="Back again.", email="SPAMMY@example.com", meta={"REMOTE_ADDR": "198.51.100.1"})
    send_comment(
        comment.post, body="New email, same address.", email="new@example.com", meta={"REMOTE_ADDR": "203.0.113.9"}
    )

    assert {(ban.kind, ban.value) for ban in Ban.objects.all()} == {
        ("email", "spammy@example.com"),
        ("ip", "203.0.113.9"),
    }
    assert Comment.objects.get(body="Back again.").hold_reasons == ["banned:Email"]
    assert Comment.objects.get(body="New email, same address.").hold_reasons == ["banned:IP address"]


def test_choosing_nothing_to_ban_bans_nothing(client, moderator, comment):
    response = ban(client, comment, mark_spam="on")

    assert said(response) == ["Choose the email, the IP address or both to ban."]
    assert not Ban.objects.exists()
    comment.refresh_from_db()
    assert comment.status == Status.PENDING


def test_an_erased_ip_address_cannot_be_banned(client, moderator):
    comment = make_comment(PostFactory(), email="old@example.com", ip_address=None)

    page = client.get(reverse("admin:comments_comment_change", args=[comment.pk]))
    ban(client, comment, ip="on")

    assertNotContains(page, "Ban the IP address")
    assert not Ban.objects.exists()


def test_banning_needs_the_permission_and_a_post(client, comment):
    user = UserFactory(is_staff=True)
    user.user_permissions.add(*Permission.objects.filter(codename__in=["view_comment", "change_comment"]))
    client.force_login(user)

    page = client.get(reverse("admin:comments_comment_change", args=[comment.pk]))

    assert page.status_code == 200
    assertNotContains(page, "Ban the commenter")
    assert ban(client, comment, email="on").status_code == 403
    assert client.get(reverse("admin:comments_comment_ban", args=[comment.pk])).status_code == 405
    assert not Ban.objects.exists()


# The list of bans


@time_machine.travel(NOW, tick=False)
def test_moderators_list_search_and_filter_bans(client, moderator, comment):
    Ban.objects.create(kind=Ban.Kind.EMAIL, value="spammy@example.com", comment=comment, reason="Watches")
    Ban.objects.create(kind=Ban.Kind.IP, value="198.51.100.3", expires_at=NOW + datetime.timedelta(days=1))
    Ban.objects.create(kind=Ban.Kind.IP, value="198.51.100.4", expires_at=NOW - datetime.timedelta(days=1))

    def values(**query):
        response = client.get(BANS, query)
        assert response.status_code == 200
        return sorted(ban.value for ban in response.context["cl"].result_list)

    assert values() == ["198.51.100.3", "198.51.100.4", "spammy@example.com"]
    assert values(state="active") == ["198.51.100.3", "spammy@example.com"]
    assert values(state="expired") == ["198.51.100.4"]
    assert values(q="watches") == ["spammy@example.com"]
    assert values(kind__exact="ip") == ["198.51.100.3", "198.51.100.4"]
    page = client.get(BANS)
    assertContains(page, "Permanent")
    assertContains(page, reverse("admin:comments_comment_change", args=[comment.pk]))


@time_machine.travel(NOW, tick=False)
def test_moderators_add_edit_and_delete_bans(client, moderator):
    add_page = client.get(reverse("admin:comments_ban_add"))
    assert add_page.context["adminform"].form.initial["expires_at"] == NOW + datetime.timedelta(weeks=1)

    refused = client.post(reverse("admin:comments_ban_add"), {"kind": "ip", "value": "not an address"})
    assertContains(refused, "Enter an IP address")
    refused = client.post(reverse("admin:comments_ban_add"), {"kind": "email", "value": "nobody"})
    assertContains(refused, "Enter an email address")

    added = client.post(reverse("admin:comments_ban_add"), {"kind": "ip", "value": " 2001:DB8::1 ", "reason": "Flood"})
    assert added.status_code == 302
    banned = Ban.objects.get()
    assert (banned.value, banned.created_by, banned.expires_at) == ("2001:db8::1", moderator, None)

    change = reverse("admin:comments_ban_change", args=[banned.pk])
    client.post(
        change, {"kind": "ip", "value": "2001:db8::1", "expires_at_0": "2024-03-02", "expires_at_1": "12:00:00"}
    )
    banned.refresh_from_db()
    assert banned.expires_at == NOW + datetime.timedelta(days=1)

    client.post(reverse("admin:comments_ban_delete", args=[banned.pk]), {"post": "yes"})
    assert not Ban.objects.exists()


def test_authors_have_no_bans(client, staff):
    client.force_login(staff(AUTHORS))

    assert client.get(BANS).status_code == 403
