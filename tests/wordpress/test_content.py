import collections

import pytest

from blog.markup import sanitize_post_html
from blog.wordpress.content import render_wordpress, render_wordpress_comment, wpautop


def rendered(text):
    html, unrendered = render_wordpress(text)
    assert not unrendered
    return html


# wpautop, as WordPress's own tests (tests/phpunit/tests/formatting/autop.php) expect it.


def test_blank_lines_make_paragraphs_and_single_newlines_breaks():
    assert rendered("Hello\nworld\n\nSecond paragraph") == "<p>Hello<br />\nworld</p>\n<p>Second paragraph</p>"
    assert rendered("One\r\ntwo\r\n\r\nThree") == "<p>One<br />\ntwo</p>\n<p>Three</p>"
    assert rendered("  \n\n ") == ""


def test_existing_breaks_are_kept_and_doubled_ones_make_paragraphs():
    assert wpautop("line 1<br>\nline 2<br/>\nline 3<br />\nline 4\nline 5") == (
        "<p>line 1<br />\nline 2<br />\nline 3<br />\nline 4<br />\nline 5</p>\n"
    )
    assert wpautop("line 1<br>\n<br/>\nline 2<br/>\n<br />\nline 3") == "<p>line 1</p>\n<p>line 2</p>\n<p>line 3</p>\n"


@pytest.mark.parametrize("tag", ["div", "table", "ul", "ol", "dl", "pre", "figure", "section", "h2", "h6", "address"])
def test_block_elements_are_not_wrapped_in_paragraphs(tag):
    assert wpautop(f"Before\n<{tag}>inside</{tag}>\nAfter") == f"<p>Before</p>\n<{tag}>inside</{tag}>\n<p>After</p>\n"


def test_inline_elements_are_wrapped_and_blockquotes_get_paragraphs_inside():
    assert wpautop("<a>foo</a>") == "<p><a>foo</a></p>\n"
    assert wpautop("<blockquote>foo\nbar</blockquote>") == "<blockquote><p>foo<br />\nbar</p></blockquote>\n"


def test_lists_and_tables_keep_their_structure():
    assert rendered("<ul>\n<li>a</li>\n<li>b</li>\n</ul>") == "<ul>\n<li>a</li>\n<li>b</li>\n</ul>"
    assert rendered("<table><tr><td>a\nb</td></tr></table>") == ("<table>\n<tr>\n<td>a<br />\nb</td>\n</tr>\n</table>")


def test_pre_contents_are_untouched():
    text = "Before\n<pre>line 1\n\n  indented [gallery]\n<br />\n</pre>\nAfter"
    html, unrendered = render_wordpress(text)
    assert html == "<p>Before</p>\n<pre>line 1\n\n  indented [gallery]\n<br />\n</pre>\n<p>After</p>"
    assert not unrendered  # code is shown as written, brackets and all
    assert rendered("Use <code>arr[i]</code> and <code>[sic]</code>") == (
        "<p>Use <code>arr[i]</code> and <code>[sic]</code></p>"
    )


def test_newlines_inside_tags_and_comments_are_not_breaks():
    assert wpautop("Hello <a\nhref='world'>") == "<p>Hello <a\nhref='world'></p>\n"
    assert wpautop("Hello <!-- a\nhref='world' -->") == "<p>Hello <!-- a\nhref='world' --></p>\n"


# Shortcodes.


def test_caption_becomes_a_figure():
    html = rendered(
        '[caption id="attachment_6" align="alignright" width="300"]'
        '<a href="/big.jpg"><img src="/small.jpg" alt="A boat" /></a> A <em>boat</em> at sea[/caption]\n\nText'
    )
    assert html == (
        '<figure id="attachment_6" class="wp-caption alignright"><a href="/big.jpg">'
        '<img src="/small.jpg" alt="A boat" /></a>'
        '<figcaption class="wp-caption-text">A <em>boat</em> at sea</figcaption></figure>\n<p>Text</p>'
    )
    assert sanitize_post_html(html) == (
        '<figure><a href="/big.jpg" rel="noopener noreferrer"><img src="/small.jpg" alt="A boat"></a>'
        "<figcaption>A <em>boat</em> at sea</figcaption></figure>\n<p>Text</p>"
    )


def test_old_caption_attribute_and_captionless_images():
    assert rendered(
        '[caption id="" align="aligncenter" width="300" caption="Old style"]<img src="a.jpg">[/caption]'
    ) == (
        '<figure class="wp-caption aligncenter"><img src="a.jpg"><figcaption class="wp-caption-text">Old style'
        "</figcaption></figure>"
    )
    assert rendered('[caption width="300"]<img src="a.jpg">[/caption]') == '<p><img src="a.jpg"></p>'


def test_embed_and_lone_urls_become_links():
    assert rendered("[embed]https://youtu.be/abc?x=1&y=2[/embed]") == (
        '<p><a href="https://youtu.be/abc?x=1&amp;y=2">https://youtu.be/abc?x=1&amp;y=2</a></p>'
    )
    assert rendered("Watch:\n\nhttps://vimeo.com/123\n\nor https://example.com in a sentence") == (
        '<p>Watch:</p>\n<p><a href="https://vimeo.com/123">https://vimeo.com/123</a></p>\n'
        "<p>or https://example.com in a sentence</p>"
    )


def test_players_and_frames_keep_a_link_to_their_source():
    html = rendered('<figure><audio controls src="https://example.com/a.mp3"></audio></figure>')
    assert sanitize_post_html(html) == (
        '<figure><a href="https://example.com/a.mp3" rel="noopener noreferrer">https://example.com/a.mp3</a></figure>'
    )


def test_unknown_shortcodes_stay_as_text_and_are_counted():
    html, unrendered = render_wordpress(
        '[gallery ids="1,2"]\n\n[contact-form-7 id="5" title="Contact"]\n\n'
        "[gallery columns=3] and [toggle title=Q]Answer[/toggle] and [sic]"
    )
    assert html == (
        '<p>[gallery ids="1,2"]</p>\n<p>[contact-form-7 id="5" title="Contact"]</p>\n'
        "<p>[gallery columns=3] and [toggle title=Q]Answer[/toggle] and [sic]</p>"
    )
    assert unrendered == collections.Counter({"gallery": 2, "contact-form-7": 1, "toggle": 1, "sic": 1})


def test_escaped_shortcodes_brackets_in_tags_and_numbers_are_not_counted():
    html, unrendered = render_wordpress(
        'Write [[gallery]] for a gallery; see [1]. <a title="Mural [Pics]" href="/m">m</a>'
    )
    assert html == '<p>Write [gallery] for a gallery; see [1]. <a title="Mural [Pics]" href="/m">m</a></p>'
    assert not unrendered


def test_known_shortcodes_inside_unknown_ones_are_rendered():
    html, unrendered = render_wordpress('[column][caption caption="Cap"]<img src="b.jpg">[/caption][/column]')
    assert html == (
        '<p>[column]</p>\n<figure class="wp-caption alignnone"><img src="b.jpg"><figcaption class="wp-caption-text">'
        "Cap</figcaption></figure>\n<p>[/column]</p>"
    )
    assert unrendered == {"column": 1}


# The block editor.


def test_block_comments_are_dropped_and_block_html_is_kept_as_formed():
    html, unrendered = render_wordpress(
        "<!-- wp:paragraph -->\n<p>A paragraph\nwith a newline</p>\n<!-- /wp:paragraph -->\n\n"
        '<!-- wp:image {"id":7,"sizeSlug":"large"} -->\n'
        '<figure class="wp-block-image"><img src="a.jpg" alt=""/></figure>\n<!-- /wp:image -->\n\n'
        '<!-- wp:latest-posts {"postsToShow":3} /-->\n<!-- wp:core/archives /-->'
    )
    assert "<!--" not in html
    # WordPress does not run wpautop over block content: the newline stays a newline.
    assert html == (
        '<p>A paragraph\nwith a newline</p>\n\n<figure class="wp-block-image"><img src="a.jpg" alt=""/></figure>'
    )
    assert unrendered == {"wp:latest-posts": 1, "wp:archives": 1}  # dynamic blocks: rendered by WordPress only


def test_more_and_page_markers():
    assert rendered("Teaser<!--more-->\nRest") == "<p>Teaser<br />\nRest</p>"
    assert rendered("Page 1\n<!--nextpage-->\nPage 2") == "<p>Page 1</p>\n<p>Page 2</p>"


# Comments.


def test_comments_get_paragraphs_links_and_the_comment_allowlist():
    html = render_wordpress_comment(
        "Hi, see https://example.com/x?a=1&amp;b=2 there.\n\n"
        '<a href="https://a.example">https://a.example</a>\n<code>https://code.example</code>\n'
        "<script>alert(1)</script><h1>Loud</h1> <b>bold</b> [gallery]"
    )
    assert html == (
        '<p>Hi, see <a href="https://example.com/x?a=1&amp;b=2" rel="ugc nofollow noopener">'
        "https://example.com/x?a=1&amp;b=2</a> there.</p>\n"
        '<p><a href="https://a.example" rel="ugc nofollow noopener">https://a.example</a><br>\n'
        "<code>https://code.example</code><br>\n</p>\nLoud\n<p> bold [gallery]</p>"
    )  # The heading was a block of its own, its tag is not allowed in comments: its words stay.


def test_comment_text_with_slashes_and_utf8_is_kept():
    assert render_wordpress_comment(r"C:\temp\x and /s/.*/x/ — schön 👍") == r"<p>C:\temp\x and /s/.*/x/ — schön 👍</p>"


def test_a_body_h1_becomes_an_h2_under_the_pages_own_title():
    html, _unrendered = render_wordpress('<h1 class="x">Section</h1>\n\nText\n\n<pre><h1>kept</h1></pre>')

    assert '<h2 class="x">Section</h2>' in html
    assert "<pre><h1>kept</h1></pre>" in html
