"""Moderators' emails: held comments one by one or as digests, and moderating from those emails.

A moderator is an active staff login allowed to change comments, with an email address.
Each chooses (User.comment_alerts) an email per held comment, an hourly or daily digest
(sent by `send_due_digests`, which the mail worker runs), or nothing. Every email holds
one-time signed links to approve, mark as spam or remove each comment: the link's page
shows the comment and a button, and only that POST acts, once, logged in EmailModeration.
"""

import secrets
from datetime import timedelta

from django import forms
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.views import redirect_to_login
from django.core import signing
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache

from comments import akismet, links, notifications, services
from comments.client_ip import client_ip
from comments.mail import absolute, queue_email
from comments.models import Comment, EmailModeration, normalise_email
from comments.viewers import is_moderator, moderates_here

User = get_user_model()
Alerts = User.CommentAlerts

# The links in each email: the action's status, its button and what the done page says.
ACTIONS = {
    "approve": (Comment.Status.APPROVED, _("Approve"), _("The comment by {name} is approved.")),
    "spam": (Comment.Status.SPAM, _("Mark as spam"), _("The comment by {name} is marked as spam.")),
    "remove": (Comment.Status.REMOVED, _("Remove"), _("The comment by {name} is removed.")),
}
DIGEST_PERIODS = {Alerts.HOURLY: timedelta(hours=1), Alerts.DAILY: timedelta(days=1)}
# ModelBackend answers "who has this permission" (axes's backend only counts failed sign-ins).
PERMISSION_BACKEND = "django.contrib.auth.backends.ModelBackend"


def moderators(alerts):
    """The moderators who want `alerts` (a list of User.CommentAlerts) and may be emailed."""
    users = list(
        User.objects.with_perm("comments.change_comment", is_active=True, backend=PERMISSION_BACKEND)
        .filter(is_staff=True, comment_alerts__in=alerts)
        .exclude(email="")
        .order_by("pk")
    )
    stopped = notifications.unsubscribed_from_everything(user.email for user in users)
    return [user for user in users if normalise_email(user.email) not in stopped]


def wrote(moderator, comment):
    """Whether `moderator` wrote `comment`: nobody moderates their own words by email."""
    if comment.user_id is not None and comment.user_id == moderator.pk:
        return True
    return bool(comment.email) and normalise_email(comment.email) == normalise_email(moderator.email)


def moderation_links(comment, moderator):
    """The one-time links for `moderator` to act on `comment`, by action."""
    return {
        action: links.link("moderate", c=comment.pk, a=action, u=moderator.pk, n=secrets.token_urlsafe(16))
        for action in ACTIONS
    }


def held_item(comment, moderator):
    """What an email says of one held comment (templates/comments/email/includes/held_comment.*)."""
    return {
        "comment": comment,
        "post": comment.post,
        "reasons": comment.reason_labels,
        "links": moderation_links(comment, moderator),
        "admin_url": absolute(reverse("admin:comments_comment_change", args=[comment.pk])),
    }


def _queue(moderator, template, context):
    return queue_email(
        to=moderator.email,
        template=template,
        context={"moderator": moderator, "alerts_url": absolute(reverse("comments:moderator_alerts")), **context},
        # A moderator's only way out by link stops everything; the alerts page is finer.
        unsubscribe_url=notifications.unsubscribe_url(moderator.email),
    )


def comment_held(comment):
    """Tell the moderators who want each held comment at once; returns how many were emailed."""
    if comment.status != Comment.Status.PENDING:
        return 0
    sent = 0
    for moderator in moderators([Alerts.EACH]):
        if wrote(moderator, comment):
            continue
        item = held_item(comment, moderator)
        _queue(moderator, "held", {"item": item, "post": comment.post})
        sent += 1
    return sent


def send_due_digests():
    """Send the hourly and daily digests that are due; returns how many were queued.

    A digest lists the comments still held that were written since the moderator's last
    digest (or within the last period, for a first one). With nothing to list no email
    goes and the clock is not moved, so the next held comment is in the next run's digest.
    """
    now = timezone.now()
    due = []
    for moderator in moderators(list(DIGEST_PERIODS)):
        period = DIGEST_PERIODS[moderator.comment_alerts]
        last = moderator.comment_digest_sent_at
        if last is None or last <= now - period:
            due.append((moderator, last or now - period))
    if not due:
        return 0
    # One query for every digest: the held comments since the oldest of their starting points.
    oldest = min(since for _moderator, since in due)
    held = list(
        Comment.objects.filter(status=Comment.Status.PENDING, created_at__gt=oldest, created_at__lte=now)
        .select_related("post")
        .order_by("created_at", "pk")
    )
    queued = 0
    for moderator, since in due:
        comments = [c for c in held if c.created_at > since and not wrote(moderator, c)]
        if comments and _claim_digest(moderator, comments, now):
            queued += 1
    return queued


def _claim_digest(moderator, comments, now):
    """Move `moderator`'s digest clock to `now` and queue their digest of `comments`, unless another run just did."""
    with transaction.atomic():
        # Conditional on the time read: of two runs at once (cron and a worker), one sends.
        claimed = User.objects.filter(pk=moderator.pk, comment_digest_sent_at=moderator.comment_digest_sent_at).update(
            comment_digest_sent_at=now
        )
        if not claimed:
            return False
        items = [held_item(comment, moderator) for comment in comments]
        _queue(moderator, "digest", {"items": items, "count": len(items)})
    return True


def _page(request, state, status=200, **context):
    """The email-moderation page in one of its states (templates/comments/email_moderate.html)."""
    response = render(request, "comments/email_moderate.html", {"state": state, **context}, status=status)
    # The token in its address must not linger in shared caches or the page cache.
    response["Cache-Control"] = "private, no-store"
    return response


@never_cache
def email_moderate(request, token):
    """A moderation link from an email: GET shows the comment and a button, the button's POST acts once."""
    try:
        data = links.read_token("moderate", token)
    except signing.SignatureExpired:
        return _page(request, "expired", status=410)
    except signing.BadSignature:
        return _page(request, "invalid", status=400)
    if data.get("a") not in ACTIONS or not data.get("n"):
        return _page(request, "invalid", status=400)
    comment = get_object_or_404(Comment.objects.select_related("post"), pk=data.get("c"))
    moderator = User.objects.filter(pk=data.get("u")).first()
    if moderator is None or not is_moderator(moderator):
        return _page(request, "forbidden", status=403)
    status, button, done = ACTIONS[data["a"]]
    context = {
        "comment": comment,
        "action": data["a"],
        "button": button,
        "admin_url": reverse("admin:comments_comment_change", args=[comment.pk]),
    }
    if request.method != "POST":
        if EmailModeration.objects.filter(nonce=data["n"]).exists():
            return _page(request, "used", status=410, **context)
        return _page(request, "confirm", **context)
    if not _act(request, comment, moderator, data["a"], data["n"]):
        return _page(request, "used", status=410, **context)
    # With the status it had before: Akismet learns from what the moderator corrected.
    akismet.report_moderation([comment], status)
    return _page(request, "done", message=str(done).format(name=comment.name), **context)


def _act(request, comment, moderator, action, nonce):
    """Log the link's use and apply its action; False when the link was already used."""
    status = ACTIONS[action][0]
    with transaction.atomic():
        try:
            # The unique nonce decides: a second use (or a parallel one) fails here and changes nothing.
            with transaction.atomic():
                EmailModeration.objects.create(
                    comment=comment, moderator=moderator, action=action, nonce=nonce, ip_address=client_ip(request)
                )
        except IntegrityError:
            return False
        if comment.status != status:
            services.comment_set_status([comment], status, moderator=moderator)
    return True


class AlertsForm(forms.ModelForm):
    class Meta:
        model = User
        fields = ["comment_alerts"]
        widgets = {"comment_alerts": forms.RadioSelect}
        labels = {"comment_alerts": _("Comments held for moderation")}


def alerts(request):
    """The signed-in moderator's choice of held-comment emails: each, hourly, daily or none."""
    if not request.user.is_authenticated or (is_moderator(request.user) and not moderates_here(request)):
        # Signed out, or owing the second factor: the admin's sign-in, then back here.
        return redirect_to_login(request.get_full_path(), reverse("admin:login"))
    if not is_moderator(request.user):
        raise PermissionDenied
    form = AlertsForm(request.POST or None, instance=request.user)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, _("Saved: %(choice)s.") % {"choice": request.user.get_comment_alerts_display()})
        return redirect("comments:moderator_alerts")
    return render(request, "comments/moderator_alerts.html", {"form": form})
