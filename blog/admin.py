from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Prefetch, Value
from django.db.models.functions import Coalesce, Least
from django.forms.models import BaseInlineFormSet
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import format_html
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _
from reversion_compare.admin import CompareVersionAdmin

from blog.models import Category, Page, Post, PostAuthor, PostImage, SiteSettings, Tag

# Editors hold it; Authors (see authors/roles.py) work only on posts whose byline they are on.
EDIT_OTHERS = "blog.edit_others_posts"


class BylineFormSet(BaseInlineFormSet):
    """A post's byline, which someone who may not edit others' posts must stay on."""

    request = None  # set by PostAuthorInline.get_formset

    def clean(self):
        super().clean()
        user = self.request.user
        if user.has_perm(EDIT_OTHERS):
            return
        writer = getattr(user, "author", None)
        if writer is None:
            raise ValidationError(gettext("Your login has no author profile yet: ask an editor to create one."))
        byline = [
            form.cleaned_data.get("author")
            for form in self.forms
            if form.cleaned_data and not form.cleaned_data.get("DELETE")
        ]
        if self.instance.pk is None and not any(byline):
            return  # PostAdmin.save_related puts the writer on it
        if writer not in byline:
            raise ValidationError(gettext("Keep yourself on the byline: without it you could not edit this post."))


class PostAuthorInline(admin.TabularInline):
    """The byline, in order (PostAuthor's Meta.ordering)."""

    model = PostAuthor
    formset = BylineFormSet
    fields = ["author", "order"]
    autocomplete_fields = ["author"]
    extra = 1

    def get_formset(self, request, obj=None, **kwargs):
        formset = super().get_formset(request, obj, **kwargs)
        formset.request = request
        return formset


class PostImageInline(admin.StackedInline):
    """Pictures for the body: each shows the Markdown that places it."""

    model = PostImage
    fields = ["image", "alt", "caption", "order"]
    extra = 0


@admin.register(Post)
class PostAdmin(CompareVersionAdmin):
    list_display = ["title", "status_label", "byline", "published_at", "updated_at", "comment_count"]
    list_filter = ["status", "categories", "tags", "published_at"]
    date_hierarchy = "published_at"
    search_fields = ["title", "dek", "body"]
    prepopulated_fields = {"slug": ["title"]}
    autocomplete_fields = ["categories", "tags"]
    readonly_fields = ["preview_link"]
    inlines = [PostAuthorInline, PostImageInline]
    fieldsets = [
        (_("Content"), {"fields": ["title", "slug", "dek", "body", "body_format"]}),
        (_("Featured image"), {"fields": ["featured_image", "featured_image_alt"]}),
        (_("Publishing"), {"fields": ["status", "published_at", "review_note", "preview_link"]}),
        (_("Discussion"), {"fields": ["discussion", "discussion_close_after_days"]}),
        (_("Metadata"), {"fields": ["categories", "tags", "meta_description"]}),
    ]
    actions = ["publish_now", "unpublish"]

    def get_queryset(self, request):
        """Every post for editors; for anyone else, only the posts whose byline they are on.

        Every admin view (list, change, delete, history, actions) finds posts here, so
        another author's post is simply not there for an Author.
        """
        byline = Prefetch("postauthor_set", queryset=PostAuthor.objects.select_related("author"))
        return super().get_queryset(request).prefetch_related(byline).editable_by(request.user)

    def get_urls(self):
        """The admin's own views for posts, plus the editor's helpers (each names its module)."""
        admin_view = self.admin_site.admin_view
        own = []
        return own + super().get_urls()

    def save_related(self, request, form, formsets, change):
        """A new post left without a byline gets its writer's author profile."""
        super().save_related(request, form, formsets, change)
        writer = getattr(request.user, "author", None)
        if not change and writer is not None and not form.instance.postauthor_set.exists():
            PostAuthor.objects.create(post=form.instance, author=writer)

    def view_on_site(self, post):
        """Readers' address once the post is live, the staff preview until then."""
        if post.is_public:
            return post.get_absolute_url()
        return reverse("blog:post_preview", kwargs={"pk": post.pk})

    @admin.display(description=_("status"), ordering="status")
    def status_label(self, post):
        if post.is_scheduled:
            when = date_format(timezone.localtime(post.published_at), "DATETIME_FORMAT")
            return gettext("Scheduled for %(when)s") % {"when": when}
        return post.get_status_display()

    @admin.display(description=_("byline"))
    def byline(self, post):
        return ", ".join(author.name for author in post.byline)

    @admin.display(description=_("preview"))
    def preview_link(self, post):
        if post.pk is None:
            return gettext("Save the post to preview it.")
        url = reverse("blog:post_preview", kwargs={"pk": post.pk})
        return format_html('<a href="{}" target="_blank" rel="noopener">{}</a>', url, gettext("Preview"))

    @admin.action(permissions=["change"], description=_("Publish now"))
    def publish_now(self, request, queryset):
        """Publish the selected posts.

        A post without a date, or scheduled for later, goes live now: that is what
        "now" means. A post that already has a past date keeps it, so a post that was
        unpublished comes back at its old address.
        """
        now = timezone.now()
        count = queryset.update(
            status=Post.Status.PUBLISHED,
            published_at=Least(Coalesce("published_at", Value(now)), Value(now)),
            updated_at=now,
        )
        message = ngettext("%(count)d post published.", "%(count)d posts published.", count)
        self.message_user(request, message % {"count": count}, messages.SUCCESS)

    @admin.action(permissions=["change"], description=_("Unpublish (back to draft)"))
    def unpublish(self, request, queryset):
        """Return the selected posts to draft; the date stays, so republishing keeps the address."""
        count = queryset.update(status=Post.Status.DRAFT, updated_at=timezone.now())
        message = ngettext("%(count)d post returned to draft.", "%(count)d posts returned to draft.", count)
        self.message_user(request, message % {"count": count}, messages.SUCCESS)


@admin.register(Page)
class PageAdmin(CompareVersionAdmin):
    list_display = ["title", "slug", "status", "in_menu", "menu_order", "updated_at"]
    list_editable = ["in_menu", "menu_order"]
    list_filter = ["status", "in_menu"]
    search_fields = ["title", "body"]
    prepopulated_fields = {"slug": ["title"]}
    fieldsets = [
        (None, {"fields": ["title", "slug", "body", "status"]}),
        (_("Menu"), {"fields": ["in_menu", "menu_title", "menu_order"]}),
        (_("Metadata"), {"fields": ["meta_description"]}),
    ]


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "parent"]
    list_select_related = ["parent"]
    search_fields = ["name"]
    prepopulated_fields = {"slug": ["name"]}
    autocomplete_fields = ["parent"]


@admin.register(Tag)
class TagAdmin(admin.ModelAdmin):
    list_display = ["name", "slug"]
    search_fields = ["name"]
    prepopulated_fields = {"slug": ["name"]}


@admin.register(SiteSettings)
class SiteSettingsAdmin(admin.ModelAdmin):
    """The one record of site settings: no list, no adding, no deleting."""

    fieldsets = [
        (_("Identity"), {"fields": ["name", "tagline", "logo"]}),
        (
            _("Discussion"),
            {
                "description": _("How comments behave on every post; a post can also close its own discussion."),
                "fields": [
                    "comment_max_depth",
                    "comment_threads_per_page",
                    "comment_order",
                    "comment_auto_close_days",
                    "comment_report_threshold",
                ],
            },
        ),
        (
            _("Spam and abuse"),
            {
                "description": _(
                    "Rules for readers' comments; moderators and a post's own authors skip them. "
                    "Held comments wait for approval, spam goes straight to the spam list; both say why."
                ),
                "fields": [
                    "comment_hold_first",
                    "comment_rate_per_minute",
                    "comment_rate_per_hour",
                    "comment_duplicate_minutes",
                    "comment_max_links",
                    "comment_max_length",
                    "comment_moderation_list",
                    "comment_block_list",
                ],
            },
        ),
        (_("Privacy"), {"fields": ["commenter_data_days", "spam_retention_days", "privacy_url"]}),
    ]

    def has_add_permission(self, request):
        return False  # SiteSettings.load() creates the record when it is missing

    def has_delete_permission(self, request, obj=None):
        return False

    def changelist_view(self, request, extra_context=None):
        if not self.has_view_or_change_permission(request):
            raise PermissionDenied
        return redirect("admin:blog_sitesettings_change", SiteSettings.load().pk)
