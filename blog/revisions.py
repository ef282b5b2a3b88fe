"""Revisions of posts and pages in the admin (django-reversion with django-reversion-compare).

Every admin save keeps a revision: reversion's VersionAdmin wraps the add and change
views in one, and the inlines (byline, images) and many-to-many fields are part of it.
Editors list revisions on the History page, compare two of them, and restore one by
saving it from reversion's revision view. ``VersionedAdmin`` adds what the stock classes
leave out here:

- every view finds its object through ``get_queryset()``, so an Author can reach only
  the revisions of posts they may edit (reversion reverts before it checks, and the
  compare view does not check at all);
- a restore or recovery leaves the redirect table right: reversion writes the old row
  straight to the database, so ``Post.save()`` cannot see which address was live before;
- each object saved from the change list (an action, a list edit) gets a revision of its
  own: restoring a revision restores everything in it, so one must never hold several posts;
- "Recover deleted …" lists every deleted object of the model, whoever wrote it, so only
  those with ``recover_permission`` (for posts, editors) may use it.
"""

from django.contrib.admin.utils import unquote
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext
from reversion import add_to_revision, is_active
from reversion.admin import VersionAdmin
from reversion.models import Version
from reversion_compare.admin import CompareVersionAdmin
from reversion_compare.compare import CompareObjects
from reversion_compare.helpers import html_diff

from blog.redirects import record_move


class VersionedAdmin(CompareVersionAdmin):
    """A ModelAdmin whose objects keep revisions; the model has a ``_stored_public_url()``."""

    # Beyond adding and changing, the permission that may see every deleted object (None: none needed).
    recover_permission = None
    # reversion-compare's per-field diffs look here for reverse relations; compare() diffs those itself.
    reverse_fields = ()
    # Fields that are today's facts, not content: a restore keeps their current values.
    kept_on_restore = ()

    # Views

    def history_view(self, request, object_id, extra_context=None):
        """The list of revisions, for an object this user may see."""
        self._get_permitted_object(request, object_id, change=False)
        return super().history_view(request, object_id, extra_context)

    def compare_view(self, request, object_id, extra_context=None):
        """A diff of two revisions of an object this user may see."""
        self._get_permitted_object(request, object_id, change=False)
        return super().compare_view(request, object_id, extra_context)

    def revision_view(self, request, object_id, version_id, extra_context=None):
        """One revision in the change form; saving it restores it."""
        obj = self._get_permitted_object(request, object_id, change=request.method == "POST")
        get_object_or_404(Version.objects.get_for_object(obj), pk=version_id)
        live_before = obj._stored_public_url()
        kept = {name: getattr(obj, name) for name in self.kept_on_restore}
        response = super().revision_view(request, object_id, version_id, extra_context)
        self._settle_address(request, response, obj.pk, live_before)
        if request.method == "POST" and response.status_code == 302 and kept:
            self.model._default_manager.filter(pk=obj.pk).update(**kept)
        return response

    def recoverlist_view(self, request, extra_context=None):
        """Deleted objects, for those who may recover any of them."""
        if not self.has_recover_permission(request):
            raise PermissionDenied
        return super().recoverlist_view(request, extra_context)

    def recover_view(self, request, version_id, extra_context=None):
        """A deleted object's last revision in the change form; saving it brings the object back."""
        if not self.has_recover_permission(request):
            raise PermissionDenied
        # Only this model's deleted objects: reversion would take any version, even of a live object.
        version = get_object_or_404(Version.objects.get_deleted(self.model), pk=version_id)
        response = super().recover_view(request, version_id, extra_context)
        self._settle_address(request, response, version.object_id, None)
        return response

    def changelist_view(self, request, extra_context=None):
        """The change list, without reversion's one revision around the whole request.

        That revision would hold every object an action or a list edit saves, and restoring
        any of them would restore them all; ``log_change`` and ``save_in_revision`` give
        each object its own instead.
        """
        context = {"may_recover": self.has_recover_permission(request), **(extra_context or {})}
        return super(VersionAdmin, self).changelist_view(request, context)

    # Permissions

    def has_recover_permission(self, request):
        """May this user list and recover deleted objects?"""
        return (
            self.has_add_permission(request)
            and self.has_change_permission(request)
            and (self.recover_permission is None or request.user.has_perm(self.recover_permission))
        )

    # Saving

    def log_change(self, request, obj, message):
        """Log a change; one saved outside a revision (a list edit) gets its own revision here."""
        if is_active():
            return super().log_change(request, obj, message)
        with self.create_revision(request):
            add_to_revision(obj)
            return super().log_change(request, obj, message)

    def save_in_revision(self, request, objects, message):
        """Save each of `objects` in a revision of its own, logged in its history with `message`.

        For actions, which change several objects at once: all of them, or none.
        """
        with transaction.atomic():
            for obj in objects:
                with self.create_revision(request):
                    obj.save()
                    self.log_change(request, obj, message)

    def compare(self, obj, version1, version2):
        """What changed between two revisions, field by field, as the compare view shows it.

        Only the fields people write: what follows from them (body_html, counts, timestamps)
        is noise. reversion-compare diffs many-to-many fields and inline rows only when the
        related model keeps revisions too and the relation has a related_name, so those are
        diffed here from the revisions' own data, one line per item.
        """
        rows = []
        for field in [field for field in obj._meta.fields if field.editable]:
            change = CompareObjects(field, field.name, obj, version1, version2, False)
            if change.changed():
                rows.append(_diff_row(field, self._get_compare(change)))
        for field in obj._meta.many_to_many:
            before, after = version1.field_dict.get(field.name), version2.field_dict.get(field.name)
            if before is not None and after is not None and set(before) != set(after):
                names = field.related_model._default_manager.in_bulk(set(before) | set(after))
                lines = [sorted(str(names.get(pk, gettext("(deleted)"))) for pk in ids) for ids in (before, after)]
                rows.append(_diff_row(field, _line_diff(*lines)))
        for inline in self.inlines:
            lines = [_inline_lines(inline, obj, version) for version in (version1, version2)]
            if lines[0] != lines[1]:
                rows.append(_diff_row({"verbose_name": inline.model._meta.verbose_name_plural}, _line_diff(*lines)))
        return rows, False  # False: no "not under revision control" note, nothing shown is

    # Helpers

    def _get_permitted_object(self, request, object_id, *, change):
        """The object, found through get_queryset(); 404 when this user may not reach it."""
        obj = self.get_object(request, unquote(object_id))
        if obj is None:
            raise Http404
        allowed = self.has_change_permission if change else self.has_view_or_change_permission
        if not allowed(request, obj):
            raise PermissionDenied
        return obj

    def _settle_address(self, request, response, pk, live_before):
        """After a restore, send the address that was live to the one that is (see the module's docstring)."""
        if request.method != "POST" or response.status_code != 302:
            return  # nothing was saved
        restored = self.model._default_manager.filter(pk=pk).first()
        live_after = restored._stored_public_url() if restored else None
        if live_after:
            record_move(live_before, live_after)


def _diff_row(field, diff):
    """One entry of the compare view (reversion-compare's compare_partial.html)."""
    return {"field": field, "is_related": False, "follow": True, "diff": diff}


def _line_diff(before, after):
    """A diff of two lists of lines (html_diff escapes them)."""
    return html_diff("".join(f"{line}\n" for line in before), "".join(f"{line}\n" for line in after))


def _inline_lines(inline, obj, version):
    """The inline's rows for `obj` in `version`'s revision, one line each, in the model's order."""
    model = inline.model
    parent = next(f.attname for f in model._meta.fields if f.many_to_one and f.related_model is obj._meta.model)
    # The plain fields the inline shows (its author is in the row's own name, its thumbnail is not a field).
    fields = {field.name: field for field in model._meta.fields if not field.is_relation}
    shown = [fields[name] for name in inline.fields or () if name in fields]
    rows = [
        row
        for row in version.revision.version_set.filter(content_type=ContentType.objects.get_for_model(model))
        if row.field_dict[parent] == obj.pk
    ]
    ordering = [name.lstrip("-") for name in model._meta.ordering]
    rows.sort(key=lambda row: [int(row.object_id) if name == "pk" else row.field_dict.get(name) for name in ordering])
    return [
        " — ".join([row.object_repr, *(f"{field.verbose_name}: {row.field_dict[field.attname]}" for field in shown)])
        for row in rows
    ]
