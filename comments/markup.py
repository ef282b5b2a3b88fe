"""Readers' comments: a small Markdown subset, raw HTML shown as text, one allowlist.

The same allowlist sanitises imported comment HTML (`sanitize_comment_html`), so a
comment looks and behaves the same whichever way it arrived.
"""

import xml.etree.ElementTree as etree

import markdown
from markdown.inlinepatterns import InlineProcessor

from blog.markup import sanitize_html

COMMENT_TAGS = {"p", "br", "em", "strong", "code", "blockquote", "a"}
COMMENT_ATTRIBUTES = {"a": {"href"}}
# Readers' links earn no search ranking and get no access to the page that opened them.
COMMENT_LINK_REL = "ugc nofollow noopener"

# A bare http(s) URL, without the punctuation that usually ends a sentence.
BARE_URL = r"\b(https?://[^\s<>\"']+[^\s<>\"'.,;:!?)\]])"


class BareUrlProcessor(InlineProcessor):
    def handleMatch(self, match, data):
        link = etree.Element("a", {"href": match.group(1)})
        link.text = match.group(1)
        return link, match.start(0), match.end(0)


class CommentSubsetExtension(markdown.Extension):
    """Paragraphs, emphasis, strong, inline code, block quotes, links and bare URLs; nothing else.

    Raw HTML and entities are not parsed, so whatever a reader types in angle brackets shows as text.
    """

    UNUSED_BLOCKS = ("hashheader", "setextheader", "hr", "olist", "ulist", "code", "indent", "reference")
    UNUSED_INLINES = ("html", "entity", "image_link", "image_reference", "short_image_ref", "automail")

    def extendMarkdown(self, md):
        md.preprocessors.deregister("html_block")
        for name in self.UNUSED_BLOCKS:
            if name in md.parser.blockprocessors:
                md.parser.blockprocessors.deregister(name)
        for name in self.UNUSED_INLINES:
            if name in md.inlinePatterns:
                md.inlinePatterns.deregister(name)
        # Below links and code spans (which run first), so URLs inside them are left alone.
        md.inlinePatterns.register(BareUrlProcessor(BARE_URL, md), "bare_url", 10)


def sanitize_comment_html(source):
    """Reduce comment HTML (rendered or imported) to the comment allowlist."""
    return sanitize_html(source, tags=COMMENT_TAGS, attributes=COMMENT_ATTRIBUTES, link_rel=COMMENT_LINK_REL)


def render_comment(source):
    """Render a reader's comment to safe HTML. Typed HTML is escaped, so it shows as text."""
    rendered = markdown.markdown(source, extensions=[CommentSubsetExtension(), "nl2br"], output_format="html")
    return sanitize_comment_html(rendered)
