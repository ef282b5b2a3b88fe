import io
import re

import pytest
from django.core.management import call_command
from pytest_django.asserts import assertContains, assertNotContains

from authors.models import Author, User
from blog.models import Category, Post, PostAuthor, SiteSettings, Tag
from comments.models import Comment
from comments.trees import tree_errors
from tests.factories import PostFactory, make_comment

pytestmark = pytest.mark.django_db

SEED_TITLE = "Love Letters Between North Korea and Palestine"


def loaddemo(*args):
    output = io.StringIO()
    call_command("loaddemo", *args, stdout=output)
    return output.getvalue()


def counts():
    return {
        "posts": Post.objects.count(),
        "authors": Author.objects.count(),
        "bylines": PostAuthor.objects.count(),
        "categories": Category.objects.count(),
        "tags": Tag.objects.count(),
        "post categories": Post.categories.through.objects.count(),
        "post tags": Post.tags.through.objects.count(),
        "site settings": SiteSettings.objects.count(),
        "comments": Comment.objects.count(),
        "logins": User.objects.count(),
    }


def test_loaddemo_is_idempotent():
    assert "Demo content loaded" in loaddemo()
    first = counts()
    avatars = dict(Author.objects.values_list("slug", "avatar"))

    loaddemo()

    assert counts() == first
    assert first["posts"] == 4
    assert first["authors"] == 2
    assert first["comments"] == 3
    assert first["logins"] == 1
    assert dict(Author.objects.values_list("slug", "avatar")) == avatars  # no second copy of each avatar


def test_loaddemo_restores_edited_demo_content():
    loaddemo()
    Post.objects.filter(slug="letters-as-diplomacy").update(title="Edited", status=Post.Status.DRAFT)

    loaddemo()

    post = Post.objects.get(slug="letters-as-diplomacy")
    assert post.title == "Letters as Diplomacy"
    assert post.is_public


def test_seed_post_is_published_with_its_author():
    loaddemo()

    post = Post.objects.get(title=SEED_TITLE)
    assert post.is_public
    assert post in Post.objects.published()
    assert [author.name for author in post.byline] == ["Eugene Bach"]
    eugene = post.byline[0]
    assert "Back to Jerusalem" in eugene.bio
    assert "Back to Jerusalem" in eugene.bio_html
    assert eugene.avatar
    assert eugene.avatar_width == eugene.avatar_height == 400
    assert post.body_html.startswith("<")
    assert sorted(category.slug for category in post.categories.all()) == ["asia", "middle-east"]
    assert sorted(tag.name for tag in post.tags.all()) == ["Diplomacy", "North Korea", "Palestine"]
    assert Category.objects.get(slug="asia").parent.slug == "world"


def test_if_empty_does_nothing_when_posts_exist():
    existing = PostFactory()
    before = counts()

    output = loaddemo("--if-empty")

    assert "already has posts" in output
    assert counts() == before
    assert list(Post.objects.all()) == [existing]
    assert not Author.objects.filter(slug="eugene-bach").exists()


def test_if_empty_loads_into_an_empty_database():
    loaddemo("--if-empty")

    assert Post.objects.filter(title=SEED_TITLE).exists()


def test_seed_post_page_renders_with_the_bio_box(client):
    loaddemo()
    post = Post.objects.get(title=SEED_TITLE)

    response = client.get(post.get_absolute_url())

    assert post.get_absolute_url() == "/2020/09/love-letters-between-north-korea-and-palestine/"
    assertContains(response, f'<h1 class="post__title">{SEED_TITLE}</h1>', html=True)
    assertContains(response, '<aside class="bio-box"', count=1)
    assertContains(response, '<a href="/authors/eugene-bach/">All posts by Eugene Bach</a>', html=True)
    assertContains(response, "Back to Jerusalem in the year 2000")
    assertContains(response, 'class="bio-box__avatar"')


def test_every_demo_page_renders(client):
    loaddemo()

    urls = [post.get_absolute_url() for post in Post.objects.all()]
    urls += [author.get_absolute_url() for author in Author.objects.all()]
    urls += [category.get_absolute_url() for category in Category.objects.all()]
    urls += ["/", "/feed/", "/feed/atom/", "/sitemap.xml", "/search/?q=letters"]
    for url in urls:
        assert client.get(url).status_code == 200, url


def seed_discussion():
    post = Post.objects.get(title=SEED_TITLE)
    return post, {comment.name: comment for comment in Comment.objects.filter(post=post)}


def test_seed_discussion_is_loaded_as_on_the_seed_page():
    loaddemo()

    post, comments = seed_discussion()

    assert list(comments) == ["Karl Abraham", "Eugene", "Abdul Momen"]  # in display order
    karl, eugene, abdul = comments.values()
    assert karl.body.startswith("Palestine welcomes support from any country")
    assert karl.body.endswith("despite so many innocent people killed.")
    assert "ddnying Palestine ever existed snd ," in karl.body  # the seed's text, typos and all
    assert eugene.body.startswith("You know what Karl? You are correct.")
    assert eugene.body.endswith("so much better once they obtained power.")
    assert abdul.body.startswith("Thanks to Israel’s tactics")
    assert abdul.body.endswith("heinous actions against the Palestinians.")
    assert eugene.parent == karl and karl.parent is abdul.parent is None
    assert {comment.status for comment in comments.values()} == {Comment.Status.APPROVED}
    assert post.published_at < karl.created_at < eugene.created_at < abdul.created_at
    assert eugene.user == Author.objects.get(slug="eugene-bach").user
    assert eugene.badge == Comment.Badge.AUTHOR and karl.badge == abdul.badge == Comment.Badge.NONE
    assert not eugene.user.has_usable_password()
    assert post.comment_count == 3
    assert tree_errors(Comment.objects.all()) == []


def test_loaddemo_keeps_a_discussion_that_has_comments():
    loaddemo()
    post, comments = seed_discussion()
    make_comment(post, parent=comments["Abdul Momen"], name="A later reader")
    Comment.objects.filter(pk=comments["Karl Abraham"].pk).update(status=Comment.Status.REMOVED)

    loaddemo()

    assert Comment.objects.filter(post=post).count() == 4
    assert Comment.objects.get(pk=comments["Karl Abraham"].pk).status == Comment.Status.REMOVED


def test_seed_post_page_shows_the_discussion(client):
    loaddemo()
    post, comments = seed_discussion()
    karl, eugene, abdul = (comments[name].pk for name in ["Karl Abraham", "Eugene", "Abdul Momen"])

    response = client.get(post.get_absolute_url())

    assertContains(response, "3 comments")
    assertContains(response, '<ol class="comment-list" start="1">')
    threads = [
        (comment.name, comment.level, getattr(comment, "number", None))
        for comment in response.context["discussion"].comments
    ]
    assert threads == [("Karl Abraham", 0, 1), ("Eugene", 1, None), ("Abdul Momen", 0, 2)]
    # Eugene's reply sits in the list of replies inside Karl's item, with the Author badge; Abdul's thread follows.
    html = response.content.decode()
    nested = (
        rf'<li id="comment-{karl}" .*?<ol class="comment-children">\s*<li id="comment-{eugene}" '
        rf'.*?<span class="badge badge--author">Author</span>.*?</ol>\s*</li>\s*<li id="comment-{abdul}" '
    )
    assert re.search(nested, html, re.DOTALL)
    assertContains(response, '<span class="badge badge--author">Author</span>', count=1)
    assertContains(response, "You know what Karl? You are correct.")
    assertContains(response, "Thanks to Israel’s tactics")
    assertNotContains(response, "@example.com")


def test_demo_avatars_keep_their_size_for_srcset(db):
    call_command("loaddemo", verbosity=0)

    sizes = set(Author.objects.values_list("avatar_width", "avatar_height"))

    assert sizes == {(400, 400)}
