"""Concurrent writers on real PostgreSQL: the tree locks keep every comment tree valid.

Each writer is a separate, spawned process with its own database connection, as gunicorn
workers are (see tests/comments/writers.py).
"""

import multiprocessing
import os
from collections import Counter

import pytest
from django.db import connection
from django.db.models import Count

from blog.models import Post, SiteSettings
from comments.models import Comment
from comments.trees import tree_errors
from tests.comments.writers import write_comments
from tests.factories import PostFactory, comment_node, make_comment, make_threads

pytestmark = pytest.mark.django_db(transaction=True)

WRITERS = 8
CALLS = 50  # per writer
NEW_THREAD_SHARE = 0.2  # the other calls reply to a random comment of the given threads
MANY_THREADS = 40
WAIT = 120  # seconds before a silent writer counts as hung


def run_writers(post, tree_ids, *, collide=False):
    """Run WRITERS processes at once; returns the failures they reported."""
    context = multiprocessing.get_context("spawn")
    results = context.Queue()
    barrier = context.Barrier(WRITERS, timeout=WAIT) if collide else None
    database = connection.settings_dict["NAME"]
    writers = [
        context.Process(
            target=write_comments,
            args=(database, post.pk, tree_ids, seed, CALLS, NEW_THREAD_SHARE, results, barrier),
        )
        for seed in range(WRITERS)
    ]
    for writer in writers:
        writer.start()
    failures = [failure for _ in writers for failure in results.get(timeout=WAIT)]
    for writer in writers:
        writer.join(timeout=WAIT)
        assert writer.exitcode == 0
    return failures


def shared_tree_ids():
    """tree_ids held by more than one root: what unguarded new threads produce."""
    roots = Comment.objects.filter(parent=None).values("tree_id").annotate(roots=Count("pk"))
    return list(roots.filter(roots__gt=1).values_list("tree_id", flat=True))


def duplicate_numbers():
    """How many (tree_id, lft) and (tree_id, rght) values are used more than once."""
    return sum(
        Comment.objects.values("tree_id", field).annotate(uses=Count("pk")).filter(uses__gt=1).count()
        for field in ("lft", "rght")
    )


@pytest.fixture
def post():
    SiteSettings.load()  # committed before the writers start, so none of them races to create it
    return PostFactory()


def busy_thread(post):
    root = make_comment(post, name="Opening")
    make_comment(post, parent=root, name="First reply")
    return [root.tree_id]


def many_threads(post):
    threads = [comment_node(f"Thread {n}", comment_node(f"Reply {n}")) for n in range(MANY_THREADS)]
    return sorted({comment.tree_id for comment in make_threads(post, *threads).values()})


@pytest.mark.parametrize("threads", [busy_thread, many_threads], ids=["one thread", "many threads"])
def test_concurrent_writers_keep_every_tree_valid(post, threads):
    tree_ids = threads(post)
    before = Comment.objects.count()

    failures = run_writers(post, tree_ids)

    assert failures == []
    assert Comment.objects.count() == before + WRITERS * CALLS
    assert tree_errors(Comment.objects.all()) == []
    assert shared_tree_ids() == []
    assert Comment.objects.filter(parent=None).count() == Comment.objects.values("tree_id").distinct().count()
    post.refresh_from_db()
    assert post.comment_count == Comment.objects.filter(post=post, status=Comment.Status.APPROVED).count()


@pytest.mark.skipif(
    not os.environ.get("COLLOQUY_CORRUPTION_TEST"),
    reason="slow and noisy (PostgreSQL logs deadlocks): COLLOQUY_CORRUPTION_TEST=1 shows the checks catch corruption",
)
@pytest.mark.parametrize("threads", [busy_thread, many_threads], ids=["one thread", "many threads"])
def test_without_locks_the_checks_catch_corruption(post, threads, capsys):
    tree_ids = threads(post)
    before = Comment.objects.count()

    failures = run_writers(post, tree_ids, collide=True)

    problems = tree_errors(Comment.objects.all())
    report = {
        "failed calls": Counter(failure.split(":")[0] for failure in failures),
        "comments missing": before + WRITERS * CALLS - Comment.objects.count(),
        "tree_ids shared by several roots": len(shared_tree_ids()),
        "duplicate lft/rght values": duplicate_numbers(),
        "trees with problems": len({problem.split(":")[0] for problem in problems}),
        "problems": len(problems),
        "comment_count off by": Comment.objects.filter(post=post, status=Comment.Status.APPROVED).count()
        - Post.objects.get(pk=post.pk).comment_count,
    }
    with capsys.disabled():
        print(f"\nWithout locks ({threads.__name__}): {report}\n  first problems: {problems[:3]}")
    assert failures or problems or shared_tree_ids()
