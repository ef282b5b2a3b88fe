from django.contrib import admin
from django.contrib.auth import admin as auth_admin
from django.db import models
from django.utils.translation import gettext_lazy as _

from authors.models import Author, AuthorLink, User

# Django 6.0's default already: a bare "example.com" becomes https://, without 5.2's warning.
HTTPS_URLS = {models.URLField: {"assume_scheme": "https"}}


def may_change_profile(user, author):
    """Editors change any author profile; everyone else only the one linked to their login."""
    return author is None or user.has_perm("blog.edit_others_posts") or author.user_id == user.pk


@admin.register(User)
class UserAdmin(auth_admin.UserAdmin):
    fieldsets = [
        *auth_admin.UserAdmin.fieldsets,
        (_("Comments"), {"fields": ["comment_alerts"]}),
    ]


class AuthorLinkInline(admin.TabularInline):
    """Profile links, in order (AuthorLink's Meta.ordering); editable with the profile only."""

    model = AuthorLink
    fields = ["label", "url", "order"]
    formfield_overrides = HTTPS_URLS
    extra = 1

    def has_add_permission(self, request, obj):
        return super().has_add_permission(request, obj) and may_change_profile(request.user, obj)

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and may_change_profile(request.user, obj)

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and may_change_profile(request.user, obj)


@admin.register(Author)
class AuthorAdmin(admin.ModelAdmin):
    list_display = ["name", "job_title", "user"]
    list_select_related = ["user"]
    search_fields = ["name"]
    prepopulated_fields = {"slug": ["name"]}
    autocomplete_fields = ["user"]
    formfield_overrides = HTTPS_URLS
    inlines = [AuthorLinkInline]

    def has_change_permission(self, request, obj=None):
        """Authors see every profile (the byline autocomplete needs it) but change only their own."""
        return super().has_change_permission(request, obj) and may_change_profile(request.user, obj)

    def get_readonly_fields(self, request, obj=None):
        # Re-linking a profile to another login is an editor's decision.
        if request.user.has_perm("blog.edit_others_posts"):
            return self.readonly_fields
        return [*self.readonly_fields, "user"]
