"""Old WordPress addresses that keep working after an import: 301s in the redirect table.

The importer collects one `Moved` per thing it created (post, page, attachment, author,
category, tag, comment) and calls `record_links(site, moved)` once, inside its transaction.

Paths on this site are the old site's paths after its base path: wptest.io's posts lived
under http://wptest.io/demo/, so `http://wptest.io/demo/layout-test/` is recorded as
`/layout-test/` (the old domain is expected to point here, its base path gone).

Rows are written for the addresses WordPress answered, each pointing straight at our final
address (no chains):

- posts, pages, attachments: their permalink as the file gives it (any permalink structure),
  `/?p=ID` (and `/?page_id=ID`, `/?attachment_id=ID`), for a `/YYYY/MM/DD/slug/` permalink
  also `/YYYY/MM/slug/`, for a nested page `/parent/slug/` also `/slug/`;
- a post's comment feed, `<permalink>feed/` (also `feed/rss2/`, `feed/atom/`) and
  `/?p=ID&feed=rss2`, to ours;
- `/category/<slug>/` (with its parents' slugs, as WordPress nests them), `/tag/<slug>/`,
  `/?tag=<slug>`, `/author/<login>/`, and their feeds where we have one;
- comments: `/?p=ID&replytocom=N` and `<permalink>?replytocom=N` to the comment's permalink
  here (`/comments/<id>/`), also at our own post address; `<permalink>comment-page-N/` is
  answered by the middleware (blog.redirects), whatever N, as is a reply link to a comment
  not shown here (to its post); `#comment-N` anchors never reach a server;
- the site's feeds: `/?feed=rss2`, `/feed/rss2/`, `/wp-rss2.php`…, and `/?m=YYYYMM` archives.

Rows go in through `blog.redirects.record_moves`, which keeps the table's rules (upserted
on the old path, so a second run changes nothing; no row at a live address; no chains).
A row is only written where the old address differs from the target, never at an address
this site serves itself (a route of ours, a published post, page, category, tag or author:
resolved with the URLconf, as `Page.clean` does), and only towards things readers may see
(published posts and pages, approved comments): a draft's old address stays a 404, and so
does a scheduled post's (its address would reveal it early; WordPress never published it).
Query addresses are stored in the one spelling `blog.redirects.wordpress_query_path` gives.
"""

import datetime
import re
from collections import Counter, defaultdict
from dataclasses import dataclass
from urllib.parse import unquote, urlencode, urlsplit

from django.conf import settings
from django.contrib.redirects.models import Redirect
from django.http import QueryDict
from django.urls import Resolver404, resolve, reverse
from django.utils import timezone
from django.utils.encoding import escape_uri_path

from authors.models import Author
from blog.models import Category, Page, Post, Tag
from blog.redirects import WORDPRESS_QUERY_KEYS, record_moves, wordpress_query_path
from comments.models import Comment


@dataclass
class Moved:
    kind: str  # ImportedItem.Kind: "post", "page", "attachment", "category", "tag", "author", "comment"
    source_id: str  # the WordPress ID (posts, pages, comments) or slug/login (terms, authors)
    old_url: str  # the WordPress permalink as the file gives it ("" when unknown)
    new_url: str  # our address for it (a path)
    post_source_id: str = ""  # for a comment: the WordPress ID of its post


DATED = re.compile(r"^/(?P<year>[0-9]{4})/(?P<month>[0-9]{2})/(?:(?P<day>[0-9]{2})/)?(?P<slug>[^/]+)/$")
# WordPress's site-wide feed addresses and where they live here.
SITE_FEEDS = {
    "/?feed=rss2": "blog:feed",
    "/?feed=rss": "blog:feed",
    "/?feed=rdf": "blog:feed",
    "/?feed=atom": "blog:feed_atom",
    "/?feed=comments-rss2": "comments:feed",
    "/?feed=comments-atom": "comments:feed_atom",
    "/feed/rss2/": "blog:feed",
    "/feed/rss/": "blog:feed",
    "/feed/rdf/": "blog:feed",
    "/comments/feed/rss2/": "comments:feed",
    "/wp-rss2.php": "blog:feed",
    "/wp-rss.php": "blog:feed",
    "/wp-rdf.php": "blog:feed",
    "/wp-atom.php": "blog:feed_atom",
    "/wp-commentsrss2.php": "comments:feed",
}
MAX_PATH = Redirect._meta.get_field("old_path").max_length


def record_links(site, moved):
    """Write the 301s that keep `site`'s (a WxrSite) old addresses working, for the things `moved` lists.

    Idempotent (an address already in the table is pointed at its new target, never
    duplicated); call it inside the import's transaction. Returns counts for the report:
    ``recorded`` rows written, ``same`` old addresses identical to ours, ``served`` old
    addresses this site answers itself, ``private`` items readers may not see (drafts,
    held comments) and ``too_long`` addresses longer than the table allows.
    """
    counts = Counter(recorded=0, same=0, served=0, private=0, too_long=0)
    base = urlsplit(site.base_blog_url or site.base_site_url).path.rstrip("/")
    targets = _public_targets(moved)
    wanted = {}  # old path -> our path; the first candidate for an address wins

    def add(old, new):
        if old is None or new is None:
            return
        if old == new:
            counts["same"] += 1
        elif len(old) > MAX_PATH or len(new) > MAX_PATH:
            counts["too_long"] += 1
        else:
            wanted.setdefault(old, new)

    # WordPress post ID -> its old permalink, for comment links (whichever comes first in `moved`).
    post_paths = {
        item.source_id: _local(item.old_url, base) for item in moved if item.kind in ("post", "page", "attachment")
    }
    derived = []  # second-choice addresses, added after every item's own permalink
    categories = {}  # our category pk -> (WordPress slug, target), to rebuild WordPress's nested addresses
    for item in moved:
        target = targets.get(item.new_url)
        if item.kind in ("post", "page", "attachment"):
            old = post_paths[item.source_id]
            ids = [_query("p", item.source_id)]
            if item.kind != "post":
                ids.append(_query("page_id" if item.kind == "page" else "attachment_id", item.source_id))
            if target is None:
                counts["private"] += 1
                continue
            add(old, target.path)
            for path in ids:
                add(path, target.path)
            derived.extend((path, target.path) for path in _alternatives(old, item.kind))
            derived.extend(_feeds(old, item.source_id, target))
        elif item.kind == "comment":
            if target is None:
                counts["private"] += 1
                continue
            own = _local(item.old_url, base) if "replytocom" in item.old_url else None
            # The post by its ID, by its old permalink when it came in this import, and by ours.
            posts = {_query("p", item.post_source_id), post_paths.get(item.post_source_id), target.post_path}
            for path in [own, *sorted(posts - {None})]:
                add(path and _reply_link(path, item.source_id), target.path)
        elif target is None:
            counts["private"] += 1
        else:
            add(_local(item.old_url, base), target.path)
            slug = escape_uri_path(item.source_id)
            if item.kind == "category":
                categories[target.pk] = (slug, target)
            elif item.kind == "tag":
                derived += [(f"/tag/{slug}/", target.path), (_query("tag", item.source_id), target.path)]
            elif item.kind == "author":
                derived += [(f"/author/{slug}/", target.path), (f"/author/{slug}/feed/", target.feed)]
    for path, target in _category_paths(categories):
        for old in {path, path.rsplit("/", 1)[-1]}:  # WordPress also found a child by its slug alone
            derived += [(f"/category/{old}/", target.path), (f"/category/{old}/feed/", target.feed)]
    derived += [(old, reverse(name)) for old, name in SITE_FEEDS.items()]
    derived += _archives(targets.values())
    for old, new in derived:
        add(old, new)

    served = _served_here([path for path in wanted if "?" not in path])
    counts["served"] += len(served)
    counts["recorded"] = record_moves({old: new for old, new in wanted.items() if old not in served})
    return dict(counts)


@dataclass
class Target:
    path: str  # our address for the item
    pk: int | None = None
    feed: str | None = None  # its feed here, if it has one (posts: the comment feed)
    feed_atom: str | None = None
    published_at: datetime.datetime | None = None
    post_path: str | None = None  # a comment's post


def _public_targets(moved):
    """Our address for each `new_url` readers may see, keyed by it; drafts and held comments are left out.

    One query per kind of target, however many items: the import may bring 100,000 comments.
    """
    wanted = defaultdict(dict)  # view name -> {lookup value: new_url}
    targets = {}
    for item in moved:
        path = urlsplit(item.new_url).path
        try:
            match = resolve(path)
        except Resolver404:
            # An attachment may become a file in storage, outside the URLconf.
            if item.kind == "attachment" and item.new_url.startswith(settings.MEDIA_URL):
                targets[item.new_url] = Target(item.new_url)
            continue
        key = match.kwargs.get("slug", match.kwargs.get("pk"))
        wanted[match.view_name][key] = item.new_url
    for post in Post.objects.published().filter(slug__in=wanted["blog:post_detail"]).only("slug", "published_at"):
        targets[wanted["blog:post_detail"][post.slug]] = Target(
            post.get_absolute_url(),
            pk=post.pk,
            feed=reverse("comments:post_feed", args=[post.pk]),
            feed_atom=reverse("comments:post_feed_atom", args=[post.pk]),
            published_at=post.published_at,
        )
    for page in Page.objects.published().filter(slug__in=wanted["blog:page_detail"]).only("slug"):
        targets[wanted["blog:page_detail"][page.slug]] = Target(page.get_absolute_url(), pk=page.pk)
    for category in Category.objects.filter(slug__in=wanted["blog:category"]).only("slug"):
        feed = reverse("blog:category_feed", args=[category.slug])
        targets[wanted["blog:category"][category.slug]] = Target(category.get_absolute_url(), category.pk, feed)
    for tag in Tag.objects.filter(slug__in=wanted["blog:tag"]).only("slug"):
        targets[wanted["blog:tag"][tag.slug]] = Target(tag.get_absolute_url(), tag.pk)
    for author in Author.objects.filter(slug__in=wanted["authors:author_detail"]).only("slug"):
        feed = reverse("authors:author_feed", args=[author.slug])
        targets[wanted["authors:author_detail"][author.slug]] = Target(author.get_absolute_url(), author.pk, feed)
    comment_ids, public = list(wanted["comments:permalink"]), []
    for start in range(0, len(comment_ids), 10_000):
        approved = Comment.objects.filter(pk__in=comment_ids[start : start + 10_000], status=Comment.Status.APPROVED)
        public += approved.values_list("pk", "post_id")
    posts = Post.objects.published().filter(pk__in={post_id for _pk, post_id in public}).only("slug", "published_at")
    post_paths = {post.pk: post.get_absolute_url() for post in posts}
    for pk, post_id in public:
        if post_id in post_paths:
            new_url = wanted["comments:permalink"][pk]
            targets[new_url] = Target(urlsplit(new_url).path, pk, post_path=post_paths[post_id])
    return targets


def _local(url, base):
    """The path on this site of the old address `url` (its base path dropped), or None."""
    if not url:
        return None
    parts = urlsplit(url)
    path = unquote(parts.path)
    if base and (path == base or path.startswith(base + "/")):
        path = path[len(base) :]
    path = "/" + path.lstrip("/")
    query = wordpress_query_path(path, QueryDict(parts.query)) if parts.query else None
    return query or escape_uri_path(path)


def _query(key, value):
    """WordPress's `/?key=value`, spelled as the redirect table stores it."""
    return wordpress_query_path("/", {key: value})


def _reply_link(path, comment_id):
    """WordPress's reply link to a comment on the post at `path` (a canonical address, maybe with a query).

    `replytocom` is the last of the canonical keys, so appending keeps the one spelling.
    """
    if "replytocom=" in path or WORDPRESS_QUERY_KEYS[-1] != "replytocom":
        return _with_query(path, "replytocom", comment_id)
    return f"{path}{'&' if '?' in path else '?'}{urlencode({'replytocom': comment_id})}"


def _with_query(path, key, value):
    """`path` (maybe a WordPress query address already) with `key=value` added, spelled canonically."""
    plain, _, query = path.partition("?")
    params = QueryDict(query, mutable=True)
    params[key] = value
    return wordpress_query_path(unquote(plain), params)


def _alternatives(old, kind):
    """The other addresses WordPress answered for a post or page at `old`."""
    if old is None or "?" in old:
        return []
    if (dated := DATED.match(old)) and dated["day"]:
        return [f"/{dated['year']}/{dated['month']}/{dated['slug']}/"]  # WordPress found it without the day
    if kind == "page" and old.count("/") > 2:
        return ["/" + old.rstrip("/").rsplit("/", 1)[1] + "/"]  # /parent/child/ was also /child/
    return []


def _feeds(old, source_id, target):
    """A post's old comment feeds (at its permalink and by ID) and ours."""
    if target.feed is None:
        return []
    by_id = _query("p", source_id)
    feeds = [(_with_query(by_id, "feed", "rss2"), target.feed), (_with_query(by_id, "feed", "atom"), target.feed_atom)]
    if old and "?" not in old:
        feeds += [
            (f"{old}feed/", target.feed),
            (f"{old}feed/rss2/", target.feed),
            (f"{old}feed/atom/", target.feed_atom),
        ]
    return feeds


def _category_paths(categories):
    """(WordPress's address for the category, `parent/child`, its target) for each of `categories`.

    `categories` maps our category pk to (its WordPress slug, its target); the nesting is
    ours, which the import copied from WordPress.
    """
    parents = dict(Category.objects.filter(pk__in=categories).values_list("pk", "parent_id"))
    for pk, (slug, target) in categories.items():
        chain, parent = [slug], parents.get(pk)
        while parent in categories and len(chain) <= len(categories):  # the bound guards against a cycle
            chain.insert(0, categories[parent][0])
            parent = parents.get(parent)
        yield "/".join(chain), target


def _archives(targets):
    """WordPress's `/?m=YYYYMM` and `/?m=YYYY` archives for the months our imported posts are in."""
    months = {timezone.localtime(t.published_at).strftime("%Y%m") for t in targets if t.published_at}
    archives = []
    for month in sorted(months):
        year, number = month[:4], month[4:]
        archives.append((f"/?m={month}", reverse("blog:archive_month", kwargs={"year": year, "month": number})))
        archives.append((f"/?m={year}", reverse("blog:archive_year", kwargs={"year": year})))
    return archives


def _served_here(paths):
    """Those of `paths` that this site answers itself: a route of ours, or a live post, page, category…

    Such an address keeps its page; a redirect there would never be followed (the fallback
    acts on 404s only) and would mislead once the page went.
    """
    dynamic = defaultdict(dict)  # view name -> {slug: path}
    served = set()
    for path in paths:
        try:
            match = resolve(unquote(path))
        except Resolver404:
            continue
        if match.view_name in DYNAMIC:
            dynamic[match.view_name][match.kwargs["slug"]] = path
        else:
            served.add(path)
    for view_name, by_slug in dynamic.items():
        live = DYNAMIC[view_name]().filter(slug__in=by_slug).values_list("slug", flat=True)
        served.update(by_slug[slug] for slug in live)
    return served


# Routes whose answer depends on a row: a 404 there is an address free for a redirect.
DYNAMIC = {
    "blog:post_detail": Post.objects.published,
    "blog:page_detail": Page.objects.published,
    "blog:category": Category.objects.all,
    "blog:category_feed": Category.objects.all,
    "blog:tag": Tag.objects.all,
    "authors:author_detail": Author.objects.all,
    "authors:author_feed": Author.objects.all,
}
