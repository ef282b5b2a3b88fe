import datetime
import io
import random
import time
from pathlib import Path
from xml.sax.saxutils import escape

import pytest
from django.contrib.redirects.models import Redirect
from django.contrib.sites.models import Site
from django.core.management import CommandError, call_command

from blog.models import ImportedItem
from comments.models import Comment
from tests.factories import PageFactory, PostFactory

pytestmark = pytest.mark.django_db

FILES = Path(__file__).parent / "files"
BLOG = FILES / "disqus_blog.xml"
SOURCE = "disqus:oldblog"
EMAILS = [
    "zoe@example.org",
    "taro@example.jp",
    "bob@example.com",
    "spammer@spam.example",
    "regret@example.com",
    "orphan@example.com",
]


def run(path, *args):
    output = io.StringIO()
    call_command("import_disqus", str(path), *args, stdout=output)
    return output.getvalue()


def at(year, month, day=1):
    return datetime.datetime(year, month, day, 9, tzinfo=datetime.UTC)


@pytest.fixture
def posts():
    """The posts the old blog's threads were on: one at the same address, one moved, one only reachable by map."""
    hello = PostFactory(title="Hello world", slug="hello-world", published_at=at(2013, 5, 4))
    moved = PostFactory(title="New slug", slug="new-slug", published_at=at(2014, 2))
    Redirect.objects.create(
        site=Site.objects.get_current(), old_path="/2012/01/old-slug/", new_path=moved.get_absolute_url()
    )
    legacy = PostFactory(title="Legacy, revisited", slug="legacy-thing-revisited", published_at=at(2015, 3))
    # A page at the unmatched thread's address: comments belong to posts only.
    PageFactory(slug="about-us")
    return {"hello": hello, "moved": moved, "legacy": legacy}


def imported(kind=ImportedItem.Kind.COMMENT):
    """{Disqus id: the row it became} for the comments (or threads) imported from the old blog."""
    items = ImportedItem.objects.filter(source=SOURCE, kind=kind)
    if kind == ImportedItem.Kind.THREAD:
        return dict(items.values_list("source_id", "object_id"))
    comments = Comment.objects.in_bulk([item.object_id for item in items])
    return {item.source_id: comments[item.object_id] for item in items if item.object_id in comments}


def parent_of(comments, disqus_id):
    """The Disqus id of the comment's parent here (None at the top level)."""
    by_pk = {comment.pk: source_id for source_id, comment in comments.items()}
    return by_pk.get(comments[disqus_id].parent_id)


def assert_sound_trees():
    output = io.StringIO()
    call_command("check_comment_trees", stdout=output)
    assert "no problems" in output.getvalue()


def test_threads_match_posts_by_address_and_through_a_redirect(posts):
    output = run(BLOG)

    assert ImportedItem.objects.filter(source=SOURCE, kind="thread").count() == 2
    assert imported(ImportedItem.Kind.THREAD) == {"3000001": posts["hello"].pk, "3000002": posts["moved"].pk}
    comments = imported()
    assert len(comments) == 10
    assert {comments[i].post for i in ("5000001", "5000005", "5000006", "5000008")} == {posts["hello"]}
    assert {comments[i].post for i in ("5000011", "5000012")} == {posts["moved"]}
    assert "Threads matched: 2 (1 by address, 1 through a redirect)" in output
    assert "Threads unmatched: 2 with comments, 1 without" in output
    assert "http://oldblog.example.com/about-us/ (2 comment(s)): no post at this address" in output
    assert "http://oldblog.example.com/p/legacy-thing.html (1 comment(s)): no post at this address" in output
    assert "Comments skipped: 3 (3 their thread matches no post)" in output
    assert not Comment.objects.filter(post=posts["legacy"]).exists()
    assert_sound_trees()


def test_nesting_statuses_and_authors_are_kept(posts):
    output = run(BLOG)

    comments = imported()
    # A chain four replies deep; 5000003 came before its parent 5000002 in the file.
    chain = ["5000001", "5000002", "5000003", "5000004", "5000005"]
    assert [parent_of(comments, i) for i in chain] == [None, *chain[:-1]]
    assert [comments[i].level for i in chain] == [0, 1, 2, 3, 4]
    assert parent_of(comments, "5000007") == "5000001"
    assert parent_of(comments, "5000012") == "5000011"
    # Its parent is not in the file: kept, at the top level, and reported.
    assert parent_of(comments, "5000008") is None
    assert "Missing parents (made top-level comments): 1" in output
    assert "comment 5000008 (line 208): parent 5999999 is not in the file, or not in this thread" in output
    assert "Maximum thread depth: 5" in output
    assert "Comments imported: 10 (0 pending, 8 approved, 1 spam, 1 removed)" in output
    assert comments["5000006"].status == Comment.Status.SPAM
    assert comments["5000007"].status == Comment.Status.REMOVED
    assert comments["5000001"].status == Comment.Status.APPROVED
    zoe = comments["5000001"]
    assert (zoe.name, zoe.email, zoe.ip_address) == ("Zoë Łukasiewicz", "zoe@example.org", "198.51.100.7")
    assert zoe.created_at == datetime.datetime(2013, 5, 4, 12, 34, 56, tzinfo=datetime.UTC)
    assert comments["5000003"].name == "山田太郎"
    assert comments["5000003"].ip_address == "2001:db8::7"
    assert (comments["5000005"].name, comments["5000005"].email) == ("Guest", "")
    assert comments["5000008"].ip_address is None  # "not an address"
    posts["hello"].refresh_from_db()
    assert posts["hello"].comment_count == 6  # approved only: not the spam, the removed one


def test_the_public_page_shows_sanitised_comments_and_no_email(posts, client):
    run(BLOG)

    page = client.get(posts["hello"].get_absolute_url()).content.decode()

    assert "Zoë Łukasiewicz" in page
    assert "山田太郎" in page
    assert "Lovely <em>post</em>." in page
    assert 'href="http://example.net/ref"' in page
    assert "steal()" not in page
    assert "alert(1)" not in page
    assert "Cheap watches" not in page
    assert "regret writing" not in page
    for email in [*EMAILS, "editor@oldblog.example.com"]:
        assert email not in page
    assert "198.51.100.7" not in page


def test_a_second_run_creates_nothing(posts):
    run(BLOG)
    before = (Comment.objects.count(), ImportedItem.objects.count())

    output = run(BLOG)

    assert (Comment.objects.count(), ImportedItem.objects.count()) == before
    assert "Threads matched: 2 (2 imported before)" in output
    assert "Comments imported: 0 " in output
    assert "Comments imported before: 10" in output
    assert_sound_trees()


def test_an_overlapping_export_adds_only_new_comments_and_replies_through_the_write_path(posts):
    run(BLOG)

    output = run(FILES / "disqus_overlap.xml")

    comments = imported()
    assert len(comments) == 13
    assert Comment.objects.count() == 13
    heidi, ivan, judy = comments["5000009"], comments["5000010"], comments["5000013"]
    # 5000005 sits at the maximum reply depth (5): replies go beside it, naming whom they answer.
    assert (parent_of(comments, "5000009"), heidi.in_reply_to_id) == ("5000004", comments["5000005"].pk)
    assert (parent_of(comments, "5000010"), ivan.in_reply_to_id) == ("5000004", heidi.pk)
    assert heidi.tree_id == comments["5000001"].tree_id
    assert heidi.body_html == "<p>Answering the deepest comment, years later.</p>"
    assert (judy.post, judy.parent) == (posts["moved"], None)
    assert "Comments imported: 3 (0 pending, 3 approved, 0 spam, 0 removed)" in output
    assert "Comments imported before: 10" in output
    assert "Replies to comments imported before: 2, written one by one (2 placed beside" in output
    posts["hello"].refresh_from_db()
    assert posts["hello"].comment_count == 8
    assert_sound_trees()


@pytest.mark.parametrize(
    ("key", "target"),
    [
        ("http://oldblog.example.com/p/legacy-thing.html", "legacy-thing-revisited"),
        ("3000004", "/2015/03/legacy-thing-revisited/"),
        ("legacy-thing", "https://new.example.com/2015/03/legacy-thing-revisited/"),
    ],
)
def test_the_map_matches_a_thread_by_link_id_or_identifier(posts, tmp_path, key, target):
    mapping = tmp_path / "threads.csv"
    mapping.write_text(f"# Disqus thread, post\n\n{key},{target}\n", encoding="utf-8")

    output = run(BLOG, "--map", str(mapping))

    comments = imported()
    assert comments["5000031"].post == posts["legacy"]
    assert "Threads matched: 3 (1 by address, 1 by the map, 1 through a redirect)" in output
    assert_sound_trees()


def test_a_map_line_naming_no_post_changes_nothing(posts, tmp_path):
    mapping = tmp_path / "threads.csv"
    mapping.write_text("3000003,about-us\n3000004,no-such-post\n", encoding="utf-8")

    with pytest.raises(CommandError, match=r"^--map line 1: no post at 'about-us'"):
        run(BLOG, "--map", str(mapping))

    assert not Comment.objects.exists()
    assert not ImportedItem.objects.exists()


def test_a_bad_date_mid_file_changes_nothing(posts):
    with pytest.raises(CommandError, match=r"^line 242: <createdAt> '2012-13-45T10:00:00Z' is not an ISO 8601 date"):
        run(FILES / "disqus_bad_date.xml")

    assert not Comment.objects.exists()
    assert not ImportedItem.objects.exists()


def test_a_failed_import_leaves_an_earlier_one_intact(posts):
    run(BLOG)

    with pytest.raises(CommandError):
        run(FILES / "disqus_bad_date.xml")

    assert Comment.objects.count() == 10
    assert_sound_trees()


def test_truncated_xml_reports_its_line_and_changes_nothing(posts):
    with pytest.raises(CommandError, match=r"^line 229: malformed XML: .*\(nothing was imported\)$"):
        run(FILES / "disqus_truncated.xml")

    assert not Comment.objects.exists()


def test_an_entity_bomb_is_refused_unexpanded(posts):
    started = time.monotonic()

    with pytest.raises(CommandError, match=r"^line \d+: the file declares entities \(a DTD\)"):
        run(FILES / "disqus_entity_bomb.xml")

    assert time.monotonic() - started < 5
    assert not Comment.objects.exists()


def test_a_file_that_is_not_a_disqus_export_is_refused(posts, tmp_path):
    wxr = tmp_path / "wordpress.xml"
    wxr.write_text('<?xml version="1.0"?>\n<rss version="2.0"><channel><title>WP</title></channel></rss>\n')

    with pytest.raises(CommandError, match=r"^line 2: not a Disqus export: the root element is <rss>"):
        run(wxr)


def test_a_dry_run_reports_and_writes_nothing(posts):
    output = run(BLOG, "--dry-run")

    assert "(dry run: nothing was written)" in output
    assert "Comments imported: 10 (0 pending, 8 approved, 1 spam, 1 removed)" in output
    assert "Maximum thread depth: 5" in output
    assert not Comment.objects.exists()
    assert not ImportedItem.objects.exists()
    posts["hello"].refresh_from_db()
    assert posts["hello"].comment_count == 0


def disqus_xml(path, threads, posts, forum="generated"):
    """Write a Disqus export: threads as (id, link[, deleted]), posts as (id, thread id, parent id or "", name)."""
    lines = [
        '<?xml version="1.0" encoding="utf-8"?>',
        '<disqus xmlns="http://disqus.com" xmlns:dsq="http://disqus.com/disqus-internals">',
        f'<category dsq:id="1"><forum>{forum}</forum><title>General</title></category>',
    ]
    for thread_id, link, *deleted in threads:
        lines.append(
            f'<thread dsq:id="{thread_id}"><id /><forum>{forum}</forum><link>{escape(link)}</link>'
            f"<title>Thread {thread_id}</title><isDeleted>{'true' if deleted else 'false'}</isDeleted></thread>"
        )
    for post_id, thread_id, parent_id, name in posts:
        parent = f'<parent dsq:id="{parent_id}" />' if parent_id else ""
        lines.append(
            f'<post dsq:id="{post_id}"><id /><message><![CDATA[<p>Comment {post_id} by {escape(name)}</p>]]></message>'
            "<createdAt>2020-01-01T10:00:00Z</createdAt><isDeleted>false</isDeleted><isSpam>false</isSpam>"
            f"<author><email>{name.lower()}@example.com</email><name>{escape(name)}</name>"
            "<isAnonymous>false</isAnonymous></author><ipAddress>192.0.2.10</ipAddress>"
            f'<thread dsq:id="{thread_id}" />{parent}</post>'
        )
    lines.append("</disqus>")
    path.write_text("\n".join(lines), encoding="utf-8")
    return path


def test_a_loop_of_parents_is_broken_and_reported(tmp_path):
    post = PostFactory()
    export = disqus_xml(
        tmp_path / "loop.xml",
        [("10", f"https://old.example.com{post.get_absolute_url()}")],
        [("1", "10", "", "Root"), ("2", "10", "3", "Ann"), ("3", "10", "2", "Ben"), ("4", "10", "3", "Cy")],
    )

    output = run(export)

    assert Comment.objects.filter(post=post).count() == 4
    assert "Missing parents (made top-level comments): 1" in output
    assert "parent 3 is in a loop of parents" in output
    assert_sound_trees()


def test_comments_of_a_thread_deleted_on_disqus_stay_hidden(tmp_path):
    post = PostFactory()
    export = disqus_xml(
        tmp_path / "deleted.xml", [("10", post.get_absolute_url(), "deleted")], [("1", "10", "", "Ann")]
    )

    output = run(export)

    assert Comment.objects.get().status == Comment.Status.REMOVED
    assert "1 of them removed because their thread was deleted on Disqus" in output


def test_twenty_thousand_comments(tmp_path):
    """A rough timing on a generated export: 100 posts, 200 comments each, nested at random."""
    rng = random.Random(6)
    threads, comments = [], []
    for number in range(100):
        post = PostFactory(slug=f"busy-{number}", published_at=at(2020, 1))
        thread_id = f"t{number}"
        threads.append((thread_id, f"https://old.example.com{post.get_absolute_url()}"))
        ids = []
        for reply in range(200):
            parent = rng.choice(ids) if ids and rng.random() < 0.7 else ""
            ids.append(f"{thread_id}-{reply}")
            comments.append((ids[-1], thread_id, parent, f"Reader{reply}"))
    rng.shuffle(comments)  # replies before their parents, threads interleaved
    export = disqus_xml(tmp_path / "big.xml", threads, comments)

    started = time.monotonic()
    output = run(export, "--verbosity", "0")
    elapsed = time.monotonic() - started

    print(f"import_disqus: 20,000 comments in {elapsed:.1f} s")
    assert Comment.objects.count() == 20_000
    assert "Missing parents (made top-level comments): 0" in output
    assert_sound_trees()


def test_a_reply_to_a_comment_deleted_since_the_first_import_goes_to_the_top_level(posts):
    run(BLOG)
    imported()["5000005"].delete()

    output = run(FILES / "disqus_overlap.xml")

    comments = imported()
    assert comments["5000009"].parent is None
    assert parent_of(comments, "5000010") == "5000009"
    assert "parent 5000005 was imported before and has been deleted since" in output
    assert_sound_trees()
