import datetime
import math
import re
import uuid
from urllib.parse import urlsplit

from django.conf import settings as django_settings
from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.search import SearchVector, SearchVectorField
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator, URLValidator
from django.db import models, transaction
from django.db.models import F, Prefetch, Q
from django.urls import Resolver404, URLResolver, get_resolver, resolve, reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from blog.images import ValidatedImageField
from blog.markup import IMAGE_PREFIX, html_to_text, render_post_markdown, sanitize_post_html
from blog.redirects import record_gone, record_move

WORDS_PER_MINUTE = 230


def validate_link(value):
    """A path on this site ("/privacy/") or an http(s) address: never javascript: or //host."""
    if value.startswith("/") and not value.startswith("//"):
        return
    URLValidator(schemes=["http", "https"])(value)


class SiteSettings(models.Model):
    """The one record of site-wide choices editors make in the admin (identity now)."""

    CACHE_KEY = "site-settings:v1"

    name = models.CharField(_("site name"), max_length=100, default="Colloquy")
    tagline = models.CharField(_("tagline"), max_length=200, blank=True, default="Conversations worth having")
    logo = ValidatedImageField(
        _("logo"), upload_to="site/", blank=True, width_field="logo_width", height_field="logo_height"
    )
    logo_width = models.PositiveIntegerField(null=True, blank=True, editable=False)
    logo_height = models.PositiveIntegerField(null=True, blank=True, editable=False)

    # Discussion: how comments behave everywhere (a post can only close its own).
    class CommentOrder(models.TextChoices):
        OLDEST = "oldest", _("Oldest threads first")
        NEWEST = "newest", _("Newest threads first")

    comment_max_depth = models.PositiveSmallIntegerField(
        _("maximum reply depth"),
        default=5,
        validators=[MinValueValidator(1), MaxValueValidator(20)],
        help_text=_("Replies deeper than this attach beside the comment they answer, as in WordPress."),
    )
    comment_threads_per_page = models.PositiveSmallIntegerField(
        _("threads per page"), default=50, validators=[MinValueValidator(1), MaxValueValidator(500)]
    )
    comment_order = models.CharField(
        _("thread order"), max_length=10, choices=CommentOrder.choices, default=CommentOrder.OLDEST
    )
    comment_auto_close_days = models.PositiveIntegerField(
        _("close discussions after (days)"), default=0, help_text=_("0 keeps discussions open for ever.")
    )
    comment_report_threshold = models.PositiveSmallIntegerField(
        _("hold a comment after this many reports"), default=3, validators=[MinValueValidator(1)]
    )

    # Spam and abuse rules (comments/spam.py applies them to every public comment).
    comment_hold_first = models.BooleanField(
        _("hold a commenter's first comment"),
        default=True,
        help_text=_("Until the email is verified and has enough approved comments (below)."),
    )
    comment_rate_per_minute = models.PositiveSmallIntegerField(
        _("comments per minute (per IP and per email)"), default=5, validators=[MinValueValidator(1)]
    )
    comment_rate_per_hour = models.PositiveSmallIntegerField(
        _("comments per hour (per IP and per email)"), default=30, validators=[MinValueValidator(1)]
    )
    comment_duplicate_minutes = models.PositiveIntegerField(
        _("refuse the same text again within (minutes)"), default=60
    )
    comment_trusted_after = models.PositiveSmallIntegerField(
        _("trust a verified email after this many approved comments"),
        default=1,
        validators=[MinValueValidator(1)],
        help_text=_("Its comments then skip first-comment moderation; the other spam rules still apply."),
    )
    comment_edit_minutes = models.PositiveSmallIntegerField(
        _("commenters may edit or delete their comment for (minutes)"),
        default=15,
        help_text=_("While it has no replies. 0 turns editing off."),
    )
    comment_max_links = models.PositiveSmallIntegerField(_("hold a comment with more links than"), default=2)
    comment_max_length = models.PositiveIntegerField(
        _("maximum comment length (characters)"), default=5000, validators=[MinValueValidator(100)]
    )
    comment_moderation_list = models.TextField(
        _("moderation list"),
        blank=True,
        help_text=_("One per line: words, names, emails, IP addresses or URL parts that hold a comment for review."),
    )
    comment_block_list = models.TextField(
        _("block list"),
        blank=True,
        help_text=_("One per line, as the moderation list, but a match goes straight to spam."),
    )
    commenter_data_days = models.PositiveIntegerField(
        _("keep commenters' IP addresses and user agents for (days)"), default=90, validators=[MinValueValidator(1)]
    )
    spam_retention_days = models.PositiveIntegerField(
        _("purge spam and removed comments after (days)"), default=30, validators=[MinValueValidator(1)]
    )
    privacy_page = models.ForeignKey(
        "Page",
        verbose_name=_("privacy page"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("Linked from the comment form's privacy notice."),
    )
    privacy_url = models.CharField(
        _("privacy page address"),
        max_length=300,
        blank=True,
        validators=[validate_link],
        help_text=_("Or a full URL elsewhere, used when no privacy page is chosen."),
    )

    class Meta:
        verbose_name = _("site settings")
        verbose_name_plural = _("site settings")
        constraints = [models.CheckConstraint(condition=Q(pk=1), name="site_settings_singleton")]

    def __str__(self):
        return str(_("Site settings"))

    def save(self, *args, **kwargs):
        self.pk = 1
        super().save(*args, **kwargs)
        cache.delete(self.CACHE_KEY)

    @classmethod
    def load(cls):
        """The site's settings, from the cache when possible."""
        settings = cache.get(cls.CACHE_KEY)
        if settings is None:
            # The privacy page comes along (and is cached with the settings): every comment form links it.
            settings, _created = cls.objects.select_related("privacy_page").get_or_create(pk=1)
            cache.set(cls.CACHE_KEY, settings, timeout=None)
        return settings

    @property
    def privacy_link(self):
        """Where the comment form's privacy notice points: the privacy page while it is published,
        else ``privacy_url`` ("" for no link)."""
        page = self.privacy_page
        if page is not None and page.is_published:
            return page.get_absolute_url()
        return self.privacy_url


class Category(models.Model):
    """A section of the site; categories nest, as in WordPress."""

    name = models.CharField(_("name"), max_length=100)
    slug = models.SlugField(unique=True, max_length=120)
    description = models.TextField(_("description"), blank=True)
    parent = models.ForeignKey(
        "self", verbose_name=_("parent"), on_delete=models.PROTECT, null=True, blank=True, related_name="children"
    )

    class Meta:
        ordering = ["name"]
        verbose_name = _("category")
        verbose_name_plural = _("categories")
        constraints = [models.CheckConstraint(condition=~Q(parent=models.F("pk")), name="category_not_own_parent")]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("blog:category", kwargs={"slug": self.slug})

    def clean(self):
        ancestor = self.parent
        while ancestor is not None:
            if ancestor.pk == self.pk:
                raise ValidationError({"parent": _("A category cannot sit inside itself.")})
            ancestor = ancestor.parent


class Tag(models.Model):
    name = models.CharField(_("name"), max_length=100, unique=True)
    slug = models.SlugField(unique=True, max_length=120)

    class Meta:
        ordering = ["name"]
        verbose_name = _("tag")
        verbose_name_plural = _("tags")

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("blog:tag", kwargs={"slug": self.slug})


class PostQuerySet(models.QuerySet):
    def published(self):
        """What readers may see: published, and not scheduled for later.

        The one definition, used by every view, feed, sitemap, archive and count.
        Compares with Python's clock (not the database's) so tests can freeze it.
        """
        return self.filter(status=Post.Status.PUBLISHED, published_at__lte=timezone.now())

    def editable_by(self, user):
        """Posts `user` may edit: all for editors, else those whose byline they are on (Authors)."""
        if user.has_perm("blog.edit_others_posts"):
            return self
        return self.filter(authors__user=user)

    def delete(self):
        """Delete, leaving a 410 Gone at each live post's address (the admin's bulk delete comes here)."""
        record_gone([post.get_absolute_url() for post in self.published().only("slug", "published_at")])
        return super().delete()

    def with_bylines(self):
        """Everything a list of post cards shows, in a fixed number of queries."""
        return self.prefetch_related(
            Prefetch("postauthor_set", queryset=PostAuthor.objects.select_related("author")),
            "categories",
        )


class Post(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        PENDING = "pending", _("Pending review")
        PUBLISHED = "published", _("Published")

    class BodyFormat(models.TextChoices):
        MARKDOWN = "markdown", _("Markdown")
        HTML = "html", _("HTML (imported)")

    class Discussion(models.TextChoices):
        DEFAULT = "default", _("Site default")
        OPEN = "open", _("Open")
        CLOSED = "closed", _("Closed")
        CLOSE_AFTER = "close_after", _("Closed after N days")
        MODERATED = "moderated", _("Held for moderation (every comment waits)")

    title = models.CharField(_("title"), max_length=300)
    slug = models.SlugField(_("slug"), unique=True, max_length=200)
    authors = models.ManyToManyField(
        "authors.Author", through="PostAuthor", related_name="posts", verbose_name=_("authors")
    )
    dek = models.TextField(_("dek / excerpt"), blank=True, help_text=_("One or two sentences under the title."))
    body = models.TextField(_("body"), blank=True)
    body_format = models.CharField(
        _("body format"), max_length=10, choices=BodyFormat.choices, default=BodyFormat.MARKDOWN
    )
    body_html = models.TextField(editable=False, blank=True)
    body_text = models.TextField(editable=False, blank=True)
    featured_image = ValidatedImageField(
        _("featured image"),
        upload_to="posts/%Y/%m/",
        blank=True,
        width_field="featured_image_width",
        height_field="featured_image_height",
    )
    featured_image_width = models.PositiveIntegerField(null=True, blank=True, editable=False)
    featured_image_height = models.PositiveIntegerField(null=True, blank=True, editable=False)
    featured_image_alt = models.CharField(
        _("featured image alt text"),
        max_length=300,
        blank=True,
        help_text=_("What the image shows, for screen readers."),
    )
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.DRAFT)
    published_at = models.DateTimeField(
        _("publication date"),
        null=True,
        blank=True,
        db_index=True,
        help_text=_("A future date schedules the post: it goes live by itself at that time."),
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    categories = models.ManyToManyField(Category, blank=True, related_name="posts", verbose_name=_("categories"))
    tags = models.ManyToManyField(Tag, blank=True, related_name="posts", verbose_name=_("tags"))
    discussion = models.CharField(
        _("discussion"),
        max_length=12,
        choices=Discussion.choices,
        default=Discussion.DEFAULT,
        help_text=_("Overrides the site's discussion settings for this post."),
    )
    discussion_close_after_days = models.PositiveSmallIntegerField(
        _("close after (days)"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1)],
        help_text=_("With \u201cClosed after N days\u201d: days after publication."),
    )
    review_note = models.TextField(
        _("note from the editor"),
        blank=True,
        help_text=_("Why a post was returned to its author; cleared when it is published."),
    )
    # Signed into every share link (blog/sharing.py): a new key revokes the links given out so far.
    share_key = models.UUIDField(default=uuid.uuid4, editable=False)
    meta_description = models.CharField(
        _("meta description"), max_length=300, blank=True, help_text=_("For search engines; the dek is used if empty.")
    )
    sticky = models.BooleanField(
        _("pinned to the top of the home page"), default=False, help_text=_("Like WordPress's sticky posts.")
    )
    # Kept by the comments app: approved comments only, for list pages.
    comment_count = models.PositiveIntegerField(_("comments"), default=0, editable=False)
    search_vector = models.GeneratedField(
        expression=SearchVector("title", weight="A", config="english")
        + SearchVector("dek", weight="B", config="english")
        + SearchVector("body_text", weight="C", config="english"),
        output_field=SearchVectorField(),
        db_persist=True,
    )

    objects = PostQuerySet.as_manager()

    class Meta:
        ordering = ["-published_at", "-pk"]
        verbose_name = _("post")
        verbose_name_plural = _("posts")
        permissions = [("edit_others_posts", _("Can edit and publish posts by other authors"))]
        indexes = [
            GinIndex(fields=["search_vector"], name="post_search_vector_gin"),
            models.Index(fields=["status", "-published_at"], name="post_status_published_idx"),
            # The home page's order (pinned first, newest first) over published posts, read in index order.
            models.Index(
                F("sticky").desc(),
                F("published_at").desc(),
                F("id").desc(),
                condition=Q(status="published"),
                name="post_home_order_idx",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(featured_image="") | ~Q(featured_image_alt=""), name="featured_image_has_alt"
            ),
            models.CheckConstraint(
                condition=~Q(status="published") | Q(published_at__isnull=False), name="published_post_has_date"
            ),
            models.CheckConstraint(
                condition=~Q(discussion="close_after") | Q(discussion_close_after_days__gte=1),
                name="close_after_has_days",
            ),
        ]

    def __str__(self):
        return self.title

    def save(self, *args, **kwargs):
        if self.status == self.Status.PUBLISHED and self.published_at is None:
            self.published_at = timezone.now()
        self.render_body()
        old_url = self._stored_public_url()
        super().save(*args, **kwargs)
        if self.is_public:  # old_url is None when it was not live: its address may be a 410 to clear
            record_move(old_url, self.get_absolute_url())

    def get_absolute_url(self):
        """The public URL once the post has a date, the staff preview before."""
        if self.published_at is None:
            return reverse("blog:post_preview", kwargs={"pk": self.pk})
        local = timezone.localtime(self.published_at)
        return reverse(
            "blog:post_detail", kwargs={"year": local.year, "month": f"{local.month:02d}", "slug": self.slug}
        )

    def delete(self, *args, **kwargs):
        # The address readers knew, whatever this instance has been changed to since.
        if live_url := self._stored_public_url():
            record_gone([live_url])
        return super().delete(*args, **kwargs)

    def _stored_public_url(self):
        """The address readers knew this post by before this save, if it was live."""
        if self.pk is None:
            return None
        stored = Post.objects.published().filter(pk=self.pk).only("slug", "published_at").first()
        return stored.get_absolute_url() if stored else None

    def clean(self):
        # "Published" with no date means now; checked here so forms pass the constraint too.
        if self.status == self.Status.PUBLISHED and self.published_at is None:
            self.published_at = timezone.now()
        if self.featured_image and not self.featured_image_alt.strip():
            message = _("Describe the featured image for readers who cannot see it.")
            raise ValidationError({"featured_image_alt": message})
        if self.discussion == self.Discussion.CLOSE_AFTER and not self.discussion_close_after_days:
            message = _("Say after how many days the discussion closes.")
            raise ValidationError({"discussion_close_after_days": message})

    def render_body(self, *, save=False):
        """Render `body` into `body_html` and `body_text`: the one rule for the page, the admin and its preview.

        `![alt](image:<id>)` places one of this post's own images. With `save`, a
        changed rendering is written with a single UPDATE (the admin calls this once
        the image inline is saved, so images uploaded with the post resolve at once).
        """
        rendered = self.body_html, self.body_text
        if self.body_format == self.BodyFormat.MARKDOWN:
            # Only a saved post has images, and only a body that places one needs the query.
            images = self.images.all() if self.pk and IMAGE_PREFIX in self.body else ()
            self.body_html = render_post_markdown(self.body, images=images)
        else:
            self.body_html = sanitize_post_html(self.body)
        self.body_text = html_to_text(self.body_html)
        if save and (self.body_html, self.body_text) != rendered:
            Post.objects.filter(pk=self.pk).update(body_html=self.body_html, body_text=self.body_text)

    @property
    def is_public(self):
        return (
            self.status == self.Status.PUBLISHED
            and self.published_at is not None
            and self.published_at <= timezone.now()
        )

    def is_written_by(self, user):
        """Is `user` a login linked to one of this post's byline authors?"""
        return user is not None and user.is_authenticated and self.authors.filter(user=user).exists()

    @property
    def discussion_is_open(self):
        """Can readers comment now? The post's own setting, else the site's auto-close rule."""
        if self.discussion == self.Discussion.CLOSED or not self.is_public:
            return False
        closes_at = self.discussion_closes_at
        return closes_at is None or timezone.now() < closes_at

    @property
    def discussion_closes_at(self):
        """When the discussion closes by itself (an auto-close rule), or None if time alone never closes it."""
        if self.discussion in (self.Discussion.CLOSED, self.Discussion.OPEN, self.Discussion.MODERATED):
            return None
        if self.discussion == self.Discussion.CLOSE_AFTER:
            days = self.discussion_close_after_days
        else:
            days = SiteSettings.load().comment_auto_close_days
        if not days or self.published_at is None:
            return None
        return self.published_at + datetime.timedelta(days=days)

    @property
    def discussion_is_moderated(self):
        """Does every comment on this post wait for a moderator?"""
        return self.discussion == self.Discussion.MODERATED

    @property
    def is_scheduled(self):
        return self.status == self.Status.PUBLISHED and self.published_at is not None and not self.is_public

    @property
    def byline(self):
        """The post's authors in byline order (prefetched by `with_bylines()`)."""
        return [credit.author for credit in self.postauthor_set.all()]

    @property
    def word_count(self):
        return len(self.body_text.split())

    @property
    def reading_minutes(self):
        return max(1, math.ceil(self.word_count / WORDS_PER_MINUTE))

    @property
    def description(self):
        """One line for meta tags and feeds."""
        return self.meta_description or self.dek or self.body_text[:200]


class PostAuthor(models.Model):
    """An author on a post's byline, in order."""

    post = models.ForeignKey(Post, on_delete=models.CASCADE)
    author = models.ForeignKey("authors.Author", on_delete=models.PROTECT, verbose_name=_("author"))
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        ordering = ["order", "pk"]
        verbose_name = _("byline author")
        verbose_name_plural = _("byline")
        constraints = [models.UniqueConstraint(fields=["post", "author"], name="post_author_once")]

    def __str__(self):
        return str(self.author)


class ImportedItem(models.Model):
    """What an import made of one item of a source site: how a second run knows it is there already.

    `source` names the site (WordPress's base_site_url, or "disqus:<forum>"); `kind` and
    `source_id` the item there (a WordPress ID, a term slug, an author login…); `object_id`
    the row it became here (a Post, Page, Comment, Author, Category, Tag or PostImage).
    """

    class Kind(models.TextChoices):
        AUTHOR = "author", _("author")
        CATEGORY = "category", _("category")
        TAG = "tag", _("tag")
        POST = "post", _("post")
        PAGE = "page", _("page")
        ATTACHMENT = "attachment", _("attachment")
        COMMENT = "comment", _("comment")
        THREAD = "thread", _("thread")

    source = models.CharField(_("source"), max_length=300)
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices)
    source_id = models.CharField(_("ID at the source"), max_length=200)
    object_id = models.PositiveBigIntegerField(_("ID here"))
    imported_at = models.DateTimeField(_("imported"), auto_now_add=True)

    class Meta:
        verbose_name = _("imported item")
        verbose_name_plural = _("imported items")
        constraints = [
            models.UniqueConstraint(fields=["source", "kind", "source_id"], name="imported_item_once"),
        ]
        indexes = [models.Index(fields=["kind", "object_id"], name="imported_item_object_idx")]

    def __str__(self):
        return f"{self.source} {self.kind} {self.source_id} → {self.object_id}"


class PostImage(models.Model):
    """A picture in a post's body, placed in the Markdown as ``![alt](image:<id>)``."""

    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="images", verbose_name=_("post"))
    image = ValidatedImageField(_("image"), upload_to="posts/%Y/%m/", width_field="width", height_field="height")
    width = models.PositiveIntegerField(null=True, blank=True, editable=False)
    height = models.PositiveIntegerField(null=True, blank=True, editable=False)
    alt = models.CharField(_("alt text"), max_length=300, help_text=_("What the image shows, for screen readers."))
    caption = models.CharField(_("caption"), max_length=300, blank=True)
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        ordering = ["order", "pk"]
        verbose_name = _("image")
        verbose_name_plural = _("images")
        constraints = [models.CheckConstraint(condition=~Q(alt=""), name="post_image_has_alt")]

    def __str__(self):
        return self.alt

    @property
    def markdown(self):
        """What a writer pastes into the body to place this image."""
        return f"![{self.alt}](image:{self.pk})"


LITERAL_SEGMENT = re.compile(r"[\w.-]+")


def _route_segments(patterns, prefix=""):
    """The literal first path segments of `patterns` ("admin", "search", "sitemap.xml"…)."""
    for pattern in patterns:
        route = prefix + str(pattern.pattern).removeprefix("^")
        first, slash, _rest = route.partition("/")
        if not slash and isinstance(pattern, URLResolver):
            yield from _route_segments(pattern.url_patterns, route)  # include("blog.urls") at the root
        elif LITERAL_SEGMENT.fullmatch(first.removesuffix("$")):
            yield first.removesuffix("$")


class PageQuerySet(models.QuerySet):
    def published(self):
        """Pages readers may see."""
        return self.filter(status=Page.Status.PUBLISHED)

    def in_menu(self):
        """The navigation menu, in the order editors chose."""
        return self.published().filter(in_menu=True).order_by("menu_order", "title")

    def update(self, **kwargs):
        count = super().update(**kwargs)
        Page.clear_cache()
        return count

    def delete(self):
        """Delete, leaving a 410 Gone at each live page's address (the admin's bulk delete comes here)."""
        record_gone([page.get_absolute_url() for page in self.published().only("slug")])
        deleted = super().delete()
        Page.clear_cache()
        return deleted


class Page(models.Model):
    """A standing page (About, Contact, Privacy…) at /<slug>/, written in Markdown like a post."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        PUBLISHED = "published", _("Published")

    title = models.CharField(_("title"), max_length=200)
    slug = models.SlugField(_("slug"), unique=True, max_length=100)
    body = models.TextField(_("body"), blank=True, help_text=_("Markdown, as in posts."))
    body_html = models.TextField(editable=False, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.DRAFT)
    in_menu = models.BooleanField(_("show in the menu"), default=False)
    menu_order = models.PositiveSmallIntegerField(_("menu position"), default=0)
    menu_title = models.CharField(
        _("menu label"), max_length=60, blank=True, help_text=_("Shorter text for the menu; the title if empty.")
    )
    meta_description = models.CharField(_("meta description"), max_length=300, blank=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    objects = PageQuerySet.as_manager()

    MENU_CACHE_KEY = "page-menu:v1"

    class Meta:
        ordering = ["menu_order", "title"]
        verbose_name = _("page")
        verbose_name_plural = _("pages")

    def __str__(self):
        return self.title

    def save(self, *args, **kwargs):
        self.body_html = render_post_markdown(self.body)  # written like a post: anchors, figures, footnotes
        old_url = self._stored_public_url()
        super().save(*args, **kwargs)
        if self.status == self.Status.PUBLISHED:  # old_url is None when it was not live
            record_move(old_url, self.get_absolute_url())
        self.clear_cache()

    def get_absolute_url(self):
        return reverse("blog:page_detail", kwargs={"slug": self.slug})

    def delete(self, *args, **kwargs):
        if live_url := self._stored_public_url():
            record_gone([live_url])
        deleted = super().delete(*args, **kwargs)
        self.clear_cache()
        return deleted

    def clean(self):
        if self.slug and self._slug_is_claimed():
            message = _("The site already uses /%(slug)s/ for its own pages: choose another slug.")
            raise ValidationError({"slug": ValidationError(message, code="reserved", params={"slug": self.slug})})

    @classmethod
    def menu(cls):
        """The navigation menu's pages (titles and slugs only), from the cache when possible."""
        menu = cache.get(cls.MENU_CACHE_KEY)
        if menu is None:
            menu = list(cls.objects.in_menu().only("title", "slug", "menu_title"))
            cache.set(cls.MENU_CACHE_KEY, menu, timeout=None)
        return menu

    @classmethod
    def clear_cache(cls):
        """Forget the cached menu and site settings (which hold the privacy page).

        Now, so this request sees its change, and again at commit, in case another request
        cached the old pages in between.
        """
        keys = [cls.MENU_CACHE_KEY, SiteSettings.CACHE_KEY]
        cache.delete_many(keys)
        transaction.on_commit(lambda: cache.delete_many(keys))

    def _stored_public_url(self):
        if self.pk is None:
            return None
        stored = Page.objects.published().filter(pk=self.pk).only("slug").first()
        return stored.get_absolute_url() if stored else None

    def _slug_is_claimed(self):
        """Does one of the site's own routes answer at /<slug>/ or beneath it (a year, /search/, /admin/…)?

        Read from the URLconf, so a route added later is covered too; a page can never be shadowed.
        """
        slug = self.slug.lower()
        try:
            match = resolve(f"/{slug}/")
        except Resolver404:
            return False  # not a valid slug at all: the field's own validation says so
        if match.view_name != "blog:page_detail":
            return True
        # Static and media files may be served before the URLconf (WhiteNoise, the web server).
        files = [django_settings.STATIC_URL, django_settings.MEDIA_URL]
        claimed = {urlsplit(url).path.strip("/").partition("/")[0] for url in files}
        claimed.update(_route_segments(get_resolver().url_patterns))
        return slug in claimed

    @property
    def is_published(self):
        return self.status == self.Status.PUBLISHED

    @property
    def menu_label(self):
        return self.menu_title or self.title
