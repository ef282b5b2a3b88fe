"""The public side of commenting: posting a comment or reply, and comment permalinks."""

import dataclasses

from django.http import Http404, HttpResponseRedirect, JsonResponse
from django.middleware.csrf import get_token
from django.shortcuts import get_object_or_404, redirect
from django.urls import Resolver404, resolve
from django.views.csrf import csrf_failure as django_csrf_failure
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from blog.models import Post
from blog.views import PostDetailView
from comments import commenters, editing, spam
from comments.client_ip import client_ip
from comments.forms import (
    COMMENT_ID,
    EMAIL_OPTIONS,
    CommentForm,
    remember_commenter,
    remembered_commenter,
    reply_target,
)
from comments.models import Comment
from comments.services import comment_create
from comments.trees import permalink_page
from comments.viewers import remember_held, viewer_for


def comment_url(comment, viewer):
    """The post page holding `comment` as `viewer` sees the discussion, at the comment."""
    page = permalink_page(comment, viewer)
    query = f"?cpage={page}" if page and page > 1 else ""
    return f"{comment.post.get_absolute_url()}{query}#{comment.anchor}"


@require_POST
def post_comment(request, post_id):
    """Post a comment or reply from the form under a post.

    Errors show the post page again (status 400, or 429 past the rate limit) with
    everything typed kept and the form where it was; success goes to the new comment (303).
    comments.spam screens the comment first. A held comment is remembered on this browser,
    which alone sees it until a moderator approves it; spam is redirected like a success.
    """
    # A 404 unless readers can see the post (the same rule as its page).
    post = get_object_or_404(Post.objects.published(), pk=post_id)
    if not post.discussion_is_open:
        return _post_page_again(request, post_id, 403, refused_comment=request.POST.get("body", ""))

    viewer = viewer_for(request)
    form = CommentForm(request.POST, post=post, viewer=viewer, user=request.user)
    if not form.is_valid():
        return _post_page_again(request, post_id, 400, comment_form=form)

    user = request.user if request.user.is_authenticated else None
    submission = spam.Submission(
        post=post,
        user=request.user,
        name=form.cleaned_data.get("name") or (user.get_full_name() or user.get_username() if user else ""),
        email=form.cleaned_data.get("email") or (user.email if user else ""),
        website=form.cleaned_data.get("website", ""),
        body=form.cleaned_data["body"],
        ip_address=client_ip(request),
        user_agent=request.headers.get("User-Agent", ""),
        honeypot=form.cleaned_data["homepage"],
        form_token=form.cleaned_data["form_token"],
    )
    try:
        status, hold_reasons = spam.screen(submission)
    except spam.Refused as refused:
        form.add_error(refused.field, refused.message)
        return _post_page_again(request, post_id, refused.status, comment_form=form)
    comment = comment_create(
        post=post,
        parent=form.cleaned_data["parent"],
        body=submission.body,
        status=status,
        hold_reasons=hold_reasons,
        user=user,
        name=submission.name,
        email=submission.email,
        website=submission.website,
        ip_address=submission.ip_address,
        user_agent=submission.user_agent,
        notify=True,
    )
    if status != Comment.Status.SPAM:
        commenters.after_posting(comment, form)

    if status == Comment.Status.SPAM:
        # Like a success, so a bot learns nothing; moderators find it with its reasons.
        response = HttpResponseRedirect(f"{post.get_absolute_url()}#{comment.anchor}", status=303)
    else:
        # The writer sees their held comment too, so find its page as they will see it.
        viewer = dataclasses.replace(viewer, own_comment_ids=viewer.own_comment_ids | {comment.pk})
        response = HttpResponseRedirect(comment_url(comment, viewer), status=303)
        if status != Comment.Status.APPROVED:
            remember_held(request, response, comment)
        editing.remember_editable(request, response, comment)
    remember_commenter(request, response, form)
    return response


def _post_page_again(request, post_id, status, **context):
    """The post page once more, for a comment it could not take: `context` keeps what was typed.

    Only here does posting read what the page shows around the form (bylines, terms…): a
    comment that goes through is answered with a redirect.
    """
    page = PostDetailView()
    page.setup(request, pk=post_id)
    page.object = page.get_object()
    return page.render_to_response(page.get_context_data(object=page.object, **context), status=status)


@never_cache
@require_GET
def form_token(request):
    """What a comment or report form needs of this visitor, as JSON: {"token", "csrf", "commenter"}.

    static/js/comments.js asks for it when the reader first uses a form (at once if they
    asked to be remembered): pages from the shared cache hold no CSRF token, form timestamp
    or remembered details (blog.page_cache). `commenter` is null unless this browser's own
    "remember me" cookie holds details.
    """
    return JsonResponse(
        {
            "token": spam.form_token(),
            "csrf": get_token(request),
            "commenter": remembered_commenter(request) or None,
        }
    )


def csrf_failure(request, reason=""):
    """A POST whose CSRF token is missing or stale (settings.CSRF_FAILURE_VIEW).

    A comment sent from a cached page without JavaScript arrives here (that page holds no
    token): show the post again, uncached, with everything typed kept and a fresh token, so
    pressing Post comment again sends it. Anything else gets Django's own 403 page.
    """
    match = _resolve(request.path_info)
    if request.method != "POST" or match is None or match.view_name != "comments:create":
        return django_csrf_failure(request, reason)
    page = PostDetailView()
    page.setup(request, pk=match.kwargs["post_id"])
    post = page.object = page.get_object()
    if not post.discussion_is_open:
        context = page.get_context_data(object=post, refused_comment=request.POST.get("body", ""))
        return page.render_to_response(context, status=403)
    viewer = viewer_for(request)
    typed = {name: request.POST.get(name, "") for name in ("name", "email", "website", "body")}
    ticked = {name: bool(request.POST.get(name)) for name in ("remember", *EMAIL_OPTIONS)}
    initial = {**typed, **ticked, "form_token": spam.form_token()}
    form = CommentForm(post=post, viewer=viewer, user=request.user, initial=initial)
    parent = request.POST.get("parent", "")
    if COMMENT_ID.fullmatch(parent):
        form.reply_to = reply_target(post, viewer, int(parent))
    return page.render_to_response(page.get_context_data(object=post, comment_form=form, resend=True), status=403)


def _resolve(path):
    try:
        return resolve(path)
    except Resolver404:
        return None


def permalink(request, pk):
    """A comment's permanent address: redirects to the discussion page that holds it."""
    comment = get_object_or_404(Comment.objects.select_related("post").filter(post__in=Post.objects.published()), pk=pk)
    viewer = viewer_for(request)
    if not viewer.sees_text_of(comment):
        raise Http404
    return redirect(comment_url(comment, viewer))
