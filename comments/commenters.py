"""Commenters' email addresses: verifying one, once, and what a commenter asked for when posting.

A reader who ticks one of the form's email boxes becomes a `Commenter` (keyed by the
normalised address) with the Subscriptions they asked for. Until they press the button
behind the one confirmation email, nothing else is ever sent to the address (the mailer
checks `Commenter.may_be_mailed`), so nobody can use the site to mail a stranger; and at
most CONFIRMATIONS_PER_DAY confirmations go to one address a day.
"""

from django.core import signing
from django.db import transaction
from django.db.models import Case, F, Q, Value, When
from django.db.models.functions import Coalesce
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from comments import editing, links, notifications
from comments.forms import EMAIL_OPTIONS
from comments.mail import absolute, queue_email
from comments.models import Comment, Commenter, Subscription, normalise_email

CONFIRMATIONS_PER_DAY = 3

# What each box asks of us, as the confirmation email puts it.
ASKED = {
    "notify_replies": _("email you when someone replies to your comment"),
    "follow_thread": _("email you every new comment in its thread"),
    "verify_email": _("confirm your address, so your later comments can skip moderation"),
}
# What a verified commenter then gets, as the confirmation page puts it.
WILL_SEND = {
    Subscription.Kind.REPLIES: _("replies to your comment"),
    Subscription.Kind.THREAD: _("every new comment in its thread"),
}
# Which box asks for which Subscription to the comment just written.
SUBSCRIPTIONS = {"notify_replies": Subscription.Kind.REPLIES, "follow_thread": Subscription.Kind.THREAD}


def after_posting(comment, form):
    """Record what the commenter ticked (replies, the thread) and send a confirmation if needed.

    Called by the public view for comments that are not spam. Logins have their own settings.
    """
    if comment.user_id is not None or not comment.email:
        return
    asked = [option for option in EMAIL_OPTIONS if form.cleaned_data.get(option)]
    if not asked:
        return
    commenter, __ = Commenter.objects.get_or_create(email=normalise_email(comment.email))
    for option in asked:
        if option in SUBSCRIPTIONS:
            Subscription.objects.get_or_create(commenter=commenter, comment=comment, kind=SUBSCRIPTIONS[option])
    # Unverified, or unsubscribed from everything: only the address's owner, from the email, turns it on.
    # (Clearing `unsubscribed_at` here would let anyone who types the address mail it again.)
    if commenter.may_be_mailed or not count_confirmation(commenter):
        return
    # Robust: a failure is logged and the comment stays posted. (Not a functools.partial: Django's
    # log line for a failing callback reads its __qualname__, which a partial lacks.)
    transaction.on_commit(lambda: send_confirmation(comment.pk, asked), robust=True)


def count_confirmation(commenter):
    """Count one more confirmation email to `commenter` today; False once today's are used up.

    One conditional UPDATE, so two comments posted at once cannot both take the last one.
    """
    today = timezone.localdate()
    counted = (
        Commenter.objects.filter(pk=commenter.pk)
        .filter(
            Q(confirmation_day=today, confirmations_sent__lt=CONFIRMATIONS_PER_DAY)
            | ~Q(confirmation_day=today)  # another day, or none yet (the negation matches NULL too)
        )
        .update(
            confirmations_sent=Case(When(confirmation_day=today, then=F("confirmations_sent") + 1), default=1),
            confirmation_day=today,
        )
    )
    return counted == 1


def send_confirmation(comment_id, asked):
    """Queue the confirmation email for the writer of comment `comment_id`, who ticked `asked`."""
    comment = Comment.objects.select_related("post").get(pk=comment_id)
    email = normalise_email(comment.email)
    edit_url = editing.edit_link(comment)
    queue_email(
        to=comment.email,
        template="confirm",
        context={
            "comment": comment,
            "post": comment.post,
            "post_url": absolute(comment.post.get_absolute_url()),
            "name": comment.name,
            "asked": [ASKED[option] for option in asked],
            "confirm_url": links.link("confirm", e=email, c=comment.pk),
            "edit_url": edit_url,
            "edit_until": timezone.localtime(editing.edit_deadline(comment)) if edit_url else None,
        },
        unsubscribe_url=notifications.unsubscribe_url(email),
    )


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def confirm_email(request, token):
    """The confirmation link: GET shows the button, its POST verifies the address (scanners only GET).

    A second use changes nothing; an expired link says how to get a new one (410).
    """
    try:
        data = links.read_token("confirm", token)
    except signing.SignatureExpired:
        return render(request, "comments/confirm_email.html", {"state": "expired"}, status=410)
    except signing.BadSignature:
        return render(request, "comments/confirm_email.html", {"state": "invalid"}, status=400)
    commenter = Commenter.objects.filter(email=data.get("e")).first()
    if commenter is None:  # removed since (the moderators forgot the address): nothing to confirm
        return render(request, "comments/confirm_email.html", {"state": "expired"}, status=410)
    comment = Comment.objects.filter(pk=data.get("c"), email__iexact=commenter.email).select_related("post").first()
    context = {"commenter": commenter, "comment": comment, "token": token}
    if commenter.may_be_mailed:
        state = "already"
    elif request.method == "POST":
        state = "confirmed"
        # Pressing it again after unsubscribing from everything asks for email again.
        Commenter.objects.filter(pk=commenter.pk).update(
            verified_at=Coalesce("verified_at", Value(timezone.now())), unsubscribed_at=None
        )
        context["subscriptions"] = _subscription_kinds(commenter, comment)
    else:
        state = "ask"
    return render(request, "comments/confirm_email.html", {**context, "state": state})


def _subscription_kinds(commenter, comment):
    """What the commenter now gets about `comment`, in words."""
    if comment is None:
        return []
    kinds = set(commenter.subscriptions.filter(comment=comment).values_list("kind", flat=True))
    return [words for kind, words in WILL_SEND.items() if kind in kinds]
