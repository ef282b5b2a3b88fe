from pathlib import Path

import pytest

FILES = Path(__file__).parent / "files"
# WordPress's theme test data (../shared/fixtures/wordpress/wptest.xml), copied so a clone anywhere has it.
WPTEST = Path(__file__).resolve().parent / "files" / "wptest.xml"

HEADER = """<?xml version="1.0" encoding="UTF-8" ?>
<rss version="2.0"
	xmlns:excerpt="http://wordpress.org/export/1.2/excerpt/"
	xmlns:content="http://purl.org/rss/1.0/modules/content/"
	xmlns:dc="http://purl.org/dc/elements/1.1/"
	xmlns:wp="http://wordpress.org/export/1.2/">
<channel>
	<title>Generated</title>
	<link>https://generated.example</link>
	<wp:wxr_version>1.2</wp:wxr_version>
	<wp:base_site_url>https://generated.example</wp:base_site_url>
	<wp:base_blog_url>https://generated.example</wp:base_blog_url>
	<wp:author><wp:author_id>1</wp:author_id><wp:author_login><![CDATA[writer]]></wp:author_login></wp:author>
"""
ITEM = """	<item>
		<title><![CDATA[Post {post_id}]]></title>
		<link>https://generated.example/?p={post_id}</link>
		<dc:creator><![CDATA[writer]]></dc:creator>
		<content:encoded><![CDATA[{body}]]></content:encoded>
		<wp:post_id>{post_id}</wp:post_id>
		<wp:post_date><![CDATA[2020-01-01 10:00:00]]></wp:post_date>
		<wp:post_date_gmt><![CDATA[2020-01-01 09:00:00]]></wp:post_date_gmt>
		<wp:post_name><![CDATA[post-{post_id}]]></wp:post_name>
		<wp:status><![CDATA[publish]]></wp:status>
		<wp:post_type><![CDATA[post]]></wp:post_type>
{comments}	</item>
"""
COMMENT = """		<wp:comment>
			<wp:comment_id>{comment_id}</wp:comment_id>
			<wp:comment_author><![CDATA[Reader {comment_id}]]></wp:comment_author>
			<wp:comment_author_email><![CDATA[reader{comment_id}@example.com]]></wp:comment_author_email>
			<wp:comment_date_gmt><![CDATA[2020-01-02 09:00:00]]></wp:comment_date_gmt>
			<wp:comment_content><![CDATA[Comment {comment_id}.

Second paragraph.]]></wp:comment_content>
			<wp:comment_approved><![CDATA[1]]></wp:comment_approved>
			<wp:comment_parent>{parent_id}</wp:comment_parent>
		</wp:comment>
"""
BODY = "A paragraph of generated text, long enough to look like a post.\n\n" * 10


def write_wxr(path, *, posts, comments_per_post=0, depth=1):
    """Write a WXR 1.2 file of `posts` posts, each with `comments_per_post` comments in chains `depth` deep.

    Streams to disk, so files of any size cost no memory to make. Returns `path`.
    """
    comment_id = 0
    with open(path, "w", encoding="utf-8") as file:
        file.write(HEADER)
        for post_id in range(1, posts + 1):
            comments = []
            for index in range(comments_per_post):
                comment_id += 1
                parent_id = comment_id - 1 if index % depth else 0
                comments.append(COMMENT.format(comment_id=comment_id, parent_id=parent_id))
            file.write(ITEM.format(post_id=post_id, body=BODY, comments="".join(comments)))
        file.write("</channel>\n</rss>\n")
    return path


@pytest.fixture
def generated_wxr(tmp_path):
    """`generated_wxr(posts=…, comments_per_post=…, depth=…)`: the path of a generated WXR file (see `write_wxr`)."""

    def make(**options):
        return write_wxr(tmp_path / "generated.xml", **options)

    return make
