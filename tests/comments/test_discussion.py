"""Reading a discussion: the post page as readers, writers of held comments and moderators see it."""

import re

import pytest
from django.http import HttpResponse
from django.test import RequestFactory
from pytest_django.asserts import assertContains, assertNotContains

from authors.roles import MODERATORS
from blog.context_processors import layout
from blog.models import SiteSettings
from comments.models import Comment
from comments.viewers import HELD_COOKIE, remember_held
from tests.factories import PostFactory, make_comment, make_threads
from tests.factories import comment_node as node

pytestmark = pytest.mark.django_db

PENDING, SPAM, REMOVED = Comment.Status.PENDING, Comment.Status.SPAM, Comment.Status.REMOVED
PLACEHOLDER = "This comment was removed."
HELD_NOTICE = "Your comment is awaiting moderation. Only you can see it."
# post, byline credits, authors, author links, categories, tags; the discussion's visible
# thread ids, the comments of this page's threads and the pinned comment.
POST_PAGE_QUERIES = 9
# the session, the login, its own and its groups' permissions, and whether it has an authenticator app
MODERATOR_QUERIES = 5

ITEM = re.compile(r'<li id="comment-(\d+)" class="([^"]*)"|<ol class="comment-children">|</ol>')


def outline(response):
    """(pk, depth, CSS classes) of each comment item, the depth read from the nested lists around it."""
    html = response.content.decode()
    if '<ol class="comment-list"' not in html:
        return []
    items, depth = [], 0
    for match in ITEM.finditer(html, html.index('<ol class="comment-list"')):
        if match[1]:
            items.append((int(match[1]), depth, match[2].split()))
        elif match[0] != "</ol>":
            depth += 1
        elif depth == 0:
            break  # the end of the comment list
        else:
            depth -= 1
    return items


def depths(response, comments):
    """{name: depth} of the comments on the page, by name."""
    names = {comment.pk: name for name, comment in comments.items()}
    return {names[pk]: depth for pk, depth, _ in outline(response)}


def held_cookie(*comments):
    """The signed cookie a browser gets after writing `comments`, made by the site's own code."""
    request, response = RequestFactory().get("/"), HttpResponse()
    for comment in comments:
        remember_held(request, response, comment)
        request.COOKIES[HELD_COOKIE] = response.cookies[HELD_COOKIE].value
    return response.cookies[HELD_COOKIE].value


@pytest.fixture(autouse=True)
def site_settings():
    """Cached before any request, with the menu, so query counts measure the page itself."""
    return layout()["site_settings"]


@pytest.fixture
def post():
    return PostFactory()


@pytest.fixture
def forest(post):
    """Karl's thread with a hidden comment of every kind, a removed root with a reply, and Abdul's thread."""
    return make_threads(
        post,
        node(
            "Karl",
            node("Pending", node("Reply to pending"), status=PENDING),
            node("Spam", node("Reply to spam"), status=SPAM),
            node("Removed", node("Reply to removed"), status=REMOVED),
            node("Pending leaf", status=PENDING),
            node("Spam leaf", status=SPAM),
            node("Removed leaf", status=REMOVED),
        ),
        node("Removed root", node("Reply to removed root"), status=REMOVED),
        node("Abdul"),
    )


HIDDEN = ["Pending", "Spam", "Removed", "Pending leaf", "Spam leaf", "Removed leaf", "Removed root"]


def test_readers_see_approved_comments_nested_with_placeholders(client, post, forest):
    response = client.get(post.get_absolute_url())

    assert depths(response, forest) == {
        "Karl": 0,
        "Pending": 1,
        "Reply to pending": 2,
        "Spam": 1,
        "Reply to spam": 2,
        "Removed": 1,
        "Reply to removed": 2,
        "Removed root": 0,
        "Reply to removed root": 1,  # under its placeholder, never floated up to the top
        "Abdul": 0,
    }
    for name in ["Karl", "Reply to pending", "Reply to spam", "Reply to removed", "Reply to removed root", "Abdul"]:
        assertContains(response, f"{name} writes.")
    for name in HIDDEN:
        assertNotContains(response, f"{name} writes.")
    assertContains(response, PLACEHOLDER, count=4)  # pending, spam, removed and the removed root
    placeholders = [pk for pk, _, classes in outline(response) if "comment--placeholder" in classes]
    assert placeholders == [forest[name].pk for name in ["Pending", "Spam", "Removed", "Removed root"]]
    assertNotContains(response, HELD_NOTICE)


def test_a_hidden_comment_without_visible_replies_vanishes(client, post, forest):
    response = client.get(post.get_absolute_url())

    for name in ["Pending leaf", "Spam leaf", "Removed leaf"]:
        assertNotContains(response, f'id="comment-{forest[name].pk}"')


def test_a_thread_with_nothing_visible_is_not_shown_or_numbered(client, post):
    make_threads(
        post, node("First"), node("Spam root", node("Pending reply", status=PENDING), status=SPAM), node("Third")
    )

    response = client.get(post.get_absolute_url())

    assert [(comment.name, comment.number) for comment in response.context["discussion"].comments] == [
        ("First", 1),
        ("Third", 2),
    ]
    assertNotContains(response, PLACEHOLDER)


def test_the_writer_of_a_held_comment_sees_it_in_place(client, post, forest):
    client.cookies[HELD_COOKIE] = held_cookie(forest["Pending leaf"], forest["Pending"])

    response = client.get(post.get_absolute_url())

    assertContains(response, "Pending leaf writes.")
    assertContains(response, "Pending writes.")
    assertContains(response, HELD_NOTICE, count=2)
    assert depths(response, forest)["Pending leaf"] == 1
    assert "comment--pending" in {pk: classes for pk, _, classes in outline(response)}[forest["Pending"].pk]
    assertContains(response, PLACEHOLDER, count=3)


def test_nobody_else_sees_a_held_comment(client, post, forest):
    make_comment(post, name="Someone else", status=PENDING)  # another browser's held comment
    client.cookies[HELD_COOKIE] = held_cookie(forest["Pending leaf"])

    response = client.get(post.get_absolute_url())

    assertNotContains(response, "Someone else")
    assertNotContains(response, "Pending writes.")


def test_a_forged_held_cookie_shows_nothing(client, post, forest):
    client.cookies[HELD_COOKIE] = str(forest["Pending leaf"].pk)

    response = client.get(post.get_absolute_url())

    assertNotContains(response, "Pending leaf writes.")


def test_a_writer_does_not_see_their_comment_once_it_is_spam_or_removed(client, post, forest):
    client.cookies[HELD_COOKIE] = held_cookie(forest["Spam leaf"], forest["Removed leaf"])

    response = client.get(post.get_absolute_url())

    assertNotContains(response, "Spam leaf writes.")
    assertNotContains(response, "Removed leaf writes.")


def test_moderators_see_every_comment_marked_with_its_status(client, post, forest, staff):
    client.force_login(staff(MODERATORS))

    response = client.get(post.get_absolute_url())

    assert set(depths(response, forest)) == set(forest)
    for name in forest:
        assertContains(response, f"{name} writes.")
    assertNotContains(response, PLACEHOLDER)
    assertNotContains(response, HELD_NOTICE)
    assertContains(response, "Pending moderation", count=2)
    classes = {pk: classes for pk, _, classes in outline(response)}
    assert "comment--spam" in classes[forest["Spam"].pk]
    assert "comment--removed" in classes[forest["Removed root"].pk]


def test_deep_imported_threads_display_with_capped_indentation(client, post):
    deep = node("Level 12")
    for level in reversed(range(12)):
        deep = node(f"Level {level}", deep)
    comments = make_threads(post, deep)

    response = client.get(post.get_absolute_url())

    assert list(depths(response, comments).values()) == list(range(13))
    indents = [classes[1] for _, _, classes in outline(response)]
    assert indents == [f"comment--indent-{min(level, 5)}" for level in range(13)]
    assertNotContains(response, "comment--indent-6")
    assert response.content.decode().count("</ol></li>") >= 12  # every nested list is closed


@pytest.fixture
def five_threads(post, site_settings):
    site_settings.comment_threads_per_page = 2
    site_settings.save()
    return make_threads(post, *(node(f"Thread {number}", node(f"Reply {number}")) for number in range(1, 6)))


def thread_names(response):
    return [comment.name for comment in response.context["discussion"].comments if comment.level == 0]


def test_threads_are_paginated(client, post, five_threads):
    response = client.get(post.get_absolute_url(), {"cpage": 2})

    assert thread_names(response) == ["Thread 3", "Thread 4"]
    assertContains(response, '<ol class="comment-list" start="3">')
    assertContains(response, "Reply 3 writes.")
    assertContains(response, "Comment page 2 of 3")
    assertContains(response, 'href="?cpage=1#comments" rel="prev"')
    assertContains(response, 'href="?cpage=3#comments" rel="next"')
    assert thread_names(client.get(post.get_absolute_url())) == ["Thread 1", "Thread 2"]
    assert thread_names(client.get(post.get_absolute_url(), {"cpage": 99})) == ["Thread 5"]


def test_newest_threads_can_come_first(client, post, five_threads, site_settings):
    site_settings.comment_order = SiteSettings.CommentOrder.NEWEST
    site_settings.save()

    response = client.get(post.get_absolute_url())

    assert thread_names(response) == ["Thread 5", "Thread 4"]
    assertContains(response, '<ol class="comment-list" start="1">')


@pytest.mark.parametrize("threads, replies", [(2, 4), (100, 9)], ids=["10 comments", "1,000 comments"])
def test_post_page_queries_do_not_grow_with_the_discussion(client, post, django_assert_num_queries, threads, replies):
    make_threads(
        post, *(node(f"Thread {n}", *(node(f"Reply {n}.{r}") for r in range(replies))) for n in range(threads))
    )

    with django_assert_num_queries(POST_PAGE_QUERIES):
        response = client.get(post.get_absolute_url())

    assert len(outline(response)) == min(threads, 50) * (replies + 1)


@pytest.mark.parametrize("threads, replies", [(2, 4), (100, 9)], ids=["10 comments", "1,000 comments"])
def test_moderators_page_queries_do_not_grow_either(client, post, staff, django_assert_num_queries, threads, replies):
    make_threads(
        post,
        *(
            node(f"Thread {n}", *(node(f"Reply {n}.{r}", status=PENDING) for r in range(replies)))
            for n in range(threads)
        ),
    )
    client.force_login(staff(MODERATORS))

    with django_assert_num_queries(POST_PAGE_QUERIES + MODERATOR_QUERIES):
        response = client.get(post.get_absolute_url())

    assert len(outline(response)) == min(threads, 50) * (replies + 1)


def test_no_email_address_appears_on_the_post_page(client, post, forest, staff):
    make_comment(post, name="Ann", email="ann.private@mailbox.example", website="https://ann.example")
    emails = set(Comment.objects.values_list("email", flat=True))
    assert len(emails) == len(forest) + 1

    reader_page = client.get(post.get_absolute_url())
    client.force_login(staff(MODERATORS))
    moderator_page = client.get(post.get_absolute_url())

    for page in (reader_page, moderator_page):
        html = page.content.decode()
        assert [email for email in emails if email in html] == []
        assert not re.search(r"[\w.+-]+@[\w-]+\.[\w.]+", html)
    assertContains(reader_page, '<a href="https://ann.example" rel="ugc nofollow noopener">Ann</a>', html=True)
