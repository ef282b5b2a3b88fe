from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower, Upper
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from mptt.fields import TreeForeignKey
from mptt.models import MPTTModel

from comments.markup import render_comment


class Comment(MPTTModel):
    """One comment under a post. Each top-level comment is the root of its own tree.

    Create comments only through `comments.services.comment_create` (it takes the tree
    locks); moderation changes the status and never moves a node.
    """

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        APPROVED = "approved", _("Approved")
        SPAM = "spam", _("Spam")
        REMOVED = "removed", _("Removed")

    class HoldReason(models.TextChoices):
        """Why a comment was held or marked spam. Stored as "code" or "code:detail"."""

        FIRST_COMMENT = "first_comment", _("First comment from this email")
        POST_MODERATED = "post_moderated", _("Every comment on this post is held")
        REPORTED = "reported", _("Reported by readers")
        HONEYPOT = "honeypot", _("Filled the hidden honeypot field")
        TOO_FAST = "too_fast", _("Posted faster than a person types")
        STALE_FORM = "stale_form", _("The form was too old")
        FORGED_FORM = "forged_form", _("The form's timestamp was missing or forged")
        TOO_MANY_LINKS = "too_many_links", _("Links")
        MODERATION_LIST = "moderation_list", _("Matched the moderation list")
        BLOCK_LIST = "block_list", _("Matched the block list")
        BANNED = "banned", _("Banned commenter")
        AKISMET = "akismet", _("Akismet: spam")

    class Badge(models.TextChoices):
        NONE = "", _("None")
        AUTHOR = "author", _("Author")
        MODERATOR = "moderator", _("Moderator")

    post = models.ForeignKey("blog.Post", on_delete=models.CASCADE, related_name="comments", verbose_name=_("post"))
    parent = TreeForeignKey(
        "self", on_delete=models.CASCADE, null=True, blank=True, related_name="children", verbose_name=_("parent")
    )
    # Set when a reply past the maximum depth was attached beside the comment it answers.
    in_reply_to = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("in reply to")
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="comments",
        verbose_name=_("login"),
    )
    name = models.CharField(_("name"), max_length=80)
    email = models.EmailField(_("email"), blank=True)
    website = models.URLField(_("website"), blank=True)
    body = models.TextField(_("comment"))
    body_html = models.TextField(editable=False)
    # The card every reader sees, rendered on save (comments.fragments): pages join these.
    public_html = models.TextField(editable=False, default="")
    # Decided when the comment is written, from the login: typing a name can never earn it.
    badge = models.CharField(_("badge"), max_length=10, choices=Badge.choices, blank=True, default=Badge.NONE)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PENDING)
    # Each entry is a HoldReason code, optionally with a detail: "moderation_list:casino".
    hold_reasons = ArrayField(models.CharField(max_length=200), default=list, blank=True, verbose_name=_("held"))
    pinned = models.BooleanField(_("pinned"), default=False)
    created_at = models.DateTimeField(_("written"), default=timezone.now)
    edited_at = models.DateTimeField(_("edited"), null=True, blank=True)
    ip_address = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    user_agent = models.CharField(_("user agent"), max_length=300, blank=True)
    moderated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("moderated by"),
    )
    moderated_at = models.DateTimeField(_("moderated"), null=True, blank=True)
    # When readers, followers and authors were told of it (once, when it first became public).
    notified_at = models.DateTimeField(null=True, blank=True, editable=False)

    class MPTTMeta:
        # No order_insertion_by: appending is already chronological.
        pass

    class Meta:
        ordering = ["tree_id", "lft"]
        verbose_name = _("comment")
        verbose_name_plural = _("comments")
        # Declared so that mptt's tree index really reaches the migration on Django 5.
        indexes = [
            models.Index(fields=["tree_id", "lft"], name="comment_tree_lft_idx"),
            models.Index(fields=["post", "status", "tree_id"], name="comment_post_status_tree_idx"),
            models.Index(fields=["status", "-created_at"], name="comment_status_created_idx"),
            # The "first comment from this email" rule matches emails case-insensitively.
            models.Index(Upper("email"), name="comment_email_upper_idx"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["post"], condition=Q(pinned=True), name="one_pinned_comment_per_post"),
        ]

    def __str__(self):
        return f"{self.name}: {self.body[:60]}"

    def save(self, *args, render=True, **kwargs):
        """Save, rendering `body` (a reader's Markdown) unless `render=False` (imported HTML, already sanitised).

        The public card is rendered again each time, so an edit or an erased name shows at once.
        """
        from comments.fragments import render_public_html  # it renders a template with this model

        if render:
            self.body_html = render_comment(self.body)
        self.public_html = render_public_html(self)
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and "public_html" not in update_fields:
            kwargs["update_fields"] = [*update_fields, "public_html"]
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        """A permalink that finds the page of the discussion holding this comment."""
        return reverse("comments:permalink", kwargs={"pk": self.pk})

    @property
    def reason_labels(self):
        """The hold reasons in words, e.g. "Matched the moderation list: casino"."""
        labels = dict(self.HoldReason.choices)
        readable = []
        for reason in self.hold_reasons:
            code, _sep, detail = reason.partition(":")
            label = str(labels.get(code, code))
            readable.append(f"{label}: {detail}" if detail else label)
        return readable

    @property
    def anchor(self):
        return f"comment-{self.pk}"

    @property
    def is_public(self):
        return self.status == self.Status.APPROVED


class BanQuerySet(models.QuerySet):
    def active(self):
        """Bans in force now: permanent ones and those not yet expired."""
        return self.filter(Q(expires_at__isnull=True) | Q(expires_at__gt=timezone.now()))


class Ban(models.Model):
    """A commenter kept out by email or IP address; temporary unless made permanent on purpose."""

    class Kind(models.TextChoices):
        EMAIL = "email", _("Email")
        IP = "ip", _("IP address")

    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    value = models.CharField(_("email or IP address"), max_length=254)
    reason = models.CharField(_("reason"), max_length=300, blank=True)
    comment = models.ForeignKey(
        Comment, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("comment")
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(_("banned"), default=timezone.now)
    expires_at = models.DateTimeField(_("expires"), null=True, blank=True, help_text=_("Empty: permanent."))

    objects = BanQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("ban")
        verbose_name_plural = _("bans")
        indexes = [models.Index(fields=["kind", "value"], name="ban_kind_value_idx")]

    def __str__(self):
        return f"{self.get_kind_display()} {self.value}"


class CommentReport(models.Model):
    """A reader's report of a comment. One per reader (IP or signed cookie) and comment."""

    class Reason(models.TextChoices):
        SPAM = "spam", _("Spam or advertising")
        ABUSE = "abuse", _("Abusive or harassing")
        OFF_TOPIC = "off_topic", _("Off topic")
        OTHER = "other", _("Something else")

    comment = models.ForeignKey(Comment, on_delete=models.CASCADE, related_name="reports")
    reason = models.CharField(_("reason"), max_length=20, choices=Reason.choices)
    note = models.CharField(_("note"), max_length=500, blank=True)
    ip_address = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    reporter = models.CharField(_("reporter token"), max_length=64)
    created_at = models.DateTimeField(_("reported"), default=timezone.now)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("report")
        verbose_name_plural = _("reports")
        constraints = [
            models.UniqueConstraint(fields=["comment", "reporter"], name="one_report_per_reader"),
            models.UniqueConstraint(fields=["comment", "ip_address"], name="one_report_per_ip"),
        ]

    def __str__(self):
        return f"{self.get_reason_display()}: {self.comment}"


def normalise_email(email):
    """The form an address is known by: no surrounding space, compared ignoring case."""
    return email.strip().lower()


class Commenter(models.Model):
    """An email address that commented, keyed by its normalised form.

    Only a verified address (its owner followed the confirmation link and pressed the
    button) is ever sent anything but that confirmation: nobody can use the site to mail
    strangers. `unsubscribed_at` stops every email to it until its owner asks again.
    """

    email = models.EmailField(_("email"), unique=True)
    verified_at = models.DateTimeField(_("verified"), null=True, blank=True)
    unsubscribed_at = models.DateTimeField(_("unsubscribed from everything"), null=True, blank=True)
    # Confirmation emails sent today: a few per address per day at most.
    confirmations_sent = models.PositiveSmallIntegerField(default=0, editable=False)
    confirmation_day = models.DateField(null=True, blank=True, editable=False)
    created_at = models.DateTimeField(_("first seen"), default=timezone.now)

    class Meta:
        ordering = ["email"]
        verbose_name = _("commenter")
        verbose_name_plural = _("commenters")
        constraints = [models.CheckConstraint(condition=Q(email=Lower("email")), name="commenter_email_lowercase")]

    def __str__(self):
        return self.email

    @property
    def is_verified(self):
        return self.verified_at is not None

    @property
    def may_be_mailed(self):
        """Verified and not unsubscribed from everything."""
        return self.verified_at is not None and self.unsubscribed_at is None


class Subscription(models.Model):
    """A commenter following replies to one comment, or every new comment in a thread.

    Inactive while the commenter is unverified: notifications go to verified commenters only.
    """

    class Kind(models.TextChoices):
        REPLIES = "replies", _("Replies to this comment")
        THREAD = "thread", _("New comments in this thread")

    commenter = models.ForeignKey(Commenter, on_delete=models.CASCADE, related_name="subscriptions")
    # For THREAD, the comment the subscriber wrote: the thread is its tree (tree_id).
    comment = models.ForeignKey(Comment, on_delete=models.CASCADE, related_name="subscriptions")
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    created_at = models.DateTimeField(_("subscribed"), default=timezone.now)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("subscription")
        verbose_name_plural = _("subscriptions")
        constraints = [
            models.UniqueConstraint(fields=["commenter", "comment", "kind"], name="one_subscription_per_kind"),
        ]

    def __str__(self):
        return f"{self.commenter}: {self.get_kind_display()}"


class MutedPost(models.Model):
    """An author (or anyone mailed about a post's discussion) who unsubscribed from that one post."""

    commenter = models.ForeignKey(Commenter, on_delete=models.CASCADE, related_name="muted_posts")
    post = models.ForeignKey("blog.Post", on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["commenter", "post"], name="mute_a_post_once")]

    def __str__(self):
        return f"{self.commenter} muted post {self.post_id}"


class CommentRevision(models.Model):
    """A comment's text before its writer edited it: moderators can read every earlier version."""

    comment = models.ForeignKey(Comment, on_delete=models.CASCADE, related_name="revisions")
    body = models.TextField(_("text before the edit"))
    written_at = models.DateTimeField(_("written"))
    replaced_at = models.DateTimeField(_("replaced"), default=timezone.now)

    class Meta:
        ordering = ["comment", "-replaced_at"]
        verbose_name = _("earlier version")
        verbose_name_plural = _("earlier versions")

    def __str__(self):
        return f"{self.comment_id} before {self.replaced_at:%Y-%m-%d %H:%M}"


class EmailModeration(models.Model):
    """A moderation link from an email that was used: one use per link, and a log of who did what."""

    comment = models.ForeignKey(Comment, on_delete=models.CASCADE, related_name="email_moderations")
    moderator = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    action = models.CharField(_("action"), max_length=10)
    # The link's nonce: a second use finds it here and is refused.
    nonce = models.CharField(max_length=64, unique=True)
    acted_at = models.DateTimeField(_("acted"), default=timezone.now)
    ip_address = models.GenericIPAddressField(_("IP address"), null=True, blank=True)

    class Meta:
        ordering = ["-acted_at"]
        verbose_name = _("moderation from email")
        verbose_name_plural = _("moderation from email")

    def __str__(self):
        return f"{self.action} {self.comment_id} by {self.moderator}"
