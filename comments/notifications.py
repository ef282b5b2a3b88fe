"""Who is emailed when a comment becomes public, and the unsubscribe page.

comments.services calls `comment_posted` and `comments_approved` after the transaction
commits (robust: a failure is logged, the comment is never lost). A comment becomes public
once, so readers and authors hear of it once: at creation when it is approved at once,
else when a moderator first approves it (`Comment.notified_at` records that it happened).

Recipients, in this order, one email per address (the first reason wins):
1. "reply": verified commenters following replies to the comment it answers;
2. "thread": verified commenters following its thread (the tree it is in);
3. "author_comment": the post's byline authors with an active login and an email.
Never the writer's own address, nor anyone unsubscribed from everything or from the post.
"""

import functools
import logging

from django.core import signing
from django.core.exceptions import ValidationError
from django.core.mail import BadHeaderError
from django.db import transaction
from django.db.models import Q
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from blog.models import Post, PostAuthor
from comments import links
from comments.mail import absolute, queue_email
from comments.models import Comment, Commenter, MutedPost, Subscription, normalise_email

logger = logging.getLogger(__name__)

# A subscription counts while the subscriber's own comment is still there to be answered.
LIVE_STATUSES = (Comment.Status.APPROVED, Comment.Status.PENDING)


def unsubscribe_url(email, *, comment=None, post=None):
    """The signed link (absolute) that stops emails to `email`: about the thread of `comment`,
    about the discussion of `post`, or, with neither, everything."""
    return links.link(
        "unsubscribe",
        e=normalise_email(email),
        c=comment.pk if comment is not None else None,
        p=post.pk if post is not None else None,
    )


def unsubscribed_from_everything(emails):
    """Of `emails`, the normalised addresses whose owners asked for no email at all (one query)."""
    wanted = {normalise_email(email) for email in emails if email}
    return set(
        Commenter.objects.filter(email__in=wanted, unsubscribed_at__isnull=False).values_list("email", flat=True)
    )


def logged(function):
    """Run after a commit, `function` logs its failure instead of raising: email never breaks a write.

    (Django's own robust on_commit cannot yet log a failing functools.partial.)
    """

    @functools.wraps(function)
    def run(*args, **kwargs):
        try:
            return function(*args, **kwargs)
        except Exception:
            logger.exception("Comment notifications failed: %s%r", function.__name__, args)
            return None

    return run


@logged
def comment_posted(comment_id):
    """A comment was written through the public form or by a moderator/author: tell who it concerns.

    Approved at once: readers and authors (`announce`). Held: the moderators
    (moderator_mail.comment_held). Spam or removed: nobody.
    """
    from comments import moderator_mail  # it moderates through comments.services, which imports us

    comment = _comments().filter(pk=comment_id).first()
    if comment is None:
        return
    if comment.status == Comment.Status.APPROVED and comment.moderated_at is None:
        # Approved from the start. One a moderator has approved since is comments_approved's.
        announce(comment)
    elif comment.status == Comment.Status.PENDING:
        moderator_mail.comment_held(comment)


@logged
def comments_approved(comment_ids):
    """Comments were approved by a moderator: the writers of held ones hear so, then as published.

    Each comment is claimed once (its `notified_at` set under a row lock, in the same
    transaction as its emails are queued), so approving, removing and restoring it, or two
    moderators approving it at once, tell nobody twice.
    """
    from comments import editing  # it edits through comments.services, which imports us

    with transaction.atomic():
        claimed = list(
            _comments()
            .select_for_update(of=("self",))
            .filter(pk__in=comment_ids, status=Comment.Status.APPROVED, notified_at__isnull=True)
            .order_by("pk")
        )
        if not claimed:
            return
        Comment.objects.filter(pk__in=[comment.pk for comment in claimed]).update(notified_at=timezone.now())
        writers = _mailable_commenters(comment.email for comment in claimed if comment.user_id is None)
        for comment in claimed:
            address = normalise_email(comment.email)
            if comment.user_id is None and address in writers:
                _send(
                    address,
                    "approved",
                    {
                        "comment": comment,
                        "post": comment.post,
                        "comment_url": absolute(comment.get_absolute_url()),
                        "edit_url": editing.edit_link(comment),
                    },
                    unsubscribe_url(address, comment=comment),
                )
            announce(comment)


def announce(comment):
    """Email everyone who should hear of the newly public `comment`; returns how many were queued."""
    queued = 0
    for address, template, subscribed in recipients(comment):
        if subscribed is None:
            unsubscribe = unsubscribe_url(address, post=comment.post)
        else:
            unsubscribe = unsubscribe_url(address, comment=subscribed)
        context = {
            "comment": comment,
            "post": comment.post,
            "comment_url": absolute(comment.get_absolute_url()),
            "subscribed": subscribed,
        }
        queued += _send(address, template, context, unsubscribe)
    return queued


def recipients(comment):
    """Who hears of the public `comment`: (address, template, their subscribed comment or None) tuples.

    In priority order, one per normalised address. A fixed number of queries, however
    many subscribers.
    """
    post = comment.post
    chosen = {}
    excluded = {normalise_email(comment.email)} if comment.email else set()
    if comment.user is not None and comment.user.email:
        excluded.add(normalise_email(comment.user.email))

    def add(address, template, subscribed=None):
        address = normalise_email(address)
        if address and address not in excluded and address not in chosen:
            chosen[address] = (address, template, subscribed)

    answered = [pk for pk in (comment.parent_id, comment.in_reply_to_id) if pk is not None]
    subscriptions = (
        Subscription.objects.filter(
            Q(kind=Subscription.Kind.REPLIES, comment__in=answered)
            | Q(kind=Subscription.Kind.THREAD, comment__tree_id=comment.tree_id),
            comment__status__in=LIVE_STATUSES,
            commenter__verified_at__isnull=False,
            commenter__unsubscribed_at__isnull=True,
        )
        .exclude(commenter__muted_posts__post=post)
        .select_related("commenter", "comment")
        .order_by("pk")
    )
    subscriptions = list(subscriptions)
    for kind, template in ((Subscription.Kind.REPLIES, "reply"), (Subscription.Kind.THREAD, "thread")):
        for subscription in subscriptions:
            if subscription.kind == kind:
                add(subscription.commenter.email, template, subscription.comment)

    bylines = (
        PostAuthor.objects.filter(post=post, author__user__is_active=True)
        .exclude(author__user__email="")
        .select_related("author__user")
    )
    author_emails = [
        normalise_email(byline.author.user.email) for byline in bylines if byline.author.user_id != comment.user_id
    ]
    # Authors are logins, not verified commenters, but may still have unsubscribed or muted the post.
    silenced = set(
        Commenter.objects.filter(email__in=author_emails)
        .filter(Q(unsubscribed_at__isnull=False) | Q(muted_posts__post=post))
        .values_list("email", flat=True)
    )
    for address in author_emails:
        if address not in silenced:
            add(address, "author_comment")
    return list(chosen.values())


def _comments():
    """Comments with what their emails show."""
    return Comment.objects.select_related("post", "user")


def _mailable_commenters(emails):
    """Of `emails`, the normalised addresses of verified commenters who still take email (one query)."""
    wanted = {normalise_email(email) for email in emails if email}
    if not wanted:
        return set()
    return set(
        Commenter.objects.filter(email__in=wanted, verified_at__isnull=False, unsubscribed_at__isnull=True).values_list(
            "email", flat=True
        )
    )


def _send(address, template, context, unsubscribe):
    """Queue one email; an address a message cannot carry is logged and skipped, not fatal to the rest."""
    try:
        queue_email(to=address, template=template, context=context, unsubscribe_url=unsubscribe)
    except (BadHeaderError, ValidationError):
        logger.warning("Not emailing %r (%s): the address is unusable.", address, template)
        return 0
    return 1


# The unsubscribe page ---------------------------------------------------------------------------

THREAD, POST, ALL = "thread", "post", "all"


@csrf_exempt  # RFC 8058 one-click POSTs from mail providers carry no CSRF token: the signed link decides
@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def unsubscribe(request, token):
    """Stop emails to the address in a signed link: GET shows what it stops; only the POST acts.

    The link's own scope is a thread (its comment) or a post, or everything; the page's
    buttons choose that scope or everything. A POST without a scope (a mail client's
    "List-Unsubscribe=One-Click") acts on the link's own scope.
    """
    try:
        data = links.read_token("unsubscribe", token)
    except signing.BadSignature:  # SignatureExpired too, though these links never expire
        return render(request, "comments/unsubscribe.html", {"invalid": True}, status=400)
    email = normalise_email(data.get("e") or "")
    comment_id, post_id = data.get("c"), data.get("p")
    own_scope = THREAD if comment_id else POST if post_id else ALL
    context = {"email": email, "own_scope": own_scope}
    if request.method == "POST":
        scope = request.POST.get("scope") or own_scope
        if scope not in (own_scope, ALL):
            scope = own_scope
        _stop(email, scope, comment_id=comment_id, post_id=post_id)
        context["done"] = scope
    return render(request, "comments/unsubscribe.html", context)


def _stop(email, scope, *, comment_id, post_id):
    """Unsubscribe `email` from a thread (its subscriptions there), a post (muted), or everything."""
    if scope == THREAD:
        tree_ids = Comment.objects.filter(pk=comment_id).values("tree_id")
        Subscription.objects.filter(commenter__email=email, comment__tree_id__in=tree_ids).delete()
        return
    commenter, _created = Commenter.objects.get_or_create(email=email)
    if scope == POST:
        if Post.objects.filter(pk=post_id).exists():
            MutedPost.objects.get_or_create(commenter=commenter, post_id=post_id)
    elif commenter.unsubscribed_at is None:
        Commenter.objects.filter(pk=commenter.pk).update(unsubscribed_at=timezone.now())
