"""Revisions of posts and pages through the admin's own views (django-reversion, reversion-compare)."""

import re

from django.contrib.redirects.models import Redirect
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from reversion.models import Version

from blog.models import Post
from tests.admin_forms import act, inline_data, page_form, post_form
from tests.factories import AuthorFactory, CategoryFactory, PageFactory, PostFactory, TagFactory
from tests.inert_html import Inspector


def admin_url(name, *args):
    return reverse(f"admin:blog_post_{name}", args=args)


def versions(obj):
    return Version.objects.get_for_object(obj)


def edit(client, post, **fields):
    """Save the post's change form with `fields` changed."""
    response = client.post(admin_url("change", post.pk), post_form(post, **fields))
    assert response.status_code == 302, response.context and response.context["adminform"].form.errors
    post.refresh_from_db()
    return response


def two_versions(client, post, **fields):
    """Save the post's change form as it is, then with `fields` changed: its (newer, older) versions."""
    edit(client, post)
    edit(client, post, **fields)
    return versions(post)[:2]


def compare(client, post, older, newer):
    return client.get(admin_url("compare", post.pk), {"version_id1": older.pk, "version_id2": newer.pk})


def as_saved(version):
    """The post as `version` holds it, for post_form (its byline and terms: the current ones)."""
    fields = {name: value for name, value in version.field_dict.items() if name not in ("categories", "tags")}
    return Post(**fields)


def revision_url(post, version):
    return admin_url("revision", post.pk, version.pk)


# Keeping revisions


def test_the_first_admin_save_of_an_older_post_creates_its_first_version(client, editor):
    post = PostFactory(title="Written before revisions")
    client.force_login(editor)

    assert client.get(admin_url("history", post.pk)).status_code == 200  # no versions yet: no crash
    edit(client, post, title="Now with a history")

    (version,) = versions(post)
    assert version.field_dict["title"] == "Now with a history"
    assert version.revision.user == editor


def test_every_admin_save_keeps_a_revision_with_its_byline_and_terms(client, editor):
    post = PostFactory(title="First")
    category, tag = CategoryFactory(), TagFactory()
    client.force_login(editor)
    edit(client, post, title="Second")

    added = AuthorFactory(name="Grace")
    data = post_form(post, categories=[category.pk], tags=[tag.pk])
    rows = [{"id": c.pk, "post": post.pk, "author": c.author_id, "order": c.order} for c in post.postauthor_set.all()]
    data |= inline_data("postauthor_set", rows)
    data |= {"postauthor_set-TOTAL_FORMS": 2, "postauthor_set-1-author": added.pk, "postauthor_set-1-order": 1}
    assert client.post(admin_url("change", post.pk), data).status_code == 302

    newest, older = versions(post)[:2]
    assert newest.field_dict["categories"] == [category.pk]
    assert newest.field_dict["tags"] == [tag.pk]
    assert older.field_dict["categories"] == []
    byline = newest.revision.version_set.filter(content_type__model="postauthor")
    assert sorted(v.field_dict["author_id"] for v in byline) == sorted(a.pk for a in post.authors.all())
    assert older.revision.version_set.filter(content_type__model="postauthor").count() == 1

    html = compare(client, post, older, newest).content.decode()
    assert f"<ins>+ {category.name}</ins>" in html
    assert f"<ins>+ {tag.name}</ins>" in html
    assert "<ins>Grace — order: 1</ins>" in html


def test_publish_and_unpublish_actions_keep_a_revision_per_post(client, editor):
    first = PostFactory(status=Post.Status.DRAFT, published_at=None)
    second = PostFactory(status=Post.Status.DRAFT, published_at=None)
    client.force_login(editor)

    assert act(client, "publish_now", first, second).status_code == 302
    assert act(client, "unpublish", first).status_code == 302

    unpublished, published = versions(first)
    assert (published.field_dict["status"], unpublished.field_dict["status"]) == ("published", "draft")
    assert published.revision.comment == "Published now."
    assert published.revision.user == editor
    (only,) = versions(second)
    # One revision per post: restoring one post's revision must never restore another.
    assert only.revision_id != published.revision_id
    assert only.revision.version_set.filter(content_type__model="post").count() == 1


# Seeing and comparing


def test_the_history_page_lists_revisions_for_an_editor(client, editor):
    post = PostFactory(title="First")
    client.force_login(editor)
    edit(client, post, title="Second")
    edit(client, post, title="Third")

    response = client.get(admin_url("history", post.pk))

    assert response.status_code == 200
    assert [action["version"] for action in response.context["action_list"]] == list(versions(post))
    html = response.content.decode()
    assert 'name="version_id1"' in html and "Third" in html
    assert "style=" not in html.split('id="change-history"')[1]  # no inline style: the CSP forbids it


def test_the_history_page_costs_the_same_however_many_revisions(client, editor):
    post = PostFactory()
    client.force_login(editor)
    edit(client, post, title="Second")
    client.get(admin_url("history", post.pk))  # the first request fills the caches
    with CaptureQueriesContext(connection) as few:
        client.get(admin_url("history", post.pk))
    for number in range(3):
        edit(client, post, title=f"Edit {number}")

    with CaptureQueriesContext(connection) as many:
        response = client.get(admin_url("history", post.pk))

    assert len(response.context["action_list"]) == 4
    assert len(many) == len(few)


def test_the_compare_view_shows_a_readable_escaped_diff_of_the_body(client, editor):
    post = PostFactory(body="A first paragraph.\n\nA second paragraph.")
    client.force_login(editor)
    rewritten = "A first paragraph.\n\n<script>alert('x')</script> and a new second paragraph."
    newer, older = two_versions(client, post, body=rewritten)

    response = compare(client, post, older, newer)

    assert response.status_code == 200
    html = response.content.decode()
    assert "<script>alert" not in html
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;" in html
    assert "<ins>" in html and "<del>" in html
    changed = [row["field"].name for row in response.context["compare_data"]]
    assert changed == ["body"]  # not body_html, body_text or the timestamps that follow from it


def test_the_compare_view_shows_byline_changes(client, editor):
    post = PostFactory(authors=[AuthorFactory(name="Ada")])
    client.force_login(editor)
    edit(client, post)
    credit = post.postauthor_set.get()
    data = post_form(post)
    row = {"id": credit.pk, "post": post.pk, "author": credit.author_id, "order": 0}
    data |= inline_data("postauthor_set", [row])
    grace = AuthorFactory(name="Grace")
    data |= {"postauthor_set-TOTAL_FORMS": 2, "postauthor_set-1-author": grace.pk, "postauthor_set-1-order": 1}
    assert client.post(admin_url("change", post.pk), data).status_code == 302
    newer, older = versions(post)[:2]

    html = compare(client, post, older, newer).content.decode()

    assert '<span class="diff-line diff-ins"><ins>Grace — order: 1</ins></span>' in html
    assert "Ada — order: 0" in html


# Restoring


def test_restoring_a_revision_brings_back_title_body_and_html(client, editor):
    post = PostFactory(title="Original", body="The *original* text.")
    client.force_login(editor)
    edit(client, post)
    original = versions(post).get()
    edit(client, post, title="Rewritten", body="Entirely **new** text.")

    form = client.get(revision_url(post, original))
    assert form.status_code == 200
    assert form.context["adminform"].form["title"].value() == "Original"
    post.refresh_from_db()
    assert post.title == "Rewritten"  # looking at a revision changes nothing
    restored = as_saved(original)
    response = client.post(revision_url(post, original), post_form(restored))

    assert response.status_code == 302
    post.refresh_from_db()
    assert (post.title, post.body) == ("Original", "The *original* text.")
    assert "<em>original</em>" in post.body_html
    assert "new" not in post.body_text
    assert versions(post).first().revision.comment.startswith("Reverted to previous version")


def test_restoring_a_revision_with_an_older_slug_redirects_the_newer_address(client, editor):
    post = PostFactory(slug="first-name")
    client.force_login(editor)
    edit(client, post)
    original = versions(post).get()
    first_url = post.get_absolute_url()
    edit(client, post, slug="second-name")
    second_url = post.get_absolute_url()

    restored = as_saved(original)
    assert client.post(revision_url(post, original), post_form(restored)).status_code == 302

    post.refresh_from_db()
    assert post.get_absolute_url() == first_url
    assert client.get(first_url).status_code == 200
    response = client.get(second_url)
    assert (response.status_code, response["Location"]) == (301, first_url)
    assert not Redirect.objects.filter(old_path=first_url).exists()


# Roles


def test_an_author_sees_and_restores_the_history_of_their_own_posts(client, writer):
    post = PostFactory(authors=[writer.author], title="Mine")
    client.force_login(writer)
    edit(client, post)
    mine = versions(post).get()
    edit(client, post, title="Mine, edited")

    assert client.get(admin_url("history", post.pk)).status_code == 200
    assert compare(client, post, mine, versions(post).first()).status_code == 200
    restored = as_saved(mine)
    assert client.post(revision_url(post, mine), post_form(restored)).status_code == 302
    post.refresh_from_db()
    assert post.title == "Mine"


def test_an_author_cannot_reach_the_revisions_of_someone_elses_post(client, editor, writer):
    post = PostFactory(title="Not yours")
    client.force_login(editor)
    edit(client, post, title="Not yours, v2")
    edit(client, post, title="Not yours, v3")
    newer, older = versions(post)[:2]
    client.force_login(writer)

    history = client.get(admin_url("history", post.pk))
    assert history.status_code == 404
    assert "version_id1" not in history.content.decode()
    assert compare(client, post, older, newer).status_code == 404
    assert client.get(revision_url(post, older)).status_code == 404
    restored = as_saved(older)
    assert client.post(revision_url(post, older), post_form(restored)).status_code == 404

    post.refresh_from_db()
    assert post.title == "Not yours, v3"


def test_a_revision_is_only_reached_through_its_own_object(client, editor):
    post, other = PostFactory(), PostFactory()
    client.force_login(editor)
    edit(client, other, title="Other, v2")

    assert client.get(revision_url(post, versions(other).get())).status_code == 404


def test_an_author_cannot_list_or_recover_deleted_posts(client, editor, writer):
    own = PostFactory(authors=[writer.author], title="My deleted draft")
    client.force_login(writer)
    edit(client, own)
    version = versions(own).get()
    own.delete()

    changelist = client.get(admin_url("changelist"))
    assert admin_url("recoverlist") not in changelist.content.decode()
    assert client.get(admin_url("recoverlist")).status_code == 403
    assert client.get(admin_url("recover", version.pk)).status_code == 403
    assert client.post(admin_url("recover", version.pk), post_form(own)).status_code == 403
    assert not Post.objects.filter(title="My deleted draft").exists()


def test_an_editor_recovers_a_deleted_post_at_its_address(client, editor):
    post = PostFactory(title="Deleted by mistake")
    client.force_login(editor)
    edit(client, post)
    version = versions(post).get()
    url = post.get_absolute_url()
    credits = list(post.postauthor_set.all())
    client.post(admin_url("delete", post.pk), {"post": "yes"})
    assert client.get(url).status_code == 410

    changelist = client.get(admin_url("changelist"))
    assert admin_url("recoverlist") in changelist.content.decode()
    listed = client.get(admin_url("recoverlist"))
    assert "Deleted by mistake" in listed.content.decode()
    assert client.get(admin_url("recover", version.pk)).status_code == 200
    data = post_form(as_saved(version))
    rows = [{"id": c.pk, "post": post.pk, "author": c.author_id, "order": c.order} for c in credits]
    response = client.post(admin_url("recover", version.pk), data | inline_data("postauthor_set", rows))

    assert response.status_code == 302
    recovered = Post.objects.get(pk=post.pk)
    assert recovered.title == "Deleted by mistake"
    assert list(recovered.authors.all()) == [c.author for c in credits]
    assert client.get(url).status_code == 200
    assert not Redirect.objects.filter(old_path=url).exists()  # the 410 went with the post's return


def test_recover_only_takes_deleted_objects_of_its_own_model(client, editor):
    post = PostFactory()
    client.force_login(editor)
    edit(client, post)

    assert client.get(admin_url("recover", versions(post).get().pk)).status_code == 404  # not deleted


# Pages


def test_pages_keep_revisions_and_restore(client, editor):
    page = PageFactory(title="About", slug="about", body="Who *we* are.")
    client.force_login(editor)
    change = reverse("admin:blog_page_change", args=[page.pk])
    assert client.post(change, page_form(page)).status_code == 302
    assert client.post(change, page_form(page, body="Rewritten.")).status_code == 302
    newer, older = Version.objects.get_for_object(page)[:2]

    history = client.get(reverse("admin:blog_page_history", args=[page.pk]))
    assert history.status_code == 200
    diff = client.get(
        reverse("admin:blog_page_compare", args=[page.pk]), {"version_id1": older.pk, "version_id2": newer.pk}
    )
    assert "Rewritten." in diff.content.decode()
    restore = reverse("admin:blog_page_revision", args=[page.pk, older.pk])
    assert client.post(restore, page_form(page, body="Who *we* are.")).status_code == 302

    page.refresh_from_db()
    assert "<em>we</em>" in page.body_html


def test_an_author_cannot_see_page_revisions(client, editor, writer):
    page = PageFactory(title="About", slug="about")
    client.force_login(editor)
    client.post(reverse("admin:blog_page_change", args=[page.pk]), page_form(page, title="About us"))
    client.post(reverse("admin:blog_page_change", args=[page.pk]), page_form(page, title="About"))
    newer, older = Version.objects.get_for_object(page)[:2]
    client.force_login(writer)

    assert client.get(reverse("admin:blog_page_history", args=[page.pk])).status_code == 403
    compare_url = reverse("admin:blog_page_compare", args=[page.pk])
    assert client.get(compare_url, {"version_id1": older.pk, "version_id2": newer.pk}).status_code == 403
    assert client.get(reverse("admin:blog_page_revision", args=[page.pk, older.pk])).status_code == 403


def test_each_page_changed_from_the_list_keeps_its_own_revision(client, editor):
    about = PageFactory(title="About", slug="about")
    privacy = PageFactory(title="Privacy", slug="privacy")
    client.force_login(editor)
    rows = [{"id": page.pk, "in_menu": "on", "menu_order": order} for order, page in enumerate([about, privacy])]
    data = inline_data("form", rows) | {"_save": "Save"}

    response = client.post(reverse("admin:blog_page_changelist"), data)

    assert response.status_code == 302
    (about_version,) = Version.objects.get_for_object(about)
    (privacy_version,) = Version.objects.get_for_object(privacy)
    assert about_version.revision_id != privacy_version.revision_id
    assert about_version.field_dict["in_menu"] is True
    assert about_version.revision.comment == "Changed Show in the menu."


def test_the_revision_pages_need_no_inline_script_or_style(client, editor):
    """The Content-Security-Policy allows none: the package's own templates are overridden where they had one."""
    post = PostFactory(body="First.")
    client.force_login(editor)
    newer, older = two_versions(client, post, body="Second.")
    client.post(admin_url("delete", PostFactory().pk), {"post": "yes"})

    pages = {
        "history": client.get(admin_url("history", post.pk)),
        "compare": compare(client, post, older, newer),
        "revision": client.get(revision_url(post, older)),
        "recover list": client.get(admin_url("recoverlist")),
        "changelist": client.get(admin_url("changelist")),
    }

    for name, response in pages.items():
        assert response.status_code == 200, name
        inspector = Inspector()
        inspector.feed(response.content.decode())
        for tag, attrs in inspector.elements:
            assert tag != "style", name
            assert tag != "script" or "src" in attrs, name
            assert "style" not in attrs and not any(attr.startswith("on") for attr in attrs), (name, tag, attrs)


def test_a_revision_the_models_have_outgrown_falls_back_to_a_raw_diff_without_inline_style(client, editor):
    post = PostFactory(body="<b>bold</b> text")
    client.force_login(editor)
    newer, older = two_versions(client, post, body="<b>bolder</b> text")
    # As after a migration changed a field's type: the old version cannot be loaded as a Post any more.
    data = re.sub(r'"published_at": "[^"]*"', '"published_at": "last spring"', older.serialized_data)
    Version.objects.filter(pk=older.pk).update(serialized_data=data)

    response = compare(client, post, older, newer)

    assert response.status_code == 200
    assert response.templates[0].name == "reversion-compare/compare_raw.html"
    html = response.content.decode()
    assert "&lt;b&gt;bold<ins>er</ins>&lt;/b&gt;" in html and "<b>bold" not in html
    assert "<style" not in html
