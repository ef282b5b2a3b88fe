"""How text written by people becomes HTML: the one place, for posts and bios alike.

Markdown is rendered, then everything passes through nh3 (Ammonia) with one
allowlist, so neither an editor's raw HTML nor an imported post can carry script.
"""

import html
import re

import markdown
import nh3
from markdown.extensions import Extension
from markdown.treeprocessors import Treeprocessor

ALLOWED_TAGS = {
    "a", "abbr", "b", "blockquote", "br", "caption", "cite", "code", "dd", "del", "div",
    "dl", "dt", "em", "figcaption", "figure", "h2", "h3", "h4", "h5", "h6", "hr", "i",
    "img", "ins", "kbd", "li", "mark", "ol", "p", "pre", "q", "s", "small", "span",
    "strong", "sub", "sup", "table", "tbody", "td", "tfoot", "th", "thead", "tr", "u", "ul",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title", "id"},
    "abbr": {"title"},
    "img": {"src", "alt", "title", "width", "height", "loading"},
    "td": {"colspan", "rowspan", "align"},
    "th": {"colspan", "rowspan", "align", "scope"},
    "h2": {"id"}, "h3": {"id"}, "h4": {"id"}, "h5": {"id"}, "h6": {"id"},
    "li": {"id"}, "sup": {"id"}, "div": {"class"}, "span": {"class"}, "code": {"class"},
    "ol": {"start"},
}  # fmt: skip
URL_SCHEMES = {"http", "https", "mailto"}


class HeadingFloor(Treeprocessor):
    """Make `# Heading` an h2: the page's h1 is the title.

    Only h1 moves, so `## Section` stays an h2 as writers expect (shifting every
    level, as toc's baselevel does, would turn it into an h3 under the h1).
    """

    def run(self, root):
        for element in root.iter("h1"):
            element.tag = "h2"


class HeadingFloorExtension(Extension):
    def extendMarkdown(self, md):
        # Before toc (priority 5), so anchors are made for the final headings.
        md.treeprocessors.register(HeadingFloor(md), "heading_floor", 6)


MARKDOWN_EXTENSIONS = ["extra", "sane_lists", "smarty", "toc", "codehilite", HeadingFloorExtension()]
MARKDOWN_CONFIG = {
    "codehilite": {"guess_lang": False, "css_class": "highlight"},
    "toc": {"permalink": False},
}


def sanitize_html(source, *, tags=ALLOWED_TAGS, attributes=ALLOWED_ATTRIBUTES, link_rel="noopener noreferrer"):
    """Return `source` HTML reduced to the allowlist (editors' by default), links made safe."""
    return nh3.clean(
        source,
        tags=tags,
        attributes=attributes,
        url_schemes=URL_SCHEMES,
        link_rel=link_rel,
        strip_comments=True,
    )


def render_markdown(source):
    """Render Markdown written in the admin to sanitised HTML."""
    rendered = markdown.markdown(
        source, extensions=MARKDOWN_EXTENSIONS, extension_configs=MARKDOWN_CONFIG, output_format="html"
    )
    return sanitize_html(rendered)


def html_to_text(source):
    """Plain text of an HTML fragment, for search, word counts and descriptions."""
    text = nh3.clean(source, tags=set(), strip_comments=True)
    return re.sub(r"\s+", " ", html.unescape(text)).strip()
