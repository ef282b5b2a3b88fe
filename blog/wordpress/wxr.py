"""Reading a WordPress eXtended RSS (WXR 1.0–1.2) export, streamed, with a safe parser.

`read_wxr(path)` yields the channel's `WxrSite` first, then `WxrAuthor`, `WxrCategory`,
`WxrTag` and `WxrTerm` records and `WxrItem`s in file order, each as soon as its element
ends, clearing what it has read so memory stays flat on a file of any size. lxml parses
with entity expansion, DTDs and network access off. Anything unreadable raises
`WxrError` with the line and the reason; the importer turns that into "nothing changed".

Values are WordPress's own: strings as stored (content before its display filters),
dates as naive "YYYY-MM-DD HH:MM:SS" strings parsed to aware UTC datetimes from the
`*_gmt` fields (None for WordPress's "0000-00-00 00:00:00").
"""

import datetime
from dataclasses import dataclass, field


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


@dataclass
class WxrAuthor:
    id: str  # wp:author_id ("" in WXR 1.0)
    login: str
    email: str = ""
    display_name: str = ""
    first_name: str = ""
    last_name: str = ""
    description: str = ""  # WXR has no bio; filled from the user meta when present (rare)


@dataclass
class WxrCategory:
    id: str
    slug: str
    name: str
    parent_slug: str = ""
    description: str = ""


@dataclass
class WxrTag:
    id: str
    slug: str
    name: str
    description: str = ""


@dataclass
class WxrTerm:
    """Any other taxonomy term (nav_menu, post_format…): skipped and counted."""

    id: str
    taxonomy: str
    slug: str
    name: str


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
