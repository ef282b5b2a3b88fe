"""The public side of commenting: posting a comment or reply, and comment permalinks."""

import dataclasses

from django.http import Http404, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect
from django.views.decorators.http import require_POST

from blog.models import Post
from blog.views import PostDetailView
from comments.forms import CommentForm, remember_commenter
from comments.models import Comment
from comments.services import comment_create
from comments.trees import permalink_page
from comments.viewers import is_moderator, remember_held, viewer_for


def initial_status(post, user, email):
    """The moderation rules for a new public comment: its status and why it is held.

    Moderators' and the post's own authors' comments are approved at once; a reader's is
    approved when their email already has an approved comment (WordPress's rule), else held.
    """
    if is_moderator(user) or post.is_written_by(user):
        return Comment.Status.APPROVED, []
    if Comment.objects.filter(email__iexact=email, status=Comment.Status.APPROVED).exists():
        return Comment.Status.APPROVED, []
    return Comment.Status.PENDING, [Comment.HoldReason.FIRST_COMMENT]


def comment_url(comment, viewer):
    """The post page holding `comment` as `viewer` sees the discussion, at the comment."""
    page = permalink_page(comment, viewer)
    query = f"?cpage={page}" if page and page > 1 else ""
    return f"{comment.post.get_absolute_url()}{query}#{comment.anchor}"


@require_POST
def post_comment(request, post_id):
    """Post a comment or reply from the form under a post.

    Errors show the post page again (status 400) with everything typed kept and the form
    where it was; success goes to the new comment (303). A held comment is remembered on
    this browser, which alone sees it until a moderator approves it.
    """
    page = PostDetailView()
    page.setup(request, pk=post_id)
    # The post as its page shows it, and a 404 unless readers can see it.
    post = page.object = page.get_object()
    if not post.discussion_is_open:
        context = page.get_context_data(object=post, refused_comment=request.POST.get("body", ""))
        return page.render_to_response(context, status=403)

    viewer = viewer_for(request)
    form = CommentForm(request.POST, post=post, viewer=viewer, user=request.user)
    if not form.is_valid():
        return page.render_to_response(page.get_context_data(object=post, comment_form=form), status=400)

    user = request.user if request.user.is_authenticated else None
    email = form.cleaned_data.get("email") or (user.email if user else "")
    status, hold_reasons = initial_status(post, request.user, email)
    comment = comment_create(
        post=post,
        parent=form.cleaned_data["parent"],
        body=form.cleaned_data["body"],
        status=status,
        hold_reasons=hold_reasons,
        user=user,
        name=form.cleaned_data.get("name", ""),
        email=email,
        website=form.cleaned_data.get("website", ""),
        ip_address=request.META.get("REMOTE_ADDR"),
        user_agent=request.headers.get("User-Agent", ""),
    )

    # The writer sees their held comment too, so find its page as they will see it.
    viewer = dataclasses.replace(viewer, own_comment_ids=viewer.own_comment_ids | {comment.pk})
    response = HttpResponseRedirect(comment_url(comment, viewer), status=303)
    if status != Comment.Status.APPROVED:
        remember_held(request, response, comment)
    remember_commenter(request, response, form)
    return response


def permalink(request, pk):
    """A comment's permanent address: redirects to the discussion page that holds it."""
    comment = get_object_or_404(Comment.objects.select_related("post").filter(post__in=Post.objects.published()), pk=pk)
    viewer = viewer_for(request)
    if not viewer.sees_text_of(comment):
        raise Http404
    return redirect(comment_url(comment, viewer))
