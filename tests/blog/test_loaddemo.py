import io

import pytest
from django.core.management import call_command
from pytest_django.asserts import assertContains

from authors.models import Author
from blog.models import Category, Post, PostAuthor, SiteSettings, Tag
from tests.factories import PostFactory

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
    }


def test_loaddemo_is_idempotent():
    assert "Demo content loaded" in loaddemo()
    first = counts()
    avatars = dict(Author.objects.values_list("slug", "avatar"))

    loaddemo()

    assert counts() == first
    assert first["posts"] == 4
    assert first["authors"] == 2
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
