import uuid

from django.conf import settings
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Prefetch
from django.forms.models import BaseInlineFormSet
from django.shortcuts import redirect
from django.urls import path, reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import format_html
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from blog import editor
from blog.forms import PostAdminForm
from blog.models import Category, Page, Post, PostAuthor, PostImage, SiteSettings, Tag
from blog.review import PublicationStateFilter, ReturnToAuthorView
from blog.revisions import VersionedAdmin
from blog.sharing import share_link
from blog.templatetags.images import responsive_image

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
    """Pictures for the body: each shows the Markdown that places it (editor.js adds copy and insert buttons).

    Alt text is required by the model, so a missing one is a form error; the image
    field is a ValidatedImageField, so a bad upload is one too.
    """

    model = PostImage
    fields = ["thumbnail", "image", "alt", "caption", "order", "snippet"]
    readonly_fields = ["thumbnail", "snippet"]
    extra = 0

    @admin.display(description=_("picture"))
    def thumbnail(self, image):
        if not image.pk:
            return gettext("Shown here once the post is saved.")
        return responsive_image(image.image, image.alt, sizes="12rem", **{"class": "post-image-thumbnail"})

    @admin.display(description=_("Markdown"))
    def snippet(self, image):
        if not image.pk:
            return gettext("Save the post to get the Markdown that places this image in the body.")
        return format_html('<code class="image-snippet">{}</code>', image.markdown)


@admin.register(Post)
class PostAdmin(VersionedAdmin):
    form = PostAdminForm
    # "Recover deleted posts" lists everyone's: an Author would see others' drafts there.
    recover_permission = EDIT_OTHERS
    # The live comment count, and the key that decides which share links still work.
    kept_on_restore = ("comment_count", "share_key")
    list_display = ["title", "status_label", "byline", "published_at", "updated_at", "comment_count"]
    list_filter = [PublicationStateFilter, "categories", "tags", "published_at"]
    date_hierarchy = "published_at"
    search_fields = ["title", "dek", "body"]
    prepopulated_fields = {"slug": ["title"]}
    autocomplete_fields = ["categories", "tags"]
    readonly_fields = ["preview_link"]
    inlines = [PostAuthorInline, PostImageInline]
    fieldsets = [
        (_("Content"), {"fields": ["title", "slug", "dek", "body", "body_format"]}),
        (_("Featured image"), {"fields": ["featured_image", "featured_image_alt"]}),
        (_("Publishing"), {"fields": ["status", "published_at", "sticky", "review_note", "preview_link"]}),
        (_("Discussion"), {"fields": ["discussion", "discussion_close_after_days"]}),
        (_("Metadata"), {"fields": ["categories", "tags", "meta_description"]}),
    ]
    actions = ["publish_now", "unpublish", "revoke_share_links"]

    class Media:
        # The body editor's live preview, word count and image snippet buttons (blog/editor.py serves it).
        css = {"all": ["css/admin/editor.css"]}
        js = ["js/admin/editor.js"]

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
        own = [
            path("markdown-preview/", admin_view(editor.markdown_preview), name="blog_post_markdown_preview"),
            path(
                "<path:object_id>/return/",
                admin_view(ReturnToAuthorView.as_view(model_admin=self)),
                name="blog_post_return",
            ),
        ]
        return own + super().get_urls()

    def get_readonly_fields(self, request, obj=None):
        """The editor's note is the Editors' to write: an Author reads it."""
        readonly = list(super().get_readonly_fields(request, obj))
        if not request.user.has_perm(EDIT_OTHERS):
            readonly.append("review_note")
        return readonly

    def get_fieldsets(self, request, obj=None):
        """A note from the editor heads the form while the post has one; Authors never see an empty one."""
        fieldsets = super().get_fieldsets(request, obj)
        has_note = obj is not None and bool(obj.review_note)
        if not has_note and request.user.has_perm(EDIT_OTHERS):
            return fieldsets
        without_note = [
            (name, {**options, "fields": [field for field in options["fields"] if field != "review_note"]})
            for name, options in fieldsets
        ]
        if has_note:
            return [(_("Note from the editor"), {"fields": ["review_note"], "classes": ["review-note"]}), *without_note]
        return without_note

    def save_model(self, request, obj, form, change):
        """The "Submit for review" button makes the post pending; publishing clears the editor's note."""
        if "_submit_for_review" in request.POST:
            obj.status = Post.Status.PENDING
            message = gettext("Submitted for review: an editor will publish it or return it to you with a note.")
            self.message_user(request, message, messages.SUCCESS)
        if obj.status == Post.Status.PUBLISHED:
            obj.review_note = ""
        super().save_model(request, obj, form, change)

    def save_related(self, request, form, formsets, change):
        """A new post left without a byline gets its writer's author profile."""
        super().save_related(request, form, formsets, change)
        form.instance.render_body(save=True)  # Again, now that images uploaded with the post exist.
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
        """Where the post stands, as the publication-state filter (blog/review.py) sorts it."""
        if post.is_scheduled:
            when = date_format(timezone.localtime(post.published_at), "DATETIME_FORMAT")
            return gettext("Scheduled for %(when)s") % {"when": when}
        if post.status == Post.Status.DRAFT and post.review_note:
            return gettext("Draft, returned with a note")
        return post.get_status_display()

    @admin.display(description=_("byline"))
    def byline(self, post):
        return ", ".join(author.name for author in post.byline)

    @admin.display(description=_("preview"))
    def preview_link(self, post):
        """The staff preview, and until the post is live a share link for readers without a login."""
        if post.pk is None:
            return gettext("Save the post to preview it.")
        url = reverse("blog:post_preview", kwargs={"pk": post.pk})
        preview = format_html('<a href="{}" target="_blank" rel="noopener">{}</a>', url, gettext("Preview"))
        if post.is_public:
            return preview
        share_path, expires_at = share_link(post)
        return format_html(
            '{}<p class="share-link">{} <input type="text" readonly class="vTextField" value="{}" aria-label="{}"></p>',
            preview,
            gettext(
                "Share link, for someone without a login (works until %(when)s, "
                "or until the post list's \u201cRevoke share links\u201d action):"
            )
            % {"when": date_format(timezone.localtime(expires_at), "DATETIME_FORMAT")},
            f"{settings.SITE_URL}{share_path}",
            gettext("Share link"),
        )

    @admin.action(permissions=["change"], description=_("Publish now"))
    def publish_now(self, request, queryset):
        """Publish the selected posts.

        A post without a date, or scheduled for later, goes live now: that is what
        "now" means. A post that already has a past date keeps it, so a post that was
        unpublished comes back at its old address.
        """
        now = timezone.now()
        posts = list(queryset)
        for post in posts:
            post.status = Post.Status.PUBLISHED
            post.review_note = ""  # as when published from the form (save_model)
            if post.published_at is None or post.published_at > now:
                post.published_at = now
        # Saved one by one, so each keeps a revision and Post.save() renders and redirects.
        self.save_in_revision(request, posts, gettext("Published now."))
        count = len(posts)
        message = ngettext("%(count)d post published.", "%(count)d posts published.", count)
        self.message_user(request, message % {"count": count}, messages.SUCCESS)

    @admin.action(permissions=["change"], description=_("Unpublish (back to draft)"))
    def unpublish(self, request, queryset):
        """Return the selected posts to draft; the date stays, so republishing keeps the address."""
        posts = list(queryset)
        for post in posts:
            post.status = Post.Status.DRAFT
        self.save_in_revision(request, posts, gettext("Unpublished (back to draft)."))
        count = len(posts)
        message = ngettext("%(count)d post returned to draft.", "%(count)d posts returned to draft.", count)
        self.message_user(request, message % {"count": count}, messages.SUCCESS)

    @admin.action(permissions=["change"], description=_("Revoke share links"))
    def revoke_share_links(self, request, queryset):
        """Stop every share link given out so far for the selected posts (a new key; not content, so no revision)."""
        count = queryset.update(share_key=uuid.uuid4())
        message = ngettext(
            "Share links for %(count)d post no longer work.", "Share links for %(count)d posts no longer work.", count
        )
        self.message_user(request, message % {"count": count}, messages.SUCCESS)


@admin.register(Page)
class PageAdmin(VersionedAdmin):
    """Standing pages, listed as the menu reads: its pages first, in their order, which editors change here."""

    list_display = ["title", "address", "status", "in_menu", "menu_order", "updated_at"]
    list_editable = ["in_menu", "menu_order"]
    list_filter = ["status", "in_menu"]
    ordering = ["-in_menu", "menu_order", "title"]
    search_fields = ["title", "body"]
    prepopulated_fields = {"slug": ["title"]}
    fieldsets = [
        (
            None,
            {
                "description": _(
                    "The page lives at /slug/; addresses the site already uses (search, feed, years…) are refused. "
                    "Staff who edit pages can read a draft at its address; readers cannot."
                ),
                "fields": ["title", "slug", "body", "status"],
            },
        ),
        (
            _("Menu"),
            {
                "description": _("Menu pages appear in the site's header and footer, lowest position first."),
                "fields": ["in_menu", "menu_title", "menu_order"],
            },
        ),
        (_("Metadata"), {"fields": ["meta_description"]}),
    ]

    def view_on_site(self, page):
        """The page's own address (drafts too: editors can read them), not the contenttypes shortcut."""
        return page.get_absolute_url()

    @admin.display(description=_("address"), ordering="slug")
    def address(self, page):
        """The page's address, linked: what readers see, or the draft as they will."""
        url = page.get_absolute_url()
        return format_html('<a href="{}" target="_blank" rel="noopener">{}</a>', url, url)


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
        (
            _("Privacy"),
            {
                "description": _(
                    "The comment form links the privacy page while it is published, else the address below."
                ),
                "fields": ["commenter_data_days", "spam_retention_days", "privacy_page", "privacy_url"],
            },
        ),
    ]

    def has_add_permission(self, request):
        return False  # SiteSettings.load() creates the record when it is missing

    def has_delete_permission(self, request, obj=None):
        return False

    def changelist_view(self, request, extra_context=None):
        if not self.has_view_or_change_permission(request):
            raise PermissionDenied
        return redirect("admin:blog_sitesettings_change", SiteSettings.load().pk)
