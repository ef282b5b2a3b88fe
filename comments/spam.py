"""Screening a new public comment before `comments.services.comment_create` writes it.

`screen()` runs the layers below and decides the comment's status. It turns a comment
back to its writer, with everything typed kept, only for what a person can fix: posting
too often (HTTP 429) or sending the same text again (400). Every other layer gives a
*verdict*, recorded on the comment as a hold reason ("code" or "code:detail"): spam is
kept for moderators and never shown; a held comment waits for approval. A bot learns
nothing: its spam is redirected like a success.

Moderators and the post's own authors skip all of it. A trusted commenter (a verified
address with enough approved comments, `is_trusted`) skips only the first-comment hold.
The rules' numbers and lists are the discussion settings editors change in the admin
(SiteSettings).
"""

import datetime
import hashlib
import re
from dataclasses import dataclass

from django.conf import settings
from django.core import signing
from django.core.cache import cache
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from blog.models import SiteSettings
from comments import akismet
from comments.models import Ban, Comment, Commenter, normalise_email
from comments.viewers import is_moderator

Reason = Comment.HoldReason

# The form's signed timestamp (its `form_token` field and the comments:form_token endpoint).
FORM_TOKEN_SALT = "comments.form-token"
FORM_STALE_AFTER = 60 * 60 * 24  # seconds: an older form is held, as a person may have left the tab open

# Counters in the cache (Redis in production, so every worker shares them); KEY_PREFIX adds the site's prefix.
RATE_LIMIT_PREFIX = "ratelimit:comments:"
RATE_LIMITED = _(
    "You have posted several comments in a short time. Please wait a few minutes, then send this one "
    "again: your text is kept below."
)
DUPLICATE = _("You have already posted this comment here. To add something, change the text and send it again.")

# An http(s) URL (bare, or a Markdown link's target), or a Markdown link to anything else.
LINK = re.compile(r"https?://|\]\((?!\s*<?https?://)", re.IGNORECASE)


@dataclass(frozen=True)
class Submission:
    """What a reader sent, as the layers (and Akismet) look at it."""

    post: object
    user: object  # the request's user, perhaps anonymous
    name: str
    email: str
    website: str
    body: str
    ip_address: str | None
    user_agent: str
    honeypot: str = ""
    form_token: str = ""


@dataclass(frozen=True)
class Verdict:
    status: str  # Comment.Status.SPAM or PENDING
    reason: str  # a hold reason: "code" or "code:detail"


def spam(code, detail=""):
    return Verdict(Comment.Status.SPAM, f"{code}:{detail}" if detail else str(code))


def held(code, detail=""):
    return Verdict(Comment.Status.PENDING, f"{code}:{detail}" if detail else str(code))


class Refused(Exception):
    """A comment turned back to its writer: `message` on the form (on `field`, or the whole form), HTTP `status`."""

    def __init__(self, message, *, status, field=None):
        super().__init__(message)
        self.message, self.status, self.field = message, status, field


def screen(submission):
    """The status and hold reasons of a new public comment, or `Refused`."""
    user, post = submission.user, submission.post
    if is_moderator(user) or post.is_written_by(user):
        return Comment.Status.APPROVED, []
    rules = SiteSettings.load()
    if not user.is_authenticated and over_rate_limit(submission, rules):
        raise Refused(RATE_LIMITED, status=429)
    if is_duplicate(submission, rules):
        raise Refused(DUPLICATE, status=400, field="body")

    verdicts = [verdict for layer in LAYERS if (verdict := layer(submission, rules))]
    is_spam = any(verdict.status == Comment.Status.SPAM for verdict in verdicts)
    if not is_spam and akismet.is_enabled() and akismet.comment_check(submission):
        verdicts.append(spam(Reason.AKISMET))
        is_spam = True
    if not is_spam and rules.comment_hold_first and not is_trusted(submission.email, rules):
        verdicts.append(held(Reason.FIRST_COMMENT))

    reasons = [verdict.reason for verdict in verdicts]
    if is_spam:
        return Comment.Status.SPAM, reasons
    return (Comment.Status.PENDING if reasons else Comment.Status.APPROVED), reasons


# The layers: each looks at the submission and the site's rules, and gives a Verdict or None.


def banned(submission, rules):
    """An active ban on the email or the IP address."""
    match = Q(pk__in=[])
    if submission.email:
        match |= Q(kind=Ban.Kind.EMAIL, value__iexact=submission.email)
    if submission.ip_address:
        match |= Q(kind=Ban.Kind.IP, value=submission.ip_address)
    ban = Ban.objects.active().filter(match).only("kind").first()
    return spam(Reason.BANNED, ban.get_kind_display()) if ban else None


def honeypot(submission, rules):
    """The field people never see (nor reach with the keyboard), which form-filling bots fill."""
    return spam(Reason.HONEYPOT) if submission.honeypot else None


def form_timing(submission, rules):
    """The form's signed timestamp: sent back too soon for a person, too late, missing or forged."""
    signer = signing.TimestampSigner(salt=FORM_TOKEN_SALT)
    # unsign() raises SignatureExpired when the token is older than max_age.
    try:
        signer.unsign(submission.form_token, max_age=FORM_STALE_AFTER)
    except signing.SignatureExpired:
        return held(Reason.STALE_FORM)  # a person may have written for long: their text is kept
    except signing.BadSignature:
        return spam(Reason.FORGED_FORM)
    if settings.COMMENT_MIN_SECONDS <= 0:
        return None
    try:
        signer.unsign(submission.form_token, max_age=settings.COMMENT_MIN_SECONDS)
    except signing.SignatureExpired:
        return None  # older than the minimum: a person's pace
    return spam(Reason.TOO_FAST)


def too_many_links(submission, rules):
    count = len(LINK.findall(submission.body))
    return held(Reason.TOO_MANY_LINKS, f"{count} links") if count > rules.comment_max_links else None


def block_list(submission, rules):
    entry = first_listed(rules.comment_block_list, submission)
    return spam(Reason.BLOCK_LIST, entry) if entry else None


def moderation_list(submission, rules):
    entry = first_listed(rules.comment_moderation_list, submission)
    return held(Reason.MODERATION_LIST, entry) if entry else None


def post_moderated(submission, rules):
    """The post's discussion setting ("held for moderation") makes every reader's comment wait."""
    return held(Reason.POST_MODERATED) if submission.post.discussion_is_moderated else None


LAYERS = [banned, honeypot, form_timing, block_list, moderation_list, too_many_links, post_moderated]


# What the layers and refusals use.


def form_token():
    """A fresh signed timestamp for the comment form."""
    return signing.TimestampSigner(salt=FORM_TOKEN_SALT).sign("comment-form")


def first_listed(entries, submission):
    """The first entry (one per line) found, ignoring case, in the body, name, email, website or IP address."""
    written = "\n".join(
        [submission.body, submission.name, submission.email, submission.website, submission.ip_address or ""]
    ).casefold()
    for line in entries.splitlines():
        entry = line.strip()
        if entry and entry.casefold() in written:
            return entry[:150]  # a hold reason holds 200 characters
    return None


def is_trusted(email, rules):
    """A verified address (its owner confirmed it) with at least `rules.comment_trusted_after` approved comments.

    An address nobody confirmed is never trusted, whatever was approved under it: anyone may type it.
    """
    if not email or not Commenter.objects.filter(email=normalise_email(email), verified_at__isnull=False).exists():
        return False
    # Compared ignoring case, as the index does; counting stops at the number needed.
    approved = Comment.objects.filter(email__iexact=email.strip(), status=Comment.Status.APPROVED)
    return approved[: rules.comment_trusted_after].count() >= rules.comment_trusted_after


def over_rate_limit(submission, rules):
    """Count this comment against its IP address and email, per minute and per hour; True past a limit.

    Fixed windows in the cache: `add` starts a window with its expiry, `incr` counts in it,
    atomically on Redis however many workers share it. Keys hold hashes, not emails or IPs.
    """
    if not settings.COMMENT_RATE_LIMITS:
        return False
    windows = [(60, rules.comment_rate_per_minute), (60 * 60, rules.comment_rate_per_hour)]
    over = False
    for kind, value in [("ip", submission.ip_address), ("email", submission.email.casefold())]:
        if not value:
            continue
        digest = hashlib.sha256(value.encode()).hexdigest()[:32]
        for seconds, limit in windows:
            over |= _count(f"{RATE_LIMIT_PREFIX}{kind}:{digest}:{seconds}", seconds) > limit
    return over


def _count(key, seconds):
    cache.add(key, 0, timeout=seconds)
    try:
        count = cache.incr(key)
    except ValueError:  # the window ended between add and incr
        cache.set(key, 1, timeout=seconds)
        return 1
    if count == 1:
        # Redis's INCR of a key that expired an instant before recreates it without expiry.
        cache.touch(key, timeout=seconds)
    return count


def is_duplicate(submission, rules):
    """The same text (ignoring case and spacing) by the same email or IP address on this post, lately."""
    if not rules.comment_duplicate_minutes or not settings.COMMENT_DUPLICATE_CHECK:
        return False
    same_writer = Q(pk__in=[])
    if submission.email:
        same_writer |= Q(email__iexact=submission.email)
    if submission.ip_address:
        same_writer |= Q(ip_address=submission.ip_address)
    since = timezone.now() - datetime.timedelta(minutes=rules.comment_duplicate_minutes)
    earlier = Comment.objects.filter(same_writer, post=submission.post, created_at__gte=since)
    text = _normalised(submission.body)
    return any(_normalised(body) == text for body in earlier.values_list("body", flat=True))


def _normalised(text):
    return " ".join(text.split()).casefold()
