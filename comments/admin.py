from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Count
from django.http import Http404, HttpResponseBadRequest
from django.shortcuts import redirect
from django.urls import path, reverse
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe
from django.utils.text import Truncator
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from comments.models import Comment, CommentReport
from comments.services import comment_create, comment_set_status
from comments.trees import MAX_INDENT

Status = Comment.Status


def excerpt(comment, length=60):
    return Truncator(comment.body).chars(length)


class ReplyForm(forms.Form):
    body = forms.CharField(label=_("Reply"), widget=forms.Textarea, max_length=10000)


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
    inlines = [ReportInline]

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
        # The page's buttons moderate and reply (change_form.html); there is nothing to save.
        extra_context = {"show_save": False, "show_save_and_continue": False, "reply_form": ReplyForm()}
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
        count = comment_set_status(comments, status, moderator=request.user)
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
                ip_address=request.META.get("REMOTE_ADDR"),
                user_agent=request.headers.get("user-agent", ""),
            )
            if approve:
                comment_set_status([comment], Status.APPROVED, moderator=request.user)
        if approve:
            message = gettext("Comment approved and your reply published.")
        else:
            message = gettext("Your reply is published.")
        self.message_user(request, message, messages.SUCCESS)
        return redirect("admin:comments_comment_change", comment.pk)
