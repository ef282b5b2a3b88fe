"""Each comment's public HTML, rendered once when the comment is written or changed, and joined per page.

A big discussion page is mostly comments, and rendering a template per comment per request
is what made it slow (about 150 µs a comment). So `Comment.save()` stores the card as every
reader sees it (`public_html`), and `discussion_html` joins the stored cards with the few
parts that depend on the page or the viewer: the Reply link (only while the discussion is
open), "in reply to …" (only if that comment is visible), the reply form, and, for
moderators and for a writer's own held comments and those they may still edit (with Edit
and Delete), the whole card from the template.

After changing `comments/comment_card.html` (or the time zone), re-render every stored card
with `manage.py rerender_comments`.
"""

import copy
import re

from django.conf import settings
from django.core.cache import cache
from django.template.loader import get_template, render_to_string
from django.utils.html import escape
from django.utils.safestring import mark_safe

from blog.page_cache import current_versions, is_shared
from comments.models import Comment

CARD_TEMPLATE = "comments/comment_card.html"
# Where the parts decided per page go in a stored card. Readers cannot write these: their
# text is escaped or sanitised (comments never keep HTML comments), so only ours match.
REPLY_SLOT = "<!--reply-->"
REPLY_SLOT_END = "<!--/reply-->"
REPLY_TO_SLOT = "<!--in-reply-to-->"
REPLY_LINKS = re.compile(f"{REPLY_SLOT}.*?{REPLY_SLOT_END}", re.DOTALL)
# The comment's id is filled in when the page is joined, so a card can be rendered before
# the comment is saved (one INSERT, no update after it) and in bulk without ids.
PK_SLOT = "<!--pk-->"


def render_public_html(comment):
    """The card of `comment` as readers will see it once approved, with slots for per-page parts."""
    public = copy.copy(comment)
    public.status = Comment.Status.APPROVED
    public.pk = mark_safe(PK_SLOT)
    return get_template(CARD_TEMPLATE).render({"comment": public, "stored": True})


def rerender(comments):
    """Store fresh public cards for `comments` (a queryset); returns how many were written."""
    batch = []
    written = 0
    for comment in comments.iterator(chunk_size=2000):
        comment.public_html = render_public_html(comment)
        batch.append(comment)
        if len(batch) == 2000:
            written += Comment.objects.bulk_update(batch, ["public_html"])
            batch = []
    return written + Comment.objects.bulk_update(batch, ["public_html"])


def discussion_html(discussion, context):
    """The <li> items of one discussion page, for the template's <ol class="comment-list">.

    `context` is the page's template context (the post, the viewer, the reply form…).
    Stored cards serve every approved comment a reader sees; the template renders the rest.
    """
    viewer = context["viewer"]
    post = context["post"]
    reply_open = post.discussion_is_open
    reply_to = context.get("reply_to") if context.get("reply_to_on_page") else None
    flat = context.flatten()
    parts = []
    append = parts.append
    for node in discussion.comments:
        pk = node.pk
        classes = f"comment comment--indent-{node.indent}"
        if not node.shown:
            classes += " comment--placeholder"
        elif node.status != Comment.Status.APPROVED:
            classes += f" comment--{node.status}"
        microdata = (node.shown and node.status == Comment.Status.APPROVED) or node.opens
        append(f'<li id="comment-{pk}" class="{classes}"')
        append(' itemprop="comment" itemscope itemtype="https://schema.org/Comment">' if microdata else ">")
        if not node.shown:
            append('<p class="comment__placeholder">This comment was removed.</p>')
        elif (
            node.status == Comment.Status.APPROVED
            and not viewer.is_moderator
            and node.editable_until is None  # before public_html, which the writer's models don't load
            and node.public_html
        ):
            card = node.public_html.replace(PK_SLOT, str(pk))
            if node.in_reply_to_id:
                card = card.replace(REPLY_TO_SLOT, _in_reply_to(node), 1)
            append(card)
        else:
            append(render_to_string(CARD_TEMPLATE, {**flat, "comment": node, "stored": False}))
        if reply_to is not None and pk == reply_to.pk:
            append(respond_html(flat))
        append('<ol class="comment-children">' if node.opens else "</li>")
        append("</ol></li>" * len(node.closes))
    html = "".join(parts)
    # One pass over the page rather than one per comment: a closed discussion has no Reply links.
    return mark_safe(html if reply_open else REPLY_LINKS.sub("", html))


def respond_html(context):
    """comments/respond.html for this page (a dict context).

    On a page for the shared cache (blog.page_cache) the form holds nothing of the visitor's
    and is the same for every reader of this page of the discussion: it is rendered once and
    kept until the post or the site changes, which spares the re-render after each new comment
    most of its cost. Every other form (a login's, a reader's own, one with errors) is rendered.
    """
    request, form = context.get("request"), context.get("comment_form")
    reusable = (
        request is not None
        and is_shared(request)
        and form is not None
        and not form.is_bound
        and not context.get("resend")
    )
    if not reusable:
        return render_to_string("comments/respond.html", context)
    post, page = context["post"], context["discussion"].page.number
    under = context["reply_to"].pk if context.get("reply_to_on_page") else 0
    versions = "-".join(current_versions(["site", f"post:{post.pk}"]))
    key = f"respond:{post.pk}:{page}:{under}:{versions}"
    html = cache.get(key)
    if html is None:
        html = render_to_string("comments/respond.html", context)
        cache.set(key, html, timeout=settings.PAGE_CACHE_SECONDS or 600)
    return mark_safe(html)


def report_dialog_html(context):
    """The page's report dialog, rendered once for every reader's page.

    Only JavaScript opens it (without, Report leads to the report page), so it never needs
    the visitor's CSRF token in the HTML: static/js/comments.js fetches it, as on a shared page.
    """
    from comments.moderation import ReportForm  # it imports this module (through comments.services)

    key = f"report-dialog:{current_versions(['site'])[0]}"
    html = cache.get(key)
    if html is None:
        html = render_to_string("comments/report_dialog.html", {**context, "form": ReportForm(), "neutral": True})
        cache.set(key, html, timeout=settings.PAGE_CACHE_SECONDS or 600)
    return mark_safe(html)


def _in_reply_to(node):
    if node.in_reply_to_shown:
        target = f'<a href="#comment-{node.in_reply_to_id}">{escape(node.in_reply_to_name)}</a>'
    else:
        target = "a removed comment"
    return f'<span class="comment__reply-to">in reply to {target}</span>'
