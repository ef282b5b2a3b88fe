from django.contrib.auth.models import AbstractUser
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from blog.images import ValidatedImageField
from blog.markup import html_to_text, render_markdown


class User(AbstractUser):
    """A login. Set as AUTH_USER_MODEL from the first migration so it can grow later."""

    class CommentAlerts(models.TextChoices):
        """How a moderator hears of comments held for moderation (comments/notifications.py)."""

        EACH = "each", _("An email for each held comment")
        HOURLY = "hourly", _("One digest an hour")
        DAILY = "daily", _("One digest a day")
        NEVER = "never", _("No email")

    comment_alerts = models.CharField(
        _("held-comment emails"),
        max_length=10,
        choices=CommentAlerts.choices,
        default=CommentAlerts.EACH,
        help_text=_("For moderators: how to hear of comments waiting for moderation."),
    )
    # The latest digest sent: the next one lists what was held since.
    comment_digest_sent_at = models.DateTimeField(null=True, blank=True, editable=False)


class Author(models.Model):
    """A byline: a person who writes, with or without a login (guest authors)."""

    name = models.CharField(_("display name"), max_length=120)
    slug = models.SlugField(unique=True, max_length=140)
    user = models.OneToOneField(
        User,
        verbose_name=_("login"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="author",
        help_text=_("Optional: the login that writes as this author. Guest authors have none."),
    )
    job_title = models.CharField(
        _("job title / affiliation"),
        max_length=200,
        blank=True,
        help_text=_("For example “Director, Back to Jerusalem”."),
    )
    bio = models.TextField(_("bio"), blank=True, help_text=_("Markdown."))
    bio_html = models.TextField(editable=False, blank=True)
    avatar = ValidatedImageField(
        _("avatar"), upload_to="avatars/", blank=True, width_field="avatar_width", height_field="avatar_height"
    )
    avatar_width = models.PositiveIntegerField(null=True, blank=True, editable=False)
    avatar_height = models.PositiveIntegerField(null=True, blank=True, editable=False)
    website = models.URLField(_("website"), blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("author")
        verbose_name_plural = _("authors")

    def __str__(self):
        return self.name

    def save(self, *args, **kwargs):
        self.bio_html = render_markdown(self.bio)
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        return reverse("authors:author_detail", kwargs={"slug": self.slug})

    @property
    def bio_text(self):
        return html_to_text(self.bio_html)


class AuthorLink(models.Model):
    """A profile link shown in the bio box (Mastodon, GitHub, a book page…)."""

    author = models.ForeignKey(Author, on_delete=models.CASCADE, related_name="links")
    label = models.CharField(_("label"), max_length=60)
    url = models.URLField(_("URL"))
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        ordering = ["order", "pk"]
        verbose_name = _("profile link")
        verbose_name_plural = _("profile links")

    def __str__(self):
        return self.label
