"""The one write path for comments, and the only code that changes comment trees.

django-mptt takes no locks: a reply shifts `lft`/`rght` of the rows after it and a new
root takes `MAX(tree_id) + 1`, so concurrent writers corrupt trees. Every tree write
here takes PostgreSQL transaction-scoped advisory locks, always in this order:

1. the forest lock, shared by single writes, exclusive for bulk builds and repairs;
2. then either the new-root lock (allocating a `tree_id`) or the lock of one thread
   (its `tree_id`), exclusive.

Moderation changes a status only, never moves a node, so it needs no tree lock.
"""

from collections import defaultdict
from operator import attrgetter

from django.db import connection, transaction
from django.db.models import F, Q
from django.utils import timezone

from blog.invalidation import comments_changed
from blog.models import Post, SiteSettings
from comments import editing, notifications, spam
from comments.fragments import render_public_html, rerender
from comments.markup import render_comment
from comments.models import Comment, CommentReport, CommentRevision
from comments.trees import tree_errors
from comments.viewers import is_moderator

# Advisory lock keys: (namespace, key) pairs, so they never collide with other users of locks.
LOCK_NAMESPACE = 0x436F6D6D  # "Comm"
FOREST_KEY = 0
NEW_ROOT_KEY = -1
THREAD_NAMESPACE = LOCK_NAMESPACE + 1  # key: the thread's tree_id


def _lock(sql, *keys):
    with connection.cursor() as cursor:
        cursor.execute(sql, keys)


def lock_forest(*, exclusive=False):
    """Take the forest lock for this transaction (exclusive only for whole-forest writes)."""
    function = "pg_advisory_xact_lock" if exclusive else "pg_advisory_xact_lock_shared"
    _lock(f"SELECT {function}(%s, %s)", LOCK_NAMESPACE, FOREST_KEY)


def lock_new_root():
    _lock("SELECT pg_advisory_xact_lock(%s, %s)", LOCK_NAMESPACE, NEW_ROOT_KEY)


def lock_thread(tree_id):
    _lock("SELECT pg_advisory_xact_lock(%s, %s)", THREAD_NAMESPACE, tree_id)


def badge_for(user, post):
    """Author for the post's own authors, Moderator for staff who moderate; never from a typed name."""
    if post.is_written_by(user):
        return Comment.Badge.AUTHOR
    if user is not None and is_moderator(user):
        return Comment.Badge.MODERATOR
    return Comment.Badge.NONE


def comment_create(
    *,
    post,
    body,
    status,
    parent=None,
    user=None,
    name="",
    email="",
    website="",
    hold_reasons=(),
    ip_address=None,
    user_agent="",
    created_at=None,
    body_html=None,
    notify=False,
):
    """Create one comment with the `status` its caller decided, under the tree locks.

    `body_html` is for imports: HTML already converted and sanitised; otherwise `body` is
    rendered as a reader's Markdown. With `notify` (the public form, moderators' replies),
    the people it concerns are emailed once the transaction commits (comments.notifications);
    imports and demo data leave it off.

    A reply to a comment at the maximum depth attaches beside it (to its parent) and
    records whom it answers in `in_reply_to`, as WordPress does.
    """
    if parent is not None and parent.post_id != post.pk:
        raise ValueError("A reply must belong to its parent's post.")
    if user is not None and user.is_authenticated:
        name = name or user.get_full_name() or user.get_username()
        email = email or user.email
    comment = Comment(
        post=post,
        user=user if user is not None and user.is_authenticated else None,
        name=name,
        email=email,
        website=website,
        body=body,
        badge=badge_for(user, post),
        status=status,
        hold_reasons=list(hold_reasons),
        ip_address=ip_address,
        user_agent=(user_agent or "")[:300],
        created_at=created_at or timezone.now(),
    )
    if status == Comment.Status.APPROVED:
        # Public from the start: whoever it concerns hears now (with `notify`) or never.
        comment.notified_at = comment.created_at
    with transaction.atomic():
        lock_forest()
        if parent is None:
            lock_new_root()
        else:
            lock_thread(parent.tree_id)
            # Re-read under the lock: another writer may have moved its lft/rght since.
            parent = Comment.objects.get(pk=parent.pk)
            max_level = SiteSettings.load().comment_max_depth - 1
            if parent.level >= max_level:
                comment.in_reply_to = parent
                while parent.level >= max_level:
                    parent = parent.parent
        comment.parent = parent
        if body_html is not None:
            comment.body_html = body_html
        comment.save(render=body_html is None)
        if status == Comment.Status.APPROVED:
            # One more, atomically (UPDATE waits for and adds to the latest committed count):
            # cheaper than a recount, and the post's row is locked only from here to the commit.
            Post.objects.filter(pk=post.pk).update(comment_count=F("comment_count") + 1)
        if notify:
            # After the commit, and robust: email never slows down or breaks posting.
            transaction.on_commit(lambda: notifications.comment_posted(comment.pk), robust=True)
    return comment


def comment_set_status(comments, status, *, moderator=None):
    """Moderate: set `status` on the given comments (a queryset or list). Nodes never move."""
    ids = [comment.pk for comment in comments]
    now = timezone.now()
    with transaction.atomic():
        changes = {"status": status, "moderated_by": moderator, "moderated_at": now}
        if status == Comment.Status.APPROVED:
            changes["hold_reasons"] = []
        Comment.objects.filter(pk__in=ids).update(**changes)
        # In post order, so two moderators' overlapping batches lock the posts' rows in the same order.
        post_ids = Comment.objects.filter(pk__in=ids).values_list("post_id", flat=True).distinct().order_by("post_id")
        for post_id in post_ids:
            refresh_comment_count(post_id)
        if status == Comment.Status.APPROVED:
            transaction.on_commit(lambda: notifications.comments_approved(ids), robust=True)
    return len(ids)


def refresh_comment_count(post_id):
    """Recount a post's approved comments into Post.comment_count, for list pages.

    Locks the post's row first: under READ COMMITTED a count taken while another writer's
    comment is uncommitted would overwrite that writer's count (a lost update).
    """
    Post.objects.select_for_update().filter(pk=post_id).values_list("pk").get()
    count = Comment.objects.filter(post_id=post_id, status=Comment.Status.APPROVED).count()
    Post.objects.filter(pk=post_id).update(comment_count=count)
    comments_changed(post_id)


def build_trees(post, forest):
    """Insert whole threads at once (imports, demo and benchmark data), under the exclusive forest lock.

    `forest` is a list of (comment, children) pairs: unsaved Comment instances with their
    fields set (status, dates…), children in the same shape, in display order. The mptt
    fields are computed in memory and the rows inserted with bulk_create; the new trees are
    validated before the transaction commits. Returns the created comments in tree order.
    """
    created = []
    with transaction.atomic():
        lock_forest(exclusive=True)
        lock_new_root()
        next_tree_id = (Comment.objects.order_by("-tree_id").values_list("tree_id", flat=True).first() or 0) + 1
        for offset, root in enumerate(forest):
            _number(root, tree_id=next_tree_id + offset, level=0, left=1, rows=created)
        for comment in created:
            comment.post = post
            comment.body_html = comment.body_html or render_comment(comment.body)
            comment.public_html = render_public_html(comment)
            if comment.status == Comment.Status.APPROVED:
                comment.notified_at = comment.created_at
        # One insert per level across every tree: parents are saved before their children,
        # so each child can point at a saved parent.
        by_level = {}
        for comment in created:
            by_level.setdefault(comment.level, []).append(comment)
        for level in sorted(by_level):
            batch = by_level[level]
            for comment in batch:
                comment.parent_id = comment.parent.pk if comment.parent else None
            Comment.objects.bulk_create(batch, batch_size=2000)
        new_tree_ids = list(range(next_tree_id, next_tree_id + len(forest)))
        errors = tree_errors(Comment.objects.filter(tree_id__in=new_tree_ids))
        if errors:
            raise ValueError(f"Built trees are invalid: {errors[:5]}")
        refresh_comment_count(post.pk)
    return created


def repair_trees(tree_ids):
    """Renumber the trees `tree_ids` from their parent pointers, under the exclusive forest lock.

    Trees linked to them by a parent pointer are renumbered too. Siblings keep the order they
    were written in, by pk (comments are only ever appended), not their possibly corrupt `lft`:
    that is why this is not django-mptt's `partial_rebuild`, which also refuses a tree_id
    shared by several roots. Here the first such root keeps the tree_id and the others get
    new ones. Returns the tree_ids written.
    """
    fields = ["pk", "parent_id", "tree_id", "lft", "rght", "level"]
    tree_ids = set(tree_ids)
    with transaction.atomic():
        lock_forest(exclusive=True)
        while True:
            nodes = {comment.pk: comment for comment in Comment.objects.filter(tree_id__in=tree_ids).only(*fields)}
            outside_parents = {comment.parent_id for comment in nodes.values()} - nodes.keys() - {None}
            linked = Comment.objects.filter(Q(pk__in=outside_parents) | Q(parent_id__in=nodes.keys()))
            linked_tree_ids = set(linked.exclude(tree_id__in=tree_ids).values_list("tree_id", flat=True))
            if not linked_tree_ids:
                break
            tree_ids |= linked_tree_ids
        children = defaultdict(list)
        for comment in sorted(nodes.values(), key=attrgetter("pk")):
            children[comment.parent_id].append(comment)
        next_tree_id = (Comment.objects.order_by("-tree_id").values_list("tree_id", flat=True).first() or 0) + 1
        written, rows = set(), []
        for root in sorted(children[None], key=attrgetter("tree_id", "pk")):
            if root.tree_id in written:
                root.tree_id, next_tree_id = next_tree_id, next_tree_id + 1
            written.add(root.tree_id)
            _number(_subtree(root, children), tree_id=root.tree_id, level=0, left=1, rows=rows)
        Comment.objects.bulk_update(rows, ["tree_id", "lft", "rght", "level"], batch_size=1000)
    return sorted(written)


def _subtree(comment, children):
    """`comment` and its descendants in the (comment, children) shape `_number` takes."""
    return comment, [_subtree(child, children) for child in children[comment.pk]]


def _number(node, *, tree_id, level, left, rows, parent=None):
    """Give `node` and its subtree their mptt fields (depth-first); returns the next free number."""
    comment, children = node
    comment.tree_id, comment.level, comment.lft, comment.parent = tree_id, level, left, parent
    rows.append(comment)
    right = left + 1
    for child in children:
        right = _number(child, tree_id=tree_id, level=level + 1, left=right, rows=rows, parent=comment)
    comment.rght = right
    return right + 1


# Who wrote a comment once their details are erased (commenter_data erase, purged placeholders).
ANONYMOUS = "Anonymous"
HIDDEN_STATUSES = (Comment.Status.SPAM, Comment.Status.REMOVED)


def _anonymous_fields(*, remove_text=False):
    """The field values that erase a comment's personal data, and with `remove_text` its text."""
    fields = {
        "name": ANONYMOUS,
        "email": "",
        "website": "",
        "ip_address": None,
        "user_agent": "",
        "user": None,
        "badge": Comment.Badge.NONE,
        # A reason's detail can quote the email or IP address that a rule matched.
        "hold_reasons": [],
    }
    if remove_text:
        fields.update(body="", body_html="", pinned=False)
    return fields


def comment_anonymise(comments, *, remove_text=False):
    """Erase the commenter's details from `comments` (a queryset or list); nodes never move.

    The name becomes "Anonymous"; email, website, IP address, user agent, login, badge and
    hold reasons go. With `remove_text` the text goes too, and approved or held comments
    become removed ones: placeholders that keep their replies in place (and that
    `comment_purge` deletes later once nothing visible hangs below them).
    """
    ids = [comment.pk for comment in comments]
    with transaction.atomic():
        Comment.objects.filter(pk__in=ids).update(**_anonymous_fields(remove_text=remove_text))
        rerender(Comment.objects.filter(pk__in=ids))
        for post_id in Comment.objects.filter(pk__in=ids).values_list("post_id", flat=True).distinct():
            comments_changed(post_id)
        if remove_text:
            shown = Comment.objects.filter(pk__in=ids).exclude(status__in=HIDDEN_STATUSES)
            comment_set_status(list(shown.only("pk")), Comment.Status.REMOVED)
    return len(ids)


def comment_purge(comments, *, dry_run=False):
    """Purge spam and removed comments: delete them, or keep empty placeholders where replies hang below.

    Of `comments` (a queryset or list) only those still spam or removed count, read again
    under the locks. A comment goes with its subtree when every comment in that subtree is
    to be purged; one with other comments below it (approved, held, or hidden but not yet
    due) stays as a placeholder with its text and personal data erased and its reports
    deleted, so the replies keep their place. Each thread is one transaction under the
    shared forest lock and the thread's lock, renumbered from its parent links after the
    deletions and checked before it commits. A second run changes nothing. With `dry_run`
    it only counts. Returns (deleted, emptied).
    """
    ids = {comment.pk for comment in comments}
    tree_ids = Comment.objects.filter(pk__in=ids).values_list("tree_id", flat=True).distinct().order_by("tree_id")
    deleted = emptied = 0
    for tree_id in tree_ids:
        with transaction.atomic():
            lock_forest()
            lock_thread(tree_id)
            # Locking the rows too makes a moderator's restore wait, instead of its comment being deleted.
            nodes = list(Comment.objects.filter(tree_id=tree_id).select_for_update().order_by("lft"))
            due = {node.pk for node in nodes if node.pk in ids and node.status in HIDDEN_STATUSES}
            doomed, to_empty = _purge_plan(nodes, due)
            deleted, emptied = deleted + len(doomed), emptied + len(to_empty)
            if dry_run or not (doomed or to_empty):
                continue
            Comment.objects.filter(pk__in=doomed).delete()
            _renumber([node for node in nodes if node.pk not in doomed])
            Comment.objects.filter(pk__in=to_empty).update(**_anonymous_fields(remove_text=True))
            rerender(Comment.objects.filter(pk__in=to_empty))
            CommentReport.objects.filter(comment__in=to_empty).delete()
            if errors := tree_errors(Comment.objects.filter(tree_id=tree_id)):
                raise ValueError(f"Purging left thread {tree_id} invalid: {errors[:5]}")
            refresh_comment_count(nodes[0].post_id)
    return deleted, emptied


def _purge_plan(nodes, due):
    """Of one thread's `nodes` (in lft order): the pks to delete, and the pks to empty and keep."""
    whole = {node.pk: node.pk in due for node in nodes}  # is the whole subtree due?
    for node in reversed(nodes):  # children before their parents
        if not whole[node.pk] and node.parent_id is not None:
            whole[node.parent_id] = False
    doomed = {pk for pk, gone in whole.items() if gone}
    blank = _anonymous_fields(remove_text=True)
    to_empty = {
        node.pk
        for node in nodes
        if node.pk in due
        and node.pk not in doomed
        and (node.reports.exists() or any(_field(node, name) != value for name, value in blank.items()))
    }
    return doomed, to_empty


def _field(comment, name):
    return comment.user_id if name == "user" else getattr(comment, name)


def _renumber(nodes):
    """Number what is left of one thread 1…2n again, siblings in their present order."""
    if not nodes:
        return
    before = {node.pk: (node.lft, node.rght) for node in nodes}
    children = defaultdict(list)
    for node in nodes:  # in lft order
        children[node.parent_id].append(node)
    (root,) = children[None]
    rows = []
    _number(_subtree(root, children), tree_id=root.tree_id, level=0, left=1, rows=rows)
    moved = [node for node in rows if (node.lft, node.rght) != before[node.pk]]
    Comment.objects.bulk_update(moved, ["lft", "rght"])


# Writers changing their own comment: comments.editing says when they may.

# The layers of comments.spam that judge the text alone. The others judged how the comment
# was sent (rate, form timing, honeypot, ban), which an edit does not repeat.
CONTENT_LAYERS = (spam.block_list, spam.moderation_list, spam.too_many_links)


def comment_edit(comment, *, body):
    """Replace the text of `comment` with its writer's new `body`, keeping the old text as a CommentRevision.

    Under the thread's lock the comment is read again and refused (editing.NotEditable) if it
    can no longer be changed: a reply written meanwhile wins. The new text goes through the
    content layers of comments.spam again: a block-list match makes it spam, the moderation
    list or too many links hold it. Returns the comment as saved.
    """
    with transaction.atomic():
        lock_forest()
        lock_thread(comment.tree_id)
        # The row too: a moderator's decision (an UPDATE) waits for the edit, or the edit for it.
        comment = Comment.objects.select_related("post").select_for_update(of=("self",)).get(pk=comment.pk)
        if reason := editing.why_not_editable(comment):
            raise editing.NotEditable(reason)
        now = timezone.now()
        CommentRevision.objects.create(
            comment=comment, body=comment.body, written_at=comment.edited_at or comment.created_at, replaced_at=now
        )
        status_before = comment.status
        comment.status, comment.hold_reasons = _screen_edit(comment, body)
        comment.body, comment.edited_at = body, now
        comment.save(update_fields=["body", "body_html", "edited_at", "status", "hold_reasons"])
        if comment.status != status_before:
            refresh_comment_count(comment.post_id)
        comments_changed(comment.post_id)  # readers' cached pages show the new text
    return comment


def _screen_edit(comment, body):
    """The status and hold reasons of `comment` once its text is `body` (CONTENT_LAYERS)."""
    if comment.badge != Comment.Badge.NONE:
        return comment.status, comment.hold_reasons  # staff and the post's authors skip screening
    submission = spam.Submission(
        post=comment.post,
        user=comment.user,
        name=comment.name,
        email=comment.email,
        website=comment.website,
        body=body,
        ip_address=comment.ip_address,
        user_agent=comment.user_agent,
    )
    rules = SiteSettings.load()
    verdicts = [verdict for layer in CONTENT_LAYERS if (verdict := layer(submission, rules))]
    # A held comment keeps why it was held; a moderator decides on all of it.
    kept = list(comment.hold_reasons) if comment.status == Comment.Status.PENDING else []
    reasons = kept + [verdict.reason for verdict in verdicts if verdict.reason not in kept]
    if any(verdict.status == Comment.Status.SPAM for verdict in verdicts):
        return Comment.Status.SPAM, reasons
    if verdicts:
        return Comment.Status.PENDING, reasons
    return comment.status, reasons


def comment_delete_own(comment):
    """Its writer deletes `comment`: it becomes removed (the node stays), if it may still be changed."""
    with transaction.atomic():
        lock_forest()
        lock_thread(comment.tree_id)
        comment = Comment.objects.select_for_update().get(pk=comment.pk)
        if reason := editing.why_not_editable(comment):
            raise editing.NotEditable(reason)
        comment_set_status([comment], Comment.Status.REMOVED)
    comment.status = Comment.Status.REMOVED
    return comment
