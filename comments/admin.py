import datetime
import ipaddress

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.db.models import Count
from django.http import Http404, HttpResponseBadRequest
from django.shortcuts import redirect
from django.urls import path, reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe
from django.utils.text import Truncator
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from comments import akismet
from comments.client_ip import client_ip
from comments.models import Ban, Comment, Commenter, CommentReport, CommentRevision, EmailModeration
from comments.services import comment_create, comment_set_status
from comments.trees import MAX_INDENT

Status = Comment.Status


def excerpt(comment, length=60):
    return Truncator(comment.body).chars(length)


class ReplyForm(forms.Form):
    body = forms.CharField(label=_("Reply"), widget=forms.Textarea, max_length=10000)


class BanForm(forms.Form):
    """Ban a comment's writer from its admin page: by email and/or IP address, for a while by default."""

    DURATIONS = {
        "day": datetime.timedelta(days=1),
        "week": datetime.timedelta(weeks=1),
        "month": datetime.timedelta(days=30),
        "permanent": None,
    }

    email = forms.BooleanField(required=False)
    ip = forms.BooleanField(required=False)
    duration = forms.ChoiceField(
        label=_("For"),
        choices=[("day", _("1 day")), ("week", _("1 week")), ("month", _("30 days")), ("permanent", _("Permanently"))],
        initial="week",
        widget=forms.RadioSelect,
        help_text=_("An IP address is often shared by many people: ban one for a while."),
    )
    reason = forms.CharField(label=_("Reason (optional)"), max_length=300, required=False)
    mark_spam = forms.BooleanField(label=_("Also mark this comment as spam"), required=False, initial=True)

    def __init__(self, *args, comment, **kwargs):
        super().__init__(*args, prefix="ban", label_suffix="", **kwargs)
        self.comment = comment
        # Only what the comment has (the IP address may have been erased); labels say what is banned.
        for name, value, label in [
            ("email", comment.email, _("Ban the email %s")),
            ("ip", comment.ip_address, _("Ban the IP address %s")),
        ]:
            if value:
                self.fields[name].label = label % value
            else:
                del self.fields[name]
        if comment.status == Comment.Status.SPAM:
            del self.fields["mark_spam"]

    def clean(self):
        if not (self.cleaned_data.get("email") or self.cleaned_data.get("ip")):
            raise forms.ValidationError(_("Choose the email, the IP address or both to ban."))
        return self.cleaned_data

    def save(self, moderator):
        """Create the bans; returns them."""
        duration = self.DURATIONS[self.cleaned_data["duration"]]
        expires_at = timezone.now() + duration if duration else None
        targets = [(Ban.Kind.EMAIL, "email", self.comment.email), (Ban.Kind.IP, "ip", self.comment.ip_address)]
        return Ban.objects.bulk_create(
            Ban(
                kind=kind,
                value=value,
                reason=self.cleaned_data["reason"],
                comment=self.comment,
                created_by=moderator,
                expires_at=expires_at,
            )
            for kind, field, value in targets
            if self.cleaned_data.get(field)
        )


class ReportInline(admin.TabularInline):
    """Readers' reports of the comment, read-only: they are the readers' record."""

    model = CommentReport
    fields = ["reason", "note", "ip_address", "created_at"]
    readonly_fields = fields
    extra = 0

    def has_add_permission(self, request, obj):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class RevisionInline(admin.TabularInline):
    """The comment's text before each of its writer's edits, newest first; read-only, as the writer left it."""

    model = CommentRevision
    fields = ["body", "written_at", "replaced_at"]
    readonly_fields = fields
    ordering = ["-replaced_at"]
    extra = 0

    def has_view_permission(self, request, obj=None):
        # Part of the comment, not a record of its own: whoever reads the comment reads these.
        return request.user.has_perm("comments.view_comment")

    def has_add_permission(self, request, obj):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Comment)
class CommentAdmin(admin.ModelAdmin):
    """The moderation queue. Every write goes through comments.services.

    Comments are never added, edited or deleted here: readers and the reply form write
    them, moderation changes a status (actions and the buttons on a comment's page), and
    deleting would take the replies with it and bypass the tree locks.
    """

    list_display = ["text", "commenter", "post_link", "answers", "status", "reasons", "report_count", "created_at"]
    list_display_links = ["text"]
    list_select_related = ["post", "parent", "in_reply_to"]
    # Facets put the counts in the filter: "Pending (12)", in the order of Comment.Status.
    list_filter = ["status", ("post", admin.RelatedOnlyFieldListFilter)]
    show_facets = admin.ShowFacets.ALWAYS
    search_fields = ["name", "email", "ip_address", "body"]
    # Newest threads first, each in reading order, so the indentation shows the thread.
    ordering = ["-tree_id", "lft"]
    actions = ["approve", "mark_spam", "remove", "restore"]
    fieldsets = [
        (None, {"fields": ["post_link", "answers", "body"]}),
        (_("Commenter"), {"fields": ["name", "email", "website", "user", "badge", "ip_address", "user_agent"]}),
        (_("Moderation"), {"fields": ["status", "reasons", "created_at", "moderated_by", "moderated_at"]}),
    ]
    readonly_fields = [field for _title, options in fieldsets for field in options["fields"]]
    inlines = [RevisionInline, ReportInline]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(report_count=Count("reports"))

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False  # also takes Django's "delete selected" action away

    def save_model(self, request, obj, form, change):
        """Nothing to save: every field is read-only.

        A whole-row save would also write back lft/rght read before a concurrent reply
        moved them.
        """

    def change_view(self, request, object_id, form_url="", extra_context=None):
        # The page's buttons moderate, reply and ban (change_form.html); there is nothing to save.
        extra_context = {"show_save": False, "show_save_and_continue": False, "reply_form": ReplyForm()}
        comment = self.get_object(request, object_id)
        if comment is not None and request.user.has_perm("comments.add_ban"):
            extra_context["ban_form"] = BanForm(comment=comment)
        return super().change_view(request, object_id, form_url, extra_context)

    def get_urls(self):
        moderation = [
            path(
                "<path:object_id>/status/",
                self.admin_site.admin_view(require_POST(self.status_view)),
                name="comments_comment_status",
            ),
            path(
                "<path:object_id>/reply/",
                self.admin_site.admin_view(require_POST(self.reply_view)),
                name="comments_comment_reply",
            ),
            path(
                "<path:object_id>/ban/",
                self.admin_site.admin_view(require_POST(self.ban_view)),
                name="comments_comment_ban",
            ),
        ]
        return moderation + super().get_urls()  # before the catch-all "<object_id>/"

    # The list

    @admin.display(description=_("comment"))
    def text(self, comment):
        indent = min(comment.level, MAX_INDENT)
        return format_html(
            '<span style="display: inline-block; padding-left: {}em">{}{}</span>',
            f"{1.5 * indent:g}",
            "↳ " if comment.level else "",
            excerpt(comment),
        )

    @admin.display(description=_("commenter"), ordering="name")
    def commenter(self, comment):
        parts = [comment.name, comment.email, comment.ip_address]
        return format_html_join(mark_safe("<br>"), "{}", ((part,) for part in parts if part))

    @admin.display(description=_("post"), ordering="post__title")
    def post_link(self, comment):
        """The post's title, linking to its public page; moderators have no access to posts' admin."""
        return format_html('<a href="{}">{}</a>', comment.post.get_absolute_url(), comment.post.title)

    @admin.display(description=_("in reply to"))
    def answers(self, comment):
        """Whom the comment answers: `in_reply_to` when it was attached beside them past the maximum depth."""
        answered = comment.in_reply_to or comment.parent
        if answered is None:
            return self.get_empty_value_display()
        url = reverse("admin:comments_comment_change", args=[answered.pk])
        return format_html('<a href="{}">{}</a>: {}', url, answered.name, excerpt(answered, 40))

    @admin.display(description=_("held because"))
    def reasons(self, comment):
        reasons = ", ".join(comment.reason_labels)
        return reasons or self.get_empty_value_display()

    @admin.display(description=_("reports"), ordering="report_count")
    def report_count(self, comment):
        return comment.report_count

    # Bulk actions

    @admin.action(permissions=["change"], description=_("Approve"))
    def approve(self, request, queryset):
        self._set_status(request, queryset, Status.APPROVED)

    @admin.action(permissions=["change"], description=_("Mark as spam"))
    def mark_spam(self, request, queryset):
        self._set_status(request, queryset, Status.SPAM)

    @admin.action(permissions=["change"], description=_("Remove (replies stay)"))
    def remove(self, request, queryset):
        self._set_status(request, queryset, Status.REMOVED)

    @admin.action(permissions=["change"], description=_("Restore removed or spam"))
    def restore(self, request, queryset):
        """Approve the selected comments that were removed or marked as spam; pending ones stay pending."""
        self._set_status(request, queryset.filter(status__in=[Status.REMOVED, Status.SPAM]), Status.APPROVED)

    def _set_status(self, request, comments, status):
        comments = list(comments)  # as they were: Akismet hears of the changes to and from spam
        count = comment_set_status(comments, status, moderator=request.user)
        akismet.report_moderation(comments, status)
        message = ngettext("%(count)d comment is now %(status)s.", "%(count)d comments are now %(status)s.", count)
        self.message_user(request, message % {"count": count, "status": Status(status).label.lower()})

    # A comment's page: the status buttons and the reply form of change_form.html

    def _moderated_comment(self, request, object_id):
        comment = self.get_object(request, object_id)
        if comment is None:
            raise Http404
        if not self.has_change_permission(request, comment):
            raise PermissionDenied
        return comment

    def status_view(self, request, object_id):
        comment = self._moderated_comment(request, object_id)
        status = request.POST.get("status")
        if status not in Status.values:
            return HttpResponseBadRequest()
        self._set_status(request, [comment], status)
        return redirect("admin:comments_comment_change", comment.pk)

    def reply_view(self, request, object_id):
        """Reply as the moderator, approved at once; "Approve and reply" also approves a pending comment."""
        comment = self._moderated_comment(request, object_id)
        form = ReplyForm(request.POST)
        if not form.is_valid():
            self.message_user(request, gettext("Write a reply first."), messages.ERROR)
            return redirect("admin:comments_comment_change", comment.pk)
        approve = "_approve" in request.POST and comment.status == Status.PENDING
        with transaction.atomic():
            # The reply first: it takes the tree locks before any row lock, as every writer does.
            comment_create(
                post=comment.post,
                parent=comment,
                user=request.user,
                status=Status.APPROVED,
                body=form.cleaned_data["body"],
                ip_address=client_ip(request),
                user_agent=request.headers.get("user-agent", ""),
                notify=True,
            )
            if approve:
                comment_set_status([comment], Status.APPROVED, moderator=request.user)
        if approve:
            message = gettext("Comment approved and your reply published.")
        else:
            message = gettext("Your reply is published.")
        self.message_user(request, message, messages.SUCCESS)
        return redirect("admin:comments_comment_change", comment.pk)

    def ban_view(self, request, object_id):
        """Ban the comment's writer by email and/or IP address (BanForm); mark the comment spam if asked."""
        comment = self._moderated_comment(request, object_id)
        if not request.user.has_perm("comments.add_ban"):
            raise PermissionDenied
        form = BanForm(request.POST, comment=comment)
        if not form.is_valid():
            errors = [error for field_errors in form.errors.values() for error in field_errors]
            self.message_user(request, " ".join(errors), messages.ERROR)
            return redirect("admin:comments_comment_change", comment.pk)
        bans = form.save(request.user)
        banned = " and ".join(ban.value for ban in bans)
        expires_at = bans[0].expires_at
        if expires_at is None:
            message = ngettext("%(banned)s is banned permanently.", "%(banned)s are banned permanently.", len(bans))
        else:
            message = ngettext(
                "%(banned)s is banned until %(until)s.", "%(banned)s are banned until %(until)s.", len(bans)
            )
        until = date_format(timezone.localtime(expires_at), "DATETIME_FORMAT") if expires_at else ""
        self.message_user(request, message % {"banned": banned, "until": until}, messages.SUCCESS)
        if form.cleaned_data.get("mark_spam"):
            self._set_status(request, [comment], Status.SPAM)
        return redirect("admin:comments_comment_change", comment.pk)


class BanStateFilter(admin.SimpleListFilter):
    title = _("state")
    parameter_name = "state"

    def lookups(self, request, model_admin):
        return [("active", _("Active")), ("expired", _("Expired"))]

    def queryset(self, request, queryset):
        if self.value() == "active":
            return queryset.active()
        if self.value() == "expired":
            return queryset.exclude(pk__in=Ban.objects.active().values("pk"))
        return queryset


class BanAdminForm(forms.ModelForm):
    class Meta:
        model = Ban
        fields = ["kind", "value", "expires_at", "reason"]

    def clean(self):
        cleaned_data = super().clean()
        kind, value = cleaned_data.get("kind"), cleaned_data.get("value", "").strip()
        if kind == Ban.Kind.IP:
            try:
                cleaned_data["value"] = str(ipaddress.ip_address(value))
            except ValueError:
                self.add_error("value", _("Enter an IP address, like 203.0.113.7 or 2001:db8::1."))
        elif kind == Ban.Kind.EMAIL:
            try:
                validate_email(value)
            except ValidationError:
                self.add_error("value", _("Enter an email address, like name@example.com."))
        return cleaned_data


@admin.register(Ban)
class BanAdmin(admin.ModelAdmin):
    """Bans by email or IP address: most are made from a comment's page, for a while."""

    form = BanAdminForm
    list_display = ["value", "kind", "expires", "reason", "comment_link", "created_by", "created_at"]
    list_filter = [BanStateFilter, "kind"]
    list_select_related = ["comment", "created_by"]
    search_fields = ["value", "reason"]
    fields = ["kind", "value", "expires_at", "reason", "comment_link", "created_by", "created_at"]
    readonly_fields = ["comment_link", "created_by", "created_at"]

    def get_changeform_initial_data(self, request):
        # Temporary unless made permanent on purpose: clear the date for that.
        initial = super().get_changeform_initial_data(request)
        return {"expires_at": timezone.now() + BanForm.DURATIONS["week"], **initial}

    def save_model(self, request, obj, form, change):
        if not change:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)

    @admin.display(description=_("expires"), ordering="expires_at")
    def expires(self, ban):
        return ban.expires_at or gettext("Permanent")

    @admin.display(description=_("comment"))
    def comment_link(self, ban):
        if ban.comment is None:
            return self.get_empty_value_display()
        url = reverse("admin:comments_comment_change", args=[ban.comment.pk])
        return format_html('<a href="{}">{}</a>', url, excerpt(ban.comment, 40))


@admin.register(Commenter)
class CommenterAdmin(admin.ModelAdmin):
    """Addresses that asked for email: verified or not, unsubscribed or not. Read-only but for deleting."""

    list_display = ["email", "verified_at", "unsubscribed_at", "created_at"]
    list_filter = [("verified_at", admin.EmptyFieldListFilter), ("unsubscribed_at", admin.EmptyFieldListFilter)]
    search_fields = ["email"]
    readonly_fields = ["email", "verified_at", "unsubscribed_at", "created_at"]

    def has_add_permission(self, request):
        return False


@admin.register(EmailModeration)
class EmailModerationAdmin(admin.ModelAdmin):
    """The log of moderation done from email links."""

    list_display = ["acted_at", "action", "comment", "moderator", "ip_address"]
    list_filter = ["action"]
    list_select_related = ["comment", "moderator"]
    readonly_fields = ["acted_at", "action", "comment", "moderator", "ip_address", "nonce"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
