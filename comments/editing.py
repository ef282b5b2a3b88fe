"""Writers editing or deleting their own comment, for a short window and while it has no replies.

The browser that wrote a comment holds a signed cookie naming it (`remember_editable`, called
when the comment is posted); a verified commenter can also be emailed a signed link
(`edit_link`) that gives the same right to the browser that opens it. Only that browser sees
Edit and Delete under the comment: its page is its own, never the shared cache's
(blog.page_cache.personal_cookies). The writes are comments.services.comment_edit and
comment_delete_own, which check the rules here again under the thread's lock.
"""

import dataclasses
import datetime

from django import forms
from django.contrib import messages
from django.core import signing
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from blog.models import Post, SiteSettings
from comments import links
from comments.forms import CommentForm
from comments.models import Comment
from comments.viewers import (
    EDITABLE_COOKIE,
    EDITABLE_LIMIT,
    EDITABLE_SALT,
    editable_comment_ids,
    remember_held,
    viewer_for,
)

# Why a comment can't be changed, as its writer reads it.
EDITING_OFF = _("Comments can't be changed once they are posted on this site.")
WINDOW_OVER = _("The time for changing this comment is over: a comment can be changed for %(minutes)s minutes.")
HAS_REPLIES = _("Someone has replied to this comment, so it stays as they read it.")
GONE = _("This comment can no longer be changed.")
NOT_YOURS = _("Only the browser that wrote it, or the link we email to a confirmed address, can change a comment.")
LINK_EXPIRED = _("This link has expired. A comment can only be changed shortly after it is written.")
LINK_INVALID = _("This link is not valid. Please check that you copied all of it from the email.")

SAVED = _("Your comment is saved.")
DELETED = _("Your comment is deleted.")


class NotEditable(Exception):
    """The comment can no longer be changed: the message says why."""


def edit_deadline(comment):
    """Until when the writer may change `comment` (the site's edit window after it was written)."""
    return comment.created_at + datetime.timedelta(minutes=SiteSettings.load().comment_edit_minutes)


def _window_over(comment):
    minutes = SiteSettings.load().comment_edit_minutes
    if minutes == 0:
        return EDITING_OFF
    if timezone.now() >= edit_deadline(comment):
        return WINDOW_OVER % {"minutes": minutes}
    return None


def why_not_editable(comment, *, has_replies=None):
    """Why `comment` can no longer be changed (a message for its writer), or None while it can.

    It can within the window, while it is approved or held, and until someone replies (below
    it or beside it, past the maximum depth). `has_replies` spares the query when the caller
    has read the thread already (a discussion page).
    """
    if over := _window_over(comment):
        return over
    if comment.status not in (Comment.Status.APPROVED, Comment.Status.PENDING):
        return GONE
    if has_replies is None:
        has_replies = comment.rght - comment.lft > 1 or Comment.objects.filter(in_reply_to=comment).exists()
    return HAS_REPLIES if has_replies else None


def is_editable(comment, *, has_replies=None):
    """Within the window, still approved or held, and nobody has replied (below it or beside it)."""
    return why_not_editable(comment, has_replies=has_replies) is None


def edit_link(comment):
    """A signed link (absolute) that lets the writer edit `comment` from any browser; None once it can't be."""
    if not is_editable(comment):
        return None
    return links.link("edit", path_kwargs={"pk": comment.pk}, c=comment.pk)


def remember_editable(request, response, comment):
    """Let this browser edit `comment` during the window (a signed cookie, as long as the window)."""
    minutes = SiteSettings.load().comment_edit_minutes
    if not minutes:
        return
    ids = sorted(editable_comment_ids(request) | {comment.pk})[-EDITABLE_LIMIT:]
    response.set_signed_cookie(
        EDITABLE_COOKIE,
        ",".join(map(str, ids)),
        salt=EDITABLE_SALT,
        max_age=minutes * 60,
        httponly=True,
        samesite="Lax",
        secure=request.is_secure(),
    )


class EditForm(forms.Form):
    """A comment's new text, under the comment form's rules for it (comments.forms.CommentForm)."""

    body = CommentForm.base_fields["body"]  # each form gets its own copy of its fields
    clean_body = CommentForm.clean_body

    def __init__(self, *args, **kwargs):
        super().__init__(*args, label_suffix="", **kwargs)
        self.max_length = SiteSettings.load().comment_max_length
        self.fields["body"].label = _("Your comment")
        self.fields["body"].help_text = _(
            "Up to %(limit)s characters. *Emphasis*, **strong**, `code`, > quotes and links work; HTML shows as text."
        ) % {"limit": f"{self.max_length:,}"}


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def edit(request, pk, token=None):
    """Edit one's own comment: GET shows the form, POST saves it and goes back to the comment (303).

    With `token` (the emailed link) this browser is first given the right to edit, then sent
    to the form. Refused (403) without that right or once the comment can't be changed, with
    the text typed kept on the page; a form with errors comes back with a 400.
    """
    comment = _comment(pk)
    if token is not None:
        return _open_link(request, comment, token)
    typed = request.POST.get("body", "") if request.method == "POST" else None
    if refusal := _refusal(request, comment):
        return _refused(request, comment, refusal, typed=typed)
    if request.method != "POST":
        form = EditForm(initial={"body": comment.body})
        return render(request, "comments/edit.html", _context(comment, form=form))
    form = EditForm(request.POST)
    if not form.is_valid():
        return render(request, "comments/edit.html", _context(comment, form=form), status=400)
    from comments import services  # it imports comments.notifications, which may import this module

    try:
        comment = services.comment_edit(comment, body=form.cleaned_data["body"])
    except NotEditable as refused:
        return _refused(request, comment, str(refused), typed=form.cleaned_data["body"])
    messages.success(request, SAVED)
    return _back_to_comment(request, comment)


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def delete(request, pk):
    """Delete one's own comment: GET asks, POST removes it (the node stays) and goes back to the post (303)."""
    comment = _comment(pk)
    if refusal := _refusal(request, comment):
        return _refused(request, comment, refusal)
    if request.method != "POST":
        return render(request, "comments/delete.html", _context(comment))
    from comments import services  # it imports comments.notifications, which may import this module

    try:
        services.comment_delete_own(comment)
    except NotEditable as refused:
        return _refused(request, comment, str(refused))
    messages.success(request, DELETED)
    return HttpResponseRedirect(f"{comment.post.get_absolute_url()}#comments", status=303)


def _comment(pk):
    """The comment `pk` under a post readers can see, or a 404."""
    published = Comment.objects.select_related("post").filter(post__in=Post.objects.published())
    return get_object_or_404(published, pk=pk)


def _refusal(request, comment):
    """Why this browser may not change `comment` now, or None.

    That the window is over is said to anyone (the comment's time is on the page), so a
    writer whose cookie has expired with it learns the real reason.
    """
    if over := _window_over(comment):
        return over
    if comment.pk not in editable_comment_ids(request):
        return NOT_YOURS
    return why_not_editable(comment)


def _context(comment, **context):
    return {"comment": comment, "deadline": edit_deadline(comment), "back": _comment_link(comment), **context}


def _comment_link(comment):
    """Where Cancel goes: the comment's permalink while readers see it, else the post's discussion."""
    if comment.status == Comment.Status.APPROVED:
        return comment.get_absolute_url()
    return f"{comment.post.get_absolute_url()}#comments"


def _refused(request, comment, reason, *, status=403, typed=None):
    """The page saying why the comment can't be changed, with the text the writer typed (if any) to copy."""
    context = {"comment": comment, "refusal": reason, "typed": typed, "back": _comment_link(comment)}
    return render(request, "comments/edit.html", context, status=status)


def _open_link(request, comment, token):
    """The emailed edit link: this browser may edit the comment; on to the form (303)."""
    try:
        data = links.read_token("edit", token)
    except signing.SignatureExpired:
        return _refused(request, comment, LINK_EXPIRED, status=410)
    except signing.BadSignature:
        return _refused(request, comment, LINK_INVALID, status=400)
    if data.get("c") != comment.pk:
        return _refused(request, comment, LINK_INVALID, status=400)
    response = HttpResponseRedirect(reverse("comments:edit", args=[comment.pk]), status=303)
    remember_editable(request, response, comment)
    if comment.status == Comment.Status.PENDING:
        remember_held(request, response, comment)  # so this browser sees it on the page too
    return response


def _back_to_comment(request, comment):
    """To the edited comment as its writer sees the discussion (303); a held one is remembered as theirs."""
    from comments.views import comment_url  # it imports this module

    if comment.status == Comment.Status.SPAM:
        # Like a success, as posting does: a bot learns nothing.
        return HttpResponseRedirect(f"{comment.post.get_absolute_url()}#{comment.anchor}", status=303)
    viewer = viewer_for(request)
    viewer = dataclasses.replace(viewer, own_comment_ids=viewer.own_comment_ids | {comment.pk})
    response = HttpResponseRedirect(comment_url(comment, viewer), status=303)
    if comment.status == Comment.Status.PENDING:
        remember_held(request, response, comment)
    return response
