"""Realistic benchmark data in bulk: authors, terms, posts and threaded comments, written with COPY.

`manage.py seed_bulk` calls `seed`. A million comments through the ORM (or through
`comments.services.build_trees`, which makes a model instance and a bulk_create row of each)
would take far too long, so rows are built as tuples and streamed to PostgreSQL with COPY.
The tree conventions are those of `comments.services`: every top-level comment roots its
own tree with a new `tree_id` (after the current maximum), `lft`/`rght` run 1…2n in each
tree, `level` is the depth, and a reply to a comment at the maximum depth attaches beside
it with `in_reply_to` set. Texts come from small pools rendered once per pool entry; the
stored comment card (`public_html`) is rendered for every comment by
`comments.fragments.render_public_html`, the slowest part, so in worker processes.

Everything is written in one transaction under the exclusive forest lock, analysed, and
the new trees checked before it commits: a failure leaves nothing behind. The same seed
and clock give the same data.
"""

import collections
import datetime
import io
import multiprocessing
import os
import random
import time
import uuid
from dataclasses import dataclass, field

from django.db import connection, transaction
from django.utils import dateformat, timezone
from django.utils.text import slugify

from authors.models import Author
from blog import page_cache
from blog.markup import html_to_text, render_post_markdown
from blog.models import Category, Post, Tag
from comments.fragments import render_public_html
from comments.markup import render_comment
from comments.models import Comment
from comments.services import lock_forest, lock_new_root
from comments.trees import broken_trees

FIRST_NAMES = [
    "Ada", "Alan", "Amara", "Ana", "Anders", "Aisha", "Bea", "Ben", "Carlos", "Chen", "Chiara", "Dana", "Dmitri",
    "Elif", "Emeka", "Eva", "Farah", "Felix", "Grace", "Hana", "Hugo", "Ines", "Ivan", "Jamal", "Jin", "Julia",
    "Karl", "Kofi", "Lars", "Leila", "Lena", "Luca", "Maya", "Mei", "Nadia", "Noah", "Olga", "Omar", "Pavel",
    "Priya", "Rosa", "Sam", "Sara", "Sven", "Tariq", "Tomas", "Uma", "Vera", "Wen", "Yusuf", "Zoe"
]  # fmt: skip
LAST_NAMES = [
    "Abbott", "Achebe", "Bach", "Bergström", "Costa", "Dlamini", "Dubois", "Eriksen", "Fischer", "García", "Haddad",
    "Hughes", "Ito", "Jensen", "Kaur", "Kowalski", "Larsen", "Lindqvist", "Mensah", "Moreau", "Nakamura", "Novak",
    "Okafor", "Olsen", "Park", "Petrova", "Quinn", "Rossi", "Santos", "Schmidt", "Silva", "Tanaka", "Torres",
    "Varga", "Wagner", "Weber", "Yilmaz", "Zhang"
]  # fmt: skip
JOB_TITLES = ["Staff writer", "Editor at large", "Foreign correspondent", "Contributing editor", "Guest author", ""]
WORDS = [
    "the", "a", "of", "and", "to", "in", "that", "it", "with", "as", "for", "on", "was", "by", "this", "at", "from",
    "but", "not", "are", "have", "be", "which", "one", "all", "were", "we", "when", "there", "can", "more", "if",
    "out", "so", "about", "what", "up", "its", "into", "than", "them", "only", "other", "new", "some", "could",
    "time", "these", "two", "may", "then", "first", "any", "like", "now", "such", "our", "over", "also", "after",
    "well", "where", "most", "through", "back", "much", "before", "city", "river", "market", "people", "letter",
    "border", "village", "history", "garden", "school", "harvest", "language", "winter", "journey", "archive",
    "bridge", "festival", "workshop", "kitchen", "forest", "island", "library", "railway", "newspaper", "election",
    "neighbour", "discussion", "thread", "question", "answer", "reader", "writer", "story", "evidence", "memory",
    "season", "weather", "harbour", "mountain", "quietly", "slowly", "suddenly", "carefully", "openly", "rarely",
    "often", "together", "apart", "again", "already", "nearly", "almost", "remember", "explain", "discover",
    "argue", "believe", "wonder", "notice", "gather", "travel", "publish", "translate", "measure", "repair",
    "bright", "quiet", "narrow", "ancient", "careful", "generous", "stubborn", "curious", "patient", "honest",
    "distant", "familiar"
]  # fmt: skip
TITLE_NOUNS = [
    "Letters", "Rivers", "Borders", "Gardens", "Maps", "Harbours", "Archives", "Bridges", "Markets", "Winters",
    "Islands", "Libraries", "Railways", "Kitchens", "Villages", "Festivals", "Elections", "Languages", "Mountains",
    "Forests", "Songs", "Neighbours"
]  # fmt: skip
TITLE_ADJECTIVES = [
    "Quiet", "Forgotten", "Stubborn", "Distant", "Familiar", "Ancient", "Careful", "Generous", "Narrow", "Bright",
    "Unfinished", "Borrowed", "Hidden", "Patient", "Restless", "Unlikely"
]  # fmt: skip
TITLE_PATTERNS = [
    "{adj} {noun}",
    "{adj} {noun} and {noun2}",
    "What the {noun} remember",
    "Notes on {adj} {noun}",
    "{noun} between {noun2} and {noun3}",
    "The {adj} Case of the {noun}",
    "Why {noun} matter",
    "{adj} {noun}, {adj2} {noun2}",
]
CATEGORIES = [  # name, parent's name
    ("World", None),
    ("Asia", "World"),
    ("Europe", "World"),
    ("Africa", "World"),
    ("Culture", None),
    ("Books", "Culture"),
    ("Film", "Culture"),
    ("Science", None),
    ("Technology", None),
    ("Opinion", None),
    ("Travel", None),
    ("Letters", None),
]
USER_AGENTS = [
    "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Safari/537.36",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Safari/605",
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148",
    "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Mobile Safari/537.36",
]
AUTHOR_COUNT = 36
TAG_COUNT = 60
POST_BODY_POOL = 40
COMMENT_BODY_POOL = 400
YEARS = 6
# Comment statuses by weight, with the hold reasons each may carry.
STATUSES = [(Comment.Status.APPROVED, 88), (Comment.Status.PENDING, 6), (Comment.Status.SPAM, 4)]
STATUSES += [(Comment.Status.REMOVED, 2)]
HOLD_REASONS = {
    Comment.Status.APPROVED: ["{}"],
    Comment.Status.PENDING: ["{first_comment}", "{moderation_list:casino}", "{reported}", "{too_many_links}"],
    Comment.Status.SPAM: ["{akismet}", "{honeypot}", "{block_list:pills}"],
    Comment.Status.REMOVED: ["{}", "{reported}"],
}
NEW_THREAD = 0.3  # chance that a comment starts a thread rather than answering one
CHUNK = 4000  # comments per COPY (and per job for a worker)


@dataclass
class SeedReport:
    """What `seed` wrote and how long each step took (seconds)."""

    posts: int = 0
    comments: int = 0
    other_rows: int = 0
    timings: dict = field(default_factory=dict)

    @property
    def rows(self):
        return self.posts + self.comments + self.other_rows


class SeedError(Exception):
    """The generated trees failed the checks of check_comment_trees; nothing was written."""

    def __init__(self, problems):
        self.problems = problems
        super().__init__(f"{len(problems)} problem(s) in the new comment trees")


def seed(*, posts, comments, max_depth=5, seed=1, workers=None, log=None):
    """Write `posts` published posts and `comments` comments in threads at most `max_depth` levels deep.

    `workers` processes render the comment cards (all CPUs by default; one, in this
    process, for small runs). `log` receives progress lines. Returns a SeedReport.
    """
    if workers is None:
        workers = os.cpu_count() if comments >= 20 * CHUNK else 1
    log = log or (lambda message: None)
    report = SeedReport()
    clock = _Clock(report.timings, log)
    rng = random.Random(seed)
    now = timezone.now()
    with transaction.atomic(), connection.cursor() as cursor:
        lock_forest(exclusive=True)
        lock_new_root()
        authors = _authors(rng)
        categories = _categories()
        tags = _tags(rng)
        pools = _Pools(rng, posts, comments)
        clock.lap("authors, terms and text pools")
        plan = _plan_posts(rng, posts, now, pools, authors, categories, tags)
        clock.lap("posts planned")
        first_tree_id = (Comment.objects.order_by("-tree_id").values_list("tree_id", flat=True).first() or 0) + 1
        writer = _CommentWriter(cursor, pools, workers, log)
        counts = writer.write(rng, plan, comments, max_depth, first_tree_id, now)
        clock.lap(f"{comments} comments copied")
        report.other_rows = _copy_posts(cursor, plan, counts, pools)
        clock.lap(f"{posts} posts copied")
        cursor.execute("ANALYZE blog_post, blog_postauthor, blog_post_categories, blog_post_tags, comments_comment")
        clock.lap("analysed")
        new_trees = Comment.objects.filter(tree_id__gte=first_tree_id, tree_id__lt=writer.next_tree_id)
        if broken := broken_trees(new_trees):
            raise SeedError([f"tree {tree_id}: {problem}" for tree_id, found in broken.items() for problem in found])
        clock.lap("trees checked")
        # Check the deferred foreign keys now, to time them apart from the commit.
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute("SET CONSTRAINTS ALL DEFERRED")
        clock.lap("foreign keys checked")
        page_cache.changed("posts", "comments")
    clock.lap("committed")
    report.posts, report.comments = posts, comments
    return report


class _Clock:
    def __init__(self, timings, log):
        self.timings, self.log = timings, log
        self.start = self.last = time.perf_counter()

    def lap(self, step):
        now = time.perf_counter()
        self.timings[step] = now - self.last
        self.log(f"{step}: {now - self.last:.1f} s (total {now - self.start:.1f} s)")
        self.last = now


def _words(rng, count):
    return " ".join(rng.choice(WORDS) for _ in range(count))


def _sentence(rng, low=6, high=16):
    return _words(rng, rng.randint(low, high)).capitalize() + "."


def _paragraph(rng, sentences=(3, 6)):
    return " ".join(_sentence(rng) for _ in range(rng.randint(*sentences)))


def _get_or_create_all(model, rows):
    """Rows of `model` by slug, made where missing: a second run (or the demo) reuses them."""
    existing = model.objects.in_bulk([row["slug"] for row in rows], field_name="slug")
    for row in rows:
        if row["slug"] not in existing:
            existing[row["slug"]] = obj = model(**row)
            obj.save()  # a few dozen: save() renders bios and keeps the page cache right
    return [existing[row["slug"]] for row in rows]


def _authors(rng):
    names = rng.sample([f"{first} {last}" for first in FIRST_NAMES for last in LAST_NAMES], AUTHOR_COUNT)
    rows = []
    for name in names:
        bio = (
            f"**{name}** {_sentence(rng)} {_sentence(rng)}\n\n"
            f"{_sentence(rng)} Read more at [{name.split()[0]}'s notebook](https://{slugify(name)}.example.org/)."
        )
        job = rng.choice(JOB_TITLES)
        rows.append({"name": name, "slug": slugify(name), "job_title": job, "bio": bio})
    return _get_or_create_all(Author, rows)


def _categories():
    made = {}
    for name, parent in CATEGORIES:
        (made[name],) = _get_or_create_all(
            Category, [{"name": name, "slug": slugify(name), "parent": made.get(parent)}]
        )
    return list(made.values())


def _tags(rng):
    names = sorted(set(rng.sample(WORDS[60:], TAG_COUNT)))
    return _get_or_create_all(Tag, [{"name": name, "slug": slugify(name)} for name in names])


def copy_text(value):
    """`value` as a field of PostgreSQL's COPY text format."""
    if value is None:
        return "\\N"
    if isinstance(value, bool):
        return "t" if value else "f"
    if isinstance(value, datetime.datetime):
        return value.isoformat()
    text = str(value)
    if "\\" in text or "\t" in text or "\n" in text or "\r" in text:
        text = text.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")
    return text


def copy_fields(values):
    """One row's fields, tab-separated, for COPY (the caller ends the line)."""
    return "\t".join(map(copy_text, values))


class _Pools:
    """Texts rendered once each: post bodies, comment bodies, commenters."""

    def __init__(self, rng, posts, comments):
        self.post_bodies = []
        for _ in range(min(POST_BODY_POOL, posts)):
            source = self._post_body(rng)
            body_html = render_post_markdown(source)
            escaped = (copy_text(source), copy_text(body_html), copy_text(html_to_text(body_html)))
            self.post_bodies.append(escaped)
        self.comment_bodies = []
        for _ in range(min(COMMENT_BODY_POOL, max(comments, 1))):
            source = self._comment_body(rng)
            self.comment_bodies.append((source, render_comment(source)))
        self.commenters = []
        for number in range(3000):
            first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
            name = rng.choice([f"{first} {last}", first, f"{first} {last[0]}.", f"{first.lower()}{number}"])
            handle = f"{slugify(first)}.{slugify(last)}{number}"
            website = f"https://{handle.replace('.', '-')}.example.net/" if rng.random() < 0.25 else ""
            ip = f"{rng.randint(1, 223)}.{rng.randint(0, 255)}.{rng.randint(0, 255)}.{rng.randint(1, 254)}"
            self.commenters.append((name, f"{handle}@example.{rng.choice(['com', 'org', 'net'])}", website, ip))

    @staticmethod
    def _post_body(rng):
        parts = [_paragraph(rng), _paragraph(rng)]
        for _ in range(rng.randint(2, 4)):
            parts.append(f"## {_words(rng, rng.randint(2, 5)).capitalize()}")
            parts.append(_paragraph(rng, (4, 8)))
            extra = rng.random()
            if extra < 0.25:
                parts.append("\n".join(f"- {_sentence(rng, 3, 8)}" for _ in range(rng.randint(3, 5))))
            elif extra < 0.45:
                parts.append(f"> {_paragraph(rng, (1, 3))}")
            elif extra < 0.55:
                parts.append("```python\ndef measure(river):\n    return sum(river.depths) / len(river.depths)\n```")
            parts.append(
                _paragraph(rng) + f" See [the {rng.choice(WORDS[60:])}](https://example.org/{rng.randint(1, 999)})."
            )
        return "\n\n".join(parts)

    @staticmethod
    def _comment_body(rng):
        paragraphs = []
        for _ in range(rng.choice([1, 1, 1, 2, 2, 3])):
            text = " ".join(_sentence(rng, 4, 14) for _ in range(rng.randint(1, 4)))
            extra = rng.random()
            if extra < 0.1:
                text = f"> {text}"
            elif extra < 0.2:
                text += f" *{_words(rng, 2)}*"
            elif extra < 0.27:
                text += f" See https://example.org/{rng.choice(WORDS[60:])}/{rng.randint(1, 99)}"
            elif extra < 0.3:
                text += " `code`"
            paragraphs.append(text)
        return "\n\n".join(paragraphs)


@dataclass
class _PlannedPost:
    id: int
    title: str
    slug: str
    dek: str
    body: int  # index into the pool
    published_at: datetime.datetime
    sticky: bool
    share_key: uuid.UUID
    authors: list
    categories: list
    tags: list


def _reserve_ids(cursor, table, count):
    """The first of `count` new ids for `table`, taken from its sequence at once.

    The sequence moves past them before anything is written, so a post saved in the admin
    meanwhile cannot take one; a rollback only leaves a gap.
    """
    if not count:
        return 1
    sequence = f"pg_get_serial_sequence('{table}', 'id')"
    cursor.execute(
        f"SELECT setval({sequence}, GREATEST((SELECT COALESCE(MAX(id), 0) FROM {table}),"
        f" COALESCE(pg_sequence_last_value({sequence}), 0)) + %s)",
        [count],
    )
    return cursor.fetchone()[0] - count + 1


def _plan_posts(rng, count, now, pools, authors, categories, tags):
    """Every post's fields, in publication order (oldest first, so ids grow with dates)."""
    with connection.cursor() as cursor:
        first_id = _reserve_ids(cursor, "blog_post", count)
    taken = set(Post.objects.values_list("slug", flat=True))
    span = YEARS * 365 * 86400
    offsets = sorted((rng.randint(86400, span) for _ in range(count)), reverse=True)
    author_weights = [1 / (rank + 1) for rank in range(len(authors))]  # a few prolific writers
    plan = []
    for number, offset in enumerate(offsets):
        nouns = rng.sample(TITLE_NOUNS, 3)
        adjectives = rng.sample(TITLE_ADJECTIVES, 2)
        title = rng.choice(TITLE_PATTERNS).format(
            adj=adjectives[0], adj2=adjectives[1], noun=nouns[0], noun2=nouns[1], noun3=nouns[2]
        )
        slug = base = slugify(title)
        suffix = 1
        while slug in taken:
            suffix += 1
            slug = f"{base}-{suffix}"
        taken.add(slug)
        byline = list(dict.fromkeys(rng.choices(authors, author_weights, k=rng.choice([1, 1, 1, 1, 2, 2, 3]))))
        plan.append(
            _PlannedPost(
                id=first_id + number,
                title=title,
                slug=slug,
                dek=_sentence(rng, 10, 20),
                body=rng.randrange(len(pools.post_bodies)),
                published_at=(now - datetime.timedelta(seconds=offset)).replace(microsecond=0),
                sticky=rng.random() < 0.001,
                share_key=uuid.UUID(int=rng.getrandbits(128), version=4),
                authors=byline,
                categories=rng.sample(categories, rng.choice([1, 1, 2])),
                tags=rng.sample(tags, rng.randint(0, 5)),
            )
        )
    return plan


def _copy(cursor, table, columns, lines):
    data = io.BytesIO("".join(lines).encode())
    cursor.copy_expert(f"COPY {table} ({', '.join(columns)}) FROM STDIN", data, 1 << 20)


def _copy_posts(cursor, plan, approved_counts, pools):
    """COPY the posts (without the generated search_vector) and their bylines and terms; returns the link rows."""
    lines = []
    for post in plan:
        body, body_html, body_text = pools.post_bodies[post.body]
        values = [post.id, post.title, post.slug, post.dek, "markdown", "", "", "published", post.published_at]
        values += [post.published_at, post.published_at, "default", "", approved_counts.get(post.id, 0)]
        values += ["", post.share_key, post.sticky]
        lines.append(f"{copy_fields(values)}\t{body}\t{body_html}\t{body_text}\n")
    columns = "id title slug dek body_format featured_image featured_image_alt status published_at created_at"
    columns += " updated_at discussion meta_description comment_count review_note share_key sticky"
    _copy(cursor, "blog_post", [*columns.split(), "body", "body_html", "body_text"], lines)
    links = {
        "blog_postauthor": ("post_id", "author_id", '"order"'),
        "blog_post_categories": ("post_id", "category_id"),
        "blog_post_tags": ("post_id", "tag_id"),
    }
    rows = {
        "blog_postauthor": [(p.id, a.pk, order) for p in plan for order, a in enumerate(p.authors)],
        "blog_post_categories": [(p.id, c.pk) for p in plan for c in p.categories],
        "blog_post_tags": [(p.id, t.pk) for p in plan for t in p.tags],
    }
    for table, columns in links.items():
        first_id = _reserve_ids(cursor, table, len(rows[table]))
        lines = [f"{copy_fields((first_id + offset, *row))}\n" for offset, row in enumerate(rows[table])]
        _copy(cursor, table, ["id", *columns], lines)
    return sum(len(table_rows) for table_rows in rows.values())


def _shares(rng, total, count):
    """`total` split over `count` posts unevenly (Pareto weights): a few posts get very many."""
    weights = [rng.paretovariate(1.16) for _ in range(count)]
    scale = total / sum(weights)
    quotas = [weight * scale for weight in weights]
    shares = [int(quota) for quota in quotas]
    by_remainder = sorted(range(count), key=lambda index: shares[index] - quotas[index])
    for index in by_remainder[: total - sum(shares)]:
        shares[index] += 1
    return shares


def _threads(rng, count, max_depth):
    """One post's discussion, in writing order: (parent, in_reply_to, status) indexes per comment.

    Readers answer recent approved comments most; an answer to a comment at the deepest
    level attaches beside it, recording whom it answers (as comments.services does).
    """
    deepest = max_depth - 1
    parents, answers, statuses, levels = [], [], [], []
    status_names = [status for status, _weight in STATUSES]
    status_weights = [weight for _status, weight in STATUSES]
    drawn = rng.choices(status_names, status_weights, k=count)
    for index in range(count):
        target = index - 1 - int(rng.random() ** 3 * index) if index else -1
        if target < 0 or rng.random() < NEW_THREAD or statuses[target] != Comment.Status.APPROVED:
            parent, answer = -1, -1
        elif levels[target] >= deepest:
            parent, answer = target, target
            while parent >= 0 and levels[parent] >= deepest:
                parent = parents[parent]
        else:
            parent, answer = target, -1
        parents.append(parent)
        answers.append(answer)
        statuses.append(drawn[index])
        levels.append(levels[parent] + 1 if parent >= 0 else 0)
    return parents, answers, statuses, levels


def _tree_order(parents):
    """Indexes in display order (depth first, siblings by writing order) with their (lft, rght)."""
    children = collections.defaultdict(list)
    for index, parent in enumerate(parents):
        children[parent].append(index)
    order, numbers = [], {}
    for root in children[-1]:
        counter = 0
        stack = [(root, False)]
        while stack:
            index, closing = stack.pop()
            counter += 1
            if closing:
                numbers[index] = (numbers[index][0], counter)
                continue
            order.append(index)
            numbers[index] = (counter, None)
            stack.append((index, True))
            stack.extend((child, False) for child in reversed(children[index]))
    return order, numbers


class _CommentWriter:
    """Generates each post's threads and streams them to COPY, cards rendered by worker processes."""

    COLUMNS = [
        "id", "post_id", "parent_id", "in_reply_to_id", "name", "email", "website", "badge", "status",
        "hold_reasons", "pinned", "created_at", "ip_address", "user_agent", "moderated_at",
        "lft", "rght", "tree_id", "level", "body", "body_html", "public_html",
    ]  # fmt: skip

    def __init__(self, cursor, pools, workers, log):
        self.cursor, self.pools, self.workers, self.log = cursor, pools, workers, log
        self.next_tree_id = None
        self.copied = 0

    def write(self, rng, plan, total, max_depth, first_tree_id, now):
        """COPY `total` comments over the posts of `plan`; returns {post id: approved comments}."""
        first_id = _reserve_ids(self.cursor, "comments_comment", total)
        self.next_tree_id = first_tree_id
        approved = {}
        bodies = self.pools.comment_bodies
        pending = collections.deque()
        pool = None
        if self.workers > 1:
            pool = multiprocessing.get_context("fork").Pool(self.workers, _start_worker, (bodies,))
        else:
            _start_worker(bodies)
        try:
            chunk = []
            next_id = first_id
            for post, share in zip(plan, _shares(rng, total, len(plan)), strict=True):
                rows, approved[post.id] = self._post_rows(rng, post, share, next_id, max_depth, now)
                next_id += share
                chunk.extend(rows)
                while len(chunk) >= CHUNK:
                    self._send(pool, pending, chunk[:CHUNK])
                    chunk = chunk[CHUNK:]
            if chunk:
                self._send(pool, pending, chunk)
            while pending:
                self._copy(pending.popleft())
        finally:
            if pool is not None:
                pool.terminate()
        return approved

    def _send(self, pool, pending, rows):
        if pool is None:
            self._copy(_render_rows(rows))
            return
        pending.append(pool.apply_async(_render_rows, (rows,)))
        if len(pending) > 2 * self.workers:
            self._copy(pending.popleft())

    def _copy(self, result):
        data = result if isinstance(result, bytes) else result.get()
        columns = ", ".join(self.COLUMNS)
        self.cursor.copy_expert(f"COPY comments_comment ({columns}) FROM STDIN", io.BytesIO(data), 1 << 20)
        self.copied += data.count(b"\n")
        if self.copied % (25 * CHUNK) < CHUNK:
            self.log(f"  {self.copied} comments copied")

    def _post_rows(self, rng, post, count, first_id, max_depth, now):
        """The rows of one post's comments in (tree_id, lft) order, and how many are approved."""
        parents, answers, statuses, levels = _threads(rng, count, max_depth)
        order, numbers = _tree_order(parents)
        # Most comments come in the first days; all after publication, each after the one before.
        room = min((now - post.published_at).total_seconds() - 120 - count / 1000, 90 * 86400)
        moments = sorted(rng.random() ** 3 for _ in range(count))
        commenters = self.pools.commenters
        byline = post.authors[0]
        tree_ids = {}
        rows = [None] * count
        pin_wanted = count >= 20 and rng.random() < 0.05  # pin the post's first approved thread
        for index in range(count):
            status = statuses[index]
            if rng.random() < 0.01 and status == Comment.Status.APPROVED:
                name, email, website, ip = byline.name, "", byline.website, None
                badge = Comment.Badge.AUTHOR
            else:
                name, email, website, ip = commenters[int(rng.random() ** 2 * len(commenters))]
                badge = ""
            created_at = post.published_at + datetime.timedelta(seconds=60 + moments[index] * room + index / 1000)
            parent = parents[index]
            if parent < 0:
                tree_ids[index] = self.next_tree_id
                self.next_tree_id += 1
            else:
                tree_ids[index] = tree_ids[parent]
            is_pinned = pin_wanted and parent < 0 and status == Comment.Status.APPROVED
            pin_wanted = pin_wanted and not is_pinned
            moderated_at = None if status in ("approved", "pending") else created_at + datetime.timedelta(hours=2)
            lft, rght = numbers[index]
            rows[index] = (
                first_id + index,
                post.id,
                first_id + parent if parent >= 0 else None,
                first_id + answers[index] if answers[index] >= 0 else None,
                name,
                email,
                website,
                badge,
                status,
                rng.choice(HOLD_REASONS[status]),
                is_pinned,
                created_at,
                ip,
                rng.randrange(len(USER_AGENTS)) if ip else None,
                moderated_at,
                lft,
                rght,
                tree_ids[index],
                levels[index],
                rng.randrange(len(self.pools.comment_bodies)),
            )
        return [rows[index] for index in order], statuses.count(Comment.Status.APPROVED)


_worker = {}


def _start_worker(bodies):
    """Set up a process that renders cards: the body pool, escaped once, and one Comment to render with."""
    _worker["bodies"] = [(copy_text(source), copy_text(html), html) for source, html in bodies]
    _worker["comment"] = Comment(status=Comment.Status.APPROVED)
    _worker["cards"] = {}


# A card differs from its writer's other cards only in its date and text: render one per writer
# with these stand-ins (comments.fragments.render_public_html, so the markup is the real one),
# then put each comment's own in. tests/blog/test_seed_bulk.py compares with fresh renders.
SAMPLE_DATE = datetime.datetime(2001, 2, 3, 4, 5, 6, tzinfo=datetime.UTC)
SAMPLE_BODY = "\x00body\x00"
CARD_DATE_FORMATS = ("c", "F j, Y \\a\\t g:i a")  # as comments/comment_card.html formats created_at


def _card_dates(moment):
    local = timezone.localtime(moment)
    return [dateformat.format(local, pattern) for pattern in CARD_DATE_FORMATS]


def _render_rows(rows):
    """COPY text of `rows`, each with its stored card (see SAMPLE_DATE)."""
    comment, bodies, cards = _worker["comment"], _worker["bodies"], _worker["cards"]
    sample_dates = _card_dates(SAMPLE_DATE)
    lines = []
    for row in rows:
        *fields, body = row
        body_text, body_html_text, body_html = bodies[body]
        writer = tuple(fields[4:8])
        card = cards.get(writer)
        if card is None:
            comment.name, comment.email, comment.website, comment.badge = writer
            comment.created_at, comment.body_html = SAMPLE_DATE, SAMPLE_BODY
            card = cards[writer] = render_public_html(comment)
        for sample, real in zip(sample_dates, _card_dates(fields[11]), strict=True):
            card = card.replace(sample, real)
        card = copy_text(card.replace(SAMPLE_BODY, body_html))
        fields[13] = "" if fields[13] is None else USER_AGENTS[fields[13]]
        lines.append(f"{copy_fields(fields)}\t{body_text}\t{body_html_text}\t{card}\n")
    return "".join(lines).encode()
