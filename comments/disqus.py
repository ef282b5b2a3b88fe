"""Importing comments from a Disqus XML export (`python manage.py import_disqus FILE`).

A Disqus export holds one forum: `<category>` elements, a `<thread>` per page that had a
discussion (its `link` is the page's address) and a `<post>` per comment (its thread, its
parent, author, flags), in any order: a reply may come before the comment it answers.
`read_disqus(path)` streams them as records with a safe parser (no DTD, no entities, no
network). `import_disqus(path)` matches each thread to a Post by its address (directly,
or through the redirect table, or by a mapping) and builds the comment trees with
`comments.services.build_trees`, all in one transaction: any error changes nothing.

Every comment of the file is held in memory until the trees are built (their parents may
come later in the file); a comment is a few hundred bytes, so 100,000 fit easily.
"""

import csv
import datetime
import ipaddress
import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import unquote, urlsplit

from django.contrib.redirects.models import Redirect
from django.contrib.sites.models import Site
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.urls import Resolver404, resolve
from lxml import etree

from blog.models import ImportedItem, Post
from blog.wordpress.wxr import parse_export
from comments.markup import sanitize_comment_html
from comments.models import Comment
from comments.services import ANONYMOUS, build_trees, comment_create, lock_forest

DSQ = "{http://disqus.com}"
DSQ_ID = "{http://disqus.com/disqus-internals}id"
RECORD_TAGS = [f"{DSQ}category", f"{DSQ}thread", f"{DSQ}post"]
NAME_LENGTH = Comment._meta.get_field("name").max_length
PROGRESS_EVERY = 10_000
LISTED = 20  # unmatched threads and missing parents named in the report; the rest are counted


class DisqusError(Exception):
    """The file cannot be imported: `line` (1-based, or None) of `file` (None: the export) and why."""

    def __init__(self, reason, line=None, file=None):
        where = " ".join(part for part in (file, f"line {line}" if line else None) if part)
        super().__init__(f"{where}: {reason}" if where else reason)
        self.reason = reason
        self.line = line


@dataclass(slots=True)
class DisqusCategory:
    id: str
    forum: str
    title: str = ""


@dataclass(slots=True)
class DisqusThread:
    id: str  # dsq:id
    identifier: str = ""  # <id>: the site's own identifier (WordPress's plugin writes "123 http://…/?p=123")
    link: str = ""
    title: str = ""
    forum: str = ""
    is_deleted: bool = False
    line: int | None = None


@dataclass(slots=True)
class DisqusPost:
    id: str  # dsq:id
    thread_id: str
    parent_id: str = ""  # "" for a top-level comment
    message: str = ""  # HTML
    created_at: datetime.datetime | None = None
    is_deleted: bool = False
    is_spam: bool = False
    name: str = ""
    email: str = ""
    ip_address: str = ""
    line: int | None = None


def read_disqus(path):
    """Yield the `DisqusCategory`, `DisqusThread` and `DisqusPost` records of the export at `path`, in file order.

    Each element is cleared once read, so the parse itself keeps memory flat. Raises
    `DisqusError` with the line for malformed or truncated XML, a DOCTYPE (entities are
    refused outright, not merely left unexpanded), a root that is not Disqus's, or a
    record with a bad date, flag or missing id.
    """
    try:
        parser = parse_export(path, tag=RECORD_TAGS, error=DisqusError)
        checked = False
        for _event, element in parser:
            if not checked:
                _check_document(element.getroottree())
                checked = True
            parent = element.getparent()
            if parent is None or parent.getparent() is not None:
                continue  # a post's <thread dsq:id/> or a thread's <category dsq:id/>: read with its record
            yield _RECORDS[element.tag](element)
            # Drop what was read, and the siblings before it, so the tree never grows.
            element.clear(keep_tail=True)
            while element.getprevious() is not None:
                del parent[0]
        if not checked:
            _check_document(parser.root.getroottree())
    except etree.XMLSyntaxError as error:
        reason = re.sub(r", line \d+, column \d+$", "", error.msg or str(error))
        raise DisqusError(f"malformed XML: {reason}", error.lineno) from None
    except OSError as error:
        raise DisqusError(f"cannot read {path}: {error.strerror or error}") from None


def _check_document(tree):
    root = tree.getroot()
    if root.tag != f"{DSQ}disqus":
        raise DisqusError(f"not a Disqus export: the root element is <{root.tag}>", root.sourceline)


def _fields(element):
    """{local name: child element} for the children of `element` in Disqus's namespace."""
    return {child.tag[len(DSQ) :]: child for child in element if child.tag.startswith(DSQ)}


def _text(fields, name):
    element = fields.get(name)
    return (element.text or "").strip() if element is not None else ""


def _flag(fields, name):
    value = _text(fields, name).lower()
    if value in ("true", "1"):
        return True
    if value in ("false", "0", ""):
        return False
    raise DisqusError(f"<{name}> is {value!r}, not true or false", fields[name].sourceline)


def _date(fields, name, line):
    value = _text(fields, name)
    if not value:
        raise DisqusError(f"<{name}> is missing", line)
    try:
        date = datetime.datetime.fromisoformat(value)
    except ValueError:
        raise DisqusError(f"<{name}> {value!r} is not an ISO 8601 date", fields[name].sourceline) from None
    # Disqus writes UTC ("…Z"); a date without a zone is taken as UTC too.
    return date if date.tzinfo else date.replace(tzinfo=datetime.UTC)


def _id(element, what):
    value = (element.get(DSQ_ID) or "").strip()
    if not value:
        raise DisqusError(f"a <{what}> without dsq:id", element.sourceline)
    return value


def _category(element):
    fields = _fields(element)
    return DisqusCategory(id=_id(element, "category"), forum=_text(fields, "forum"), title=_text(fields, "title"))


def _thread(element):
    fields = _fields(element)
    return DisqusThread(
        id=_id(element, "thread"),
        identifier=_text(fields, "id"),
        link=_text(fields, "link"),
        title=_text(fields, "title"),
        forum=_text(fields, "forum"),
        is_deleted=_flag(fields, "isDeleted"),
        line=element.sourceline,
    )


def _post(element):
    fields = _fields(element)
    line = element.sourceline
    if "thread" not in fields:
        raise DisqusError("a <post> without its <thread dsq:id>", line)
    author = _fields(fields["author"]) if "author" in fields else {}
    return DisqusPost(
        id=_id(element, "post"),
        thread_id=_id(fields["thread"], "thread"),
        parent_id=_id(fields["parent"], "parent") if "parent" in fields else "",
        message=_text(fields, "message"),
        created_at=_date(fields, "createdAt", line),
        is_deleted=_flag(fields, "isDeleted"),
        is_spam=_flag(fields, "isSpam"),
        name=_text(author, "name") or _text(author, "username"),
        email=_text(author, "email"),
        ip_address=_text(fields, "ipAddress"),
        line=line,
    )


_RECORDS = {f"{DSQ}category": _category, f"{DSQ}thread": _thread, f"{DSQ}post": _post}


def read_thread_map(path):
    """Read a --map CSV: `disqus_thread_link_or_id,colloquy_post_url_or_slug` per line.

    Returns {thread link, dsq:id or identifier: (post URL or slug, line)}. Blank lines and
    lines starting with "#" are skipped; anything else without two values is an error.
    """
    name = Path(path).name
    mapping = {}
    try:
        with open(path, newline="", encoding="utf-8") as file:
            for line, row in enumerate(csv.reader(file), start=1):
                values = [value.strip() for value in row]
                if not any(values) or values[0].startswith("#"):
                    continue
                if len(values) != 2 or not all(values):
                    raise DisqusError("expected `disqus thread link or id,post URL or slug`", line, name)
                mapping[values[0]] = (values[1], line)
    except (OSError, UnicodeDecodeError) as error:
        raise DisqusError(f"cannot read the map: {error}", file=name) from None
    return mapping


def post_at(url):
    """The Post that readers of `url` reach, and how: ("by address" | "through a redirect"), else (None, None).

    Only the path counts (the host may be the old site's). A post's address matches by its
    slug, as the post view does; an old address matches through the redirect table.
    """
    parts = urlsplit(url.strip())
    path = parts.path or "/"
    if post := _post_at_path(path):
        return post, "by address"
    # The redirect middleware matches the full path as requested, query string included (?p=123).
    candidates = [f"{path}?{parts.query}"] if parts.query else []
    candidates += [path] if path.endswith("/") else [path, f"{path}/"]
    redirects = Redirect.objects.filter(site=Site.objects.get_current(), old_path__in=candidates).exclude(new_path="")
    for redirect in sorted(redirects, key=lambda row: candidates.index(row.old_path)):
        if post := _post_at_path(urlsplit(redirect.new_path).path):
            return post, "through a redirect"
    return None, None


def _post_at_path(path):
    path = unquote(path)
    for candidate in [path] if path.endswith("/") else [path, f"{path}/"]:
        try:
            match = resolve(candidate)
        except Resolver404:
            continue
        if match.view_name == "blog:post_detail":
            return Post.objects.filter(slug=match.kwargs["slug"]).first()
    return None


@dataclass
class DisqusReport:
    """What an import did (or, dry, would do), for the command to print."""

    source: str = ""
    dry_run: bool = False
    threads: Counter = field(default_factory=Counter)  # matched threads, by how they matched
    unmatched: list = field(default_factory=list)  # (link or id, number of comments, reason)
    empty_unmatched: int = 0  # threads without comments that match no post
    comments: Counter = field(default_factory=Counter)  # imported now, by status
    removed_with_thread: int = 0  # approved on Disqus, but their thread was deleted there
    already_imported: int = 0
    replies_to_earlier: int = 0  # new replies to comments imported by an earlier run
    attached_beside: int = 0  # of those, placed beside their parent at the maximum depth
    max_depth: int = 0  # levels in the deepest thread imported now (a lone comment: 1)
    missing_parents: list = field(default_factory=list)  # (comment id, parent id, line, why)
    skipped: Counter = field(default_factory=Counter)  # comments not imported, by reason

    def lines(self):
        """The report as lines of text."""
        yield f"Disqus import from {self.source}" + (" (dry run: nothing was written)" if self.dry_run else "")
        matched = ", ".join(f"{number} {how}" for how, number in sorted(self.threads.items()))
        yield f"Threads matched: {self.threads.total()}" + (f" ({matched})" if matched else "")
        yield f"Threads unmatched: {len(self.unmatched)} with comments, {self.empty_unmatched} without"
        yield from _listed(f"  {link} ({number} comment(s)): {why}" for link, number, why in self.unmatched)
        by_status = ", ".join(f"{self.comments[status]} {status.label.lower()}" for status in Comment.Status)
        yield f"Comments imported: {self.comments.total()} ({by_status})"
        if self.removed_with_thread:
            yield f"  {self.removed_with_thread} of them removed because their thread was deleted on Disqus"
        yield f"Comments imported before: {self.already_imported}"
        if self.replies_to_earlier:
            yield (
                f"Replies to comments imported before: {self.replies_to_earlier}, written one by one"
                f" ({self.attached_beside} placed beside their parent at the maximum reply depth)"
            )
        yield f"Maximum thread depth: {self.max_depth}"
        yield f"Missing parents (made top-level comments): {len(self.missing_parents)}"
        yield from _listed(
            f"  comment {comment} (line {line}): parent {parent} {why}"
            for comment, parent, line, why in self.missing_parents
        )
        reasons = ", ".join(f"{number} {why}" for why, number in sorted(self.skipped.items()))
        yield f"Comments skipped: {self.skipped.total()}" + (f" ({reasons})" if reasons else "")


def _listed(lines):
    lines = list(lines)
    yield from lines[:LISTED]
    if len(lines) > LISTED:
        yield f"  … and {len(lines) - LISTED} more"


def import_disqus(path, *, thread_map=None, dry_run=False, progress=None):
    """Import the comments of the Disqus export at `path`; returns a `DisqusReport`.

    `thread_map` ({thread link, dsq:id or identifier: (post URL or slug, line)}, from
    `read_thread_map`) overrides matching by address. The whole file is read and checked
    first, then everything is written in one transaction (rolled back with `dry_run`).
    Items are recorded in `blog.ImportedItem` under "disqus:<forum>", so a second run,
    or an overlapping export, adds only what is new. `progress(message)` hears of long runs.
    """
    report = DisqusReport(dry_run=dry_run)
    forum, threads, posts_by_thread = _read(path, report, progress)
    report.source = f"disqus:{forum or Path(path).stem}"
    with transaction.atomic():
        # Exclusive, so a second import waits and then sees what this one recorded.
        lock_forest(exclusive=True)
        _write(report, threads, posts_by_thread, _map_targets(thread_map or {}), progress)
        if dry_run:
            transaction.set_rollback(True)
    return report


def _read(path, report, progress):
    """Read the whole export: (forum name, {thread id: thread}, {thread id: [posts]})."""
    forum, threads, posts_by_thread, seen = "", {}, defaultdict(list), set()
    for record in read_disqus(path):
        if isinstance(record, DisqusPost):
            if record.id in seen:
                report.skipped["appear twice in the file"] += 1
                continue
            seen.add(record.id)
            posts_by_thread[record.thread_id].append(record)
            if progress and len(seen) % PROGRESS_EVERY == 0:
                progress(f"{len(seen)} comments read…")
        else:
            forum = forum or record.forum
            if isinstance(record, DisqusThread):
                threads.setdefault(record.id, record)
    return forum, threads, posts_by_thread


def _map_targets(thread_map):
    """{map key: Post}, or DisqusError naming the map line whose target is no post."""
    targets = {}
    for key, (target, line) in thread_map.items():
        post = post_at(target)[0] if "/" in target else Post.objects.filter(slug=target).first()
        if post is None:
            raise DisqusError(f"no post at {target!r}", line, "--map")
        targets[key] = post
    return targets


def _write(report, threads, posts_by_thread, targets, progress):
    source = report.source
    imported = dict(
        ImportedItem.objects.filter(source=source, kind=ImportedItem.Kind.COMMENT).values_list("source_id", "object_id")
    )
    imported_threads = dict(
        ImportedItem.objects.filter(source=source, kind=ImportedItem.Kind.THREAD).values_list("source_id", "object_id")
    )
    new_items, by_post = [], defaultdict(list)
    for thread_id in list(threads) + [key for key in posts_by_thread if key not in threads]:
        records, thread = posts_by_thread.get(thread_id, []), threads.get(thread_id)
        if thread is None:
            report.skipped["their thread is not in the file"] += len(records)
            continue
        post, how = _match(thread, imported_threads, targets)
        if post is None:
            if records:
                report.unmatched.append((thread.link or thread.id, len(records), how))
                report.skipped["their thread matches no post"] += len(records)
            else:
                report.empty_unmatched += 1
            continue
        report.threads[how] += 1
        if thread_id not in imported_threads:
            new_items.append(
                ImportedItem(source=source, kind=ImportedItem.Kind.THREAD, source_id=thread_id, object_id=post.pk)
            )
        for record in records:
            if record.id in imported:
                report.already_imported += 1
            else:
                by_post[post].append((record, thread))
    written = 0
    for post, records in by_post.items():
        new_items += _write_post(post, records, imported, report)
        if progress and (written + len(records)) // PROGRESS_EVERY > written // PROGRESS_EVERY:
            progress(f"{written + len(records)} comments written…")
        written += len(records)
    ImportedItem.objects.bulk_create(new_items, batch_size=5000)


def _match(thread, imported_threads, targets):
    """(Post, how it matched) for `thread`, or (None, why not)."""
    if thread.id in imported_threads and (post := Post.objects.filter(pk=imported_threads[thread.id]).first()):
        return post, "imported before"
    for key in (thread.link, thread.id, thread.identifier):
        if key and key in targets:
            return targets[key], "by the map"
    if not thread.link:
        return None, "the thread has no link"
    post, how = post_at(thread.link)
    return (post, how) if post else (None, "no post at this address")


def _write_post(post, records, imported, report):
    """Write one post's new comments; returns their ImportedItem rows (unsaved)."""
    records.sort(key=lambda pair: (pair[0].created_at, pair[0].line))
    comments = {record.id: _comment(record, thread, report) for record, thread in records}
    earlier_ids = {imported[r.parent_id] for r, _thread in records if r.parent_id in imported}
    earlier = Comment.objects.in_bulk(earlier_ids)
    children, roots, under_earlier = defaultdict(list), [], defaultdict(list)
    for record, _thread in records:
        parent_pk = imported.get(record.parent_id)
        if not record.parent_id:
            roots.append(record.id)
        elif record.parent_id in comments:
            children[record.parent_id].append(record.id)
        elif parent_pk in earlier and earlier[parent_pk].post_id == post.pk:
            under_earlier[parent_pk].append(record.id)
        else:
            if parent_pk in earlier:
                why = "is on another post"
            elif parent_pk:
                why = "was imported before and has been deleted since"
            else:
                why = "is not in the file, or not in this thread"
            report.missing_parents.append((record.id, record.parent_id, record.line, why))
            roots.append(record.id)
    _break_loops(records, roots, children, under_earlier, report)

    def node(comment_id):
        return comments[comment_id], [node(child) for child in children[comment_id]]

    created = build_trees(post, [node(root) for root in roots]) if roots else []
    for parent_pk, reply_ids in under_earlier.items():
        for reply_id in reply_ids:
            created += _reply(post, earlier[parent_pk], reply_id, comments, children, report)
    report.max_depth = max([report.max_depth] + [comment.level + 1 for comment in created])
    source_ids = {id(comment): comment_id for comment_id, comment in comments.items()}
    return [
        ImportedItem(
            source=report.source,
            kind=ImportedItem.Kind.COMMENT,
            source_id=source_ids[id(comment)],
            object_id=comment.pk,
        )
        for comment in created
    ]


def _break_loops(records, roots, children, under_earlier, report):
    """Make top-level the comments a loop of parents keeps out of every tree (a corrupt export)."""
    reached, stack = set(), [*roots, *(i for ids in under_earlier.values() for i in ids)]
    while True:
        while stack:
            comment_id = stack.pop()
            reached.add(comment_id)
            stack.extend(children[comment_id])
        stranded = next((record for record, _thread in records if record.id not in reached), None)
        if stranded is None:
            return
        children[stranded.parent_id].remove(stranded.id)
        report.missing_parents.append((stranded.id, stranded.parent_id, stranded.line, "is in a loop of parents"))
        roots.append(stranded.id)
        stack.append(stranded.id)


def _reply(post, parent, comment_id, comments, children, report):
    """Write a new reply to an earlier-imported comment, and its replies, through `comment_create`."""
    draft = comments[comment_id]
    comment = comment_create(
        post=post,
        parent=parent,
        body=draft.body,
        status=draft.status,
        name=draft.name,
        email=draft.email,
        ip_address=draft.ip_address,
        created_at=draft.created_at,
        body_html=draft.body_html,  # Disqus's HTML, sanitised, not a reader's Markdown
    )
    report.replies_to_earlier += 1
    report.attached_beside += comment.in_reply_to_id is not None
    comments[comment_id] = comment  # so its ImportedItem row finds it
    created = [comment]
    for child in children[comment_id]:
        created += _reply(post, comment, child, comments, children, report)
    return created


def _comment(record, thread, report):
    """An unsaved Comment for `record`: its status, author, date and sanitised HTML."""
    if record.is_spam:
        status = Comment.Status.SPAM
    elif record.is_deleted:
        status = Comment.Status.REMOVED
    elif thread.is_deleted:
        # A deleted thread was no longer public on Disqus: its comments must not become so here.
        status = Comment.Status.REMOVED
        report.removed_with_thread += 1
    else:
        status = Comment.Status.APPROVED
    report.comments[status] += 1
    return Comment(
        name=(record.name or ANONYMOUS)[:NAME_LENGTH],
        email=_valid_email(record.email),
        body=record.message,
        body_html=sanitize_comment_html(record.message),
        status=status,
        created_at=record.created_at,
        ip_address=_valid_ip(record.ip_address),
    )


def _valid_email(value):
    try:
        validate_email(value)
    except ValidationError:
        return ""
    return value


def _valid_ip(value):
    try:
        return str(ipaddress.ip_address(value))
    except ValueError:
        return None
