"""What a post body's Markdown becomes: footnotes, tables, code, quotes, figures and heading permalinks,
all through the sanitiser; bios and comments keep their smaller allowlists."""

import pytest

from authors.models import Author
from blog.markup import render_post_markdown
from comments.markup import render_comment
from tests.factories import PostFactory

pytestmark = pytest.mark.django_db


def test_footnotes_link_both_ways():
    post = PostFactory(body="A claim.[^source]\n\n[^source]: Where it comes from.")

    html = post.body_html
    assert '<sup id="fnref:source"><a class="footnote-ref" href="#fn:source"' in html
    assert '<div class="footnote">' in html
    assert '<li id="fn:source">' in html
    assert 'class="footnote-backref" href="#fnref:source"' in html
    assert "Where it comes from." in post.body_text


def test_tables_keep_their_column_alignment():
    post = PostFactory(body="| Year | Letters |\n|:-----|--------:|\n| 1972 | 14 |")

    html = post.body_html
    assert '<th align="left">Year</th>' in html
    assert '<td align="right">14</td>' in html
    assert "style=" not in html


def test_fenced_code_is_highlighted_by_pygments():
    post = PostFactory(body='```python\ndef greet():\n    return "hello"\n```')

    html = post.body_html
    assert '<div class="highlight"><pre>' in html
    assert '<span class="k">def</span>' in html
    assert '<span class="nf">greet</span>' in html


def test_block_quotes():
    post = PostFactory(body="> Letters are diplomacy by other means.")

    assert "<blockquote>\n<p>Letters are diplomacy by other means.</p>\n</blockquote>" in post.body_html


def test_headings_get_a_labelled_permalink_beside_them():
    post = PostFactory(body="# Top\n\n## The second part")

    html = post.body_html
    assert (
        '<div class="heading"><h2 id="the-second-part">The second part</h2>'
        '<a aria-label="Link to the section “The second part”" class="heading-anchor" href="#the-second-part"'
    ) in html
    assert html.count('class="heading-anchor"') == 2
    # The link has no text of its own (CSS draws the "#"), so words and search stay just the words.
    assert post.body_text == "Top The second part"
    assert post.word_count == 4


def test_a_captioned_image_alone_in_its_paragraph_becomes_a_figure():
    post = PostFactory(body='Before.\n\n![A harbour at dusk](/media/harbour.jpg "Dusk, from the quay")\n\nAfter.')

    assert (
        '<figure><img alt="A harbour at dusk" src="/media/harbour.jpg"><figcaption>Dusk, from the quay</figcaption>'
        "</figure>"
    ) in post.body_html


def test_images_without_a_caption_or_inside_text_stay_images():
    post = PostFactory(body='![Plain](/media/a.jpg)\n\nText with ![inline](/media/b.jpg "Title") in it.')

    html = post.body_html
    assert "<figure" not in html
    assert '<p><img alt="Plain" src="/media/a.jpg"></p>' in html
    assert '<img alt="inline" src="/media/b.jpg" title="Title">' in html


def test_captions_are_escaped():
    post = PostFactory(body='![x](/media/a.jpg "<script>alert(1)</script>")')

    assert "<figcaption>&lt;script&gt;alert(1)&lt;/script&gt;</figcaption>" in post.body_html
    assert "<script" not in post.body_html


@pytest.mark.parametrize(
    "body",
    [
        "<script>alert('x')</script>",
        '<p onclick="steal()">Click</p>',
        '<img src="/x.png" onerror="steal()" alt="x">',
        "[link](javascript:alert(1))",
        '<a href="javascript:alert(1)">raw link</a>',
        "## Heading {: onclick=steal() }",
        '<img src="/x.png" srcset="javascript:alert(1) 1x" alt="x">',
        '<a class="heading-anchor evil" href="#x" onmouseover="steal()">x</a>',
    ],
)
def test_post_bodies_are_sanitised(body):
    html = PostFactory(body=body).body_html

    for forbidden in ("<script", "alert(", "onclick", "onerror", "onmouseover", "steal()", "javascript:", "evil"):
        assert forbidden not in html


def test_imported_html_bodies_get_the_same_post_allowlist():
    post = PostFactory(
        body_format="html",
        body='<figure><img src="/a.jpg" srcset="/a.480w.webp 480w" sizes="100vw" decoding="async" alt="A" '
        'onload="steal()"><figcaption>Cap</figcaption></figure>',
    )

    assert post.body_html == (
        '<figure><img src="/a.jpg" srcset="/a.480w.webp 480w" sizes="100vw" decoding="async" alt="A">'
        "<figcaption>Cap</figcaption></figure>"
    )


def test_bios_and_comments_keep_their_own_allowlists():
    source = '## Heading\n\nNote.[^1]\n\n![x](/a.jpg "Caption")\n\n[^1]: A note.'
    bio = Author.objects.create(name="Eugene", slug="eugene", bio=source).bio_html

    assert '<h2 id="heading">Heading</h2>' in bio
    assert "heading-anchor" not in bio
    assert "<figure" not in bio
    assert "footnote-ref" not in bio  # Bios keep the smaller allowlist: no classes on links.
    assert "<h2" not in render_comment(source) and "<img" not in render_comment(source)


def test_the_post_renderer_is_what_saving_a_post_uses():
    body = "## A part\n\nWith a note.[^n]\n\n[^n]: The note."

    assert PostFactory(body=body).body_html == render_post_markdown(body)
