"""Share links: a signed, expiring address at which someone without a login reads a draft (blog/sharing.py)."""

import datetime
import html
import re

import pytest
import time_machine
from django.core import signing
from django.urls import reverse
from pytest_django.asserts import assertContains, assertNotContains, assertRedirects
from reversion.models import Version

from authors.roles import AUTHORS, EDITORS
from blog.context_processors import layout
from blog.models import Post
from blog.sharing import SHARE_SALT, share_link
from comments.spam import form_token
from tests.admin_forms import act, change_url, post_form
from tests.factories import AuthorFactory, PostFactory

pytestmark = pytest.mark.django_db

SITE_URL = "https://colloquy.example"
NOON = datetime.datetime(2026, 3, 2, 12, tzinfo=datetime.UTC)
SHARE_QUERIES = 6  # post, byline credits, authors, author links, categories, tags


@pytest.fixture(autouse=True)
def warm_layout():
    """The site settings and menu cached before any request, so query counts measure the page itself."""
    layout()


@pytest.fixture
def draft():
    return PostFactory(
        title="Draft for a guest", body="The *guest* writes.", status=Post.Status.DRAFT, published_at=None
    )


def shared_url(post):
    return share_link(post)[0]


def change_form(client, post):
    return client.get(reverse("admin:blog_post_change", args=[post.pk]))


def link_in(response):
    """The share link the admin change form shows, as a path on this site."""
    match = re.search(r'value="(https://colloquy\.example/preview/share/[^"]+)"', response.content.decode())
    assert match, "no share link on the page"
    return html.unescape(match.group(1)).removeprefix(SITE_URL)


# Reading a draft through its link


def test_someone_without_a_login_reads_a_draft_through_its_link(client, draft):
    with time_machine.travel(NOON, tick=False):
        url = shared_url(draft)
        response = client.get(url)

    assertContains(response, "Draft for a guest")
    assertContains(response, "<em>guest</em>")
    assertContains(response, "Preview: this post is not published yet.")
    assertContains(response, "This preview link expires on March 9, 2026, 12:00 UTC.")  # PREVIEW_SHARE_DAYS = 7


def test_a_shared_draft_is_not_indexed_nor_cached(client, draft):
    response = client.get(shared_url(draft))

    assertContains(response, '<meta name="robots" content="noindex">', html=True)
    assertNotContains(response, 'rel="canonical"')
    assert response["X-Robots-Tag"] == "noindex"
    assert "no-store" in response["Cache-Control"] and "private" in response["Cache-Control"]


def test_a_shared_draft_has_no_discussion_and_no_comment_form(client, draft):
    response = client.get(shared_url(draft))

    assertNotContains(response, 'id="comments"')
    assertNotContains(response, "comment-form")
    assertNotContains(response, "Comments are closed")
    assertNotContains(response, "csrfmiddlewaretoken")


def test_a_share_link_gives_no_login_and_nothing_else(client, draft):
    other_draft = PostFactory(status=Post.Status.DRAFT, published_at=None)

    response = client.get(shared_url(draft))

    assert response.status_code == 200
    assert not response.cookies  # no session, no CSRF cookie, nothing to carry elsewhere
    assertContains(response, "Log in")
    assertNotContains(response, 'href="/admin/"')
    # The staff preview and the admin still want a login; other drafts stay hidden.
    assert client.get(reverse("blog:post_preview", args=[draft.pk])).status_code == 302
    assert client.get(reverse("blog:post_preview", args=[other_draft.pk])).status_code == 302
    assert client.get(reverse("admin:blog_post_change", args=[draft.pk])).status_code == 302
    assert client.get(f"/preview/share/{draft.pk}/").status_code == 404


def test_a_shared_draft_cannot_be_commented_on(client, draft):
    client.get(shared_url(draft))

    comment = {"name": "Guest", "email": "guest@example.com", "body": "Lovely.", "form_token": form_token()}
    assert client.post(reverse("comments:create", args=[draft.pk]), comment).status_code == 404
    assert not draft.comments.exists()


def test_a_scheduled_post_shared_says_when_it_goes_live(client):
    post = PostFactory(published_at=datetime.datetime(2099, 1, 2, 9, 30, tzinfo=datetime.UTC))

    assertContains(client.get(shared_url(post)), "it goes live on January 2, 2099, 09:30 UTC.")


def test_a_shared_draft_shows_in_the_sites_time_zone(client, draft, settings):
    settings.TIME_ZONE = "Europe/Paris"
    with time_machine.travel(NOON, tick=False):
        response = client.get(shared_url(draft))

    assertContains(response, "expires on March 9, 2026, 13:00 CET.")


def test_the_share_page_query_count_is_fixed(client, django_assert_num_queries):
    authors = AuthorFactory.create_batch(3)
    post = PostFactory(status=Post.Status.DRAFT, published_at=None, authors=authors)
    url = shared_url(post)

    with django_assert_num_queries(SHARE_QUERIES):
        response = client.get(url)

    assertContains(response, 'class="bio-box"', count=3)


def test_a_share_link_only_answers_get(client, draft):
    assert client.post(shared_url(draft)).status_code == 405


# Expiry, forgery and posts that went live


def test_a_share_link_expires_after_the_configured_days(client, draft, settings):
    settings.PREVIEW_SHARE_DAYS = 2
    with time_machine.travel(NOON, tick=False):
        url = shared_url(draft)
    just_before = NOON + datetime.timedelta(days=2, seconds=-1)

    with time_machine.travel(just_before, tick=False):
        assert client.get(url).status_code == 200
    with time_machine.travel(NOON + datetime.timedelta(days=2), tick=False):
        response = client.get(url)

    assert response.status_code == 410
    assertContains(response, "This preview link has expired", status_code=410)
    assertContains(response, "Ask the editor for a new one.", status_code=410)
    assertNotContains(response, "Draft for a guest", status_code=410)
    assert response["X-Robots-Tag"] == "noindex"


def test_a_tampered_share_link_is_not_found(client, draft):
    url = shared_url(draft)
    token = url.split("/")[-2]
    payload, signature = token.rsplit(":", 1)
    other = PostFactory(status=Post.Status.DRAFT, published_at=None)
    forged_payload = signing.b64_encode(f"[{other.pk},9999999999]".encode()).decode()

    for bad in [
        f"{forged_payload}:{signature}",  # another post, the old signature
        f"{payload}:{signature[:-2]}xx",  # a changed signature
        payload,  # no signature
        signing.Signer(salt="comments.form-token").sign_object([draft.pk, 9999999999]),  # another salt
        signing.Signer(salt=SHARE_SALT).sign_object({"post": draft.pk}),  # signed, but not a share token
    ]:
        response = client.get(reverse("blog:post_share", kwargs={"token": bad}))
        assert response.status_code == 404, bad
        assertContains(response, "This preview link is not valid", status_code=404)
        assertNotContains(response, "Draft for a guest", status_code=404)


def test_a_link_to_a_deleted_post_is_not_found(client, draft):
    url = shared_url(draft)
    draft.delete()

    assertContains(client.get(url), "This preview link is not valid", status_code=404)


def test_a_link_to_a_post_that_went_live_redirects_to_it(client, draft):
    with time_machine.travel(NOON, tick=False):
        url = shared_url(draft)
    draft.status = Post.Status.PUBLISHED
    draft.published_at = NOON + datetime.timedelta(hours=1)
    draft.save()

    with time_machine.travel(NOON + datetime.timedelta(minutes=59), tick=False):
        assert client.get(url).status_code == 200  # scheduled, not live yet
    with time_machine.travel(NOON + datetime.timedelta(hours=1), tick=False):
        assertRedirects(client.get(url), draft.get_absolute_url(), fetch_redirect_response=False)
    # Even once the link would have expired: the post is public anyway.
    with time_machine.travel(NOON + datetime.timedelta(days=30), tick=False):
        assertRedirects(client.get(url), draft.get_absolute_url(), fetch_redirect_response=False)


# The link in the admin


def test_the_post_form_shows_the_share_link_and_its_expiry(client, staff, draft):
    client.force_login(staff(EDITORS))
    with time_machine.travel(NOON, tick=False):
        response = change_form(client, draft)

    assertContains(response, f'<a href="/preview/{draft.pk}/" target="_blank" rel="noopener">Preview</a>', html=True)
    assertContains(response, "Share link, for someone without a login (works until March 9, 2026, noon, or until")
    url = link_in(response)
    client.logout()
    with time_machine.travel(NOON + datetime.timedelta(days=1), tick=False):
        assertContains(client.get(url), "Draft for a guest")


def test_an_author_gets_a_share_link_for_their_own_draft(client, staff):
    user = staff(AUTHORS)
    post = PostFactory(status=Post.Status.DRAFT, published_at=None, authors=[AuthorFactory(user=user)])
    client.force_login(user)

    url = link_in(change_form(client, post))

    client.logout()
    assert client.get(url).status_code == 200


def test_revoking_share_links_withdraws_every_link_given_so_far(client, staff, draft):
    given = shared_url(draft)
    assert client.get(given).status_code == 200
    client.force_login(staff(EDITORS))

    act(client, "revoke_share_links", draft)

    client.logout()
    response = client.get(given)
    assert response.status_code == 410
    assertContains(response, "This preview link has been withdrawn", status_code=410)
    draft.refresh_from_db()
    assert client.get(shared_url(draft)).status_code == 200  # a new link works


def test_an_author_cannot_revoke_the_links_of_someone_elses_draft(client, staff, draft):
    given = shared_url(draft)
    author = staff(AUTHORS)
    AuthorFactory(user=author)
    client.force_login(author)

    act(client, "revoke_share_links", draft)

    client.logout()
    assert client.get(given).status_code == 200


def test_restoring_a_revision_keeps_the_share_key_and_the_comment_count(client, staff, draft):
    client.force_login(staff(EDITORS))
    client.post(change_url(draft), post_form(draft, title="First"))
    first = Version.objects.get_for_object(draft).get()
    client.post(change_url(draft), post_form(draft, title="Second"))
    act(client, "revoke_share_links", draft)
    Post.objects.filter(pk=draft.pk).update(comment_count=7)  # as the comments app keeps it
    draft.refresh_from_db()
    link = shared_url(draft)

    restored = Post.objects.get(pk=draft.pk)
    restored.title = "First"
    response = client.post(
        reverse("admin:blog_post_revision", args=[draft.pk, first.pk]), post_form(restored, title="First")
    )

    assert response.status_code == 302
    draft.refresh_from_db()
    assert (draft.title, draft.comment_count) == ("First", 7)
    client.logout()
    assert client.get(link).status_code == 200  # the revoked key did not come back


def test_a_live_post_has_no_share_link(client, staff):
    post = PostFactory()
    client.force_login(staff(EDITORS))

    response = change_form(client, post)

    assertContains(response, f'href="/preview/{post.pk}/"')
    assertNotContains(response, "/preview/share/")
