"""Reading a WordPress eXtended RSS (WXR 1.0–1.2) export, streamed, with a safe parser.

`read_wxr(path)` yields the channel's `WxrSite` first, then `WxrAuthor`, `WxrCategory`,
`WxrTag` and `WxrTerm` records and `WxrItem`s in file order, each as soon as its element
ends, clearing what it has read so memory stays flat on a file of any size; `count_items`
counts the items cheaply, for progress. A file declaring a DTD is refused before parsing;
lxml parses with entity expansion, DTDs and network access off. Anything unreadable raises
`WxrError` with the line and the reason; the importer turns that into "nothing changed".

Values are WordPress's own: strings as stored (content before its display filters),
dates as naive "YYYY-MM-DD HH:MM:SS" strings parsed to aware UTC datetimes from the
`*_gmt` fields (None for WordPress's "0000-00-00 00:00:00").
"""

import codecs
import contextlib
import datetime
import functools
import re
from dataclasses import dataclass, field

from lxml import etree


class WxrError(Exception):
    """The file cannot be imported: `line` (1-based, or None) and a reason a person can act on."""

    def __init__(self, reason, line=None):
        super().__init__(f"line {line}: {reason}" if line else reason)
        self.reason = reason
        self.line = line


@dataclass
class WxrSite:
    wxr_version: str
    base_site_url: str  # the source's identity for idempotency (ImportedItem.source)
    base_blog_url: str
    title: str = ""
    link: str = ""
    description: str = ""
    language: str = ""
    line: int | None = None


@dataclass
class WxrAuthor:
    id: str  # wp:author_id ("" in WXR 1.0)
    login: str
    email: str = ""
    display_name: str = ""
    first_name: str = ""
    last_name: str = ""
    description: str = ""  # WXR has no bio; filled from the user meta when present (rare)
    line: int | None = None


@dataclass
class WxrCategory:
    id: str
    slug: str
    name: str
    parent_slug: str = ""
    description: str = ""
    line: int | None = None


@dataclass
class WxrTag:
    id: str
    slug: str
    name: str
    description: str = ""
    line: int | None = None


@dataclass
class WxrTerm:
    """Any other taxonomy term (nav_menu, post_format…): skipped and counted."""

    id: str
    taxonomy: str
    slug: str
    name: str
    parent_slug: str = ""
    description: str = ""
    line: int | None = None


@dataclass
class WxrComment:
    id: str
    parent_id: str  # "0" for a top-level comment
    author: str = ""
    email: str = ""
    url: str = ""
    ip: str = ""
    date_gmt: datetime.datetime | None = None
    content: str = ""
    approved: str = "1"  # "1", "0", "spam", "trash", "post-trashed"
    type: str = ""  # "" / "comment", "pingback", "trackback"
    user_id: str = "0"
    line: int | None = None
    date: str = ""  # wp:comment_date, local time as written, for when date_gmt is missing


@dataclass
class WxrItem:
    id: str  # wp:post_id
    post_type: str  # post, page, attachment, nav_menu_item, …
    title: str = ""
    link: str = ""
    guid: str = ""
    creator: str = ""  # dc:creator: the author's login
    content: str = ""  # content:encoded
    excerpt: str = ""  # excerpt:encoded
    date_gmt: datetime.datetime | None = None
    date: str = ""  # wp:post_date, local time as written, for when date_gmt is missing
    name: str = ""  # wp:post_name, the slug
    status: str = ""  # publish, future, draft, pending, private, inherit, trash, auto-draft
    parent_id: str = "0"
    menu_order: int = 0
    comment_status: str = "open"
    password: str = ""
    is_sticky: bool = False
    attachment_url: str = ""
    categories: list[tuple[str, str]] = field(default_factory=list)  # (slug, name) with domain "category"
    tags: list[tuple[str, str]] = field(default_factory=list)  # (slug, name) with domain "post_tag"
    postmeta: dict[str, str] = field(default_factory=dict)  # e.g. "_thumbnail_id", "_wp_attached_file"
    comments: list[WxrComment] = field(default_factory=list)
    line: int | None = None  # where the item starts, for the report
    terms: list[tuple[str, str, str]] = field(default_factory=list)  # (taxonomy, slug, name), other taxonomies
    old_slugs: list[str] = field(default_factory=list)  # every "_wp_old_slug" postmeta: former /slug/ addresses


# The wp and excerpt namespaces carry the WXR version in their URI (…/export/1.2/).
WP_NAMESPACE = re.compile(r"^https?://wordpress\.org/export/(\d+\.\d+)/$")
EXCERPT_NAMESPACE = re.compile(r"^https?://wordpress\.org/export/\d+\.\d+/excerpt/$")
OTHER_NAMESPACES = {
    "http://purl.org/rss/1.0/modules/content/": "content",
    "http://purl.org/dc/elements/1.1/": "dc",
}
WXR_VERSIONS = ("1.0", "1.1", "1.2")
DATE = re.compile(r"^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$")  # MySQL's DATETIME, as WordPress writes it
NO_DATE = "0000-00-00 00:00:00"  # WordPress's "no date" (a draft has no GMT date yet)
# Only these elements are reported by the parser (the rest are read with them and dropped).
EVENT_TAGS = ("item", "{*}author", "{*}category", "{*}tag", "{*}term", "title", "link", "description", "language")
EVENT_TAGS += ("{*}wxr_version", "{*}base_site_url", "{*}base_blog_url")
SITE_FIELDS = {"title", "link", "description", "language", "wp:wxr_version", "wp:base_site_url", "wp:base_blog_url"}
DTD_REASON = "the file declares entities (a DTD); WordPress and Disqus exports never do"
# A DOCTYPE can only come before the root element, after the XML declaration and comments.
PROLOG_LIMIT = 1 << 16
PROLOG_PART = re.compile(rb"\s+|<\?.*?\?>|<!--.*?-->", re.DOTALL)
LXML_POSITION = re.compile(r",? line \d+, column \d+$")


def read_wxr(path):
    """Yield the records of the WXR file at `path` in file order, `WxrSite` first.

    Then `WxrAuthor`, `WxrCategory`, `WxrTag` and `WxrTerm` records and `WxrItem`s (with
    their terms, postmeta and comments), each as its element ends. Raises `WxrError`,
    with the line, for anything that is not a readable WXR 1.0–1.2 file: malformed or
    truncated XML, a DTD, a wrong namespace or version, a bad date or ID.
    """
    try:
        yield from _records(parse_export(path, tag=EVENT_TAGS))
    except etree.XMLSyntaxError as error:
        raise _syntax_error(error) from None


def count_items(path):
    """How many <item>s the file holds, for progress; parsed as safely as `read_wxr`, without building records."""
    count = 0
    try:
        for _event, element in parse_export(path, tag="item"):
            count += 1
            _forget(element)
    except etree.XMLSyntaxError as error:
        raise _syntax_error(error) from None
    return count


def parse_export(path, *, error=WxrError, **options):
    """lxml's iterparse over an export file someone else made (WordPress's, Disqus's), safely.

    A DOCTYPE or entity declaration is refused with `error(reason, line)` before lxml
    reads anything; then no entity expansion, no DTD, no network, and lxml's default
    limits on text size and depth.
    """
    _refuse_declarations(path, error)
    return etree.iterparse(
        str(path),
        events=("end",),
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        huge_tree=False,
        remove_comments=True,
        remove_pis=True,
        **options,
    )


def _syntax_error(error):
    reason = " ".join(LXML_POSITION.sub("", error.msg or str(error)).split())
    return WxrError(f"the XML is malformed or cut short ({reason})", error.lineno or None)


def _refuse_declarations(path, error):
    """Refuse a DOCTYPE before lxml reads it, so an entity bomb is never even declared to the parser."""
    try:
        with open(path, "rb") as file:
            head = file.read(PROLOG_LIMIT)
    except OSError as failure:
        raise error(f"cannot read {path}: {failure.strerror}") from None
    if not head.strip():
        raise error("the file is empty")
    position = len(codecs.BOM_UTF8) if head.startswith(codecs.BOM_UTF8) else 0
    while match := PROLOG_PART.match(head, position):
        position = match.end()
    if head.startswith((b"<!DOCTYPE", b"<!ENTITY"), position):
        raise error(DTD_REASON, head.count(b"\n", 0, position) + 1)


def _forget(element):
    """Drop an element that has been read, and its earlier siblings, so memory stays flat."""
    element.clear(keep_tail=True)
    parent = element.getparent()
    if parent is not None:
        while element.getprevious() is not None:
            del parent[0]


@functools.cache
def _name(tag):
    """'wp:post_id' for '{http://wordpress.org/export/1.2/}post_id'; None for a namespace WXR does not use."""
    if not tag.startswith("{"):
        return tag
    uri, local = tag[1:].split("}", 1)
    if WP_NAMESPACE.match(uri):
        return f"wp:{local}"
    if EXCERPT_NAMESPACE.match(uri):
        return f"excerpt:{local}"
    prefix = OTHER_NAMESPACES.get(uri)
    return f"{prefix}:{local}" if prefix else None


def _records(events):
    root = channel = None
    site = {}
    site_sent = False
    seen_terms = set()  # (taxonomy, slug) of every term read, as WordPress repeats some
    for _event, element in events:
        if root is None:
            root = _check_root(element)
        parent = element.getparent()
        if channel is None and parent is not None and parent.tag == "channel" and parent.getparent() is root:
            channel = _check_namespace(parent)
        if channel is None or parent is not channel:
            if parent is root:
                _forget(element)  # something beside the channel
            continue
        name = _name(element.tag)
        if name in SITE_FIELDS:
            site[name] = (element.text or "").strip(), element.sourceline
        elif name in RECORD_READERS:
            if not site_sent:
                site_sent = True
                yield _site(site, channel)
            record = RECORD_READERS[name](element, seen_terms)
            if record is not None:
                yield record
        _forget(element)
    root = root if root is not None else _check_root(events.root)
    if channel is None:
        raise WxrError("not a WordPress export: the file has no <channel>", root.sourceline)
    if not site_sent:
        yield _site(site, channel)


def _check_root(element):
    root = element.getroottree().getroot()
    if root.getroottree().docinfo.doctype:
        # Only for a prolog the byte scan could not follow (over PROLOG_LIMIT, or not ASCII-compatible).
        raise WxrError(DTD_REASON, 1)
    if root.tag != "rss":
        raise WxrError(f"not a WordPress export: the document is <{root.tag}>, not <rss>", root.sourceline)
    return root


def _check_namespace(channel):
    versions = [match[1] for uri in channel.nsmap.values() if (match := WP_NAMESPACE.match(uri))]
    if not versions:
        declared = channel.nsmap.get("wp")
        found = f"its wp prefix means {declared}" if declared else "it has no wp namespace"
        raise WxrError(
            f"not a WordPress export: {found}, not http://wordpress.org/export/1.2/ (or 1.1/, 1.0/)",
            channel.sourceline,
        )
    if versions[0] not in WXR_VERSIONS:
        raise WxrError(
            f"the WordPress export namespace is version {versions[0]}; WXR 1.0, 1.1 and 1.2 can be read",
            channel.sourceline,
        )
    return channel


def _site(site, channel):
    version, line = site.get("wp:wxr_version", ("", channel.sourceline))
    if not version:
        raise WxrError("the channel has no wp:wxr_version: not a WordPress export", channel.sourceline)
    if version not in WXR_VERSIONS:
        raise WxrError(f"WXR version {version} cannot be read (1.0, 1.1 and 1.2 can)", line)
    link = site.get("link", ("",))[0]
    # Old WXR 1.0 files may lack base_site_url; the channel's link is the same site.
    base_site_url = site.get("wp:base_site_url", ("",))[0] or link
    if not base_site_url:
        raise WxrError("the channel has neither wp:base_site_url nor a link: whose site is this?", channel.sourceline)
    return WxrSite(
        wxr_version=version,
        base_site_url=base_site_url,
        base_blog_url=site.get("wp:base_blog_url", ("",))[0] or base_site_url,
        title=site.get("title", ("",))[0],
        link=link,
        description=site.get("description", ("",))[0],
        language=site.get("language", ("",))[0],
        line=channel.sourceline,
    )


class _Fields:
    """The children of one record element by name (the first of each), read as WordPress wrote them."""

    def __init__(self, element):
        self.element = element
        self.children = {}
        for child in element:
            name = _name(child.tag) if isinstance(child.tag, str) else None
            if name is not None:
                self.children.setdefault(name, child)

    def text(self, name):
        """The text verbatim (content, titles: whitespace, slashes and backslashes as stored)."""
        child = self.children.get(name)
        return (child.text or "") if child is not None else ""

    def value(self, name):
        """A short value (a slug, a status, an address) without the whitespace around it."""
        return self.text(name).strip()

    def words(self, name):
        """A name, on one line however the file wrapped it."""
        return " ".join(self.text(name).split())

    def line(self, name):
        child = self.children.get(name)
        return child.sourceline if child is not None else self.element.sourceline

    def id(self, name, *, default="", required=False):
        """A WordPress ID: digits, or `default` when the tag is missing or empty."""
        value = self.value(name)
        if not value:
            if required:
                raise WxrError(f"<{_name(self.element.tag)}> has no {name}", self.element.sourceline)
            return default
        if not value.isascii() or not value.isdigit():
            raise WxrError(f"{name} should be a number, not {value!r}", self.line(name))
        return value

    def date(self, name):
        """The date as written ("" for none), after checking it is one."""
        value = self.value(name)
        if value == NO_DATE:
            return ""
        if value:
            self._parse_date(name, value)
        return value

    def gmt(self, name):
        """A *_gmt date as an aware UTC datetime, or None for WordPress's 0000-00-00 00:00:00."""
        value = self.date(name)
        return self._parse_date(name, value).replace(tzinfo=datetime.UTC) if value else None

    def _parse_date(self, name, value):
        if DATE.match(value):
            with contextlib.suppress(ValueError):  # else the right shape, but no such day (2013-02-30)
                return datetime.datetime.fromisoformat(value)
        raise WxrError(f"{name} is not a date like 2013-03-15 23:16:59: {value!r}", self.line(name))


def _author(element, seen_terms):
    fields = _Fields(element)
    login = fields.value("wp:author_login")
    if not login:
        raise WxrError("an author has no wp:author_login", element.sourceline)
    return WxrAuthor(
        id=fields.id("wp:author_id"),
        login=login,
        email=fields.value("wp:author_email"),
        display_name=fields.words("wp:author_display_name"),
        first_name=fields.words("wp:author_first_name"),
        last_name=fields.words("wp:author_last_name"),
        description=fields.text("wp:author_description").strip(),
        line=element.sourceline,
    )


def _category(element, seen_terms):
    fields = _Fields(element)
    slug = fields.value("wp:category_nicename")
    if not slug:
        raise WxrError("a category has no wp:category_nicename (its slug)", element.sourceline)
    seen_terms.add(("category", slug))
    return WxrCategory(
        id=fields.id("wp:term_id"),
        slug=slug,
        name=fields.words("wp:cat_name") or slug,
        parent_slug=fields.value("wp:category_parent"),
        description=fields.text("wp:category_description").strip(),
        line=element.sourceline,
    )


def _tag(element, seen_terms):
    fields = _Fields(element)
    slug = fields.value("wp:tag_slug")
    if not slug:
        raise WxrError("a tag has no wp:tag_slug", element.sourceline)
    seen_terms.add(("post_tag", slug))
    return WxrTag(
        id=fields.id("wp:term_id"),
        slug=slug,
        name=fields.words("wp:tag_name") or slug,
        description=fields.text("wp:tag_description").strip(),
        line=element.sourceline,
    )


def _term(element, seen_terms):
    """A <wp:term> not already read: WordPress lists categories, tags and menus a second time as terms."""
    fields = _Fields(element)
    taxonomy, slug = fields.value("wp:term_taxonomy"), fields.value("wp:term_slug")
    if not slug:
        raise WxrError("a term has no wp:term_slug", element.sourceline)
    if (taxonomy, slug) in seen_terms:
        return None
    seen_terms.add((taxonomy, slug))
    common = {
        "id": fields.id("wp:term_id"),
        "slug": slug,
        "name": fields.words("wp:term_name") or slug,
        "description": fields.text("wp:term_description").strip(),
        "line": element.sourceline,
    }
    if taxonomy == "category":
        return WxrCategory(parent_slug=fields.value("wp:term_parent"), **common)
    if taxonomy == "post_tag":
        return WxrTag(**common)
    return WxrTerm(taxonomy=taxonomy, parent_slug=fields.value("wp:term_parent"), **common)


def _item(element, seen_terms):
    fields = _Fields(element)
    item = WxrItem(
        id=fields.id("wp:post_id", required=True),
        # wp_insert_post's defaults: a post, and a draft, so a file that forgets says nothing public.
        post_type=fields.value("wp:post_type") or "post",
        status=fields.value("wp:status") or "draft",
        title=fields.text("title"),
        link=fields.value("link"),
        guid=fields.value("guid"),
        creator=fields.value("dc:creator"),
        content=fields.text("content:encoded"),
        excerpt=fields.text("excerpt:encoded"),
        date_gmt=fields.gmt("wp:post_date_gmt"),
        date=fields.date("wp:post_date"),
        name=fields.value("wp:post_name"),
        parent_id=fields.id("wp:post_parent", default="0"),
        menu_order=int(fields.value("wp:menu_order")) if fields.value("wp:menu_order").lstrip("-").isdigit() else 0,
        comment_status=fields.value("wp:comment_status") or "open",
        password=fields.text("wp:post_password"),
        is_sticky=fields.value("wp:is_sticky") == "1",
        attachment_url=fields.value("wp:attachment_url"),
        line=element.sourceline,
    )
    for child in element:
        name = _name(child.tag) if isinstance(child.tag, str) else None
        if name == "category":
            _add_term(item, child)
        elif name == "wp:postmeta":
            meta = _Fields(child)
            key, value = meta.value("wp:meta_key"), meta.text("wp:meta_value")
            item.postmeta.setdefault(key, value)  # the first, as get_post_meta(…, single=True) gives
            if key == "_wp_old_slug" and value.strip():
                item.old_slugs.append(value.strip())
        elif name == "wp:comment":
            item.comments.append(_comment(child))
    return item


def _add_term(item, child):
    """An item's <category domain="…" nicename="…">Name</category>.

    WXR 1.0 also repeats each as a plain <category>Name</category>, without a slug: skipped.
    """
    slug = (child.get("nicename") or "").strip()
    if not slug:
        return
    # WXR 1.0 calls tags "tag".
    taxonomy = {"tag": "post_tag"}.get(child.get("domain", "category"), child.get("domain", "category"))
    name = " ".join((child.text or "").split()) or slug
    if taxonomy == "category":
        terms, term = item.categories, (slug, name)
    elif taxonomy == "post_tag":
        terms, term = item.tags, (slug, name)
    else:
        terms, term = item.terms, (taxonomy, slug, name)
    if term not in terms:
        terms.append(term)


def _comment(element):
    fields = _Fields(element)
    return WxrComment(
        id=fields.id("wp:comment_id", required=True),
        parent_id=fields.id("wp:comment_parent", default="0"),
        author=fields.words("wp:comment_author"),
        email=fields.value("wp:comment_author_email"),
        url=fields.value("wp:comment_author_url"),
        ip=fields.value("wp:comment_author_IP"),
        date_gmt=fields.gmt("wp:comment_date_gmt"),
        date=fields.date("wp:comment_date"),
        content=fields.text("wp:comment_content"),
        # A file without a status says nothing about moderation: hold the comment rather than publish it.
        approved=fields.value("wp:comment_approved") or "0",
        type=fields.value("wp:comment_type"),
        user_id=fields.id("wp:comment_user_id", default="0"),
        line=element.sourceline,
    )


RECORD_READERS = {"wp:author": _author, "wp:category": _category, "wp:tag": _tag, "wp:term": _term, "item": _item}
