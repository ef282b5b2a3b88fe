"""Reading comment trees: a post's discussion page, and checks that trees are sound.

The discussion is built in Python from rows ordered by (tree_id, lft), in a fixed number
of queries however many comments there are. `get_cached_trees()` is not used: over a
filtered queryset it promotes the replies of hidden comments to the top level.
"""

from collections import defaultdict
from dataclasses import dataclass

from django.core.paginator import Paginator
from django.db.models import Q

from blog.models import Post, SiteSettings
from comments.models import Comment

# Indentation stops here; deeper (imported) trees still display, just no further right.
MAX_INDENT = 5

# What a public page loads of a comment: never the email, IP address or user agent.
PUBLIC_FIELDS = [
    "post_id",
    "parent_id",
    "tree_id",
    "lft",
    "rght",
    "level",
    "name",
    "website",
    "body_html",
    "badge",
    "status",
    "pinned",
    "created_at",
    "edited_at",
    "in_reply_to__name",
    "hold_reasons",  # why a comment is held: the template shows it to moderators only
]


# What a reader's page reads of each comment: where it sits, and its stored card (comments.fragments).
NODE_FIELDS = [
    "pk",
    "parent_id",
    "tree_id",
    "level",
    "status",
    "name",
    "in_reply_to_id",
    "in_reply_to__name",
    "public_html",
]


class Node:
    """One comment on a reader's page, from a row of NODE_FIELDS: much cheaper to build than a model instance."""

    __slots__ = (
        *("pk", "parent_id", "tree_id", "level", "status", "name", "in_reply_to_id", "in_reply_to_name", "public_html"),
        *("shown", "opens", "closes", "indent", "number", "in_reply_to_shown", "editable_until"),
    )

    def __init__(self, pk, parent_id, tree_id, level, status, name, in_reply_to_id, in_reply_to_name, public_html):
        self.pk, self.parent_id, self.tree_id, self.level, self.status = pk, parent_id, tree_id, level, status
        self.name, self.in_reply_to_id, self.in_reply_to_name = name, in_reply_to_id, in_reply_to_name
        self.public_html = public_html
        self.editable_until = None  # only the writer's own comments, loaded as models, get a deadline


@dataclass
class Viewer:
    """Who is looking: a moderator sees every comment; a reader sees approved ones and their own.

    `own_comment_ids` are the reader's held comments; `editable_ids` those they may still edit
    or delete (comments.editing), which their page shows with Edit and Delete.
    """

    is_moderator: bool = False
    own_comment_ids: frozenset = frozenset()
    editable_ids: frozenset = frozenset()

    def sees_text_of(self, comment):
        if comment.status == Comment.Status.APPROVED or self.is_moderator:
            return True
        return comment.status == Comment.Status.PENDING and comment.pk in self.own_comment_ids


@dataclass
class Discussion:
    """One page of a post's threads, ready for a flat template loop."""

    comments: list  # visible nodes in display order, each with .shown, .opens, .closes, .indent, .number
    page: object  # the Paginator page of thread ids
    pinned: Comment | None = None
    total: int = 0


def public_comments():
    """Every comment any reader may see: approved, under a published post (feeds, reports)."""
    return Comment.objects.filter(status=Comment.Status.APPROVED, post__in=Post.objects.published())


def visible_threads(post, viewer):
    """Thread (tree) ids of `post` with something `viewer` may see, in the site's order."""
    threads = Comment.objects.filter(post=post)
    if not viewer.is_moderator:
        # Viewer.sees_text_of as a filter: a writer's own comment only while it is pending.
        own_held = Q(status=Comment.Status.PENDING, pk__in=viewer.own_comment_ids)
        threads = threads.filter(Q(status=Comment.Status.APPROVED) | own_held)
    newest_first = SiteSettings.load().comment_order == SiteSettings.CommentOrder.NEWEST
    return threads.values_list("tree_id", flat=True).distinct().order_by("-tree_id" if newest_first else "tree_id")


def discussion_page(post, viewer, page_number=1):
    """The page of threads `page_number` (clamped to the last page) as `viewer` sees it."""
    settings = SiteSettings.load()
    # The thread ids are small: one query for all of them beats a COUNT and a slice.
    paginator = Paginator(list(visible_threads(post, viewer)), settings.comment_threads_per_page)
    page = paginator.get_page(page_number)
    tree_ids = list(page.object_list)
    rows = _moderator_rows(tree_ids, viewer) if viewer.is_moderator else _reader_rows(tree_ids, viewer)
    by_tree = defaultdict(list)
    for comment in rows:
        by_tree[comment.tree_id].append(comment)
    first_number = (page.number - 1) * paginator.per_page + 1
    ordered = []
    for number, tree_id in enumerate(tree_ids, start=first_number):
        thread = _visible_nodes(by_tree[tree_id], viewer)
        if thread:
            thread[0].number = number
            ordered.extend(thread)
    _mark_structure(ordered)
    pinned = Comment.objects.filter(post=post, pinned=True, status=Comment.Status.APPROVED).only(*PUBLIC_FIELDS).first()
    return Discussion(comments=ordered, page=page, pinned=pinned, total=post.comment_count)


def _moderator_rows(tree_ids, viewer):
    """Model instances: a moderator's page renders every card from the template, with its buttons."""
    rows = list(
        Comment.objects.filter(tree_id__in=tree_ids)
        .select_related("in_reply_to")
        .only(*PUBLIC_FIELDS)
        .order_by("tree_id", "lft")
    )
    if viewer.editable_ids:
        _mark_editable(rows, viewer)
    return rows


def _reader_rows(tree_ids, viewer):
    """Light rows with stored cards; the reader's own held comments, and those they may still edit
    (rendered from the template), as models: one more query, and only on their page."""
    rows = Comment.objects.filter(tree_id__in=tree_ids).order_by("tree_id", "lft").values_list(*NODE_FIELDS)
    nodes = [Node(*row) for row in rows]
    own = [node.pk for node in nodes if _is_own(node, viewer)]
    if own:
        models = Comment.objects.select_related("in_reply_to").only(*PUBLIC_FIELDS).in_bulk(own)
        nodes = [models.get(node.pk, node) for node in nodes]
        _mark_editable(nodes, viewer)
    return nodes


def _is_own(node, viewer):
    """A comment this reader wrote that their page renders from the template: held, or perhaps still editable."""
    if node.status == Comment.Status.PENDING:
        return node.pk in viewer.own_comment_ids  # only they see it (Viewer.sees_text_of)
    return node.status == Comment.Status.APPROVED and node.pk in viewer.editable_ids


def _mark_editable(rows, viewer):
    """Give each model in `rows` (whole threads) its `editable_until`: the deadline if the viewer may
    still change it, else None. Replies are read from the threads themselves, not queried."""
    from comments.editing import edit_deadline, is_editable  # it imports comments.viewers, which imports this

    answered = {row.parent_id for row in rows} | {row.in_reply_to_id for row in rows}
    for row in rows:
        if isinstance(row, Comment):
            mine = row.pk in viewer.editable_ids and is_editable(row, has_replies=row.pk in answered)
            row.editable_until = edit_deadline(row) if mine else None


def _visible_nodes(thread, viewer):
    """The nodes of one thread to display: shown ones, and placeholders that keep replies in place."""
    keep = {}
    for comment in reversed(thread):  # children come after their parent in lft order
        comment.shown = viewer.sees_text_of(comment)
        if comment.shown or keep.get(comment.pk):
            keep[comment.pk] = True
            keep[comment.parent_id] = True
    shown = {comment.pk for comment in thread if comment.shown}
    for comment in thread:
        # "in reply to …" names the comment answered only if this viewer may read it.
        comment.in_reply_to_shown = comment.in_reply_to_id in shown
    return [comment for comment in thread if keep.get(comment.pk)]


def _mark_structure(comments):
    """Give each node what a flat loop needs to open and close nested lists."""
    for index, comment in enumerate(comments):
        following = comments[index + 1].level if index + 1 < len(comments) else 0
        comment.indent = min(comment.level, MAX_INDENT)
        comment.opens = following > comment.level  # its replies follow
        comment.closes = range(max(0, comment.level - following))  # nested lists ending after it


def permalink_page(comment, viewer):
    """The discussion page number that holds `comment`'s thread."""
    per_page = SiteSettings.load().comment_threads_per_page
    threads = list(visible_threads(comment.post, viewer))
    try:
        position = threads.index(comment.tree_id)
    except ValueError:
        return None
    return position // per_page + 1


def tree_errors(comments):
    """Everything wrong with the trees in `comments` (a queryset), as readable strings.

    Checks: one root per tree_id; one post per tree; lft/rght are 1…2n without gaps or
    duplicates; every node lies inside its parent's interval with rght - lft + 1 = 2 × the
    size of its subtree (together: intervals nest and never overlap); each level is its
    parent's plus one.
    """
    return [
        f"tree {tree_id}: {problem}" for tree_id, problems in broken_trees(comments).items() for problem in problems
    ]


def broken_trees(comments):
    """{tree_id: [problems]} for every broken tree in `comments` (a queryset), in tree_id order."""
    rows = comments.order_by("tree_id", "lft").values("pk", "tree_id", "parent_id", "post_id", "lft", "rght", "level")
    trees = defaultdict(list)
    for row in rows:
        trees[row["tree_id"]].append(row)
    broken = {tree_id: list(_tree_problems(nodes)) for tree_id, nodes in trees.items()}
    return {tree_id: problems for tree_id, problems in broken.items() if problems}


def _tree_problems(nodes):
    roots = [node for node in nodes if node["parent_id"] is None]
    if len(roots) != 1:
        yield f"{len(roots)} roots"
    if len({node["post_id"] for node in nodes}) != 1:
        yield "comments of several posts"
    by_pk = {node["pk"]: node for node in nodes}
    numbers = sorted([node["lft"] for node in nodes] + [node["rght"] for node in nodes])
    if numbers != list(range(1, 2 * len(nodes) + 1)):
        yield "lft/rght are not 1…2n without gaps or duplicates"
    sizes = _subtree_sizes(nodes, by_pk)
    for node in nodes:
        if node["rght"] <= node["lft"]:
            yield f"comment {node['pk']}: rght ≤ lft"
        elif node["rght"] - node["lft"] + 1 != 2 * sizes[node["pk"]]:
            # With 1…2n and parents' intervals enclosing children's, this also rules out overlaps.
            yield f"comment {node['pk']}: interval {node['lft']}–{node['rght']} for {sizes[node['pk']]} comment(s)"
        parent = by_pk.get(node["parent_id"])
        if node["parent_id"] is not None and parent is None:
            yield f"comment {node['pk']}: parent {node['parent_id']} is in another tree"
        elif parent is not None:
            if not parent["lft"] < node["lft"] < node["rght"] < parent["rght"]:
                yield f"comment {node['pk']}: not inside its parent's interval"
            if node["level"] != parent["level"] + 1:
                yield f"comment {node['pk']}: level {node['level']}, parent's {parent['level']}"
        elif node["level"] != 0:
            yield f"comment {node['pk']}: root at level {node['level']}"


def _subtree_sizes(nodes, by_pk):
    """Each node's subtree size (itself included), from parent pointers; safe against cycles."""
    sizes = defaultdict(int)
    for node in nodes:
        ancestor, steps = node, 0
        while ancestor is not None and steps <= len(nodes):
            sizes[ancestor["pk"]] += 1
            ancestor, steps = by_pk.get(ancestor["parent_id"]), steps + 1
    return sizes
