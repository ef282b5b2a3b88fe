"""WordPress content as stored → the HTML WordPress would show.

WordPress keeps what the writer typed and formats it on display: `wpautop` turns blank
lines into paragraphs and single newlines into line breaks (not for block-editor posts,
whose HTML is already formed), shortcodes such as `[caption]` become markup, and
block-editor delimiters (`<!-- wp:paragraph -->`) are dropped. `render_wordpress` does
the same for posts and pages; `render_wordpress_comment` for readers' comments, which
WordPress also auto-links. What cannot be rendered here (a plugin's shortcode, a dynamic
block such as latest posts) is left as text or dropped, and counted for the report; an
audio or video player or an embedded frame keeps a link to its source.

Post HTML comes back unsanitised: the Post model sanitises `body_html` for the "html"
body format. Comment HTML comes back sanitised with the comment allowlist.
"""

import collections
import html
import re

from comments.markup import BARE_URL, sanitize_comment_html

# A block delimiter, as WordPress's block parser reads it: opener, closer (/wp:) or void (/-->).
BLOCK_DELIMITER = re.compile(
    r"<!--\s+(?P<closer>/)?wp:(?P<name>(?:[a-z][a-z0-9_-]*/)?[a-z][a-z0-9_-]*)\s+"
    r"(?P<attributes>\{(?:[^}]+|\}+(?=\})|(?!\}\s+/?-->).)*+\}\s+)?(?P<void>/)?-->\n?",
    re.DOTALL,
)
# WordPress's teaser markers, which show as nothing on a post's own page, and its page breaks:
# the pages are shown as one here, a paragraph apart.
TEASER_MARKER = re.compile(r"<!--(?:more|noteaser)(?:\s[^>]*?)?-->")
PAGE_BREAK = re.compile(r"\n?<!--nextpage-->\n?")
# Code is shown as written: brackets in it are not shortcodes, URLs in it are not embeds.
CODE = re.compile(r"(<(pre|code)\b[^>]*>.*?</\2\s*>)", re.DOTALL | re.IGNORECASE)
# WordPress's get_shortcode_regex() for any name: [[escaped]], [name attrs /], [name attrs]content[/name].
SHORTCODE = re.compile(
    r"(?<!\w)\[(?P<open_escape>\[?)(?P<name>[A-Za-z][\w-]*)(?![\w-])"
    r"(?P<attributes>[^\]/]*(?:/(?!\])[^\]/]*)*?)"
    r"(?:/\]|\](?:(?P<content>[^\[]*+(?:\[(?!/(?P=name)\])[^\[]*+)*+)\[/(?P=name)\])?)"
    r"(?P<close_escape>\]?)"
)
# WordPress's shortcode_parse_atts(): name="value", name='value', name=value, or a bare value.
SHORTCODE_ATTRIBUTE = re.compile(
    r"""([\w-]+)\s*=\s*"([^"]*)"(?:\s|$)|([\w-]+)\s*=\s*'([^']*)'(?:\s|$)|([\w-]+)\s*=\s*([^\s'"]+)(?:\s|$)"""
    r"""|"([^"]*)"(?:\s|$)|'([^']*)'(?:\s|$)|(\S+)(?:\s|$)"""
)
# img_caption_shortcode(): an image (perhaps linked) first, then the caption.
CAPTIONED_IMAGE = re.compile(r"((?:<a [^>]+>\s*)?<img [^>]+>(?:\s*</a>)?)(.*)", re.DOTALL | re.IGNORECASE)
# WordPress's autoembed: a URL alone on its line. Here it becomes a link, as no provider is asked.
LONE_URL = re.compile(r"^([ \t]*)(https?://[^\s<>\"]+)([ \t]*)$", re.MULTILINE)
URL = re.compile(r"^https?://[^\s<>\"]+$")
# Players and frames (audio, video, iframe embeds) are not allowed in a post: a link to the source stays.
MEDIA = re.compile(r"<(?:audio|video|source|iframe|embed)\b[^>]*?\ssrc=(?:\"([^\"]*)\"|'([^']*)')[^>]*>", re.IGNORECASE)
# Two private-use characters stand in for brackets inside tags while shortcodes are found.
HIDE_BRACKETS = str.maketrans("[]", "\ue000\ue001")
TOP_HEADING = re.compile(r"<(/?)h1\b", re.IGNORECASE)
SHOW_BRACKETS = str.maketrans("\ue000\ue001", "[]")


def render_wordpress(text):
    """Render a post's or page's stored content to (html, unrendered), as WordPress displays it.

    `html` is unsanitised. `unrendered` is a Counter of what WordPress would have
    rendered and this cannot: shortcodes other than [caption] and [embed] by name (left
    as text), and dynamic blocks (`<!-- wp:latest-posts /-->`, dropped) as "wp:<name>".
    """
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    unrendered = collections.Counter()
    # WordPress's do_blocks() switches wpautop off for block-editor content.
    has_blocks = BLOCK_DELIMITER.search(text) is not None
    text = BLOCK_DELIMITER.sub(lambda match: _drop_block_delimiter(match, unrendered), text)
    text = PAGE_BREAK.sub("\n\n", TEASER_MARKER.sub("", text))
    text = _outside_code(text, lambda part: _media_links(_shortcodes(_autoembed(part), unrendered)))
    if not has_blocks:
        text = wpautop(text)
    # The page's own title is its h1, so a body's h1 becomes an h2, as in Markdown posts.
    text = _outside_code(text, lambda part: TOP_HEADING.sub(r"<\1h2", part))
    return text.strip(), unrendered


def render_wordpress_comment(text):
    """Render a comment's stored text to sanitised comment HTML, as WordPress shows it (links made, paragraphs)."""
    return sanitize_comment_html(wpautop(make_clickable(text.replace("\r\n", "\n").replace("\r", "\n")))).strip()


def _drop_block_delimiter(match, unrendered):
    if match["void"]:
        # A void block has no HTML of its own: WordPress renders it on display.
        unrendered[f"wp:{match['name'].removeprefix('core/')}"] += 1
    return ""


def _outside_code(text, change):
    """Apply `change` to the parts of `text` outside <pre> and <code>."""
    parts = CODE.split(text)
    # split() gives text, code, the tag name, text, code, tag name, …
    return "".join(change(part) if index % 3 == 0 else part for index, part in enumerate(parts) if index % 3 != 2)


def _autoembed(text):
    return LONE_URL.sub(lambda match: f"{match[1]}{_link(match[2])}{match[3]}", text)


def _media_links(text):
    return MEDIA.sub(lambda match: match[0] + _link(html.unescape(match[1] or match[2] or "")), text)


def _link(url):
    return f'<a href="{html.escape(url)}">{html.escape(url)}</a>'


def _shortcodes(text, unrendered):
    # Brackets inside a tag (a title="[Pics]") are not shortcodes: hide them, as WordPress's do_shortcode() does.
    parts = HTML_SPLIT.split(text)
    text = "".join(part.translate(HIDE_BRACKETS) if index % 2 else part for index, part in enumerate(parts))
    return SHORTCODE.sub(lambda match: _shortcode(match, unrendered), text).translate(SHOW_BRACKETS)


def _shortcode(match, unrendered):
    name, content = match["name"], match["content"]
    if match["open_escape"] and match["close_escape"]:
        return match[0][1:-1]  # [[name]] is how WordPress writes a shortcode as text
    renderer = SHORTCODE_RENDERERS.get(name.lower())
    if renderer is not None:
        rendered = renderer(_shortcode_attributes(match["attributes"]), _shortcodes(content or "", unrendered))
        return match["open_escape"] + rendered + match["close_escape"]
    # Unknown: kept as text, with any shortcode we do know inside it rendered, as WordPress would.
    unrendered[name] += 1
    if content is None:
        return match[0]
    start, end = match.start("content") - match.start(), match.end("content") - match.start()
    return match[0][:start] + _shortcodes(content, unrendered) + match[0][end:]


def _shortcode_attributes(text):
    attributes = {}
    positional = 0
    for match in SHORTCODE_ATTRIBUTE.finditer(re.sub(r"[\u00a0\u200b]", " ", text)):
        if match[1] or match[3] or match[5]:
            name = (match[1] or match[3] or match[5]).lower()
            attributes[name] = match[2] if match[1] else match[4] if match[3] else match[6]
        else:
            attributes[positional] = next(value for value in match.groups()[6:] if value is not None)
            positional += 1
    return attributes


def _caption(attributes, content):
    """[caption id="attachment_6" align="alignright" width="300"]<img …> The caption[/caption] → <figure>."""
    caption = attributes.get("caption", "")
    if not caption and (match := CAPTIONED_IMAGE.match(content.strip())):
        content, caption = match[1], match[2].strip()
    if not caption:
        return content
    identifier = attributes.get("id", "")
    classes = " ".join(["wp-caption", attributes.get("align", "alignnone"), attributes.get("class", "")]).strip()
    id_attribute = f' id="{html.escape(identifier)}"' if identifier else ""
    return (
        f'<figure{id_attribute} class="{html.escape(classes)}">{content.strip()}'
        f'<figcaption class="wp-caption-text">{caption}</figcaption></figure>'
    )


def _embed(attributes, content):
    """[embed]https://…[/embed] → a link to it: nothing is fetched from the provider."""
    url = html.unescape(content.strip())
    return _link(url) if URL.match(url) else html.escape(content)


SHORTCODE_RENDERERS = {"caption": _caption, "wp_caption": _caption, "embed": _embed}


# make_clickable(): bare URLs in comment text become links, except inside these elements.
UNLINKED = {"a", "pre", "code", "script", "style"}
TAG = re.compile(r"(<[^>]*>)")
TAG_NAME = re.compile(r"^</?([A-Za-z][A-Za-z0-9]*)")


def make_clickable(text):
    """Link the bare http(s) URLs in HTML text, outside links and code, as WordPress does for comments."""
    inside = []
    parts = TAG.split(text)
    for index, part in enumerate(parts):
        if index % 2:
            match = TAG_NAME.match(part)
            name = match[1].lower() if match else ""
            if name in UNLINKED and not part.endswith("/>"):
                if part.startswith("</"):
                    if name in inside:
                        inside.remove(name)
                else:
                    inside.append(name)
        elif not inside:
            parts[index] = re.sub(BARE_URL, lambda match: f'<a href="{match[1]}">{match[1]}</a>', part)
    return "".join(parts)


# wpautop(), ported from WordPress's wp-includes/formatting.php. Its patterns are byte-oriented
# in PHP: re.ASCII keeps \s from matching a no-break space, as WordPress's does not.
ALLBLOCKS = (
    r"(?:table|thead|tfoot|caption|col|colgroup|tbody|tr|td|th|div|dl|dd|dt|ul|ol|li|pre|form|map|area|blockquote"
    r"|address|math|style|p|h[1-6]|hr|fieldset|legend|section|article|aside|hgroup|header|footer|nav|figure"
    r"|figcaption|details|menu|summary)"
)
# wp_html_split(): comments, CDATA and elements, so newlines inside a tag can be protected.
HTML_SPLIT = re.compile(
    r"(<(?:(?=!--)!(?:-(?!->)[^\-]*+)*+(?:-->)?|(?=!\[CDATA\[)!\[CDATA\[[^\]]*+(?:](?!]>)[^\]]*+)*+(?:]]>)?|[^>]*>?))"
)
NEWLINE_IN_TAG = " <!-- wpnl --> "


def _sub(pattern, replacement, text, flags=0):
    return re.sub(pattern, replacement, text, flags=flags | re.ASCII)


def wpautop(text, br=True):
    """WordPress's wpautop(): blank lines → <p>, single newlines → <br /> (with `br`), block elements left alone.

    <pre> contents are untouched; paragraphs never wrap div, table, lists, blockquote,
    figure, headings and the other block elements.
    """
    if not text.strip(" \t\n\r\0\x0b"):
        return ""
    text += "\n"
    text, pre_tags = _hide_pre(text)
    text = _sub(r"<br\s*/?>\s*<br\s*/?>", "\n\n", text)
    # A blank line around each block element, so it stands as its own paragraph, to be unwrapped below.
    text = _sub(rf"(<{ALLBLOCKS}[\s/>])", r"\n\n\1", text)
    text = _sub(rf"(</{ALLBLOCKS}>)", r"\1\n\n", text)
    text = _sub(r"(<hr\s*?/?>)", r"\1\n\n", text)
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = _replace_newlines_in_tags(text)
    if "<option" in text:
        text = _sub(r"\s*<option", "<option", text)
        text = _sub(r"</option>\s*", "</option>", text)
    if "</object>" in text:
        text = _sub(r"(<object[^>]*>)\s*", r"\1", text)
        text = _sub(r"\s*</object>", "</object>", text)
        text = _sub(r"\s*(</?(?:param|embed)[^>]*>)\s*", r"\1", text)
    if "<source" in text or "<track" in text:
        text = _sub(r"([<\[](?:audio|video)[^>\]]*[>\]])\s*", r"\1", text)
        text = _sub(r"\s*([<\[]/(?:audio|video)[>\]])", r"\1", text)
        text = _sub(r"\s*(<(?:source|track)[^>]*>)\s*", r"\1", text)
    if "<figcaption" in text:
        text = _sub(r"\s*(<figcaption[^>]*>)", r"\1", text)
        text = _sub(r"</figcaption>\s*", "</figcaption>", text)
    text = _sub(r"\n\n+", "\n\n", text)
    paragraphs = [part for part in re.split(r"\n\s*\n", text, flags=re.ASCII) if part]
    text = "".join(f"<p>{part.strip(chr(10))}</p>\n" for part in paragraphs)
    text = _sub(r"<p>\s*</p>", "", text)
    text = _sub(r"<p>([^<]+)</(div|address|form)>", r"<p>\1</p></\2>", text)
    text = _sub(rf"<p>\s*(</?{ALLBLOCKS}[^>]*>)\s*</p>", r"\1", text)
    text = _sub(r"<p>(<li.+?)</p>", r"\1", text)
    text = _sub(r"<p><blockquote([^>]*)>", r"<blockquote\1><p>", text, re.IGNORECASE)
    text = text.replace("</blockquote></p>", "</p></blockquote>")
    text = _sub(rf"<p>\s*(</?{ALLBLOCKS}[^>]*>)", r"\1", text)
    text = _sub(rf"(</?{ALLBLOCKS}[^>]*>)\s*</p>", r"\1", text)
    if br:
        text = _sub(
            r"<(script|style|svg).*?</\1>",
            lambda match: match[0].replace("\n", "<WPPreserveNewline />"),
            text,
            re.DOTALL,
        )
        text = text.replace("<br>", "<br />").replace("<br/>", "<br />")
        text = _sub(r"(?<!<br />)\s*\n", "<br />\n", text)
        text = text.replace("<WPPreserveNewline />", "\n")
    text = _sub(rf"(</?{ALLBLOCKS}[^>]*>)\s*<br />", r"\1", text)
    text = _sub(r"<br />(\s*</?(?:p|li|div|dl|dd|dt|th|pre|td|ul|ol)[^>]*>)", r"\1", text)
    text = _sub(r"\n</p>$", "</p>", text)
    for placeholder, pre in pre_tags.items():
        text = text.replace(placeholder, pre)
    if "<!-- wpnl -->" in text:
        text = text.replace(NEWLINE_IN_TAG, "\n").replace("<!-- wpnl -->", "\n")
    return text


def _hide_pre(text):
    """Swap each <pre>…</pre> for a placeholder, so its contents are left exactly as written."""
    pre_tags = {}
    if "<pre" not in text:
        return text, pre_tags
    *parts, last = text.split("</pre>")
    text = ""
    for part in parts:
        start = part.find("<pre")
        if start == -1:
            text += part  # a stray </pre>, dropped as WordPress does
            continue
        placeholder = f"<pre wp-pre-tag-{len(pre_tags)}></pre>"
        pre_tags[placeholder] = part[start:] + "</pre>"
        text += part[:start] + placeholder
    return text + last, pre_tags


def _replace_newlines_in_tags(text):
    parts = HTML_SPLIT.split(text)
    # Odd indexes are the tags and comments.
    return "".join(part.replace("\n", NEWLINE_IN_TAG) if index % 2 else part for index, part in enumerate(parts))
