"""`export_wxr`: the site as WordPress's exporter writes it, and back again through `import_wxr`."""

import datetime
import os
import stat
from io import StringIO

import pytest
from django.contrib.redirects.models import Redirect
from django.core.management import call_command
from django.utils import timezone
from lxml import etree

from authors.models import Author, User
from blog.markup import html_to_text
from blog.models import Category, ImportedItem, Page, Post, Tag
from blog.wordpress.export import PAGE_ID_OFFSET
from blog.wordpress.wxr import WxrComment, WxrItem, WxrSite, read_wxr
from comments.models import Comment
from tests.factories import (
    AuthorFactory,
    CategoryFactory,
    PageFactory,
    PostFactory,
    TagFactory,
    UserFactory,
    comment_node,
    make_threads,
)
from tests.wordpress.conftest import WPTEST

NS = {"wp": "http://wordpress.org/export/1.2/", "content": "http://purl.org/rss/1.0/modules/content/"}
DAY = datetime.timedelta(days=1)


@pytest.fixture
def site(db):
    """A small site with every status of post and comment, nested terms, two bylines and awkward text."""
    writer = AuthorFactory(name="Ada & Co", slug="ada", user=UserFactory(username="ada", email="ada@example.com"))
    guest = AuthorFactory(name="Guest Writer", slug="guest")
    AuthorFactory(name="Silent Partner", slug="silent")  # no posts: exported all the same
    science = CategoryFactory(name="Science", slug="science")
    physics = CategoryFactory(name="Physics", slug="physics", parent=science)
    quantum = CategoryFactory(name="Quantum <Stuff>", slug="quantum", parent=physics)
    food = TagFactory(name="Fish & Chips", slug="fish-chips")
    fire = TagFactory(name="fire", slug="fire")
    now = timezone.now().replace(microsecond=0)
    published = PostFactory(
        title="Fish & Chips <3 — ünïcode ]]> included",
        slug="fish-and-chips",
        dek="Crisp & hot.",
        body=(
            "First paragraph with *emphasis*\nand a soft break.\n\n"
            "```\nif a < b and c ]]> d:\n    pass\n```\n\nLast one."
        ),
        published_at=now - 30 * DAY,
        authors=[writer, guest],
        categories=[quantum, science],
        tags=[food, fire],
        sticky=True,
    )
    PostFactory(title="Coming soon", slug="coming-soon", published_at=now + 3 * DAY, authors=[writer])
    PostFactory(title="For review", slug="for-review", status=Post.Status.PENDING, published_at=None, authors=[guest])
    PostFactory(
        title="Half written", slug="half-written", status=Post.Status.DRAFT, published_at=None, authors=[writer]
    )
    PostFactory(
        title="Closed talk",
        slug="closed-talk",
        published_at=now - 2 * DAY,
        discussion=Post.Discussion.CLOSED,
        tags=[fire],
    )
    imported = PostFactory(
        title="From WordPress",
        slug="from-wordpress",
        body_format=Post.BodyFormat.HTML,
        body="<p>Kept <b>as</b> HTML.</p>",
    )
    PageFactory(title="About", slug="about", body="We *are* here.")
    PageFactory(title="Someday", slug="someday", status=Page.Status.DRAFT)
    make_threads(
        published,
        comment_node(
            "Root",
            comment_node(
                "Level one",
                comment_node(
                    "Level two",
                    comment_node("Level three spam", status=Comment.Status.SPAM),
                    comment_node("Level three", comment_node("Level four removed", status=Comment.Status.REMOVED)),
                ),
                comment_node("Level two pending", status=Comment.Status.PENDING),
            ),
            comment_node("By the author", user=writer.user, badge=Comment.Badge.AUTHOR),
        ),
        comment_node("Second root ]]> tricky", ip_address="192.0.2.7", website="https://reader.example/"),
        comment_node("Third root pending", status=Comment.Status.PENDING),
    )
    make_threads(imported, comment_node("Lonely"))
    return published


def export(tmp_path):
    path = tmp_path / "site.xml"
    call_command("export_wxr", str(path), stdout=StringIO())
    return path


def seconds(moment):
    return moment and moment.replace(microsecond=0)


def words(text):
    """Text without its whitespace: wpautop may put a newline between two blocks that had none."""
    return "".join(text.split())


def snapshot():
    """Everything the round trip must keep, in plain values."""
    posts = {}
    for post in Post.objects.prefetch_related("categories", "tags", "postauthor_set__author"):
        posts[post.slug] = {
            "title": post.title,
            "status": post.status,
            # WordPress keeps whole seconds, and a pending post has no date until it is published.
            "published_at": seconds(post.published_at) if post.status != Post.Status.PENDING else None,
            "scheduled": post.is_scheduled,
            "text": words(post.body_text),
            "dek": post.dek,
            "categories": {c.slug for c in post.categories.all()},
            "tags": {(t.slug, t.name) for t in post.tags.all()},
            "sticky": post.sticky,
            "closed": post.discussion == Post.Discussion.CLOSED,
            "author": post.byline[0].slug if post.byline else None,
            "comments": {
                c.body: (
                    c.parent.body if c.parent else None,
                    c.status,
                    c.name,
                    c.email,
                    c.ip_address,
                    seconds(c.created_at),
                )
                for c in post.comments.select_related("parent")
            },
        }
    return {
        "posts": posts,
        "pages": {p.slug: (p.title, p.status, words(html_to_text(p.body_html))) for p in Page.objects.all()},
        "categories": {c.slug: (c.name, c.parent.slug if c.parent else None) for c in Category.objects.all()},
        "authors": {a.slug: a.name for a in Author.objects.all()},
    }


def empty_the_site():
    Post.objects.all().delete()
    Page.objects.all().delete()
    while Category.objects.exists():
        Category.objects.filter(children__isnull=True).delete()
    Tag.objects.all().delete()
    Author.objects.all().delete()
    User.objects.all().delete()
    Redirect.objects.all().delete()
    ImportedItem.objects.all().delete()


def test_the_export_is_wordpress_wxr_1_2(tmp_path, site):
    path = export(tmp_path)

    tree = etree.parse(str(path), etree.XMLParser(resolve_entities=False, no_network=True))
    channel = tree.getroot().find("channel")
    assert tree.getroot().tag == "rss"
    assert channel.findtext("wp:wxr_version", namespaces=NS) == "1.2"
    assert channel.findtext("wp:base_site_url", namespaces=NS) == "https://colloquy.example"
    assert len(channel.findall("wp:author", NS)) == Author.objects.count()  # with or without posts
    categories = {c.findtext("wp:category_nicename", namespaces=NS): c for c in channel.findall("wp:category", NS)}
    assert categories["quantum"].findtext("wp:category_parent", namespaces=NS) == "physics"
    order = [c.findtext("wp:category_nicename", namespaces=NS) for c in channel.findall("wp:category", NS)]
    assert order.index("science") < order.index("physics") < order.index("quantum")  # parents first
    items = channel.findall("item")
    assert [i.findtext("wp:post_type", namespaces=NS) for i in items].count("page") == 2
    statuses = {i.findtext("wp:post_name", namespaces=NS): i.findtext("wp:status", namespaces=NS) for i in items}
    assert statuses == {
        "fish-and-chips": "publish",
        "coming-soon": "future",
        "for-review": "pending",
        "half-written": "draft",
        "closed-talk": "publish",
        "from-wordpress": "publish",
        "about": "publish",
        "someday": "draft",
    }
    page_ids = [
        int(i.findtext("wp:post_id", namespaces=NS))
        for i in items
        if i.findtext("wp:post_type", namespaces=NS) == "page"
    ]
    assert all(pk > PAGE_ID_OFFSET for pk in page_ids)
    approved = [c.findtext("wp:comment_approved", namespaces=NS) for c in tree.iterfind(".//wp:comment", NS)]
    assert sorted(set(approved)) == ["0", "1", "spam", "trash"]


def test_cdata_inside_cdata_is_split_as_wordpress_does(tmp_path, site):
    path = export(tmp_path)

    raw = path.read_text(encoding="utf-8")
    assert "]]]]><![CDATA[>" in raw
    tree = etree.parse(str(path))
    contents = [c.findtext("wp:comment_content", namespaces=NS) for c in tree.iterfind(".//wp:comment", NS)]
    assert "Second root ]]> tricky writes." in contents
    body = next(i for i in tree.iterfind(".//item") if i.findtext("wp:post_name", namespaces=NS) == "fish-and-chips")
    assert "c ]]&gt; d" in body.findtext("content:encoded", namespaces=NS)


def test_the_export_reads_back_with_our_reader(tmp_path, site):
    path = export(tmp_path)

    records = list(read_wxr(path))

    assert isinstance(records[0], WxrSite) and records[0].wxr_version == "1.2"
    items = {r.name: r for r in records if isinstance(r, WxrItem)}
    post = items["fish-and-chips"]
    assert post.creator == "ada"
    assert post.is_sticky
    assert {slug for slug, _name in post.categories} == {"quantum", "science"}
    assert post.postmeta["_colloquy_markdown"] == site.body
    comments = {c.content: c for c in post.comments}
    assert all(isinstance(c, WxrComment) for c in comments.values())
    root = comments["Root writes."]
    assert comments["Level one writes."].parent_id == root.id
    assert comments["By the author writes."].user_id == str(Author.objects.get(slug="ada").pk)
    assert comments["Second root ]]> tricky writes."].ip == "192.0.2.7"
    assert items["half-written"].date_gmt is None


def test_only_the_named_file_is_written_and_only_its_owner_may_read_it(tmp_path, site, capsys):
    path = tmp_path / "private.xml"

    call_command("export_wxr", str(path))

    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert os.listdir(tmp_path) == ["private.xml"]
    output = capsys.readouterr().out
    assert "email" in output and "private" in output
    assert "ada@example.com" not in output and "ada@example.com" in path.read_text()


def test_the_export_streams_a_large_site_in_chunks(tmp_path, site, django_assert_max_num_queries):
    for _ in range(3):
        PostFactory.create_batch(120, authors=[])
    path = tmp_path / "big.xml"

    # Per chunk of 100 posts: the posts, bylines, categories, tags and comments, never per post.
    with django_assert_max_num_queries(40):
        call_command("export_wxr", str(path), stdout=StringIO())

    assert sum(1 for r in read_wxr(path) if isinstance(r, WxrItem)) == 6 + 360 + 2


def test_a_round_trip_through_import_wxr_gives_the_same_site(tmp_path, site):
    before = snapshot()
    path = export(tmp_path)
    empty_the_site()

    # With logins, so the author's own comment can keep its badge.
    call_command("import_wxr", str(path), create_users=True, stdout=StringIO())
    after = snapshot()

    assert after["authors"] == before["authors"]
    assert after["categories"] == before["categories"]
    assert after["posts"].keys() == before["posts"].keys()
    for slug, post in before["posts"].items():
        again = after["posts"][slug]
        for key, value in post.items():
            if key == "comments":
                continue
            assert again[key] == value, f"{slug}: {key} was {value!r}, is {again[key]!r}"
        assert again["comments"] == post["comments"], f"{slug}: comment trees differ"
    assert len(after["posts"]["fish-and-chips"]["comments"]) == 10
    assert after["pages"] == before["pages"]
    assert Comment.objects.get(body="By the author writes.").badge == Comment.Badge.AUTHOR
    call_command("check_comment_trees", stdout=StringIO())


def test_wptest_imported_exported_and_imported_again_is_the_same_site(tmp_path, db):
    call_command("import_wxr", str(WPTEST), create_users=True, stdout=StringIO())
    before = snapshot()
    assert sum(len(post["comments"]) for post in before["posts"].values()) >= 25
    path = export(tmp_path)
    empty_the_site()

    call_command("import_wxr", str(path), create_users=True, stdout=StringIO())

    after = snapshot()
    for kind in ("authors", "categories", "pages"):
        changed = {
            key: (value, after[kind].get(key)) for key, value in before[kind].items() if after[kind].get(key) != value
        }
        assert not changed, f"{kind}: {changed}"
    assert after["posts"].keys() == before["posts"].keys()
    for slug, post in before["posts"].items():
        changed = {
            key: (value, after["posts"][slug][key]) for key, value in post.items() if after["posts"][slug][key] != value
        }
        assert not changed, f"{slug}: {changed}"


@pytest.mark.django_db(transaction=True)
def test_outside_a_transaction_the_export_reads_one_snapshot(tmp_path):
    """As the command runs for real: its own transaction, repeatable read, even on a site never set up."""
    PostFactory(title="Only post")
    path = tmp_path / "site.xml"

    call_command("export_wxr", str(path), stdout=StringIO())

    assert [r.title for r in read_wxr(path) if isinstance(r, WxrItem)] == ["Only post"]
