import io

import pytest
from django.contrib.auth.models import Group, Permission
from django.contrib.contenttypes.models import ContentType
from django.core.management import call_command
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.urls import reverse

from authors.models import Author
from authors.roles import AUTHORS, EDITORS, MODERATORS, ROLES
from tests.admin_forms import inline_data
from tests.factories import AuthorFactory, UserFactory


def granted(group_name):
    """A group's permissions, as "app_label.codename"."""
    permissions = Group.objects.get(name=group_name).permissions.select_related("content_type")
    return {f"{permission.content_type.app_label}.{permission.codename}" for permission in permissions}


def author_form(author, **fields):
    """What the author change form submits: the profile as it is, then `fields`."""
    links = list(author.links.all())
    data = {
        "name": author.name,
        "slug": author.slug,
        "user": author.user_id or "",
        "job_title": author.job_title,
        "bio": author.bio,
        "website": author.website,
    }
    rows = [
        {"id": link.pk, "author": author.pk, "label": link.label, "url": link.url, "order": link.order}
        for link in links
    ]
    data |= inline_data("links", rows)
    return data | fields


@pytest.fixture
def empty_content_type_cache():
    """The migration test recreates content types; keep no ids that the rollback undoes."""
    ContentType.objects.clear_cache()
    yield
    ContentType.objects.clear_cache()


def test_the_roles_migrations_build_the_groups_on_an_empty_database(db, empty_content_type_cache):
    executor = MigrationExecutor(connection)
    Group.objects.all().delete()
    ContentType.objects.all().delete()  # and every permission with them, as before the first post_migrate
    assert not Permission.objects.exists()

    # 0002 runs before the comments app has models; 0003 adds the comment permissions, 0004 bans',
    # 0005 post images, pages and redirects.
    for name in ["0002_roles", "0003_moderator_role", "0004_ban_permissions", "0005_editors_desk_permissions"]:
        migration = executor.loader.get_migration("authors", name)
        state = executor.loader.project_state(("authors", name), at_end=False)
        with connection.schema_editor() as schema_editor:
            migration.apply(state, schema_editor)

    for group_name, permissions in ROLES.items():
        assert granted(group_name) == set(permissions)
    assert granted(MODERATORS) == {
        "comments.view_comment",
        "comments.change_comment",
        "comments.view_commentreport",
        "comments.add_ban",
        "comments.change_ban",
        "comments.delete_ban",
        "comments.view_ban",
    }


def test_sync_roles_command_puts_back_what_was_changed_by_hand(staff):
    Group.objects.get(name=EDITORS).permissions.remove(Permission.objects.get(codename="edit_others_posts"))
    Group.objects.get(name=AUTHORS).permissions.add(Permission.objects.get(codename="change_sitesettings"))
    Group.objects.filter(name=MODERATORS).delete()

    out = io.StringIO()
    call_command("sync_roles", stdout=out)

    assert "Synchronised" in out.getvalue()
    for group_name, permissions in ROLES.items():
        assert granted(group_name) == set(permissions)


def test_editors_can_do_everything_moderators_can():
    assert set(ROLES[MODERATORS]) <= set(ROLES[EDITORS])


@pytest.mark.parametrize(
    ("group_name", "permission", "expected"),
    [
        (EDITORS, "blog.edit_others_posts", True),
        (EDITORS, "blog.change_sitesettings", True),
        (EDITORS, "blog.add_category", True),
        (EDITORS, "authors.delete_author", True),
        (EDITORS, "authors.change_user", False),
        (AUTHORS, "blog.add_post", True),
        (AUTHORS, "blog.delete_post", True),
        (AUTHORS, "blog.add_tag", True),
        (AUTHORS, "authors.change_author", True),
        (AUTHORS, "blog.edit_others_posts", False),
        (AUTHORS, "blog.add_category", False),
        (AUTHORS, "blog.change_tag", False),
        (AUTHORS, "blog.change_sitesettings", False),
        (AUTHORS, "authors.add_author", False),
        (MODERATORS, "comments.view_comment", True),
        (MODERATORS, "comments.change_comment", True),
        (MODERATORS, "comments.view_commentreport", True),
        (MODERATORS, "comments.add_ban", True),
        (MODERATORS, "comments.delete_ban", True),
        (MODERATORS, "comments.add_comment", False),
        (MODERATORS, "comments.delete_comment", False),
        (MODERATORS, "comments.change_commentreport", False),
        (MODERATORS, "comments.delete_commentreport", False),
        (MODERATORS, "blog.view_post", False),
        (MODERATORS, "blog.change_sitesettings", False),
        (MODERATORS, "authors.view_author", False),
        (EDITORS, "comments.change_comment", True),
        (EDITORS, "comments.delete_comment", False),
        (AUTHORS, "comments.view_comment", False),
        (AUTHORS, "comments.change_comment", False),
        (AUTHORS, "comments.add_ban", False),
    ],
)
def test_each_group_grants_its_permissions(staff, group_name, permission, expected):
    assert staff(group_name).has_perm(permission) is expected


def test_an_author_views_other_profiles_but_cannot_change_them(client, staff):
    user = staff(AUTHORS)
    other = AuthorFactory(name="Someone Else")
    client.force_login(user)
    url = reverse("admin:authors_author_change", args=[other.pk])

    assert client.get(url).status_code == 200
    assert client.post(url, author_form(other, name="Defaced")).status_code == 403
    other.refresh_from_db()
    assert other.name == "Someone Else"


def test_an_author_changes_their_own_profile_but_not_its_login(client, staff):
    user = staff(AUTHORS)
    profile = AuthorFactory(user=user, name="Before")
    client.force_login(user)

    response = client.post(
        reverse("admin:authors_author_change", args=[profile.pk]),
        author_form(profile, name="After", user=UserFactory().pk),
    )

    assert response.status_code == 302
    profile.refresh_from_db()
    assert profile.name == "After"
    assert profile.user == user


def test_an_author_adds_links_to_their_own_profile(client, staff):
    user = staff(AUTHORS)
    profile = AuthorFactory(user=user)
    client.force_login(user)
    data = author_form(profile) | {
        "links-TOTAL_FORMS": 1,
        "links-0-label": "Mastodon",
        "links-0-url": "https://example.social/@me",
        "links-0-order": 0,
    }

    response = client.post(reverse("admin:authors_author_change", args=[profile.pk]), data)

    assert response.status_code == 302
    assert [link.label for link in profile.links.all()] == ["Mastodon"]


def test_an_editor_links_any_profile_to_a_login(client, staff):
    editor = staff(EDITORS)
    profile = AuthorFactory()
    login = UserFactory()
    client.force_login(editor)

    response = client.post(
        reverse("admin:authors_author_change", args=[profile.pk]), author_form(profile, user=login.pk)
    )

    assert response.status_code == 302
    assert Author.objects.get(pk=profile.pk).user == login


def test_an_author_can_find_authors_for_a_byline(client, staff):
    user = staff(AUTHORS)
    AuthorFactory(name="Guest Writer")
    client.force_login(user)

    response = client.get(
        reverse("admin:autocomplete"),
        {"app_label": "blog", "model_name": "postauthor", "field_name": "author", "term": "Guest"},
    )

    assert response.status_code == 200
    assert [result["text"] for result in response.json()["results"]] == ["Guest Writer"]


def test_a_moderator_cannot_change_authors(client, staff):
    client.force_login(staff(MODERATORS))

    assert client.get(reverse("admin:authors_author_changelist")).status_code == 403
