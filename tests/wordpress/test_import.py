"""Importing a WordPress export: what maps to what, threading, statuses, media, idempotency and atomicity."""

import datetime
import re
from io import StringIO
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.core.files.storage import default_storage
from django.core.management import CommandError, call_command
from lxml import etree

from authors.models import Author
from blog.images import rendition_name, rendition_widths
from blog.models import Category, ImportedItem, Page, Post, PostImage, Tag
from blog.wordpress.importer import import_wxr
from blog.wordpress.wxr import WxrComment, WxrItem, WxrSite
from comments.models import Comment
from tests.factories import AuthorFactory, PostFactory, UserFactory
from tests.images import image_bytes
from tests.wordpress.conftest import FILES, WPTEST

pytestmark = pytest.mark.django_db


STATUSES = FILES / "import_statuses.xml"
SOURCE = "https://old.example"
WP = "{http://wordpress.org/export/1.2/}"
NOW = datetime.datetime(2024, 5, 1, 12, tzinfo=datetime.UTC)


def run_import(path, *args):
    """Run import_wxr and return what it printed."""
    out = StringIO()
    call_command("import_wxr", str(path), *args, stdout=out)
    return out.getvalue()


def imported(kind, source_id, model, source=SOURCE):
    """The object an import made of a source item."""
    return model.objects.get(pk=ImportedItem.objects.get(source=source, kind=kind, source_id=source_id).object_id)


def comment(source_id, source=SOURCE):
    return imported("comment", str(source_id), Comment, source)


def file_comments(path):
    """{comment ID: (parent ID, type)} as the file has them (read with entities and the network off)."""
    parser = etree.XMLParser(resolve_entities=False, no_network=True)
    tree = etree.parse(str(path), parser)
    return {
        element.findtext(f"{WP}comment_id"): (
            element.findtext(f"{WP}comment_parent"),
            element.findtext(f"{WP}comment_type"),
        )
        for element in tree.iter(f"{WP}comment")
    }


def database_counts():
    return {
        model.__name__: model.objects.count()
        for model in (Post, Page, Comment, Author, Category, Tag, PostImage, ImportedItem, get_user_model())
    }


# The theme test data, end to end.


def test_the_wordpress_theme_test_data_imports_whole(client):
    out = run_import(WPTEST)

    assert Post.objects.count() == 37
    assert Post.objects.published().count() == 35
    scheduled = Post.objects.get(status=Post.Status.PUBLISHED, published_at__year=2050)
    assert scheduled.is_scheduled
    assert Page.objects.count() == 15
    assert Comment.objects.count() == 25  # 30 in the file: 4 pingbacks, and 1 on a page (ours take none)
    assert set(Comment.objects.values_list("status", flat=True)) == {Comment.Status.APPROVED}
    assert max(Comment.objects.values_list("level", flat=True)) + 1 == 10
    for comment_id, (parent_id, comment_type) in file_comments(WPTEST).items():
        if comment_type == "pingback" or comment_id == "2":  # comment 2 is on a page
            continue
        parent = comment(comment_id, "http://wptest.io/demo").parent
        if parent_id == "0":
            assert parent is None
        else:
            assert parent == comment(parent_id, "http://wptest.io/demo")
    assert re.search(r"Skipped\s+.*comments on pages 1.*nav_menu_item 102.*pingbacks 4", out)
    assert re.search(r"Max thread depth\s+10", out)
    call_command("check_comment_trees", stdout=StringIO())


def test_the_theme_test_datas_categories_keep_their_hierarchy():
    run_import(WPTEST)

    parent = Category.objects.get(slug="parent-category")
    child = Category.objects.get(slug="child-category-03")
    assert child.parent == parent
    assert Category.objects.get(slug="grandchild-category").parent == child
    assert set(parent.children.values_list("slug", flat=True)) == {f"child-category-0{n}" for n in range(1, 6)}


def test_the_password_protected_post_is_a_draft_and_never_public(client):
    out = run_import(WPTEST)

    post = imported("post", "131", Post, "http://wptest.io/demo")
    assert post.status == Post.Status.DRAFT
    assert post not in Post.objects.published()
    assert "Password Protected" in out.split("Kept as drafts, never public:")[1]
    assert client.get("/").status_code == 200
    assert "should not be visible until the password" not in client.get("/search/", {"q": "password"}).text


def test_no_commenters_email_reaches_a_public_page(client):
    run_import(WPTEST)

    emails = {email for email in Comment.objects.values_list("email", flat=True) if email}
    assert emails
    pages = ["/", "/feed/"] + [post.get_absolute_url() for post in Post.objects.published().filter(comment_count__gt=0)]
    for url in pages:
        text = client.get(url).text
        assert not any(email in text for email in emails), url


# Posts, pages and terms.


def test_every_post_status_maps_to_ours():
    out = run_import(STATUSES)

    def post(source_id):
        return imported("post", source_id, Post)

    assert post("10").status == Post.Status.PUBLISHED and post("10").is_public
    assert post("11").is_scheduled and post("11").published_at.year == 2099
    assert post("12").status == Post.Status.DRAFT and post("12").published_at is None
    assert post("13").status == Post.Status.PENDING
    for secret in ("14", "15"):  # private, and published with a password
        assert post(secret).status == Post.Status.DRAFT
        assert post(secret) not in Post.objects.published()
    assert "Secret diary (private)" in out and "Members only (password-protected)" in out
    assert not ImportedItem.objects.filter(kind="post", source_id__in=["16", "17"]).exists()
    assert re.search(r"Posts\s+published 3, scheduled 1, draft 3, pending 1", out)
    assert re.search(r"posts with status auto-draft 1, posts with status trash 1", out)
    assert "nav_menu_item 1" in out and "wp_template 1" in out


def test_a_post_keeps_its_fields():
    run_import(STATUSES)

    post = imported("post", "10", Post)
    assert post.title == "Hello"
    assert post.slug == "hello"
    assert post.published_at == datetime.datetime(2020, 1, 1, 12, tzinfo=datetime.UTC)
    assert post.dek == "The first post."
    assert post.body_format == Post.BodyFormat.HTML
    assert "<p>First paragraph of Hello.</p>" in post.body_html
    assert "<br" in post.body_html  # a single newline is a line break, as wpautop makes it
    assert post.sticky
    assert post.discussion == Post.Discussion.CLOSED
    assert imported("post", "18", Post).discussion == Post.Discussion.DEFAULT  # "open" obeys the site's rules
    assert [author.name for author in post.byline] == ["Ada Lovelace"]
    assert set(post.categories.values_list("slug", flat=True)) == {"news", "local"}
    assert list(post.tags.values_list("name", flat=True)) == ["Engines"]
    assert Category.objects.get(slug="local").parent == Category.objects.get(slug="news")


def test_a_non_ascii_slug_becomes_ours_and_what_cannot_be_rendered_is_counted():
    out = run_import(STATUSES)

    assert imported("post", "23", Post).slug == "cafe-society"
    assert "post 'café-society' → 'cafe-society'" in out
    assert re.search(r"Not rendered\s+myplugin 1", out)


def test_a_missing_gmt_date_falls_back_to_the_local_date_in_the_sites_time_zone(settings):
    settings.TIME_ZONE = "America/New_York"

    run_import(STATUSES)

    assert imported("post", "18", Post).published_at == datetime.datetime(2020, 2, 2, 15, tzinfo=datetime.UTC)


def test_pages_become_pages_and_only_published_ones_show():
    out = run_import(STATUSES)

    assert imported("page", "20", Page).status == Page.Status.PUBLISHED
    assert imported("page", "20", Page).slug == "about"
    assert imported("page", "21", Page).status == Page.Status.DRAFT
    assert imported("page", "22", Page).status == Page.Status.DRAFT
    assert "page Private page (private)" in out
    assert re.search(r"Pages\s+published 1, draft 2", out)


def test_duplicate_slugs_get_a_suffix_and_are_reported():
    PostFactory(slug="hello")

    out = run_import(STATUSES)

    assert imported("post", "10", Post).slug == "hello-2"
    assert imported("post", "11", Post).slug == "hello-3"
    assert "post 'hello' → 'hello-2'" in out and "post 'hello' → 'hello-3'" in out


def test_a_page_never_takes_a_slug_our_routes_answer(tmp_path):
    source = STATUSES.read_text().replace("<![CDATA[about]]>", "<![CDATA[search]]>")
    (tmp_path / "search.xml").write_text(source)

    out = run_import(tmp_path / "search.xml")

    assert imported("page", "20", Page).slug == "search-2"
    assert "page 'search' → 'search-2'" in out


# Comments.


def test_every_comment_status_maps_to_ours_and_pings_are_skipped():
    out = run_import(STATUSES)

    assert comment(101).status == Comment.Status.APPROVED
    assert comment(102).status == Comment.Status.PENDING
    assert comment(103).status == Comment.Status.SPAM
    assert comment(104).status == Comment.Status.REMOVED  # trash
    assert comment(106).status == Comment.Status.REMOVED  # post-trashed
    assert not ImportedItem.objects.filter(kind="comment", source_id__in=["107", "108"]).exists()
    assert re.search(r"Comments\s+pending 1, approved 2, spam 1, removed 2", out)
    assert "pingbacks 1" in out and "trackbacks 1" in out
    assert imported("post", "10", Post).comment_count == 2


def test_comments_keep_their_threading_and_their_details():
    run_import(STATUSES)

    assert comment(101).parent is None
    assert comment(103).parent == comment(101)
    assert comment(105).parent == comment(101)
    assert comment(102).parent == comment(105)  # its parent comes later in the file
    first = comment(101)
    assert (first.name, first.email, first.website, first.ip_address) == (
        "Reader",
        "first@example.com",
        "https://reader.example/",
        "192.0.2.1",
    )
    assert first.created_at == datetime.datetime(2020, 1, 2, 10, tzinfo=datetime.UTC)
    assert first.body_html.startswith("<p>Comment 101 says hello.</p>")
    call_command("check_comment_trees", stdout=StringIO())


def test_only_approved_comments_show_under_the_imported_post(client):
    run_import(STATUSES)

    page = client.get(imported("post", "10", Post).get_absolute_url()).text

    assert "Comment 101 says hello." in page and "Comment 105 says hello." in page
    for hidden in (102, 103, 104, 106):
        assert f"Comment {hidden} says hello." not in page
    assert "first@example.com" not in page and "192.0.2.1" not in page


def test_unsafe_commenter_details_are_dropped():
    site = WxrSite(wxr_version="1.2", base_site_url=SOURCE, base_blog_url=SOURCE)
    item = WxrItem(id="1", post_type="post", title="Post", status="publish", date_gmt=NOW)
    item.comments = [
        WxrComment(id="2", parent_id="0", author="<b>Mallory</b>", url="javascript:alert(1)", ip="nonsense"),
        WxrComment(id="3", parent_id="2", content="<script>alert(1)</script>Hi <a href='javascript:x'>there</a>"),
    ]

    import_wxr([site, item])

    mallory, reply = comment(2), comment(3)
    assert (mallory.name, mallory.website, mallory.ip_address) == ("Mallory", "", None)
    assert "<script" not in reply.body_html and "javascript:" not in reply.body_html
    assert reply.parent == mallory


def test_a_comment_whose_parent_is_missing_becomes_top_level_and_is_reported():
    out = run_import(STATUSES)

    assert comment(104).parent is None
    assert "comment 104 on 'Hello': its parent 999 is not in the file; made top-level" in out


def test_the_post_authors_own_comment_is_badged_when_the_author_has_a_login():
    run_import(STATUSES, "--create-users")

    ada = Author.objects.get(slug="ada")
    assert comment(105).user == ada.user
    assert comment(105).badge == Comment.Badge.AUTHOR
    assert comment(101).badge == Comment.Badge.NONE


# Authors.


def test_authors_are_made_from_the_file():
    run_import(STATUSES)

    ada = Author.objects.get(slug="ada")
    assert ada.name == "Ada Lovelace"
    assert ada.user is None
    assert comment(105).badge == Comment.Badge.NONE  # no login, so no badge a name could earn
    assert not get_user_model().objects.exists()


def test_create_users_makes_inactive_logins_without_a_password():
    out = run_import(STATUSES, "--create-users")

    for login in ("ada", "bob"):
        user = Author.objects.get(slug=login).user
        assert user.username == login
        assert not user.is_active
        assert not user.has_usable_password()
    assert Author.objects.get(slug="ada").user.email == "ada@old.example"
    assert "logins created 2" in out


def test_an_author_map_credits_existing_authors(tmp_path):
    writer = AuthorFactory(slug="lovelace", user=UserFactory(username="ada-here"))
    bob = UserFactory(username="robert")
    author_map = tmp_path / "authors.csv"
    author_map.write_text("wordpress_login,colloquy_author\nada,lovelace\nbob,robert\n")

    run_import(STATUSES, "--author-map", str(author_map))

    assert imported("post", "10", Post).byline == [writer]
    assert imported("post", "18", Post).byline == [bob.author]
    assert not Author.objects.filter(slug="ada").exists()
    assert comment(105).user == writer.user and comment(105).badge == Comment.Badge.AUTHOR


def test_an_author_map_naming_nobody_stops_before_anything_is_written(tmp_path):
    author_map = tmp_path / "authors.csv"
    author_map.write_text("ada,nobody-here\n")

    with pytest.raises(CommandError, match="line 1: no author or user 'nobody-here'"):
        run_import(STATUSES, "--author-map", str(author_map))
    assert not Post.objects.exists()


# Running again, failing, rehearsing.


def test_categories_and_tags_we_already_have_are_reused():
    news = Category.objects.create(name="Our news", slug="news")
    engines = Tag.objects.create(name="Engines", slug="steam-engines")

    out = run_import(STATUSES)

    post = imported("post", "10", Post)
    assert news in post.categories.all() and list(post.tags.all()) == [engines]
    assert Category.objects.get(slug="local").parent == news
    assert re.search(r"Categories\s+created 1, reused 1", out) and re.search(r"Tags\s+created 0, reused 1", out)


def test_importing_the_same_file_twice_creates_nothing_new():
    run_import(STATUSES, "--create-users")
    before = database_counts()

    out = run_import(STATUSES, "--create-users")

    assert database_counts() == before
    assert re.search(r"Already imported\s+comments 6, pages 3, posts 8", out)


def test_an_overlapping_file_adds_only_what_is_new():
    run_import(STATUSES)
    before = database_counts()

    out = run_import(FILES / "import_overlap.xml")

    after = database_counts()
    assert after["Post"] == before["Post"] + 1
    assert after["Comment"] == before["Comment"] + 4  # 109, 110 and 111 on the old post, 120 on the new one
    assert after["Category"] == before["Category"] and after["Author"] == before["Author"]
    assert comment(109).parent == comment(105)  # a reply to a comment imported the first time
    assert comment(110).parent == comment(109)
    assert comment(111).parent is None
    assert "replies to comments imported earlier were added one at a time" in out
    call_command("check_comment_trees", stdout=StringIO())


def test_a_file_that_fails_halfway_changes_nothing_and_names_the_line():
    PostFactory(slug="already-here")
    before = database_counts()

    with pytest.raises(CommandError, match=r"line 119: wp:post_date_gmt is not a date.*nothing was imported"):
        run_import(FILES / "import_bad_date.xml")

    assert database_counts() == before


def test_a_dry_run_reports_everything_and_writes_nothing():
    out = run_import(STATUSES, "--dry-run", "--create-users")

    assert re.search(r"Posts\s+published 3, scheduled 1, draft 3, pending 1", out)
    assert "Would import" in out and "Dry run: nothing was written." in out
    assert database_counts() == dict.fromkeys(database_counts(), 0)


def test_progress_is_printed_on_a_long_import(tmp_path):
    call_command("generate_wxr", str(tmp_path / "long.xml"), "--posts", "1000", "--comments", "10", stdout=StringIO())

    out = run_import(tmp_path / "long.xml")

    assert "1000 items read" in out
    assert Post.objects.count() == 1000


def test_a_generated_file_imports_into_sound_trees(tmp_path):
    call_command("generate_wxr", str(tmp_path / "gen.xml"), "--posts", "5", "--comments", "400", stdout=StringIO())

    run_import(tmp_path / "gen.xml")

    assert Comment.objects.count() == 400
    assert Comment.objects.filter(parent__isnull=False).exists()
    call_command("check_comment_trees", stdout=StringIO())


# Media.


@pytest.fixture
def uploads(tmp_path):
    """A copy of wp-content/uploads with one good image and one corrupt one."""
    folder = tmp_path / "uploads" / "2021" / "05"
    folder.mkdir(parents=True)
    (folder / "good.png").write_bytes(image_bytes("PNG", (600, 400), color=(0, 160, 0)))
    (folder / "bad.jpg").write_bytes(b"\xff\xd8\xff\xe0 not really a JPEG")
    return tmp_path / "uploads"


def test_attachments_become_validated_post_images_with_links_rewritten(uploads):
    out = run_import(FILES / "import_media.xml", "--media-dir", str(uploads))

    post = imported("post", "50", Post, "https://media.example")
    image = imported("attachment", "60", PostImage, "https://media.example")
    assert image.post == post
    assert image.alt == "A green square"
    assert (image.width, image.height) == (600, 400)
    for width in rendition_widths(image.width):
        assert default_storage.exists(rendition_name(image.image.name, width))
    assert f'src="{image.image.url}"' in post.body_html and f'href="{image.image.url}"' in post.body_html
    assert "media.example/wp-content/uploads/2021/05/good" not in post.body_html
    assert post.featured_image and post.featured_image_alt == "A green square"
    assert re.search(r"Media\s+found 1, missing 1, invalid 1", out)
    assert "2021/05/bad.jpg: This file is not a JPEG, PNG, WebP or GIF image." in out
    assert "2021/05/gone.png: not in the media folder" in out
    assert "attachments that are not images 1" in out


def test_without_a_media_folder_attachments_are_listed_as_missing():
    out = run_import(FILES / "import_media.xml")

    assert not PostImage.objects.exists()
    assert "2021/05/good.png: no media folder given" in out
    assert re.search(r"Media\s+found 0, missing 3", out)


def test_a_dry_run_leaves_no_image_files_behind(uploads, settings):
    run_import(FILES / "import_media.xml", "--media-dir", str(uploads), "--dry-run")

    assert not PostImage.objects.exists()
    media_root = Path(settings.MEDIA_ROOT)
    assert not media_root.exists() or not [path for path in media_root.rglob("*") if path.is_file()]
