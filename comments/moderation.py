"""Moderating from the public page, and readers' reports.

A moderator's buttons under each comment post to `moderate`; readers report a comment
through one shared form per page (or the `report` page without JavaScript). Statuses
change through `comments.services`; nothing here moves a node.
"""

import secrets

from django import forms
from django.contrib import messages
from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, connection, transaction
from django.http import Http404, HttpResponseBadRequest
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from blog.invalidation import comments_changed
from blog.models import SiteSettings
from comments import akismet, moderator_mail
from comments.client_ip import client_ip
from comments.forms import CommentForm
from comments.models import Comment, CommentReport
from comments.services import LOCK_NAMESPACE, comment_create, comment_set_status, refresh_comment_count
from comments.trees import public_comments
from comments.viewers import moderates_here, viewer_for
from comments.views import comment_url

# Actions that only change the status, and what they say afterwards.
STATUS_ACTIONS = {
    "approve": (Comment.Status.APPROVED, "The comment by {name} is approved."),
    "restore": (Comment.Status.APPROVED, "The comment by {name} is restored."),
    "spam": (Comment.Status.SPAM, "The comment by {name} is marked as spam."),
    "remove": (Comment.Status.REMOVED, "The comment by {name} is removed."),
}

PIN_NAMESPACE = LOCK_NAMESPACE + 2  # advisory lock key: the post's id

REPORTER_COOKIE = "colloquy_reporter"
REPORTER_SALT = "comments.reporter"
REPORTER_MAX_AGE = 60 * 60 * 24 * 365
REPORT_LIMIT = 10  # reports per IP address…
REPORT_WINDOW = 60 * 60  # …per hour
REPORT_THANKS = "Thank you for your report. A moderator will look at this comment."


class ReportForm(forms.ModelForm):
    class Meta:
        model = CommentReport
        fields = ["comment", "reason", "note"]
        widgets = {
            "comment": forms.HiddenInput,
            "reason": forms.RadioSelect,
            "note": forms.Textarea(attrs={"rows": 3}),
        }
        labels = {"reason": "Why should a moderator look at it?", "note": "Anything else (optional)"}

    def __init__(self, *args, **kwargs):
        # Its own ids: it shares the post page with the comment form.
        kwargs.setdefault("auto_id", "report-%s")
        super().__init__(*args, **kwargs)
        # Readers can only report what they can see; the exemption check needs the writer and post.
        self.fields["comment"].queryset = public_comments().select_related("post", "user")
        self.fields["comment"].error_messages["invalid_choice"] = "This comment cannot be reported."
        self.fields["reason"].choices = CommentReport.Reason.choices  # no empty "---------" choice


@require_POST
def moderate(request, pk):
    """A moderator's decision on one comment, from the buttons under it; back to the comment."""
    if not moderates_here(request):
        raise PermissionDenied
    comment = get_object_or_404(Comment.objects.select_related("post"), pk=pk)
    action = request.POST.get("action")
    if action == "approve_reply":
        return _approve_and_reply(request, comment)
    if action in ("pin", "unpin"):
        if action == "pin" and comment.status != Comment.Status.APPROVED:
            messages.error(request, "Only an approved comment can be pinned.")
        else:
            comment_pin(comment, pinned=action == "pin")
            done = "pinned above the discussion" if action == "pin" else "no longer pinned"
            messages.success(request, f"The comment by {comment.name} is {done}.")
        return redirect(comment_url(comment, viewer_for(request)))
    if action not in STATUS_ACTIONS:
        return HttpResponseBadRequest("Unknown moderation action.")
    status, message = STATUS_ACTIONS[action]
    comment_set_status([comment], status, moderator=request.user)
    akismet.report_moderation([comment], status)
    messages.success(request, message.format(name=comment.name))
    return redirect(comment_url(comment, viewer_for(request)))


def _approve_and_reply(request, comment):
    """Approve a held comment and answer it as the moderator, in one step."""
    viewer = viewer_for(request)
    # The public form's rules for the text; the comment answered is the one moderated.
    form = CommentForm({"body": request.POST.get("body", "")}, post=comment.post, viewer=viewer, user=request.user)
    if not form.is_valid():
        messages.error(request, " ".join(form.errors.get("body", ["Write a reply to approve and answer the comment."])))
        return redirect(comment_url(comment, viewer))
    with transaction.atomic():
        # The reply first: comment_create takes the thread's lock before any row of it is touched.
        reply = comment_create(
            post=comment.post,
            parent=comment,
            user=request.user,
            body=form.cleaned_data["body"],
            status=Comment.Status.APPROVED,
            ip_address=client_ip(request),
            user_agent=request.headers.get("user-agent", ""),
            notify=True,
        )
        comment_set_status([comment], Comment.Status.APPROVED, moderator=request.user)
    messages.success(request, f"The comment by {comment.name} is approved and your reply is published.")
    return redirect(comment_url(reply, viewer))


def comment_pin(comment, *, pinned=True):
    """Pin `comment` above its post's threads, unpinning the post's previous pin; or unpin it."""
    with transaction.atomic():
        # Two moderators pinning on one post queue here rather than trip the one-pin constraint.
        # An advisory lock, not the post's row: writers lock comment rows before that row.
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [PIN_NAMESPACE, comment.post_id])
        if pinned:
            Comment.objects.filter(post=comment.post_id, pinned=True).exclude(pk=comment.pk).update(pinned=False)
        Comment.objects.filter(pk=comment.pk).update(pinned=pinned)
        comments_changed(comment.post_id)


def report(request):
    """Report a comment: GET shows the form (the page without JavaScript), POST records the report."""
    token = request.get_signed_cookie(REPORTER_COOKIE, default="", salt=REPORTER_SALT) or secrets.token_urlsafe(16)
    status = 200
    if request.method == "POST":
        form = ReportForm(request.POST)
        ip_address = client_ip(request)
        limited = _over_report_limit(ip_address)
        if form.is_valid() and not limited:
            comment = form.cleaned_data["comment"]
            report_comment(
                comment,
                reason=form.cleaned_data["reason"],
                note=form.cleaned_data["note"],
                ip_address=ip_address,
                reporter=token,
            )
            messages.success(request, REPORT_THANKS)
            # A comment held by this report is no longer on the page: back to the discussion then.
            if comment.is_public:
                response = redirect(comment_url(comment, viewer_for(request)))
            else:
                response = redirect(f"{comment.post.get_absolute_url()}#comments")
            _remember_reporter(request, response, token)
            return response
        if limited:
            status = 429
            form.add_error(None, "You have sent many reports in the last hour. Please try again later.")
        comment = form.cleaned_data.get("comment")
    else:
        comment_id = request.GET.get("comment", "")
        if not comment_id.isdigit():
            raise Http404
        comment = get_object_or_404(public_comments().select_related("post"), pk=comment_id)
        form = ReportForm(initial={"comment": comment.pk})
    response = render(request, "comments/report.html", {"form": form, "comment": comment}, status=status)
    _remember_reporter(request, response, token)
    return response


def report_comment(comment, *, reason, note, ip_address, reporter):
    """Record one reader's report; hold the comment once enough distinct readers reported it.

    A reader is one IP address and one signed cookie: a repeat by either is ignored (the
    database's unique constraints decide). Returns whether the report counted.
    """
    try:
        with transaction.atomic():
            CommentReport.objects.create(
                comment=comment, reason=reason, note=note, ip_address=ip_address, reporter=reporter
            )
    except IntegrityError:
        return False
    threshold = SiteSettings.load().comment_report_threshold
    if comment.reports.count() >= threshold and not is_exempt_from_reports(comment):
        hold_reported(comment)
    return True


def is_exempt_from_reports(comment):
    """Staff and the post's own authors answer to the editors, not to readers' reports."""
    if comment.badge != Comment.Badge.NONE:
        return True
    user = comment.user
    return user is not None and (user.is_staff or comment.post.is_written_by(user))


def hold_reported(comment):
    """Take an approved comment off the page until a moderator decides."""
    reported = Comment.HoldReason.REPORTED
    reasons = comment.hold_reasons if reported in comment.hold_reasons else [*comment.hold_reasons, reported]
    with transaction.atomic():
        held = Comment.objects.filter(pk=comment.pk, status=Comment.Status.APPROVED).update(
            status=Comment.Status.PENDING, hold_reasons=reasons
        )
        if held:
            refresh_comment_count(comment.post_id)
    if held:
        comment.status, comment.hold_reasons = Comment.Status.PENDING, reasons
        # Moderators hear of it as of any held comment (each, or in their next digest by date).
        transaction.on_commit(lambda: moderator_mail.comment_held(comment), robust=True)


def _over_report_limit(ip_address):
    """Count this report against its IP address; True once past the hourly limit."""
    key = f"colloquy:report:{ip_address}"
    cache.add(key, 0, timeout=REPORT_WINDOW)
    try:
        return cache.incr(key) > REPORT_LIMIT
    except ValueError:  # the window expired between add and incr
        cache.set(key, 1, timeout=REPORT_WINDOW)
        return False


def _remember_reporter(request, response, token):
    response.set_signed_cookie(
        REPORTER_COOKIE,
        token,
        salt=REPORTER_SALT,
        max_age=REPORTER_MAX_AGE,
        httponly=True,
        samesite="Lax",
        secure=request.is_secure(),
    )
