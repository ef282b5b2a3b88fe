"""Journey 8: on a phone-sized screen (390×844) the post and a six-deep thread are readable
and nothing overflows sideways."""

import pytest
from playwright.sync_api import expect

from tests.factories import PostFactory, comment_node, make_threads

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}

# Elements whose right edge passes the viewport's, ignoring what is deliberately off-screen
# (visually hidden text, the spam trap) or inside something that scrolls on its own (code).
OVERFLOWING = """() => {
  const width = window.innerWidth;
  const clipped = (element) => {
    for (let node = element.parentElement; node; node = node.parentElement) {
      const overflow = getComputedStyle(node).overflowX;
      if (overflow === "auto" || overflow === "scroll" || overflow === "hidden") return true;
    }
    return false;
  };
  return [...document.body.querySelectorAll("*")]
    .filter((element) => {
      const box = element.getBoundingClientRect();
      if (box.width === 0 || box.height === 0 || box.left < -1000) return false;
      return (box.right > width + 1 || box.left < -1) && !clipped(element);
    })
    .map((element) => element.outerHTML.slice(0, 100));
}"""


def deep_thread(depth):
    """A thread `depth` comments deep, each a paragraph long."""
    node = None
    for level in range(depth, 0, -1):
        node = comment_node(f"Level {level}", *([node] if node else []))
        node[0].body = f"Answer at level {level}, " + "written at some length. " * 12
    return node


def test_post_and_a_six_deep_thread_fit_a_phone(live_server, browser, snap):
    post = PostFactory(
        title="Reading the Weather from a Harbour Wall",
        body="Clouds over the *breakwater* tell you more than the forecast.\n\n"
        "A long word for good measure: Donaudampfschifffahrtsgesellschaftskapitän.\n\n"
        "    code that runs long: print('the barometer is falling, the barometer is falling, falling')\n",
    )
    comments = make_threads(post, deep_thread(6), comment_node("Cyd Moss"))
    deepest = comments["Level 6"]
    assert deepest.level == 5  # six comments deep

    context = browser.new_context(viewport=PHONE, device_scale_factor=2, is_mobile=True, has_touch=True)
    page = context.new_page()
    page.goto(f"{live_server.url}{post.get_absolute_url()}")
    expect(page.get_by_role("heading", level=1)).to_have_text("Reading the Weather from a Harbour Wall")
    snap(page, "post")

    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    assert page.evaluate(OVERFLOWING) == []

    # The deepest reply still has room to be read: a good part of the screen's width.
    deepest_body = page.locator(f"#comment-{deepest.pk} .comment__body")
    deepest_body.scroll_into_view_if_needed()
    expect(deepest_body).to_contain_text("Answer at level 6")
    box = deepest_body.bounding_box()
    assert box["width"] >= PHONE["width"] * 0.6, box
    font_size = deepest_body.evaluate("element => parseFloat(getComputedStyle(element).fontSize)")
    assert font_size >= 14
    page.locator(f"#comment-{deepest.pk}").screenshot()  # renders, in one piece
    snap(page, "six-deep-thread")
    context.close()
