"""Hostile input, posted through the real comment form into the name, website and body.

Each payload is either refused with a form error on its field, or stored and rendered
inert: no script, event handler, style or dangerous URL from it reaches the post page
(as readers and as moderators see it) or the comment feeds, and no direction override
reaches any of them.
"""

import re

import feedparser
import pytest
from django.test import Client
from django.urls import reverse

from authors.roles import MODERATORS
from blog.models import SiteSettings
from comments.models import Comment
from comments.services import comment_set_status
from comments.validators import BIDI_CONTROLS
from tests.factories import PostFactory, trusted_commenter
from tests.inert_html import assert_inert

pytestmark = pytest.mark.django_db

FIELDS = ("name", "website", "body")

PAYLOADS = [
    # Script tags, plain and disguised
    "<script>alert(1)</script>",
    "<SCRIPT SRC=//evil.example/x.js></SCRIPT>",
    '"><script>alert(document.cookie)</script>',
    "<<script>script>alert(1)<</script>/script>",
    "<scr<script>ipt>alert(1)</script>",
    "</textarea><script>alert(1)</script>",
    "<svg><script>alert(1)</script></svg>",
    "<!--<script>alert(1)-->",
    "<![CDATA[<script>alert(1)</script>]]>",
    "`<script>alert(1)</script>`",
    "> <script>alert(1)</script>",
    "&lt;script&gt;alert(1)&lt;/script&gt;",
    # Event handlers
    "<img src=x onerror=alert(1)>",
    "'><img src=x onerror=alert(1)>",
    "<svg onload=alert(1)>",
    "<body onload=alert(1)>",
    '<a href="https://example.com" onmouseover="alert(1)">hover</a>',
    'https://example.com/"onmouseover="alert(1)',
    '[x](https://example.com "title" onmouseover="alert(1)")',
    "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>",
    # javascript:, data: and friends
    "javascript:alert(1)",
    "JaVaScRiPt:alert(1)",
    "  javascript:alert(1)",
    "[click](javascript:alert(1))",
    "[click](  JAVASCRIPT:alert(1))",
    "[click](java&#x09;script:alert(1))",
    '<a href="&#106;avascript:alert(1)">click</a>',
    "![pic](javascript:alert(1))",
    "data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==",
    "[click](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    "[click](vbscript:msgbox(1))",
    "<iframe src=javascript:alert(1)></iframe>",
    '<object data="javascript:alert(1)"></object>',
    "//evil.example",
    "https://evil.example@colloquy.example",
    # Broken HTML and page furniture
    "<img src=x onerror=alert(1)",
    "<div><p>unclosed <b>bold <i>italic",
    "</div></main></body></html><h1>Owned</h1>",
    '<form action="https://evil.example"><input name="password"></form>',
    '<meta http-equiv="refresh" content="0;url=https://evil.example">',
    '<base href="https://evil.example/">',
    # CSS tricks
    '<div style="position:fixed;inset:0;background:red">cover the page</div>',
    "<style>body{display:none}</style>",
    '<link rel="stylesheet" href="https://evil.example/x.css">',
    '<span class="badge badge--moderator">Moderator</span>',
    # Unicode direction overrides and invisible characters
    "Ada \u202eecalevoL",
    "\u2066evil\u2069 isolate",
    "\u202aembedded\u202c text",
    "\u202dforced left-to-right",
    "Ad\u200bmin with a zero-width space",
    "\ufeffBOM and \u2060word joiner and soft\u00adhyphen",
    "https://example.com/\u202eexe.txt",
    "Z̷̡̢̛̛̼̻̼a̸̡̛l̶̨̛g̷̢̛o̵̡̢ text",
    # Very long words and bodies
    "W" * 3000,
    "https://example.com/" + "a" * 3000,
    "B " * 6000,
    # Header injection in name and email
    "Ada\r\nBcc: victim@example.com",
    "Ada\nSubject: you have won",
    "Ada%0d%0aBcc:victim@example.com",
    "Ada\x00Lovelace",
    "\x1b[31mred terminal text",
    # SQL-ish strings and template syntax
    "'; DROP TABLE comments_comment; --",
    "1' OR '1'='1",
    "Robert'); DROP TABLE Students;--",
    "{{ request.META }} {% debug %}",
    "${7*7} #{7*7}",
]


@pytest.fixture
def post():
    return PostFactory(title="Hostile territory")


@pytest.fixture
def moderator(client, staff):
    browser = Client()
    browser.force_login(staff(MODERATORS))
    return browser


def post_hostile(send_comment, post, field, payload, number):
    """Post `payload` into `field` as a trusted reader of its own (own email and IP address)."""
    email = f"reader{number}@example.com"
    trusted_commenter(email, name=f"Reader {number}")  # verified, approved before: no first-comment hold
    fields = {"name": f"Reader {number}", "email": email, "body": f"A comment with a hostile {field}.", field: payload}
    return send_comment(post, meta={"REMOTE_ADDR": f"192.0.2.{number + 1}"}, **fields)


def test_there_are_enough_payloads():
    assert len(PAYLOADS) >= 40


@pytest.mark.parametrize("payload", PAYLOADS, ids=[repr(payload[:40]) for payload in PAYLOADS])
def test_hostile_input_is_refused_or_rendered_inert(send_comment, post, moderator, payload):
    SiteSettings.objects.update(comment_max_length=20_000)  # long bodies reach the renderer
    accepted = 0
    for number, field in enumerate(FIELDS):
        response = post_hostile(send_comment, post, field, payload, number)
        if response.status_code == 303:
            accepted += 1
        else:
            assert response.status_code == 400, response.status_code
            assert field in response.context["comment_form"].errors
            assert_inert(response.content.decode(), f"the form's error page ({field})", echoed=True)

    # Whatever was stored, held or marked spam, is rendered as if a moderator approved it.
    stored = Comment.objects.filter(post=post)
    assert stored.count() == accepted
    comment_set_status(stored, Comment.Status.APPROVED)
    for comment in stored:
        assert not BIDI_CONTROLS.intersection(comment.name + comment.website + comment.body)
        assert not re.search(r"[\r\n\x00]", comment.name + comment.email + comment.website)

    assert_inert(Client().get(post.get_absolute_url()).content.decode(), "the post page")
    assert_inert(moderator.get(post.get_absolute_url()).content.decode(), "the moderator's post page")
    for feed in ("comments:feed", "comments:feed_atom"):
        assert_feed_inert(Client().get(reverse(feed)), feed)
    for feed in ("comments:post_feed", "comments:post_feed_atom"):
        assert_feed_inert(Client().get(reverse(feed, args=[post.pk])), feed)


def assert_feed_inert(response, where):
    assert response.status_code == 200
    # Unsanitised, as the most trusting feed reader would take it.
    feed = feedparser.parse(response.content, sanitize_html=False)
    assert not feed.bozo, feed.get("bozo_exception")
    for entry in feed.entries:
        for text in (entry.title, entry.get("author", "")):
            assert "<" not in text and not BIDI_CONTROLS.intersection(text), f"{text!r} in {where}"
        assert entry.link.startswith("https://colloquy.example/")
        for content in [entry.get("summary", ""), *(part.value for part in entry.get("content", []))]:
            assert_inert(content, where)
