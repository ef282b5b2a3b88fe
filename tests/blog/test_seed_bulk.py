import datetime
import io

import pytest
import time_machine
from django.core.management import CommandError, call_command
from django.db.models import Count, F, Q

from authors.models import Author
from blog import bulk
from blog.models import Post, PostAuthor
from comments.fragments import render_public_html
from comments.markup import render_comment
from comments.models import Comment
from comments.services import comment_create
from comments.trees import tree_errors

pytestmark = pytest.mark.django_db

NOW = datetime.datetime(2026, 3, 1, 12, tzinfo=datetime.UTC)
SMALL = {"posts": 20, "comments": 500, "max_depth": 4}


def seed_bulk(seed=7, **sizes):
    output = io.StringIO()
    with time_machine.travel(NOW, tick=False):
        call_command("seed_bulk", seed=seed, stdout=output, **{**SMALL, **sizes})
    return output.getvalue()


@pytest.fixture
def seeded():
    return seed_bulk()


def fingerprint():
    """Everything seeded, with ids made relative, so two runs can be compared."""
    first_post = Post.objects.order_by("pk").values_list("pk", flat=True).first()
    first_comment = Comment.objects.order_by("pk").values_list("pk", flat=True).first()
    first_tree = Comment.objects.order_by("tree_id").values_list("tree_id", flat=True).first()
    posts = [
        (
            *(post.pk - first_post, post.title, post.slug, post.dek, post.body_html, post.published_at, post.sticky),
            *(post.share_key, post.comment_count, [author.slug for author in post.byline]),
            sorted(post.categories.values_list("slug", flat=True)),
            sorted(post.tags.values_list("slug", flat=True)),
        )
        for post in Post.objects.with_bylines().order_by("pk")
    ]
    fields = ["name", "email", "website", "status", "hold_reasons", "body", "created_at", "lft", "rght", "level"]
    comments = [
        (row[0] - first_comment, row[1] - first_post, row[2] and row[2] - first_comment, row[3] - first_tree, *row[4:])
        for row in Comment.objects.order_by("pk").values_list("pk", "post_id", "parent_id", "tree_id", *fields)
    ]
    return posts, comments


def test_seeds_exactly_the_posts_and_comments_asked_for(seeded):
    assert "Seeded 20 posts and 500 comments" in seeded
    assert Post.objects.published().count() == 20
    assert Comment.objects.count() == 500
    assert Author.objects.count() == bulk.AUTHOR_COUNT
    assert not Post.objects.annotate(credits=Count("postauthor")).filter(credits=0).exists()
    assert not Post.objects.annotate(terms=Count("categories")).filter(terms=0).exists()
    assert PostAuthor.objects.filter(order=0).count() == 20
    assert Post.objects.values("slug").distinct().count() == 20


def test_seeded_trees_are_sound(seeded):
    assert tree_errors(Comment.objects.all()) == []
    output = io.StringIO()
    call_command("check_comment_trees", stdout=output)
    assert "no problems" in output.getvalue()
    roots = Comment.objects.filter(parent=None)
    assert roots.values("tree_id").distinct().count() == roots.count()  # one tree per top-level comment
    assert set(Comment.objects.values_list("level", flat=True)) == {0, 1, 2, 3}  # --max-depth 4
    # Answers to comments at the deepest level sit beside them, saying whom they answer.
    assert Comment.objects.filter(in_reply_to__isnull=False, level=3, in_reply_to__level=3).exists()


def test_comments_are_varied_and_after_what_they_answer(seeded):
    statuses = dict(Comment.objects.order_by().values_list("status").annotate(count=Count("pk")))
    assert set(statuses) == set(Comment.Status.values)
    assert statuses[Comment.Status.APPROVED] > 0.8 * 500
    assert Comment.objects.values("email").distinct().count() > 50
    assert Comment.objects.exclude(website="").exists()
    assert not Comment.objects.filter(created_at__lte=F("post__published_at")).exists()
    assert not Comment.objects.filter(created_at__lte=F("parent__created_at")).exists()
    counts = Comment.objects.order_by().values("post").annotate(count=Count("pk")).order_by("-count")
    assert counts[0]["count"] > 3 * 500 / 20  # uneven: some posts draw far more than their share


def test_texts_and_cards_are_rendered_by_the_sites_own_code(seeded):
    for comment in Comment.objects.all():
        assert comment.body_html == render_comment(comment.body)
        assert comment.public_html == render_public_html(comment)
    post = Post.objects.first()
    body_html, body_text = post.body_html, post.body_text
    post.render_body()
    assert (post.body_html, post.body_text) == (body_html, body_text)


def test_comment_counts_are_the_approved_comments(seeded):
    approved = Count("comments", filter=Q(comments__status=Comment.Status.APPROVED))
    for post in Post.objects.annotate(approved=approved):
        assert post.comment_count == post.approved


def test_the_same_seed_gives_the_same_data(seeded):
    first = fingerprint()
    Post.objects.all().delete()

    seed_bulk()

    assert fingerprint() == first
    Post.objects.all().delete()
    seed_bulk(seed=8)
    assert fingerprint() != first


def test_a_second_run_adds_to_the_first(seeded):
    seed_bulk()

    assert Post.objects.count() == 40
    assert Comment.objects.count() == 1000
    assert Author.objects.count() == bulk.AUTHOR_COUNT  # reused by slug
    assert tree_errors(Comment.objects.all()) == []


def test_the_busiest_seeded_post_page_shows_its_comments(seeded, client):
    post = Post.objects.order_by("-comment_count").first()
    first_thread = Comment.objects.filter(post=post, parent=None, status=Comment.Status.APPROVED).order_by("tree_id")[0]

    response = client.get(post.get_absolute_url())

    assert response.status_code == 200
    page = response.content.decode()
    assert f'id="comment-{first_thread.pk}"' in page
    assert first_thread.body_html in page


def test_new_comments_follow_the_seeded_ones(seeded):
    post = Post.objects.order_by("-comment_count").first()
    parent = Comment.objects.filter(post=post, status=Comment.Status.APPROVED, level=0).first()
    last_pk = Comment.objects.order_by("-pk").values_list("pk", flat=True).first()
    last_tree = Comment.objects.order_by("-tree_id").values_list("tree_id", flat=True).first()

    root = comment_create(post=post, body="A new thread.", status=Comment.Status.APPROVED, name="Newcomer")
    reply = comment_create(post=post, parent=parent, body="A reply.", status=Comment.Status.APPROVED, name="Replier")

    assert root.pk > last_pk and reply.pk > root.pk
    assert root.tree_id == last_tree + 1
    assert tree_errors(Comment.objects.filter(tree_id__in=[root.tree_id, parent.tree_id])) == []
    post.refresh_from_db()
    assert post.comment_count == Comment.objects.filter(post=post, status=Comment.Status.APPROVED).count()


def test_broken_trees_fail_the_run_and_write_nothing(db, monkeypatch):
    monkeypatch.setattr(bulk, "broken_trees", lambda comments: {1: ["1 roots"]})

    with pytest.raises(CommandError, match="nothing was written"):
        seed_bulk()

    assert not Post.objects.exists()
    assert not Comment.objects.exists()
    assert not Author.objects.exists()
