"""How text written by people becomes HTML: the one place, for posts and bios alike.

Markdown is rendered, then everything passes through nh3 (Ammonia) with one
allowlist, so neither an editor's raw HTML nor an imported post can carry script.
Posts get a little more than bios: heading permalinks, figures with captions and
their own uploaded images (``![alt](image:<id>)``) as responsive pictures, each with
exactly the attributes it needs added to the allowlist.
"""

import html
import re
import xml.etree.ElementTree as etree
from urllib.parse import urlsplit

import markdown
import nh3
from django.utils.translation import gettext
from markdown.extensions import Extension
from markdown.treeprocessors import Treeprocessor

from blog.images import rendition_url, rendition_widths, srcset
from blog.templatetags.images import FALLBACK_WIDTH

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

# Posts only: responsive images, labelled heading permalinks, and the classes that style them and footnotes.
POST_ATTRIBUTES = {
    **ALLOWED_ATTRIBUTES,
    "a": ALLOWED_ATTRIBUTES["a"] | {"aria-label"},
    "img": ALLOWED_ATTRIBUTES["img"] | {"srcset", "sizes", "decoding"},
}
POST_CLASSES = {"a": {"heading-anchor", "footnote-ref", "footnote-backref"}}

IMAGE_PREFIX = "image:"  # `![alt](image:12)` places the post's own PostImage 12.
# The body column is --measure (44rem) plus padding in site.css, as for the featured image.
BODY_IMAGE_SIZES = "(max-width: 46rem) 100vw, 46rem"
HEADINGS = ("h2", "h3", "h4", "h5", "h6")


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


def _children_with_parents(root, tag):
    """(parent, child) for every `tag` element below root, collected before any is moved."""
    return [(parent, child) for parent in root.iter() for child in parent if child.tag == tag]


def _remove(parent, child):
    """Take `child` out of `parent`, keeping the text that followed it."""
    tail = child.tail or ""
    index = list(parent).index(child)
    if index:
        previous = parent[index - 1]
        previous.tail = (previous.tail or "") + tail
    else:
        parent.text = (parent.text or "") + tail
    parent.remove(child)


class HeadingAnchors(Treeprocessor):
    """Follow each heading with a labelled permalink to it, both in a `div.heading`.

    The link sits beside the heading rather than inside it, so the heading's own text
    (what screen readers list, what body_text and the table of contents hold) stays
    just the heading; its visible "#" comes from CSS.
    """

    def run(self, root):
        for parent, heading in [pair for tag in HEADINGS for pair in _children_with_parents(root, tag)]:
            if not heading.get("id"):
                continue
            wrapper = etree.Element("div", {"class": "heading"})
            wrapper.tail, heading.tail = heading.tail, None
            parent.insert(list(parent).index(heading), wrapper)
            parent.remove(heading)
            wrapper.append(heading)
            label = gettext("Link to the section “%(heading)s”") % {"heading": "".join(heading.itertext()).strip()}
            etree.SubElement(
                wrapper, "a", {"class": "heading-anchor", "href": f"#{heading.get('id')}", "aria-label": label}
            )


class HeadingAnchorsExtension(Extension):
    def extendMarkdown(self, md):
        # After toc (priority 5), which gives the headings their ids.
        md.treeprocessors.register(HeadingAnchors(md), "heading_anchors", 4)


class BodyImages(Treeprocessor):
    """Place the post's own images, then make figures of captioned images standing alone.

    `![alt](image:<id>)` becomes that PostImage as a responsive, lazily loaded <img>;
    an id that is not one of this post's images leaves nothing behind (no broken
    picture, no hint of another post's file). An image alone in its paragraph with a
    caption (the Markdown title, else the PostImage's caption) becomes
    <figure><img><figcaption>.
    """

    def __init__(self, md, images):
        super().__init__(md)
        self.images = {str(image.pk): image for image in images}

    def run(self, root):
        for parent, img in _children_with_parents(root, "img"):
            src = img.get("src", "")
            if src.startswith(IMAGE_PREFIX):
                image = self.images.get(src.removeprefix(IMAGE_PREFIX))
                if image is None:
                    _remove(parent, img)
                else:
                    self.place(img, image)
        for parent, paragraph in _children_with_parents(root, "p"):
            lone = len(paragraph) == 1 and paragraph[0].tag == "img"
            if lone and not (paragraph.text or "").strip() and not (paragraph[0].tail or "").strip():
                self.make_figure(paragraph)
            elif not len(paragraph) and not (paragraph.text or "").strip():
                _remove(parent, paragraph)  # It held only an image that is not there.

    def place(self, img, image):
        """Make `img` show `image` (a PostImage): renditions, size, lazy loading, and its alt and caption."""
        field_file = image.image
        smaller = [width for width in rendition_widths(image.width) if width <= FALLBACK_WIDTH]
        candidates = srcset(field_file)
        attributes = {
            "src": rendition_url(field_file, smaller[-1]) if smaller else field_file.url,
            "srcset": candidates,
            "sizes": BODY_IMAGE_SIZES if candidates else "",
            "width": str(image.width or ""),
            "height": str(image.height or ""),
            "loading": "lazy",
            "decoding": "async",
            # The writer's words win, when they wrote any.
            "alt": img.get("alt", "").strip() or image.alt,
            "title": img.get("title", "").strip() or image.caption,
        }
        img.attrib.clear()
        img.attrib.update({name: value for name, value in attributes.items() if value or name == "alt"})

    def make_figure(self, paragraph):
        img = paragraph[0]
        caption = img.attrib.pop("title", "").strip()
        if not caption:
            return
        paragraph.tag = "figure"
        img.tail = None
        etree.SubElement(paragraph, "figcaption").text = caption


class BodyImagesExtension(Extension):
    def __init__(self, images=(), **kwargs):
        self.images = images
        super().__init__(**kwargs)

    def extendMarkdown(self, md):
        # After inline patterns (priority 20) have made the <img> elements.
        md.treeprocessors.register(BodyImages(md, self.images), "body_images", 8)


MARKDOWN_EXTENSIONS = ["extra", "sane_lists", "smarty", "toc", "codehilite", HeadingFloorExtension()]
MARKDOWN_CONFIG = {
    "codehilite": {"guess_lang": False, "css_class": "highlight"},
    "toc": {"permalink": False},
}
POST_MARKDOWN_CONFIG = {
    **MARKDOWN_CONFIG,
    # Column alignment as the align attribute: the sanitiser drops style attributes.
    "extra": {"tables": {"use_align_attribute": True}},
}


def _safe_srcset(tag, attribute, value):
    """Drop a srcset naming any URL that src could not hold: nh3 checks src's scheme, not srcset's."""
    if attribute != "srcset":
        return value
    for candidate in value.split(","):
        url = candidate.split()[0] if candidate.split() else ""
        if urlsplit(url).scheme not in ("", "http", "https") or url.startswith("//"):
            return None
    return value


def sanitize_html(
    source,
    *,
    tags=ALLOWED_TAGS,
    attributes=ALLOWED_ATTRIBUTES,
    link_rel="noopener noreferrer",
    classes=None,
    attribute_filter=None,
):
    """Return `source` HTML reduced to the allowlist (editors' by default), links made safe.

    `classes` limits the class names kept on the tags it names (whose `class` is then
    not in `attributes`); `attribute_filter(tag, attribute, value)` may veto a value.
    """
    return nh3.clean(
        source,
        tags=tags,
        attributes=attributes,
        allowed_classes=classes,
        attribute_filter=attribute_filter,
        url_schemes=URL_SCHEMES,
        link_rel=link_rel,
        strip_comments=True,
    )


def sanitize_post_html(source):
    """Reduce a post body's HTML (rendered, or imported as HTML) to the post allowlist."""
    return sanitize_html(source, attributes=POST_ATTRIBUTES, classes=POST_CLASSES, attribute_filter=_safe_srcset)


def render_markdown(source):
    """Render Markdown written in the admin (bios, pages) to sanitised HTML."""
    rendered = markdown.markdown(
        source, extensions=MARKDOWN_EXTENSIONS, extension_configs=MARKDOWN_CONFIG, output_format="html"
    )
    return sanitize_html(rendered)


def render_post_markdown(source, *, images=()):
    """Render a post body to sanitised HTML; `images` are the post's PostImages that `image:<id>` may place."""
    extensions = [*MARKDOWN_EXTENSIONS, HeadingAnchorsExtension(), BodyImagesExtension(images)]
    rendered = markdown.markdown(
        source, extensions=extensions, extension_configs=POST_MARKDOWN_CONFIG, output_format="html"
    )
    return sanitize_post_html(rendered)


def html_to_text(source):
    """Plain text of an HTML fragment, for search, word counts and descriptions."""
    text = nh3.clean(source, tags=set(), strip_comments=True)
    return re.sub(r"\s+", " ", html.unescape(text)).strip()
