"""Is a page (or a fragment of one) free of anything a visitor could have made active?"""

import re
from html.parser import HTMLParser

from comments.validators import BIDI_CONTROLS


class Inspector(HTMLParser):
    """Every tag and attribute of a page, as a browser would see them."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.elements = []

    def handle_starttag(self, tag, attrs):
        self.elements.append((tag, {name: value or "" for name, value in attrs}))

    handle_startendtag = handle_starttag


DANGEROUS_TAGS = {"iframe", "object", "embed", "base", "style", "svg", "math", "frame", "frameset", "applet"}
URL_ATTRIBUTES = {"href", "src", "action", "formaction", "srcset", "poster", "background", "xlink:href", "data"}
DANGEROUS_SCHEME = re.compile(r"(javascript|vbscript|data):", re.IGNORECASE)


def assert_inert(html, where, *, echoed=False):
    """No script, handler, style or dangerous URL in `html`, and no direction override
    (unless `echoed`: a refused form gives its writer their own text back to fix)."""
    assert echoed or not BIDI_CONTROLS.intersection(html), f"direction override in {where}"
    inspector = Inspector()
    inspector.feed(html)
    for tag, attrs in inspector.elements:
        assert tag not in DANGEROUS_TAGS, f"<{tag}> in {where}"
        if tag == "script":
            assert attrs.get("src", "").startswith("/static/"), f"inline or foreign script in {where}"
        if tag == "meta":
            assert "http-equiv" not in attrs, f"meta http-equiv in {where}"
        if tag == "link" and "stylesheet" in attrs.get("rel", ""):
            assert attrs["href"].startswith("/static/"), f"foreign stylesheet in {where}"
        for name, value in attrs.items():
            assert not name.startswith("on"), f"{name}= on <{tag}> in {where}"
            assert name != "style", f"style= on <{tag}> in {where}"
            if name in URL_ATTRIBUTES:
                # Browsers ignore whitespace and control characters inside a URL's scheme.
                squeezed = re.sub(r"[\x00-\x20]", "", value)
                assert not DANGEROUS_SCHEME.match(squeezed), f"{name}={value!r} on <{tag}> in {where}"
