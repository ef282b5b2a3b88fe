import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from authors.roles import AUTHORS, MODERATORS
from blog.models import Category, Post, SiteSettings
from tests.admin_forms import act, change_url, post_form
from tests.factories import AuthorFactory, CategoryFactory, PostFactory, TagFactory

CHANGELIST = reverse("admin:blog_post_changelist")
ADD = reverse("admin:blog_post_add")


def listed(response):
    return set(response.context["cl"].result_list)


# Editors


def test_an_editor_sees_and_edits_everyones_posts(client, editor):
    posts = PostFactory.create_batch(2)
    client.force_login(editor)

    assert listed(client.get(CHANGELIST)) == set(posts)

    response = client.post(change_url(posts[0]), post_form(posts[0], title="Edited by an editor"))
    assert response.status_code == 302
    posts[0].refresh_from_db()
    assert posts[0].title == "Edited by an editor"


def test_an_editor_changes_the_site_settings(client, editor):
    client.force_login(editor)
    change_page = client.get(reverse("admin:blog_sitesettings_changelist")).url

    form = client.get(change_page).context["adminform"].form
    data = {name: value for name, value in form.initial.items() if name in form.fields and value is not None}

    response = client.post(change_page, data | {"name": "Renamed", "tagline": "New", "logo": ""})

    assert response.status_code == 302
    assert SiteSettings.load().name == "Renamed"


def test_an_editor_adds_a_category(client, editor):
    client.force_login(editor)

    response = client.post(reverse("admin:blog_category_add"), {"name": "Asia", "slug": "asia", "description": ""})

    assert response.status_code == 302
    assert Category.objects.filter(slug="asia").exists()


# Authors


def test_an_author_sees_only_posts_they_are_on_the_byline_of(client, writer):
    own = PostFactory(authors=[writer.author])
    shared = PostFactory(authors=[AuthorFactory(), writer.author])
    PostFactory(status=Post.Status.DRAFT)
    client.force_login(writer)

    assert listed(client.get(CHANGELIST)) == {own, shared}


def test_an_author_adds_a_post_and_is_put_on_its_byline(client, writer):
    client.force_login(writer)
    assert client.get(ADD).status_code == 200

    response = client.post(ADD, post_form(Post(title="My first post", slug="my-first-post")))

    assert response.status_code == 302
    post = Post.objects.get(slug="my-first-post")
    assert post.byline == [writer.author]
    assert post.status == Post.Status.DRAFT


def test_an_author_cannot_take_themselves_off_the_byline(client, writer):
    co_author = AuthorFactory()
    post = PostFactory(authors=[writer.author, co_author])
    client.force_login(writer)

    response = client.post(change_url(post), post_form(post, **{"postauthor_set-0-DELETE": "on"}))

    assert response.status_code == 200
    assert "Keep yourself on the byline" in response.content.decode()
    assert Post.objects.get(pk=post.pk).byline == [writer.author, co_author]


def test_an_author_cannot_add_a_post_under_someone_elses_name(client, writer):
    client.force_login(writer)
    data = post_form(Post(title="Ghost", slug="ghost")) | {
        "postauthor_set-TOTAL_FORMS": 1,
        "postauthor_set-0-author": AuthorFactory().pk,
        "postauthor_set-0-order": 0,
    }

    response = client.post(ADD, data)

    assert response.status_code == 200
    assert not Post.objects.filter(slug="ghost").exists()


def test_an_author_without_a_profile_cannot_write(client, staff):
    client.force_login(staff(AUTHORS))

    response = client.post(ADD, post_form(Post(title="Nobody's", slug="nobodys")))

    assert response.status_code == 200
    assert "no author profile" in response.content.decode()
    assert not Post.objects.exists()


def test_an_author_publishes_their_own_post(client, writer):
    post = PostFactory(authors=[writer.author], status=Post.Status.DRAFT, published_at=None)
    client.force_login(writer)
    assert client.get(change_url(post)).status_code == 200

    response = client.post(change_url(post), post_form(post, status=Post.Status.PUBLISHED))

    assert response.status_code == 302
    post.refresh_from_db()
    assert post.is_public


def test_an_author_cannot_open_or_change_someone_elses_post(client, writer):
    post = PostFactory(title="Not yours", status=Post.Status.DRAFT)
    client.force_login(writer)

    assert client.get(change_url(post)).status_code == 302  # "doesn't exist", back to the admin index
    response = client.post(change_url(post), post_form(post, title="Mine now"))
    assert response.status_code == 302
    assert act(client, "publish_now", post).status_code == 302
    assert client.post(reverse("admin:blog_post_delete", args=[post.pk]), {"post": "yes"}).status_code == 302

    post.refresh_from_db()
    assert (post.title, post.status) == ("Not yours", Post.Status.DRAFT)


def test_an_author_previews_their_own_draft_but_not_someone_elses(client, writer):
    own = PostFactory(authors=[writer.author], status=Post.Status.DRAFT, published_at=None)
    other = PostFactory(status=Post.Status.DRAFT, published_at=None)
    client.force_login(writer)

    assert client.get(reverse("blog:post_preview", kwargs={"pk": own.pk})).status_code == 200
    assert client.get(reverse("blog:post_preview", kwargs={"pk": other.pk})).status_code == 404


def test_an_author_cannot_change_site_settings_or_categories(client, writer):
    category = CategoryFactory(name="Unchanged")
    client.force_login(writer)

    assert client.get(reverse("admin:blog_sitesettings_changelist")).status_code == 403
    assert client.post(reverse("admin:blog_sitesettings_change", args=[1]), {"name": "Mine"}).status_code == 403
    assert client.post(reverse("admin:blog_category_add"), {"name": "New", "slug": "new"}).status_code == 403
    response = client.post(reverse("admin:blog_category_change", args=[category.pk]), {"name": "Changed"})
    assert response.status_code == 403
    assert SiteSettings.load().name == "Colloquy"
    assert list(Category.objects.values_list("name", flat=True)) == ["Unchanged"]


# Moderators


def test_a_moderator_cannot_open_the_posts(client, staff):
    client.force_login(staff(MODERATORS))

    assert client.get(CHANGELIST).status_code == 403


# Actions and the change list


def test_publish_now_puts_posts_live_now_and_keeps_a_past_date(client, editor):
    now = timezone.now()
    past = now - datetime.timedelta(days=30)
    draft = PostFactory(status=Post.Status.DRAFT, published_at=None)
    scheduled = PostFactory(published_at=now + datetime.timedelta(days=3))
    unpublished = PostFactory(status=Post.Status.DRAFT, published_at=past)
    client.force_login(editor)

    assert act(client, "publish_now", draft, scheduled, unpublished).status_code == 302

    for post in (draft, scheduled, unpublished):
        post.refresh_from_db()
        assert post.is_public
    assert now <= draft.published_at <= timezone.now()
    assert now <= scheduled.published_at <= timezone.now()
    assert unpublished.published_at == past


def test_unpublish_returns_posts_to_draft(client, editor):
    post = PostFactory()
    client.force_login(editor)

    assert act(client, "unpublish", post).status_code == 302

    post.refresh_from_db()
    assert post.status == Post.Status.DRAFT
    assert not post.is_public


def test_an_author_publishes_their_own_posts_with_the_action(client, writer):
    post = PostFactory(authors=[writer.author], status=Post.Status.DRAFT, published_at=None)
    client.force_login(writer)

    assert act(client, "publish_now", post).status_code == 302

    post.refresh_from_db()
    assert post.is_public


def test_the_changelist_shows_statuses_and_bylines(client, editor):
    PostFactory(authors=[AuthorFactory(name="Ada"), AuthorFactory(name="Grace")])
    PostFactory(published_at=timezone.now() + datetime.timedelta(days=2))
    PostFactory(status=Post.Status.PENDING, published_at=None)
    client.force_login(editor)

    content = client.get(CHANGELIST).content.decode()

    assert "Ada, Grace" in content
    assert "Scheduled for " in content
    assert "Pending review" in content


def test_the_change_form_links_to_the_preview_until_the_post_is_live(client, editor):
    draft = PostFactory(status=Post.Status.DRAFT, published_at=None)
    live = PostFactory()
    client.force_login(editor)

    preview = reverse("blog:post_preview", kwargs={"pk": draft.pk})
    draft_page = client.get(change_url(draft))
    assert draft_page.context["original"] == draft
    assert draft_page.content.decode().count(f'href="{preview}"') == 2  # "view on site" and the preview field
    assert f'href="{live.get_absolute_url()}"' in client.get(change_url(live)).content.decode()


@pytest.mark.parametrize("user_fixture", ["editor", "writer"])
def test_the_changelist_takes_a_fixed_number_of_queries(db, client, request, user_fixture):
    user = request.getfixturevalue(user_fixture)
    author = getattr(user, "author", None) or AuthorFactory()
    category, tag = CategoryFactory(), TagFactory()
    client.force_login(user)

    def count_queries():
        with CaptureQueriesContext(connection) as queries:
            assert client.get(CHANGELIST).status_code == 200
        return len(queries)

    count_queries()  # the first request also creates the site settings record and caches it
    PostFactory.create_batch(3, authors=[author, AuthorFactory()], categories=[category], tags=[tag])
    with_three = count_queries()
    PostFactory.create_batch(7, authors=[author, AuthorFactory()], categories=[category], tags=[tag])

    assert count_queries() == with_three


# Site settings


def test_site_settings_is_one_record_without_add_or_delete(client, editor):
    client.force_login(editor)

    response = client.get(reverse("admin:blog_sitesettings_changelist"))

    assert response.status_code == 302
    assert response.url == reverse("admin:blog_sitesettings_change", args=[1])
    assert client.get(response.url).status_code == 200
    assert client.get(reverse("admin:blog_sitesettings_add")).status_code == 403
    assert client.post(reverse("admin:blog_sitesettings_delete", args=[1]), {"post": "yes"}).status_code == 403
    assert SiteSettings.objects.count() == 1
