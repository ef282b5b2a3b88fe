"""Importing a WordPress export: `import_wxr(records, …)` over what `read_wxr` yields.

The whole import is one transaction: any error (a `WxrError` from the reader names the
line) leaves the database as it was, and image files written on the way are deleted
again. Every object made is recorded in `ImportedItem` under the source site, so a second
run of the same file creates nothing and an overlapping file adds only what is new.

What maps to what (the README's table):

- authors → Author (name from the display name, slug from the login, bio from the
  description); with `create_users` also an inactive login without a usable password;
  `author_map` sends logins to existing Authors instead;
- categories (with their parents) and tags → Category and Tag, reusing one of ours with
  the same slug (or, for a tag, the same name), as WordPress's own importer does;
- posts → Post: publish → published, future → published with its future date
  (scheduled), draft → draft, pending → pending review; private and password-protected
  → draft (named in the report); excerpt → dek; body rendered as WordPress shows it and
  kept as HTML; comment_status open → the site's discussion rules (WordPress's per-post
  "open" still obeys its site-wide auto-close, as our Site default does), closed → closed;
  sticky → sticky;
- pages → Page (publish → published, anything else → draft);
- attachments → PostImage of their parent post, and `_thumbnail_id` → featured image,
  read from the media folder (a copy of wp-content/uploads) and validated like every
  upload; inline links to them are rewritten;
- comments → Comment trees through `comments.services.build_trees`, one call per post,
  threading kept at any depth; pingbacks, trackbacks and other item types are skipped
  and counted.
"""

import csv
import datetime
import ipaddress
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from urllib.parse import unquote

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.text import slugify

from authors.models import Author
from blog.markup import html_to_text
from blog.models import Category, ImportedItem, Page, Post, PostAuthor, Tag
from blog.wordpress.content import render_wordpress, render_wordpress_comment
from blog.wordpress.links import Moved, record_links
from blog.wordpress.media import Media
from blog.wordpress.wxr import WxrAuthor, WxrCategory, WxrError, WxrItem, WxrSite, WxrTag, WxrTerm
from comments.models import Comment
from comments.services import build_trees, comment_create

Kind = ImportedItem.Kind

PROGRESS_ITEMS = 1000  # a progress line every so many items…
PROGRESS_COMMENTS = 10_000  # …and every so many comments
RECORD_BATCH = 5000

POST_STATUSES = {
    "publish": Post.Status.PUBLISHED,
    "future": Post.Status.PUBLISHED,
    "draft": Post.Status.DRAFT,
    "pending": Post.Status.PENDING,
    "private": Post.Status.DRAFT,
}
COMMENT_STATUSES = {
    "1": Comment.Status.APPROVED,
    "approve": Comment.Status.APPROVED,
    "0": Comment.Status.PENDING,
    "hold": Comment.Status.PENDING,
    "spam": Comment.Status.SPAM,
    "trash": Comment.Status.REMOVED,
    "post-trashed": Comment.Status.REMOVED,
}
SKIPPED_STATUSES = {"auto-draft", "trash", "inherit"}
is_web_address = URLValidator(schemes=["http", "https"])


class _DryRun(Exception):
    """Raised at the end of a dry run so the transaction rolls back."""


@dataclass
class ImportReport:
    """What an import did, for the summary table."""

    source: str = ""
    items: int = 0
    posts: Counter = field(default_factory=Counter)  # published, scheduled, draft, pending
    pages: Counter = field(default_factory=Counter)
    comments: Counter = field(default_factory=Counter)  # by Comment.Status
    max_depth: int = 0
    authors: Counter = field(default_factory=Counter)  # created, mapped, reused, logins created
    categories: Counter = field(default_factory=Counter)  # created, reused
    tags: Counter = field(default_factory=Counter)
    media: Counter = field(default_factory=Counter)  # found, missing, invalid
    media_problems: list = field(default_factory=list)  # (file, problem)
    already: Counter = field(default_factory=Counter)  # kinds already imported by an earlier run
    redirects: Counter = field(default_factory=Counter)  # blog.wordpress.links.record_links's counts
    skipped: Counter = field(default_factory=Counter)  # reason → count
    private: list = field(default_factory=list)  # (title, why) kept as drafts
    shortcodes: Counter = field(default_factory=Counter)  # unknown shortcodes, dynamic blocks ("wp:…")
    renamed: list = field(default_factory=list)  # (kind, wanted slug, slug given)
    notes: list = field(default_factory=list)  # comments made top-level, replies added one by one…
    replies_to_earlier: int = 0
    dry_run: bool = False

    def lines(self):
        """The summary as text lines: a table, then the lists."""
        table = [
            ("Posts", _counts(self.posts, ["published", "scheduled", "draft", "pending"])),
            ("Pages", _counts(self.pages, ["published", "draft"])),
            ("Comments", _counts(self.comments, list(Comment.Status.values))),
            ("Max thread depth", str(self.max_depth)),
            ("Authors", _counts(self.authors, ["created", "mapped", "reused", "logins created"])),
            ("Categories", _counts(self.categories, ["created", "reused"])),
            ("Tags", _counts(self.tags, ["created", "reused"])),
            ("Media", _counts(self.media, ["found", "missing", "invalid"])),
            ("Already imported", _counts(self.already) or "nothing"),
            ("Old addresses", f"{self.redirects['recorded']} redirected"),
            ("Skipped", _counts(self.skipped) or "nothing"),
            ("Not rendered", _counts(self.shortcodes) or "nothing"),
        ]
        verb = "Would import" if self.dry_run else "Imported"
        lines = [f"{verb} {self.items} items from {self.source}:"]
        width = max(len(label) for label, _value in table)
        lines += [f"  {label.ljust(width)}  {value}" for label, value in table]
        if self.private:
            lines.append("Kept as drafts, never public:")
            lines += [f"  - {title} ({why})" for title, why in self.private]
        if self.renamed:
            lines.append("Slugs changed:")
            lines += [f"  - {kind} {wanted!r} → {given!r}" for kind, wanted, given in self.renamed]
        if self.media_problems:
            lines.append("Media not imported:")
            lines += [f"  - {name}: {problem}" for name, problem in self.media_problems]
        if self.notes:
            lines.append("Notes:")
            lines += [f"  - {note}" for note in self.notes]
        if self.dry_run:
            lines.append("Dry run: nothing was written.")
        return lines


def _counts(counter, keys=None):
    keys = keys if keys is not None else sorted(counter)
    return ", ".join(f"{key} {counter[key]}" for key in keys)


def import_wxr(records, *, media_dir=None, author_map=None, create_users=False, dry_run=False, progress=None):
    """Import WXR records (`blog.wordpress.wxr.read_wxr`'s output) in one transaction; returns an ImportReport.

    `media_dir` is a copy of wp-content/uploads; `author_map` sends WordPress logins to
    existing Authors ({login: Author}); `create_users` gives each new author an inactive
    login; `progress(line)` hears about long imports. Any exception leaves nothing
    behind, files included; `dry_run` does everything, reports, and rolls back.
    """
    run = _Import(media_dir=media_dir, author_map=author_map or {}, create_users=create_users, progress=progress)
    run.report.dry_run = dry_run
    try:
        with transaction.atomic():
            run.read(records)
            if dry_run:
                raise _DryRun
    except _DryRun:
        run.media.delete_files()
    except BaseException:
        run.media.delete_files()
        raise
    return run.report


def read_author_map(path):
    """Read an author map, a CSV of `wordpress_login,colloquy_author` lines, to {login: Author}.

    The second column is an Author's slug or a username (whose Author profile is used,
    made from the login when it has none). A header line starting "wordpress_login" and
    blank lines are ignored. Raises ValueError naming the line of anything it cannot use.
    """
    mapping = {}
    with open(path, newline="", encoding="utf-8-sig") as file:
        for number, row in enumerate(csv.reader(file), start=1):
            row = [cell.strip() for cell in row]
            if not any(row) or (number == 1 and row[0].lower() == "wordpress_login"):
                continue
            if len(row) != 2 or not all(row):
                raise ValueError(f"{path} line {number}: expected wordpress_login,colloquy_author")
            login, target = row
            author = Author.objects.filter(slug=target).first() or _author_of_user(target)
            if author is None:
                raise ValueError(f"{path} line {number}: no author or user {target!r}")
            mapping[login] = author
    return mapping


def _author_of_user(username):
    user = get_user_model().objects.filter(username=username).first()
    if user is None:
        return None
    try:
        return user.author
    except Author.DoesNotExist:
        name = user.get_full_name() or user.get_username()
        return Author.objects.create(name=name, slug=_unique_slug(slugify(username), _taken_author_slugs()), user=user)


def _taken_author_slugs():
    return set(Author.objects.values_list("slug", flat=True))


def _unique_slug(wanted, taken, *, max_length=200):
    """`wanted`, or `wanted-2`, `wanted-3`… whichever is not in `taken` (which it joins)."""
    slug, number = wanted[:max_length], 1
    while slug in taken:
        number += 1
        suffix = f"-{number}"
        slug = wanted[: max_length - len(suffix)] + suffix
    taken.add(slug)
    return slug


def _slug(raw, fallback):
    """WordPress's slug (percent-encoded when not ASCII) as one of ours, or `fallback`."""
    return slugify(unquote(raw or "")) or fallback


def _text(value, max_length):
    """Plain text for a title or name (WordPress keeps entities and tags in them)."""
    return html_to_text(value or "")[:max_length]


def _local_date(record):
    """A record's local date (as the reader checked it) in the site's time zone, for when its GMT date is missing."""
    if not record.date:
        return None
    naive = datetime.datetime.strptime(record.date, "%Y-%m-%d %H:%M:%S")
    return timezone.make_aware(naive, timezone.get_default_timezone())


def _web_address(url):
    url = (url or "").strip()
    try:
        is_web_address(url)
    except ValidationError:
        return ""
    return url if len(url) <= 200 else ""


def _ip_address(value):
    try:
        return str(ipaddress.ip_address((value or "").strip()))
    except ValueError:
        return None


class _Import:
    """One import run: the in-memory indexes, the report, and the steps in file order."""

    def __init__(self, *, media_dir, author_map, create_users, progress):
        self.author_map = author_map
        self.create_users = create_users
        self.progress = progress or (lambda line: None)
        self.report = ImportReport()
        self.site = None
        self.imported = defaultdict(dict)  # kind → {source_id: object_id}
        self.new_records = []  # ImportedItems to write
        self.moved = []
        self.authors = {}  # login → Author
        self.author_ids = {}  # WordPress user id → login
        self.category_parents = {}  # our Category pk → WordPress parent slug, for categories made here
        self.media = Media(media_dir, self)
        self.comments_seen = 0
        self.last_progress = ""

    # Reading, in file order.

    def read(self, records):
        handlers = {
            WxrSite: self.start,
            WxrAuthor: self.add_author,
            WxrCategory: self.add_category,
            WxrTag: self.add_tag,
            WxrTerm: self.skip_term,
            WxrItem: self.add_item,
        }
        for record in records:
            if self.site is None and not isinstance(record, WxrSite):
                raise WxrError("the file does not start with a WordPress channel")
            handlers[type(record)](record)
        if self.site is None:
            raise WxrError("no WordPress channel in the file")
        self.finish()

    def start(self, site):
        self.site = site
        self.report.source = site.base_site_url
        if not site.base_site_url:
            raise WxrError("the channel has no wp:base_site_url, which identifies the site for later imports")
        for row in ImportedItem.objects.filter(source=site.base_site_url).values_list("kind", "source_id", "object_id"):
            kind, source_id, object_id = row
            self.imported[kind][source_id] = object_id
        self.post_slugs = set(Post.objects.values_list("slug", flat=True))
        self.page_slugs = set(Page.objects.values_list("slug", flat=True))
        self.author_slugs = _taken_author_slugs()
        self.categories = dict(Category.objects.values_list("slug", "pk"))
        self.tags = dict(Tag.objects.values_list("slug", "pk"))
        self.tag_names = dict(Tag.objects.values_list("name", "slug"))

    def record(self, kind, source_id, object_id):
        self.imported[kind][source_id] = object_id
        self.new_records.append(
            ImportedItem(source=self.site.base_site_url, kind=kind, source_id=source_id, object_id=object_id)
        )
        if len(self.new_records) >= RECORD_BATCH:  # written as we go, so memory stays flat
            ImportedItem.objects.bulk_create(self.new_records)
            self.new_records = []

    def add_author(self, wxr_author):
        if wxr_author.id:
            self.author_ids[wxr_author.id] = wxr_author.login
        self.author(wxr_author.login, wxr_author)

    def author(self, login, wxr_author=None):
        """The Author for a WordPress login: mapped, imported before, or made now."""
        if login in self.authors:
            return self.authors[login]
        if pk := self.imported[Kind.AUTHOR].get(login):
            author = Author.objects.get(pk=pk)
            self.report.authors["reused"] += 1
        elif login in self.author_map:
            author = self.author_map[login]
            self.record(Kind.AUTHOR, login, author.pk)
            self.moved.append(Moved(Kind.AUTHOR, login, old_url="", new_url=author.get_absolute_url()))
            self.report.authors["mapped"] += 1
        else:
            author = self.new_author(login, wxr_author or WxrAuthor(id="", login=login))
        self.authors[login] = author
        return author

    def new_author(self, login, wxr_author):
        full_name = f"{wxr_author.first_name} {wxr_author.last_name}".strip()
        wanted = _slug(login, "author")
        slug = _unique_slug(wanted, self.author_slugs, max_length=140)
        if slug != wanted:
            self.report.renamed.append(("author", wanted, slug))
        author = Author(
            name=_text(wxr_author.display_name or full_name or login, 120),
            slug=slug,
            bio=wxr_author.description.strip(),
        )
        if self.create_users:
            author.user = self.new_user(login, wxr_author)
        author.save()
        self.record(Kind.AUTHOR, login, author.pk)
        self.moved.append(Moved(kind=Kind.AUTHOR, source_id=login, old_url="", new_url=author.get_absolute_url()))
        self.report.authors["created"] += 1
        return author

    def new_user(self, login, wxr_author):
        """An inactive login without a usable password: an editor enables it and the writer resets it."""
        User = get_user_model()
        username = login[:150]
        if User.objects.filter(username=username).exists():
            taken = set(User.objects.filter(username__startswith=username[:140]).values_list("username", flat=True))
            username = _unique_slug(username[:140], taken, max_length=150)
            self.report.renamed.append(("login", login, username))
        user = User(
            username=username,
            email=wxr_author.email[:254],
            first_name=wxr_author.first_name[:150],
            last_name=wxr_author.last_name[:150],
            is_active=False,
        )
        user.set_unusable_password()
        user.save()
        self.report.authors["logins created"] += 1
        return user

    def add_category(self, wxr_category):
        pk = self.category(wxr_category.slug, wxr_category.name, description=wxr_category.description)
        if wxr_category.parent_slug and pk in self.category_parents:
            self.category_parents[pk] = wxr_category.parent_slug

    def category(self, wp_slug, name, *, description=""):
        """Our Category pk for a WordPress category: imported before, one of ours with its slug, or new."""
        if pk := self.imported[Kind.CATEGORY].get(wp_slug):
            return pk
        slug = _slug(wp_slug, _slug(name, "category"))[:120]
        if pk := self.categories.get(slug):
            self.report.categories["reused"] += 1
        else:
            category = Category.objects.create(name=_text(name, 100) or slug, slug=slug, description=description)
            pk = self.categories[slug] = category.pk
            self.category_parents[pk] = ""
            self.report.categories["created"] += 1
        self.moved.append(Moved(Kind.CATEGORY, wp_slug, old_url="", new_url=reverse("blog:category", args=[slug])))
        self.record(Kind.CATEGORY, wp_slug, pk)
        return pk

    def add_tag(self, wxr_tag):
        self.tag(wxr_tag.slug, wxr_tag.name)

    def tag(self, wp_slug, name):
        """Our Tag pk for a WordPress tag: imported before, one of ours with its slug or name, or new."""
        if pk := self.imported[Kind.TAG].get(wp_slug):
            return pk
        slug = _slug(wp_slug, _slug(name, "tag"))[:120]
        name = _text(name, 100) or slug
        if slug not in self.tags:
            slug = self.tag_names.get(name, slug)  # tag names are unique too
        if pk := self.tags.get(slug):
            self.report.tags["reused"] += 1
        else:
            pk = self.tags[slug] = Tag.objects.create(name=name, slug=slug).pk
            self.tag_names[name] = slug
            self.report.tags["created"] += 1
        self.moved.append(Moved(Kind.TAG, wp_slug, old_url="", new_url=reverse("blog:tag", args=[slug])))
        self.record(Kind.TAG, wp_slug, pk)
        return pk

    def skip_term(self, term):
        self.report.skipped[f"{term.taxonomy} terms"] += 1

    def add_item(self, item):
        self.report.items += 1
        if item.post_type in ("post", "page") and item.status in SKIPPED_STATUSES:
            self.skip(item, f"{item.post_type}s with status {item.status}")
        elif item.post_type == "post":
            self.add_post(item)
        elif item.post_type == "page":
            self.add_page(item)
        elif item.post_type == "attachment":
            if item.comments:
                self.report.skipped["comments on attachments"] += len(item.comments)
            self.media.add(item)
        else:
            self.skip(item, item.post_type or "items without a type")
        if self.report.items % PROGRESS_ITEMS == 0:
            self.tell_progress()

    def tell_progress(self):
        line = f"{self.report.items} items read, {self.comments_seen} comments…"
        if line != self.last_progress:
            self.progress(line)
            self.last_progress = line

    def skip(self, item, reason):
        self.report.skipped[reason] += 1
        if item.comments:
            self.report.skipped[f"comments on {reason}"] += len(item.comments)

    def add_post(self, item):
        if pk := self.imported[Kind.POST].get(item.id):
            self.report.already["posts"] += 1
            self.add_comments(item, Post.objects.get(pk=pk))
            return
        status = POST_STATUSES.get(item.status)
        if status is None:
            self.skip(item, f"posts with status {item.status}")
            return
        title = _text(item.title, 300) or "(no title)"
        if item.password or item.status == "private":
            status = Post.Status.DRAFT
            self.report.private.append((title, "password-protected" if item.password else "private"))
        published_at = item.date_gmt or _local_date(item)
        if status == Post.Status.PENDING or (item.status == "draft" and item.date_gmt is None):
            published_at = None  # WordPress's drafts have no publication date until published
        body, unknown = render_wordpress(item.content)
        self.report.shortcodes.update(unknown)
        post = Post(
            title=title,
            slug=self.post_slug(item, title),
            dek=html_to_text(item.excerpt),
            body=body,
            body_format=Post.BodyFormat.HTML,
            status=status,
            published_at=published_at,
            discussion=Post.Discussion.CLOSED if item.comment_status == "closed" else Post.Discussion.DEFAULT,
            sticky=item.is_sticky,
        )
        post.save()
        label = "scheduled" if post.is_scheduled else status
        self.report.posts[label] += 1
        self.record(Kind.POST, item.id, post.pk)
        if item.creator:
            PostAuthor.objects.create(post=post, author=self.author(item.creator))
        if categories := {self.category(slug, name) for slug, name in item.categories}:
            post.categories.add(*categories)
        if tags := {self.tag(slug, name) for slug, name in item.tags}:
            post.tags.add(*tags)
        self.media.note_post(post, item)
        if status == Post.Status.PUBLISHED:  # a redirect to a draft would reveal its title
            self.moved.append(
                Moved(kind=Kind.POST, source_id=item.id, old_url=item.link, new_url=post.get_absolute_url())
            )
        self.add_comments(item, post)

    def post_slug(self, item, title):
        wanted = _slug(item.name, _slug(title, f"post-{item.id}"))
        slug = _unique_slug(wanted, self.post_slugs)
        if slug != unquote(item.name or slug):
            self.report.renamed.append(("post", unquote(item.name), slug))
        return slug

    def add_page(self, item):
        if item.comments:
            self.report.skipped["comments on pages"] += len(item.comments)
        if item.id in self.imported[Kind.PAGE]:
            self.report.already["pages"] += 1
            return
        title = _text(item.title, 200) or "(no title)"
        status = Page.Status.PUBLISHED if item.status == "publish" and not item.password else Page.Status.DRAFT
        if item.password or item.status == "private":
            self.report.private.append((f"page {title}", "password-protected" if item.password else "private"))
        body, unknown = render_wordpress(item.content)
        self.report.shortcodes.update(unknown)
        page = Page(
            title=title,
            slug=self.page_slug(item, title),
            body=body,
            status=status,
            menu_order=min(max(item.menu_order, 0), 32767),
        )
        page.save()
        self.report.pages[status] += 1
        self.record(Kind.PAGE, item.id, page.pk)
        self.media.note_page(page)
        if status == Page.Status.PUBLISHED:
            self.moved.append(
                Moved(kind=Kind.PAGE, source_id=item.id, old_url=item.link, new_url=page.get_absolute_url())
            )

    def page_slug(self, item, title):
        """A free slug that none of the site's own routes claims ("search", "2013"…)."""
        wanted = _slug(item.name, _slug(title, f"page-{item.id}"))
        slug = _unique_slug(wanted, self.page_slugs, max_length=100)
        while True:
            try:
                Page(slug=slug).clean()
                break
            except ValidationError:
                slug = _unique_slug(wanted, self.page_slugs, max_length=100)
        if slug != unquote(item.name or slug):
            self.report.renamed.append(("page", unquote(item.name), slug))
        return slug

    # Comments.

    def add_comments(self, item, post):
        """Add the item's comments that are new: whole new threads in one build, replies to earlier ones singly."""
        nodes, children = {}, defaultdict(list)
        for wxr_comment in item.comments:
            self.comments_seen += 1
            if self.comments_seen % PROGRESS_COMMENTS == 0:
                self.tell_progress()
            if wxr_comment.type in ("pingback", "trackback"):
                self.report.skipped[f"{wxr_comment.type}s"] += 1
            elif wxr_comment.id in self.imported[Kind.COMMENT] or wxr_comment.id in nodes:
                self.report.already["comments"] += 1
            else:
                nodes[wxr_comment.id] = self.comment(wxr_comment, item, post)
        earlier = self.earlier_comments(post, {node.wxr.parent_id for node in nodes.values()})
        roots, replies = [], []
        for node in nodes.values():
            parent_id = node.wxr.parent_id
            if parent_id in nodes and not self.is_loop(node, nodes):
                children[parent_id].append(node)
            elif parent_id in earlier:
                replies.append(node)
            else:
                if parent_id not in ("", "0"):
                    self.report.notes.append(
                        f"comment {node.wxr.id} on {post.title!r}: its parent {parent_id} is not in the file; "
                        "made top-level"
                    )
                roots.append(node)

        def tree(node):
            return node, [tree(child) for child in sorted(children[node.wxr.id], key=_chronological)]

        if roots:
            created = build_trees(post, [tree(root) for root in sorted(roots, key=_chronological)])
            self.comments_made(created, item, post)
        for node in sorted(replies, key=_chronological):
            self.reply_to_earlier(node, earlier[node.wxr.parent_id], children, item, post)

    def comment(self, wxr_comment, item, post):
        """An unsaved Comment for a WordPress comment (with `.wxr` for the rest of the import)."""
        user = None
        if wxr_comment.user_id not in ("", "0") and self.author_ids.get(wxr_comment.user_id) == item.creator:
            user = self.author(item.creator).user  # the post's own author, when a login writes as them
        comment = Comment(
            post=post,
            name=_text(wxr_comment.author, 80) or "Anonymous",
            email=wxr_comment.email.strip()[:254],
            website=_web_address(wxr_comment.url),
            ip_address=_ip_address(wxr_comment.ip),
            created_at=wxr_comment.date_gmt or _local_date(wxr_comment) or post.published_at or timezone.now(),
            body=wxr_comment.content,
            body_html=render_wordpress_comment(wxr_comment.content),
            status=COMMENT_STATUSES.get(wxr_comment.approved, Comment.Status.PENDING),
            user=user,
            badge=Comment.Badge.AUTHOR if user else Comment.Badge.NONE,
        )
        comment.wxr = wxr_comment
        return comment

    def is_loop(self, node, nodes):
        """Does following parents from `node` come back to it? (A broken file; it becomes top-level.)"""
        seen, current = {node.wxr.id}, node.wxr.parent_id
        while current in nodes:
            if current in seen:
                return True
            seen.add(current)
            current = nodes[current].wxr.parent_id
        return False

    def earlier_comments(self, post, parent_ids):
        """{WordPress ID: Comment} of this post's comments imported before that `parent_ids` name."""
        known = self.imported[Kind.COMMENT]
        pks = {known[wp_id]: wp_id for wp_id in parent_ids if wp_id in known}
        if not pks:
            return {}
        return {pks[comment.pk]: comment for comment in Comment.objects.filter(pk__in=pks, post=post)}

    def reply_to_earlier(self, new, parent, children, item, post):
        """Add `new` (and its new replies) under `parent`, a comment imported before, one at a time.

        `build_trees` makes new threads only; `comment_create` adds to an existing one, under
        its lock, keeping the site's maximum depth: deeper replies attach beside their parent.
        """
        comment = comment_create(
            post=post,
            parent=parent,
            body=new.body,
            status=new.status,
            user=new.user,
            name=new.name,
            email=new.email,
            website=new.website,
            ip_address=new.ip_address,
            created_at=new.created_at,
            body_html=new.body_html,  # WordPress's HTML, converted like the rest, not a reader's Markdown
        )
        comment.wxr = new.wxr
        self.report.replies_to_earlier += 1
        if self.report.replies_to_earlier == 1:
            self.report.notes.append("replies to comments imported earlier were added one at a time")
        self.comments_made([comment], item, post)
        for child in sorted(children[new.wxr.id], key=_chronological):
            self.reply_to_earlier(child, comment, children, item, post)

    def comments_made(self, comments, item, post):
        for comment in comments:
            self.record(Kind.COMMENT, comment.wxr.id, comment.pk)
            self.report.comments[comment.status] += 1
            self.report.max_depth = max(self.report.max_depth, comment.level + 1)
            if comment.status == Comment.Status.APPROVED and post.status == Post.Status.PUBLISHED:
                self.moved.append(
                    Moved(
                        kind=Kind.COMMENT,
                        source_id=comment.wxr.id,
                        old_url="",
                        new_url=comment.get_absolute_url(),
                        post_source_id=item.id,
                    )
                )

    # After the last item: what needed everything read first.

    def finish(self):
        self.link_categories()
        self.media.finish()
        ImportedItem.objects.bulk_create(self.new_records)
        self.report.redirects.update(record_links(self.site, self.moved))

    def link_categories(self):
        """Set the parents of the categories made here, now that every category exists."""
        parents = {}
        for pk, parent_slug in self.category_parents.items():
            parent_pk = self.imported[Kind.CATEGORY].get(parent_slug) or self.categories.get(parent_slug)
            if parent_slug and parent_pk:
                parents[pk] = parent_pk
        for pk in list(parents):
            seen, ancestor = {pk}, parents[pk]
            while ancestor in parents and ancestor not in seen:
                seen.add(ancestor)
                ancestor = parents[ancestor]
            if ancestor in seen:  # a broken file's loop: this category goes to the top level
                del parents[pk]
                self.report.notes.append(f"category {pk} would sit inside itself; left at the top level")
        Category.objects.bulk_update([Category(pk=pk, parent_id=parent) for pk, parent in parents.items()], ["parent"])


def _chronological(comment):
    """Siblings in the order WordPress shows them: by date, then by ID."""
    return comment.created_at, int(comment.wxr.id)
