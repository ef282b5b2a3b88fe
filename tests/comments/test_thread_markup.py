"""How the post page describes a discussion to machines: schema.org microdata (a BlogPosting
with its Comments nested as in the thread) and the labels screen readers announce."""

import lxml.html
import pytest
from django.http import HttpResponse
from django.test import RequestFactory
from django.urls import reverse

from authors.roles import MODERATORS
from blog.context_processors import layout
from comments.models import Comment
from comments.viewers import HELD_COOKIE, remember_held
from tests.factories import PostFactory, make_comment, make_threads
from tests.factories import comment_node as node

pytestmark = pytest.mark.django_db

SCHEMA = "https://schema.org/"
PENDING, SPAM, REMOVED = Comment.Status.PENDING, Comment.Status.SPAM, Comment.Status.REMOVED


def microdata(html):
    """The page's top-level items, each {"type": ..., "properties": {name: [values]}}, following
    the microdata processing model (a nested itemscope is an item of its own; text values are
    whitespace-normalised; meta, link, a and time give their attribute)."""
    document = lxml.html.fromstring(html)

    def value(element):
        if element.get("itemscope") is not None:
            return item(element)
        attribute = {"meta": "content", "link": "href", "a": "href", "time": "datetime"}.get(element.tag)
        if attribute and element.get(attribute) is not None:
            return element.get(attribute)
        return " ".join(element.text_content().split())

    def properties(element, found):
        for child in element:
            if not isinstance(child.tag, str):
                continue  # comments in the markup
            for name in (child.get("itemprop") or "").split():
                found.setdefault(name, []).append(value(child))
            if child.get("itemscope") is None:
                properties(child, found)
        return found

    def item(element):
        return {"type": element.get("itemtype"), "properties": properties(element, {})}

    return [item(element) for element in document.xpath("//*[@itemscope][not(@itemprop)]")]


def blog_posting(response):
    [posting] = [item for item in microdata(response.content.decode()) if item["type"] == f"{SCHEMA}BlogPosting"]
    return posting


def thread_outline(item):
    """(author name, text, [replies]) for the item's comments, as the microdata nests them."""
    outline = []
    for comment in item["properties"].get("comment", []):
        assert comment["type"] == f"{SCHEMA}Comment"
        props = comment["properties"]
        author = props["author"][0]["properties"]["name"][0] if "author" in props else None
        outline.append((author, props.get("text", [None])[0], thread_outline(comment)))
    return outline


def held_cookie(comment):
    """The signed cookie the writer's browser got after posting `comment`."""
    request, response = RequestFactory().get("/"), HttpResponse()
    remember_held(request, response, comment)
    return response.cookies[HELD_COOKIE].value


@pytest.fixture(autouse=True)
def site_settings():
    return layout()["site_settings"]


@pytest.fixture
def post():
    return PostFactory(title="Harbour Lights", dek="Boats after dark.")


@pytest.fixture
def forest(post):
    """Karl's thread three deep with a held reply, a removed comment with a reply, and Abdul's."""
    return make_threads(
        post,
        node("Karl", node("Ada", node("Mona", website="https://mona.example")), node("Pending", status=PENDING)),
        node("Removed", node("Eugene"), status=REMOVED),
        node("Abdul"),
    )


def test_the_post_is_a_blog_posting_with_headline_date_and_author(client, post):
    posting = blog_posting(client.get(post.get_absolute_url()))["properties"]

    assert posting["headline"] == ["Harbour Lights"]
    assert posting["abstract"] == ["Boats after dark."]
    assert posting["datePublished"] == [post.published_at.isoformat()]
    assert posting["url"] == posting["mainEntityOfPage"] == [f"https://colloquy.example{post.get_absolute_url()}"]
    [author] = posting["author"]
    byline = post.byline[0]
    assert author["type"] == f"{SCHEMA}Person"
    assert author["properties"]["name"] == [byline.name]
    assert posting["articleBody"][0].startswith(" ".join(post.body_text.split())[:20])


def test_approved_comments_are_nested_comment_items(client, post, forest):
    posting = blog_posting(client.get(post.get_absolute_url()))

    assert thread_outline(posting) == [
        ("Karl", "Karl writes.", [("Ada", "Ada writes.", [("Mona", "Mona writes.", [])])]),
        (None, None, [("Eugene", "Eugene writes.", [])]),  # the removed comment keeps its reply in place
        ("Abdul", "Abdul writes.", []),
    ]
    karl = posting["properties"]["comment"][0]["properties"]
    assert karl["dateCreated"] == [forest["Karl"].created_at.isoformat()]
    assert karl["url"] == [f"#comment-{forest['Karl'].pk}"]
    mona = karl["comment"][0]["properties"]["comment"][0]["properties"]["author"][0]["properties"]
    assert mona["url"] == ["https://mona.example"]
    post.refresh_from_db()
    assert posting["properties"]["commentCount"] == [str(post.comment_count)]


@pytest.mark.parametrize("viewer", ["writer", "moderator"])
def test_held_comments_and_emails_stay_out_of_the_structured_data(client, post, forest, staff, viewer):
    held = make_comment(
        post, parent=forest["Abdul"], name="Held", email="held@example.com", body="Not yet approved.", status=PENDING
    )
    if viewer == "moderator":
        client.force_login(staff(MODERATORS))
    else:
        client.cookies[HELD_COOKIE] = held_cookie(held)
    response = client.get(post.get_absolute_url())
    assert "Not yet approved." in response.content.decode()  # shown to them, but not as a Comment
    [notice] = (
        lxml.html.fromstring(response.content)
        .get_element_by_id(f"comment-{held.pk}")
        .xpath('.//*[@class="comment__status"]')
    )
    assert notice.get("role") == "status"

    posting = blog_posting(response)
    text = repr(posting)
    assert "Held" not in text and "Not yet approved" not in text and "Pending writes" not in text
    assert "Removed writes" not in text
    assert "@" not in text
    assert held.email not in response.content.decode()


def test_each_comment_is_an_article_labelled_by_its_author_and_time(client, post, forest):
    document = lxml.html.fromstring(client.get(post.get_absolute_url()).content)

    cards = document.xpath('//li[contains(@class, "comment")]/article[@class="comment__card"]')
    assert len(cards) == 5
    for card in cards:
        by, time = card.get("aria-labelledby").split()
        assert document.get_element_by_id(by).text_content().strip()
        assert document.get_element_by_id(time).tag == "time"
        assert document.get_element_by_id(time).get("datetime")
    # Threads are nested ordered lists.
    mona = document.get_element_by_id(f"comment-{forest['Mona'].pk}")
    assert [element.tag for element in mona.iterancestors()][:4] == ["ol", "li", "ol", "li"]


def test_the_reply_form_is_named_for_whom_it_answers(client, post, forest):
    document = lxml.html.fromstring(client.get(post.get_absolute_url()).content)
    [form] = document.xpath('//form[@class="comment-form"]')
    assert document.get_element_by_id(form.get("aria-labelledby")).text_content() == "Leave a comment"

    page = client.get(post.get_absolute_url(), {"replyto": forest["Ada"].pk})
    document = lxml.html.fromstring(page.content)
    [form] = document.get_element_by_id(f"comment-{forest['Ada'].pk}").xpath('.//form[@class="comment-form"]')
    assert document.get_element_by_id(form.get("aria-labelledby")).text_content() == "Reply to Ada"


def test_status_messages_are_announced(client, post, forest):
    response = client.post(
        reverse("comments:create", args=[post.pk]),
        {"name": "Ann", "email": "ann@example.com", "body": "", "parent": ""},
    )
    document = lxml.html.fromstring(response.content)
    assert document.get_element_by_id("respond").xpath('.//*[@role="alert"]')
    assert document.get_element_by_id("respond-replying").get("aria-live") == "polite"
