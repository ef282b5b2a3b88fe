"""The comment forest: the bulk builder, tree checks, and a discussion page as data (comments.trees)."""

import pytest
from django.db import connection

from blog.models import SiteSettings
from comments.models import Comment
from comments.services import build_trees
from comments.trees import Viewer, discussion_page, permalink_page, tree_errors
from tests.factories import PostFactory, make_threads
from tests.factories import comment_node as node

pytestmark = pytest.mark.django_db

APPROVED, PENDING = Comment.Status.APPROVED, Comment.Status.PENDING
SPAM, REMOVED = Comment.Status.SPAM, Comment.Status.REMOVED


def chain(depth, prefix="Level"):
    """One thread `depth` replies deep: Level 0 ← Level 1 ← … ← Level <depth>."""
    thread = node(f"{prefix} {depth}")
    for level in reversed(range(depth)):
        thread = node(f"{prefix} {level}", thread)
    return thread


def outline(discussion):
    """What the page shows: (name, level, text shown, thread number) in display order."""
    return [
        (comment.name, comment.level, comment.shown, getattr(comment, "number", None))
        for comment in discussion.comments
    ]


@pytest.fixture
def post():
    return PostFactory()


@pytest.fixture
def site_settings():
    return SiteSettings.load()


# The bulk builder


def test_build_trees_numbers_every_tree_and_counts_approved_comments(post):
    built = build_trees(
        post,
        [
            node("Karl", node("Eugene", node("Karl again")), node("Ann", status=PENDING)),
            node("Abdul"),
            chain(12),
        ],
    )

    assert len(built) == Comment.objects.count() == 18
    assert tree_errors(Comment.objects.all()) == []
    assert [comment.name for comment in built][:5] == ["Karl", "Eugene", "Karl again", "Ann", "Abdul"]
    karl_again = Comment.objects.get(name="Karl again")
    assert (karl_again.level, karl_again.parent.name, karl_again.parent.parent.name) == (2, "Eugene", "Karl")
    roots = Comment.objects.filter(parent=None).order_by("tree_id")
    assert [root.name for root in roots] == ["Karl", "Abdul", "Level 0"]
    assert len({root.tree_id for root in roots}) == 3
    assert Comment.objects.get(name="Level 12").level == 12
    post.refresh_from_db()
    assert post.comment_count == 17  # Ann's reply is pending


def test_build_trees_appends_after_existing_threads(post):
    first = make_threads(post, node("First"))
    second = make_threads(post, node("Second", node("Reply")), node("Third"))

    assert second["Second"].tree_id == first["First"].tree_id + 1
    assert second["Third"].tree_id == first["First"].tree_id + 2
    assert tree_errors(Comment.objects.all()) == []


def test_build_trees_renders_the_comment_markup(post):
    comment = make_threads(post, node("Karl"))["Karl"]

    assert Comment.objects.get(pk=comment.pk).body_html == "<p>Karl writes.</p>"


def test_a_sound_forest_has_no_tree_errors(post):
    make_threads(post, chain(6), node("A", node("B"), node("C", node("D"))))

    assert tree_errors(Comment.objects.all()) == []


def test_the_tree_index_exists_in_postgresql():
    """mptt's (tree_id, lft) index reaches the database only through Meta.indexes on Django 5."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'comments_comment'")
        indexes = dict(cursor.fetchall())

    assert "comment_tree_lft_idx" in indexes
    assert indexes["comment_tree_lft_idx"].endswith("(tree_id, lft)")


# Who sees what


@pytest.fixture
def forest(post):
    """Four threads with every kind of hidden comment.

    1. Karl ← Pending with a reply ← Reply to pending; Karl ← Spam leaf; Karl ← Removed ← Reply
       to removed; Karl ← Pending leaf.
    2. Removed root ← Reply to removed root.
    3. Spam root, alone.
    4. Abdul.
    """
    return make_threads(
        post,
        node(
            "Karl",
            node("Pending with a reply", node("Reply to pending"), status=PENDING),
            node("Spam leaf", status=SPAM),
            node("Removed", node("Reply to removed"), status=REMOVED),
            node("Pending leaf", status=PENDING),
        ),
        node("Removed root", node("Reply to removed root"), status=REMOVED),
        node("Spam root", status=SPAM),
        node("Abdul"),
    )


READER_SEES = [
    ("Karl", 0, True, 1),
    ("Pending with a reply", 1, False, None),  # a placeholder keeps its reply in place
    ("Reply to pending", 2, True, None),
    ("Removed", 1, False, None),
    ("Reply to removed", 2, True, None),
    ("Removed root", 0, False, 2),  # never a floating reply: the thread keeps its root
    ("Reply to removed root", 1, True, None),
    ("Abdul", 0, True, 3),  # the invisible spam thread takes no number
]


def test_readers_see_approved_comments_and_placeholders(post, forest, site_settings):
    assert outline(discussion_page(post, Viewer())) == READER_SEES


def test_a_writer_also_sees_their_own_held_comment(post, forest, site_settings):
    viewer = Viewer(own_comment_ids=frozenset({forest["Pending leaf"].pk}))

    seen = outline(discussion_page(post, viewer))

    assert ("Pending leaf", 1, True, None) in seen
    assert seen == [*READER_SEES[:5], ("Pending leaf", 1, True, None), *READER_SEES[5:]]


def test_a_writer_never_sees_their_comment_once_marked_spam_or_removed(post, forest, site_settings):
    own = frozenset(forest[name].pk for name in ["Spam leaf", "Spam root", "Removed", "Reply to removed root"])

    assert outline(discussion_page(post, Viewer(own_comment_ids=own))) == READER_SEES


def test_moderators_see_every_comment_with_its_text(post, forest, site_settings):
    seen = outline(discussion_page(post, Viewer(is_moderator=True)))

    assert [name for name, *_ in seen] == list(forest)
    assert all(shown for _, _, shown, _ in seen)
    assert [number for *_, number in seen if number] == [1, 2, 3, 4]


def test_a_hidden_thread_with_nothing_visible_below_vanishes(post, site_settings):
    make_threads(
        post,
        node("Removed alone", status=REMOVED),
        node("Pending alone", node("Spam reply", status=SPAM), status=PENDING),
    )

    discussion = discussion_page(post, Viewer())

    assert discussion.comments == []
    assert discussion.page.paginator.count == 0


# Structure, depth and pages


def test_each_node_says_how_to_open_and_close_nested_lists(post, site_settings):
    make_threads(post, node("A", node("B", node("C")), node("D")), node("E"))

    comments = discussion_page(post, Viewer()).comments

    assert [(c.name, c.opens, len(c.closes)) for c in comments] == [
        ("A", True, 0),
        ("B", True, 0),
        ("C", False, 1),  # closes B's list of replies
        ("D", False, 1),  # closes A's
        ("E", False, 0),
    ]


def test_deep_imported_threads_display_with_capped_indentation(post, site_settings):
    make_threads(post, chain(12))

    comments = discussion_page(post, Viewer()).comments

    assert [comment.level for comment in comments] == list(range(13))
    assert [comment.indent for comment in comments] == [0, 1, 2, 3, 4, 5, 5, 5, 5, 5, 5, 5, 5]
    assert len(comments[-1].closes) == 12


@pytest.fixture
def five_threads(post, site_settings):
    site_settings.comment_threads_per_page = 2
    site_settings.save()
    return make_threads(post, *(node(f"Thread {number}", node(f"Reply {number}")) for number in range(1, 6)))


def thread_numbers(discussion):
    return [(comment.name, comment.number) for comment in discussion.comments if comment.level == 0]


def test_threads_are_paginated_and_numbered_across_pages(post, five_threads):
    pages = [discussion_page(post, Viewer(), number) for number in (1, 2, 3)]

    assert [thread_numbers(page) for page in pages] == [
        [("Thread 1", 1), ("Thread 2", 2)],
        [("Thread 3", 3), ("Thread 4", 4)],
        [("Thread 5", 5)],
    ]
    assert [len(page.comments) for page in pages] == [4, 4, 2]  # replies stay with their thread
    assert pages[1].page.start_index() == 3


def test_a_page_past_the_end_shows_the_last_page(post, five_threads):
    assert thread_numbers(discussion_page(post, Viewer(), 99)) == [("Thread 5", 5)]
    assert thread_numbers(discussion_page(post, Viewer(), "junk")) == [("Thread 1", 1), ("Thread 2", 2)]


def test_newest_threads_first(post, five_threads, site_settings):
    site_settings.comment_order = SiteSettings.CommentOrder.NEWEST
    site_settings.save()

    assert thread_numbers(discussion_page(post, Viewer())) == [("Thread 5", 1), ("Thread 4", 2)]
    assert thread_numbers(discussion_page(post, Viewer(), 3)) == [("Thread 1", 5)]


def test_a_deep_comment_permalink_finds_its_page(post, five_threads, site_settings):
    deep = make_threads(post, chain(12, prefix="Deep"))["Deep 12"]  # the sixth thread

    assert permalink_page(deep, Viewer()) == 3
    assert deep.pk in {comment.pk for comment in discussion_page(post, Viewer(), 3).comments}

    site_settings.comment_order = SiteSettings.CommentOrder.NEWEST
    site_settings.save()
    assert permalink_page(deep, Viewer()) == 1


def test_a_permalink_into_an_invisible_thread_has_no_page(post, forest, site_settings):
    spam = forest["Spam root"]

    assert permalink_page(spam, Viewer()) is None
    assert permalink_page(spam, Viewer(is_moderator=True)) == 1


def test_pages_count_only_threads_the_viewer_can_see(post, five_threads):
    make_threads(post, *(node(f"Hidden {number}", status=PENDING) for number in range(4)))

    assert discussion_page(post, Viewer()).page.paginator.num_pages == 3
    assert discussion_page(post, Viewer(is_moderator=True)).page.paginator.num_pages == 5


# Speed


@pytest.mark.parametrize("threads, replies", [(2, 4), (100, 9)], ids=["10 comments", "1,000 comments"])
def test_a_discussion_page_takes_the_same_queries_whatever_its_size(
    post, site_settings, django_assert_num_queries, threads, replies
):
    build_trees(post, [node(f"Thread {n}", *(node(f"Reply {r}") for r in range(replies))) for n in range(threads)])
    assert Comment.objects.count() == threads * (replies + 1)

    # the visible threads' ids, the comments of this page's threads, the pinned comment
    with django_assert_num_queries(3):
        discussion = discussion_page(post, Viewer())
        names = [(comment.name, comment.public_html, comment.in_reply_to_id) for comment in discussion.comments]

    assert len(names) == min(threads, 50) * (replies + 1)
