"""The staff roles: the one definition of each group and its permissions.

Three groups, like WordPress's roles:

- **Editors** run the publication: every post (``blog.edit_others_posts``), bylines,
  authors, categories, tags, pages and the menu, redirects, the site settings, and
  everything Moderators do.
- **Authors** write, edit, publish and delete their own posts (the admin limits them to
  posts whose byline includes their author profile), or submit them for an editor's
  review; they keep their own profile, and tag.
- **Moderators** look after the discussion: they read every comment with the readers'
  reports, approve, mark as spam, remove, restore and reply, and ban commenters (by email
  or IP address). Nothing else, not even the posts' admin (the comment list shows post
  titles as text).

A group only grants permissions: the admin lets a login in only when it is also
``is_staff``, so tick "Staff status" as well as adding the user to a group.

``authors/migrations/0002_roles.py`` builds the groups; ``manage.py sync_roles`` rebuilds
them. When you change ``ROLES``, add a migration that calls ``sync_roles(apps)`` again,
depending on the migrations of any model it names.
"""

from django.apps import apps as global_apps
from django.contrib.auth.management import create_permissions
from django.db.models import Q

EDITORS = "Editors"
AUTHORS = "Authors"
MODERATORS = "Moderators"


def _all(app_label, model_name):
    """Add, change, delete and view permissions on one model."""
    return [f"{app_label}.{action}_{model_name}" for action in ("add", "change", "delete", "view")]


MODERATOR_PERMISSIONS = [
    "comments.view_comment",
    # Moderating is changing a status and replying; nobody deletes a comment (it would take its replies).
    "comments.change_comment",
    # Reports are the readers' record: moderators read them and decide on the comment.
    "comments.view_commentreport",
    # Keeping a commenter out, from a comment's page or the list of bans.
    *_all("comments", "ban"),
]

AUTHOR_PERMISSIONS = [
    *_all("blog", "post"),
    *_all("blog", "postauthor"),
    *_all("blog", "postimage"),
    "authors.view_author",
    "authors.change_author",  # their own profile only: authors/admin.py enforces it
    *_all("authors", "authorlink"),
    "blog.view_category",
    "blog.view_tag",
    "blog.add_tag",
]

EDITOR_PERMISSIONS = [
    *_all("blog", "post"),
    "blog.edit_others_posts",
    *_all("blog", "postauthor"),
    *_all("blog", "postimage"),
    # Standing pages (About, Privacy…) and the menu; old addresses' redirects and 410s.
    *_all("blog", "page"),
    *_all("redirects", "redirect"),
    *_all("authors", "author"),
    *_all("authors", "authorlink"),
    "authors.view_user",  # to link a login to an author profile (the user autocomplete needs it)
    *_all("blog", "category"),
    *_all("blog", "tag"),
    # The one record is never added or deleted through the admin: changing it is everything.
    "blog.change_sitesettings",
    "blog.view_sitesettings",
    *MODERATOR_PERMISSIONS,
]

ROLES = {
    EDITORS: EDITOR_PERMISSIONS,
    AUTHORS: AUTHOR_PERMISSIONS,
    MODERATORS: MODERATOR_PERMISSIONS,
}


def sync_roles(apps=None):
    """Create or update each group in ``ROLES`` so it has exactly those permissions.

    ``apps`` is a migration's historical registry, or the live one when omitted.
    Permissions are created first, so this works on an empty database inside a migration
    (Django only creates them after ``migrate``). A permission whose model is not in the
    registry yet is left out; the migration that adds the model should sync again.
    """
    apps = apps or global_apps
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    # Installed apps' configs, which know their models module; `apps` says which models exist.
    for app_config in global_apps.get_app_configs():
        create_permissions(app_config, apps=apps, verbosity=0)
    for name, permissions in ROLES.items():
        group, _created = Group.objects.get_or_create(name=name)
        group.permissions.set(_lookup(Permission, permissions))


def _lookup(Permission, permissions):
    """The Permission rows for a list of "app_label.codename" strings."""
    wanted = Q(pk__in=[])  # matches nothing, so an empty role gets no permissions
    for permission in permissions:
        app_label, codename = permission.split(".")
        wanted |= Q(content_type__app_label=app_label, codename=codename)
    return Permission.objects.filter(wanted)
