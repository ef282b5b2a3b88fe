import collections
import datetime
import subprocess
import sys
import time

import pytest
from django.conf import settings

from blog.wordpress.wxr import (
    WxrAuthor,
    WxrCategory,
    WxrComment,
    WxrError,
    WxrItem,
    WxrSite,
    WxrTag,
    WxrTerm,
    count_items,
    read_wxr,
)
from tests.wordpress.conftest import FILES, WPTEST

UTC = datetime.UTC


def read(path):
    return list(read_wxr(path))


def of(records, kind):
    return [record for record in records if isinstance(record, kind)]


def only_item(path):
    (item,) = of(read(path), WxrItem)
    return item


def error_from(path):
    with pytest.raises(WxrError) as caught:
        read(path)
    return caught.value


def write(tmp_path, text, name="export.xml"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def export(channel="", *, wxr_version="1.2", namespace="http://wordpress.org/export/1.2/"):
    """A small WXR file's text around `channel` (authors, terms and items)."""
    return f"""<?xml version="1.0" encoding="UTF-8" ?>
<rss version="2.0" xmlns:wp="{namespace}" xmlns:content="http://purl.org/rss/1.0/modules/content/">
<channel>
	<link>https://small.example</link>
	<wp:wxr_version>{wxr_version}</wp:wxr_version>
	<wp:base_site_url>https://small.example</wp:base_site_url>
{channel}
</channel>
</rss>
"""


# The real export: WordPress's theme test data.


@pytest.fixture(scope="module")
def wptest():
    return read(WPTEST)


def test_wptest_starts_with_its_site(wptest):
    site = wptest[0]
    assert site == WxrSite(
        wxr_version="1.2",
        base_site_url="http://wptest.io/demo",
        base_blog_url="http://wptest.io/demo",
        title="WPTest",
        link="http://wptest.io/demo",
        description="Just another WordPress site",
        language="en-US",
        line=27,
    )
    assert not of(wptest[1:], WxrSite)


def test_wptest_items_by_post_type(wptest):
    counts = collections.Counter(item.post_type for item in of(wptest, WxrItem))
    assert counts == {
        "post": 37,
        "page": 15,
        "attachment": 45,
        "nav_menu_item": 102,
        "wp_navigation": 3,
        "wp_template": 2,
        "wp_template_part": 2,
        "wp_global_styles": 1,
    }
    assert count_items(WPTEST) == 207


def test_wptest_records_come_in_file_order_with_their_lines(wptest):
    lines = [record.line for record in wptest]
    assert lines == sorted(lines)
    kinds = [type(record).__name__ for record in wptest]
    assert kinds.index("WxrItem") > max(i for i, kind in enumerate(kinds) if kind != "WxrItem")
    author = of(wptest, WxrAuthor)[0]
    assert author == WxrAuthor(id="1", login="admin", email="danhthong@gmail.com", display_name="admin", line=37)


def test_wptest_comment_thread_keeps_every_parent_and_ten_levels(wptest):
    comments = [comment for item in of(wptest, WxrItem) for comment in item.comments]
    assert len(comments) == 30
    (thread,) = [item for item in of(wptest, WxrItem) if item.title == "Comments"]
    parents = {comment.id: comment.parent_id for comment in thread.comments}
    assert len(parents) == 21
    # Top-level comments 3–9 and 19–23; 10 answers 9, 11 answers 10, … 18 answers 17.
    top_level = {id for id, parent in parents.items() if parent == "0"}
    assert top_level == {str(n) for n in [*range(3, 10), *range(19, 24)]}
    assert {id: parent for id, parent in parents.items() if id not in top_level} == {
        str(n): str(n - 1) for n in range(10, 19)
    }

    def depth(comment_id):
        return 0 if comment_id == "0" else 1 + depth(parents[comment_id])

    assert max(depth(id) for id in parents) == 10
    first = thread.comments[0]
    assert first.approved == "1"
    assert first.type == "comment"
    assert first.date_gmt.tzinfo == UTC


def test_wptest_pingbacks_keep_their_type(wptest):
    (item,) = [item for item in of(wptest, WxrItem) if item.title == "Pingbacks And Trackbacks"]
    assert [comment.type for comment in item.comments] == ["pingback"] * 4 + ["comment"]


def test_wptest_password_sticky_and_future(wptest):
    items = {item.id: item for item in of(wptest, WxrItem)}
    protected = items["131"]
    assert protected.title == 'Password Protected (the password is "enter")'
    assert protected.password == "enter"
    assert protected.status == "publish"
    assert [item.id for item in items.values() if item.password] == ["131"]
    assert [item.title for item in items.values() if item.is_sticky] == ["Sticky"]
    assert [item.status for item in items.values() if item.status not in ("publish", "inherit")] == ["future"]


def test_wptest_categories_form_a_hierarchy(wptest):
    categories = {category.slug: category for category in of(wptest, WxrCategory)}
    assert len(categories) == 42  # each once, though WordPress lists them again as <wp:term>
    assert sorted(slug for slug, category in categories.items() if category.parent_slug == "parent-category") == [
        f"child-category-0{n}" for n in range(1, 6)
    ]
    assert categories["grandchild-category"].parent_slug == "child-category-03"
    assert all(category.parent_slug in ("", *categories) for category in categories.values())
    assert len(of(wptest, WxrTag)) == 16
    terms = collections.Counter(term.taxonomy for term in of(wptest, WxrTerm))
    assert terms == {"post_format": 9, "nav_menu": 3, "wp_template_part_area": 1, "wp_theme": 1}


def test_wptest_items_carry_their_terms_and_meta(wptest):
    items = {item.id: item for item in of(wptest, WxrItem)}
    attachment = items["611"]
    assert attachment.parent_id == "555"
    assert attachment.attachment_url == "http://wptest.io/demo/wp-content/uploads/sites/2/2011/01/canola2.jpg"
    assert attachment.postmeta["_wp_attached_file"] == "2011/01/canola2.jpg"
    assert attachment.date_gmt == datetime.datetime(2011, 1, 10, 13, 17, 54, tzinfo=UTC)
    assert attachment.date == "2011-01-10 06:17:54"
    tagged = [item for item in items.values() if item.tags]
    assert tagged
    assert all(slug and name for item in tagged for slug, name in item.tags)
    assert any(("post-format-gallery", "Gallery") in item.categories for item in items.values())
    assert any(term[0] == "post_format" for item in items.values() for term in item.terms)


def test_wptest_odd_titles_and_utf8_are_kept(wptest):
    titles = {item.title for item in of(wptest, WxrItem)}
    assert "Title With Special Characters ~`!@#$%^&amp;*()-_=+{}[]/\\;:'\"?,.&gt;" in titles
    assert any(title.startswith("Super/Duper/Long/NonBreaking/Path/") for title in titles)
    assert any("Let’s make WordPress testing easier" in item.content for item in of(wptest, WxrItem))


# Small files, one for each way a file can be odd.


def test_cdata_inside_cdata_is_the_original_text():
    item = only_item(FILES / "reader_cdata.xml")
    assert item.title == "A title with ]]> in it"
    assert item.content == (
        "<p>Code: <code>a[b[0]]></code> and x]]>y</p>\n<!-- wp:html --><![CDATA[ not a section ]]><!-- /wp:html -->"
    )
    assert item.excerpt == "]]>"
    assert item.comments[0].content == "Nested: ]]>]]> done"


def test_backslashes_and_slashes_are_kept_verbatim():
    records = read(FILES / "reader_slashes.xml")
    (item,) = of(records, WxrItem)
    assert item.title == r"C:\Users\ada\ and /usr/local/ \\server\share"
    assert item.content == (
        '<p>Regex: <code>^\\d+\\.\\d*$</code>, a "quote" with \\"escapes\\" and \\\\n not a newline.</p>\n'
        "<p>Path: /2020/01/post/ and \\\\</p>"
    )
    assert item.password == r"pa\ss/word"
    assert item.postmeta == {"_custom": 'a:1:{s:4:"path";s:9:"C:\\temp\\x";}'}
    assert item.categories == [("back-slash", r"Back\slash / Forward")]
    assert of(records, WxrCategory)[0].name == r"Back\slash / Forward"
    comment = item.comments[0]
    assert comment.author == r"O\'Brien / Smith"
    assert comment.content == r"Use \n and \t, or /s/.*/x/"
    assert comment.url == "https://example.com/a/b/"


def test_utf8_in_every_field():
    records = read(FILES / "reader_utf8.xml")
    site, author, category, tag, item = records
    assert site.title == "Blog à Zoë — 日本語"
    assert author == WxrAuthor(
        id="4",
        login="zoë",
        email="zoë@exämple.com",
        display_name="Zoë Ångström",
        first_name="Zoë",
        last_name="Ångström",
        line=13,
    )
    assert (category.slug, category.name) == ("%e6%97%a5%e6%9c%ac", "日本")
    assert category.description == "Ελληνικά και русский"
    assert (tag.slug, tag.name) == ("café", "Café ☕")
    assert item.title == "Ünïcödé 🎉 everywhere — “quoted”"
    assert item.content == "<p>Emoji 🐍, Arabic العربية, Hebrew עברית, CJK 漢字.</p>"
    assert item.excerpt == "Résumé"
    assert item.creator == "zoë"
    assert item.categories == [("%e6%97%a5%e6%9c%ac", "日本")]
    assert item.tags == [("café", "Café ☕")]
    comment = item.comments[0]
    assert (comment.author, comment.email, comment.url, comment.content) == (
        "Jürgen Müller",
        "jürgen@exämple.de",
        "https://exämple.de/ü/",
        "Schön! 👍",
    )
    assert comment.date_gmt == datetime.datetime(2021, 6, 2, 8, 30, tzinfo=UTC)


def test_missing_optional_tags_get_defaults():
    site, category, item = read(FILES / "reader_minimal.xml")
    assert (site.base_site_url, site.base_blog_url, site.title, site.link) == (
        "https://minimal.example",
        "https://minimal.example",
        "",
        "",
    )
    assert category == WxrCategory(id="", slug="bare", name="bare", line=6)
    assert item == WxrItem(
        id="5",
        post_type="post",
        status="draft",  # wp_insert_post's default: nothing becomes public by omission
        comments=[WxrComment(id="6", parent_id="0", approved="0", line=11)],
        line=9,
    )


def test_unknown_namespaces_are_ignored_and_wp_is_found_by_its_uri():
    records = read(FILES / "reader_namespaces.xml")
    site, item = records
    assert (site.wxr_version, site.base_blog_url) == ("1.1", "https://ns.example/blog")
    assert (item.id, item.post_type, item.title, item.content) == ("3", "page", "Tagged elsewhere", "<p>Body</p>")
    assert item.date_gmt == datetime.datetime(2011, 5, 6, 7, 8, 9, tzinfo=UTC)


def test_wxr_1_0_without_authors():
    records = read(FILES / "reader_wxr10.xml")
    assert [type(record) for record in records] == [WxrSite, WxrCategory, WxrTag, WxrItem]
    site, category, _tag, item = records
    assert (site.wxr_version, site.base_site_url) == ("1.0", "http://old.example")  # from the link
    assert (category.id, category.slug, category.name) == ("", "news", "News")
    assert item.creator == "olduser"  # the importer makes the author from dc:creator
    assert item.categories == [("news", "News")]
    assert item.tags == [("old", "Old")]  # WXR 1.0's domain="tag"
    assert item.comment_status == "closed"
    assert item.comments[0].type == ""


def test_multiline_author_fields():
    _site, author, item = read(FILES / "reader_multiline_authors.xml")
    assert author == WxrAuthor(
        id="2",
        login="ada",
        email="ada@example.com",
        display_name="Ada King, Countess of Lovelace",
        first_name="Augusta Ada",
        last_name="King",
        description="First line of the bio.\n\nSecond paragraph.",
        line=9,
    )
    assert item.creator == "ada"
    assert item.date_gmt is None  # a draft's 0000-00-00 00:00:00
    comment = item.comments[0]
    assert comment.author == "Charles Babbage"
    assert comment.content == "Line one\nline two"
    assert comment.approved == "0"


def test_a_later_parent_or_a_missing_one_is_read_as_written(tmp_path):
    path = write(
        tmp_path,
        export("""<item><wp:post_id>1</wp:post_id>
<wp:comment><wp:comment_id>3</wp:comment_id><wp:comment_parent>4</wp:comment_parent></wp:comment>
<wp:comment><wp:comment_id>4</wp:comment_id><wp:comment_parent>0</wp:comment_parent></wp:comment>
<wp:comment><wp:comment_id>5</wp:comment_id><wp:comment_parent>99</wp:comment_parent></wp:comment>
</item>"""),
    )
    assert [(c.id, c.parent_id) for c in only_item(path).comments] == [("3", "4"), ("4", "0"), ("5", "99")]


def test_every_status_is_read_as_written(tmp_path):
    statuses = ["publish", "future", "draft", "pending", "private", "trash", "auto-draft", "inherit"]
    approvals = ["1", "0", "spam", "trash", "post-trashed"]
    items = "".join(
        f"<item><wp:post_id>{n}</wp:post_id><wp:status>{status}</wp:status></item>"
        for n, status in enumerate(statuses, 1)
    )
    comments = "".join(
        f"<wp:comment><wp:comment_id>{n}</wp:comment_id><wp:comment_approved>{approved}</wp:comment_approved>"
        "</wp:comment>"
        for n, approved in enumerate(approvals, 1)
    )
    records = read(write(tmp_path, export(f"{items}<item><wp:post_id>99</wp:post_id>{comments}</item>")))
    items = of(records, WxrItem)
    assert [item.status for item in items[:-1]] == statuses
    assert [comment.approved for comment in items[-1].comments] == approvals


# Files that cannot be imported: a WxrError with the line and the reason.


def test_malformed_xml_names_the_line():
    error = error_from(FILES / "reader_malformed.xml")
    assert error.line == 11
    assert "malformed" in error.reason
    assert "title" in error.reason
    assert str(error).startswith("line 11: ")


def test_truncated_xml_names_the_line():
    error = error_from(FILES / "reader_truncated.xml")
    assert error.line == 13
    assert "cut short" in error.reason
    assert "\n" not in error.reason


def test_truncation_between_elements(tmp_path):
    text = export("<item><wp:post_id>1</wp:post_id></item>")
    error = error_from(write(tmp_path, text[: text.index("</channel>")]))
    assert error.line == 8
    assert "Premature end of data" in error.reason


def test_an_entity_bomb_is_refused_before_parsing():
    started = time.perf_counter()
    error = error_from(FILES / "reader_bomb.xml")
    assert time.perf_counter() - started < 1
    assert error.line == 2
    assert error.reason == "the file declares entities (a DTD); WordPress and Disqus exports never do"
    with pytest.raises(WxrError, match="declares entities"):
        count_items(FILES / "reader_bomb.xml")


def test_any_doctype_is_refused_even_after_long_comments(tmp_path):
    comments = "<!-- a comment -->\n" * 1000
    path = write(tmp_path, f'<?xml version="1.0"?>\n{comments}<!DOCTYPE rss SYSTEM "file:///etc/passwd">\n<rss/>')
    error = error_from(path)
    assert error.line == 1002
    assert "DTD" in error.reason


def test_a_wrong_namespace_is_refused():
    error = error_from(FILES / "reader_wrong_namespace.xml")
    assert error.line == 3
    assert "http://wordpress.com/export/1.2/" in error.reason
    assert "not a WordPress export" in error.reason


@pytest.mark.parametrize(
    ("wxr_version", "namespace", "reason"),
    [
        ("2.0", "http://wordpress.org/export/1.2/", "WXR version 2.0 cannot be read"),
        ("", "http://wordpress.org/export/1.2/", "no wp:wxr_version"),
        ("1.2", "http://wordpress.org/export/2.0/", "namespace is version 2.0"),
        ("1.2", "http://example.com/wp/", "not a WordPress export"),
    ],
)
def test_an_unknown_version_is_refused(tmp_path, wxr_version, namespace, reason):
    text = export("<item><wp:post_id>1</wp:post_id></item>", wxr_version=wxr_version, namespace=namespace)
    if not wxr_version:
        text = text.replace("<wp:wxr_version></wp:wxr_version>", "")
    with pytest.raises(WxrError, match=reason):
        read(write(tmp_path, text))


def test_a_bad_date_names_its_line():
    error = error_from(FILES / "reader_bad_date.xml")
    assert error.line == 12
    assert error.reason == "wp:comment_date_gmt is not a date like 2013-03-15 23:16:59: '2021-02-29 10:00:00'"


@pytest.mark.parametrize("date", ["15/03/2013", "2013-03-15", "2013-03-15T23:16:59", "2013-13-01 00:00:00", "soon"])
def test_malformed_post_dates_are_refused(tmp_path, date):
    path = write(tmp_path, export(f"<item><wp:post_id>1</wp:post_id>\n<wp:post_date>{date}</wp:post_date></item>"))
    with pytest.raises(WxrError, match="wp:post_date is not a date") as caught:
        read(path)
    assert caught.value.line == 8


@pytest.mark.parametrize(
    ("channel", "reason"),
    [
        ("<item><title>No id</title></item>", "<item> has no wp:post_id"),
        ("<item><wp:post_id>12a</wp:post_id></item>", "wp:post_id should be a number, not '12a'"),
        ("<item><wp:post_id>1</wp:post_id><wp:comment><wp:comment_parent>1</wp:comment_parent></wp:comment></item>",
         "<wp:comment> has no wp:comment_id"),
        ("<wp:author><wp:author_id>1</wp:author_id></wp:author>", "an author has no wp:author_login"),
        ("<wp:category><wp:cat_name>Nameless</wp:cat_name></wp:category>", "a category has no wp:category_nicename"),
    ],
)  # fmt: skip
def test_records_without_their_identity_are_refused(tmp_path, channel, reason):
    with pytest.raises(WxrError, match=reason) as caught:
        read(write(tmp_path, export(channel)))
    assert caught.value.line == 7


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("", "the file is empty"),
        ("<feed/>", "the document is <feed>, not <rss>"),
        ('<rss version="2.0"><item/></rss>', "the file has no <channel>"),
        ("<rss>\xff</rss>", "malformed"),
    ],
)
def test_files_that_are_not_exports_are_refused(tmp_path, text, reason):
    path = tmp_path / "export.xml"
    path.write_bytes(text.encode("latin-1"))
    with pytest.raises(WxrError, match=reason):
        read(path)


def test_a_missing_file_is_refused(tmp_path):
    with pytest.raises(WxrError, match="cannot read"):
        read(tmp_path / "nowhere.xml")


# Streaming: memory stays flat however large the file.

MEASURE = """
import resource, sys, tracemalloc
from blog.wordpress.wxr import WxrItem, read_wxr
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
tracemalloc.start()
items = comments = 0
for record in read_wxr(sys.argv[1]):
    if isinstance(record, WxrItem):
        items += 1
        comments += len(record.comments)
peak = tracemalloc.get_traced_memory()[1]
grown = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before
print(items, comments, peak, grown * 1024)

"""


def test_reading_a_large_file_keeps_memory_flat(generated_wxr):
    path = generated_wxr(posts=20_000)
    size = path.stat().st_size
    assert size > 20_000_000
    # In a fresh interpreter, so the resident size measures this read alone: tracemalloc sees Python's
    # allocations, not libxml2's, and without clearing what was read the tree would grow to ~4× the file.
    result = subprocess.run(
        [sys.executable, "-c", MEASURE, str(path)], cwd=settings.BASE_DIR, capture_output=True, text=True, check=True
    )
    items, comments, python_peak, resident_growth = map(int, result.stdout.split())
    assert (items, comments) == (20_000, 0)
    assert python_peak < size / 100
    assert resident_growth < size / 10
