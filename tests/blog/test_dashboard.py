"""The editors' desk on the admin index, and the post changelist's publication-state filter."""

import datetime

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from authors.roles import MODERATORS
from blog.models import Post
from tests.admin_forms import change_url
from tests.factories import AuthorFactory, PostFactory, make_comment

INDEX = reverse("admin:index")
CHANGELIST = reverse("admin:blog_post_changelist")
NOW = datetime.datetime(2030, 6, 1, 12, 0, tzinfo=datetime.UTC)


@pytest.fixture
def clock():
    with time_machine.travel(NOW, tick=False):
        yield


def draft(**fields):
    return PostFactory(status=Post.Status.DRAFT, published_at=None, **fields)


def pending(**fields):
    return PostFactory(status=Post.Status.PENDING, published_at=None, **fields)


def scheduled(when=NOW + datetime.timedelta(days=3), **fields):
    return PostFactory(published_at=when, **fields)


def desk(response):
    """The dashboard's sections by state: (title, count, [post titles])."""
    return {
        section.state: (section.title, section.count, [post.title for post in section.posts])
        for section in response.context["desk"]
    }


def listed(response):
    return {post.title for post in response.context["cl"].result_list}


# What each role sees


def test_an_editor_sees_everyones_posts_by_state(client, editor, clock):
    draft(title="Draft one")
    draft(title="Returned one", review_note="Needs a source.")
    pending(title="Waiting")
    scheduled(title="Tomorrow's")
    PostFactory(title="Live")
    client.force_login(editor)

    response = client.get(INDEX)

    assert desk(response) == {
        "pending": ("Pending review", 1, ["Waiting"]),
        "returned": ("Returned to authors", 1, ["Returned one"]),
        "draft": ("Drafts", 2, ["Returned one", "Draft one"]),
        "scheduled": ("Scheduled", 1, ["Tomorrow's"]),
    }
    content = response.content.decode()
    assert "Live" not in content
    assert "Needs a source." in content


def test_an_author_sees_only_their_own_posts(client, writer, clock):
    draft(title="My draft", authors=[writer.author])
    draft(title="Returned to me", authors=[writer.author], review_note="Cut the intro.")
    pending(title="Mine, waiting", authors=[writer.author])
    scheduled(title="Mine, soon", authors=[writer.author, AuthorFactory()])
    draft(title="Someone else's draft")
    draft(title="Someone else's returned", review_note="Private note")
    pending(title="Someone else's pending")
    scheduled(title="Someone else's scheduled")
    client.force_login(writer)

    response = client.get(INDEX)

    assert desk(response) == {
        "pending": ("Pending review", 1, ["Mine, waiting"]),
        "returned": ("Returned to you", 1, ["Returned to me"]),
        "draft": ("Your drafts", 2, ["Returned to me", "My draft"]),
        "scheduled": ("Scheduled", 1, ["Mine, soon"]),
    }
    content = response.content.decode()
    assert "Cut the intro." in content  # the editor's note, on the Author's own dashboard
    assert "Someone else" not in content
    assert "Private note" not in content
    assert "awaiting moderation" not in content


def test_a_moderator_sees_only_the_comments(client, staff, clock):
    draft(title="A draft")
    make_comment(PostFactory(title="Commented"), status="pending", body="Is this right?")
    client.force_login(staff(MODERATORS))

    response = client.get(INDEX)

    assert response.context["desk"] == []
    content = response.content.decode()
    assert "A draft" not in content
    assert 'id="desk-draft"' not in content
    assert 'id="desk-comments"' in content
    assert "Is this right?" in content
    assert "1 comment awaiting moderation" in content


def test_an_author_with_nothing_returned_has_no_returned_section(client, writer):
    client.force_login(writer)

    content = client.get(INDEX).content.decode()

    assert 'id="desk-draft"' in content
    assert 'id="desk-returned"' not in content


# Counts, items and links


def test_each_section_counts_all_and_lists_the_latest_five(client, editor, clock):
    for number in range(7):
        with time_machine.travel(NOW - datetime.timedelta(hours=7 - number), tick=False):
            draft(title=f"Draft {number}")
    client.force_login(editor)

    response = client.get(INDEX)

    _title, count, titles = desk(response)["draft"]
    assert count == 7
    assert titles == ["Draft 6", "Draft 5", "Draft 4", "Draft 3", "Draft 2"]  # the latest edited first
    content = response.content.decode()
    assert "Drafts (7)" in content
    assert f'<a href="{CHANGELIST}?state=draft">See all 7 posts</a>' in content


def test_items_link_to_their_change_pages_and_sections_to_filtered_lists(client, editor, clock):
    posts = [draft(), pending(), scheduled(), draft(review_note="Again")]
    client.force_login(editor)

    content = client.get(INDEX).content.decode()

    for post in posts:
        assert f'href="{change_url(post)}"' in content
    for state in ("draft", "returned", "pending", "scheduled"):
        assert f'href="{CHANGELIST}?state={state}"' in content


def test_the_see_all_links_open_the_same_posts(client, editor, clock):
    draft(title="D")
    pending(title="P")
    scheduled(title="S")
    draft(title="R", review_note="Note")
    client.force_login(editor)

    for section in client.get(INDEX).context["desk"]:
        assert listed(client.get(section.url)) == {post.title for post in section.posts}


def test_scheduled_posts_show_their_local_time(client, editor, settings, clock):
    settings.TIME_ZONE = "Asia/Tokyo"
    scheduled(title="Morning edition", when=datetime.datetime(2030, 6, 3, 23, 30, tzinfo=datetime.UTC))
    scheduled(title="Later", when=datetime.datetime(2030, 6, 9, 1, 0, tzinfo=datetime.UTC))
    client.force_login(editor)

    response = client.get(INDEX)

    assert desk(response)["scheduled"][2] == ["Morning edition", "Later"]  # the next to go live first
    content = response.content.decode()
    assert '<time datetime="2030-06-04T08:30:00+09:00">June 4, 2030, 8:30 a.m.</time>' in content
    assert "Times are in Asia/Tokyo." in content


def test_the_desk_follows_the_clock(client, editor, clock):
    post = scheduled(title="Goes live", when=NOW + datetime.timedelta(minutes=5))
    client.force_login(editor)
    assert desk(client.get(INDEX))["scheduled"][1] == 1

    with time_machine.travel(post.published_at, tick=False):
        assert desk(client.get(INDEX))["scheduled"][1] == 0


def test_titles_and_notes_are_escaped(client, editor, clock):
    draft(title="<script>alert('t')</script>", review_note="<img src=x onerror=alert(1)>")
    client.force_login(editor)

    content = client.get(INDEX).content.decode()

    assert "<script>alert(" not in content
    assert "<img src=x" not in content
    assert "&lt;img src=x onerror=alert(1)&gt;" in content


def test_the_app_index_has_no_desk(client, editor):
    draft(title="Only on the site index")
    client.force_login(editor)

    content = client.get(reverse("admin:app_list", args=["blog"])).content.decode()

    assert 'id="editorial-desk"' not in content


# A fixed number of queries


def fill_the_desk(count):
    """`count` posts spread over every state, half of them with pending comments."""
    states = [
        {"status": Post.Status.DRAFT, "published_at": None},
        {"status": Post.Status.DRAFT, "published_at": None, "review_note": "Again, please."},
        {"status": Post.Status.PENDING, "published_at": None},
        {"published_at": NOW + datetime.timedelta(days=2)},
        {},
    ]
    authors = [AuthorFactory(), AuthorFactory()]
    for number in range(count):
        post = PostFactory(authors=authors, **states[number % len(states)])
        if number % 2:
            make_comment(post, status="pending")


@pytest.mark.parametrize("posts", [0, 30])
def test_the_editors_dashboard_takes_a_fixed_number_of_queries(client, editor, clock, posts, django_assert_num_queries):
    fill_the_desk(posts)
    client.force_login(editor)
    client.get(INDEX)  # the first request also loads the site settings into the cache

    # Session, user, second factor, permissions (2), 4 sections x (count + latest),
    # the comments to moderate (count + latest, with their posts), recent actions.
    with django_assert_num_queries(16):
        response = client.get(INDEX)

    assert response.status_code == 200
    assert desk(response)["draft"][1] == posts * 2 // 5


@pytest.mark.parametrize("posts", [0, 30])
def test_an_authors_dashboard_takes_a_fixed_number_of_queries(client, writer, clock, posts, django_assert_num_queries):
    fill_the_desk(posts)
    for post in Post.objects.all():
        post.postauthor_set.create(author=writer.author, order=5)
    client.force_login(writer)
    client.get(INDEX)

    # As for an editor, without the comments: Authors do not moderate.
    with django_assert_num_queries(14):
        assert client.get(INDEX).status_code == 200


# The changelist's publication-state filter


def test_the_state_filter_sorts_posts_by_where_they_stand(client, editor, clock):
    draft(title="Draft")
    draft(title="Returned", review_note="Note")
    pending(title="Pending")
    scheduled(title="Scheduled")
    PostFactory(title="Live")
    client.force_login(editor)

    assert listed(client.get(CHANGELIST, {"state": "draft"})) == {"Draft", "Returned"}
    assert listed(client.get(CHANGELIST, {"state": "returned"})) == {"Returned"}
    assert listed(client.get(CHANGELIST, {"state": "pending"})) == {"Pending"}
    assert listed(client.get(CHANGELIST, {"state": "scheduled"})) == {"Scheduled"}
    assert listed(client.get(CHANGELIST, {"state": "published"})) == {"Live"}
    assert len(listed(client.get(CHANGELIST))) == 5


def test_the_state_filter_is_offered_with_its_choices(client, editor):
    client.force_login(editor)

    content = client.get(CHANGELIST).content.decode()

    assert "By publication state" in content
    for label in ("Draft", "Returned with a note", "Pending review", "Scheduled", "Published (live)"):
        assert label in content


def test_a_scheduled_post_moves_to_published_at_its_time(client, editor, clock):
    post = scheduled(title="On the hour", when=NOW + datetime.timedelta(hours=1))
    client.force_login(editor)

    assert listed(client.get(CHANGELIST, {"state": "scheduled"})) == {"On the hour"}
    assert listed(client.get(CHANGELIST, {"state": "published"})) == set()
    with time_machine.travel(post.published_at - datetime.timedelta(microseconds=1), tick=False):
        assert listed(client.get(CHANGELIST, {"state": "published"})) == set()
    with time_machine.travel(post.published_at, tick=False):
        assert listed(client.get(CHANGELIST, {"state": "scheduled"})) == set()
        assert listed(client.get(CHANGELIST, {"state": "published"})) == {"On the hour"}


def test_the_state_filter_keeps_an_author_to_their_own_posts(client, writer):
    draft(title="Mine", authors=[writer.author])
    draft(title="Theirs")
    client.force_login(writer)

    assert listed(client.get(CHANGELIST, {"state": "draft"})) == {"Mine"}


def test_an_unknown_state_lists_everything(client, editor):
    draft(title="Draft")
    PostFactory(title="Live", published_at=timezone.now() - datetime.timedelta(days=1))
    client.force_login(editor)

    response = client.get(CHANGELIST, {"state": "<nonsense>"})

    assert response.status_code == 200
    assert listed(response) == {"Draft", "Live"}


def test_the_state_filter_counts_each_state(client, editor, clock):
    draft()
    draft(review_note="Note")
    scheduled()
    client.force_login(editor)

    content = client.get(CHANGELIST, {"_facets": "True"}).content.decode()

    for label in (
        "Draft (2)",
        "Returned with a note (1)",
        "Pending review (0)",
        "Scheduled (1)",
        "Published (live) (0)",
    ):
        assert label in content
