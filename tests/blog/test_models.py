import datetime

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from blog.models import WORDS_PER_MINUTE, Category, Post, SiteSettings
from tests.factories import AuthorFactory, CategoryFactory, PostFactory

pytestmark = pytest.mark.django_db

NOON = datetime.datetime(2024, 5, 10, 12, 0, tzinfo=datetime.UTC)


def test_published_excludes_drafts_pending_and_scheduled():
    visible = PostFactory()
    PostFactory(status=Post.Status.DRAFT, published_at=None)
    PostFactory(status=Post.Status.DRAFT)  # a date alone does not publish
    PostFactory(status=Post.Status.PENDING)
    PostFactory(published_at=timezone.now() + datetime.timedelta(hours=1))

    assert list(Post.objects.published()) == [visible]


def test_published_includes_a_post_from_its_exact_publication_time():
    post = PostFactory(published_at=NOON)

    with time_machine.travel(NOON - datetime.timedelta(seconds=1), tick=False):
        assert not Post.objects.published().filter(pk=post.pk).exists()
        assert not post.is_public
        assert post.is_scheduled
    with time_machine.travel(NOON, tick=False):
        assert Post.objects.published().filter(pk=post.pk).exists()
        assert post.is_public
        assert not post.is_scheduled


def test_scheduled_post_goes_live_by_itself_when_its_time_comes():
    with time_machine.travel(NOON, tick=False) as traveller:
        post = PostFactory(published_at=NOON + datetime.timedelta(days=2))
        assert post not in Post.objects.published()

        traveller.shift(datetime.timedelta(days=2, minutes=1))

        assert post in Post.objects.published()


def test_saving_a_published_post_without_a_date_dates_it_now():
    with time_machine.travel(NOON, tick=False):
        post = PostFactory(published_at=None)

    assert post.published_at == NOON


def test_a_published_post_must_have_a_date_in_the_database():
    post = PostFactory()

    with pytest.raises(IntegrityError), transaction.atomic():
        Post.objects.filter(pk=post.pk).update(published_at=None)


def test_save_renders_markdown_to_html_and_text():
    post = PostFactory(body="## A heading\n\nSome *emphasis* and a [link](https://example.com/).")

    assert '<h2 id="a-heading">A heading</h2>' in post.body_html
    assert "<em>emphasis</em>" in post.body_html
    assert 'href="https://example.com/"' in post.body_html
    assert post.body_text == "A heading Some emphasis and a link."


def test_headings_start_at_h2_below_the_page_title():
    post = PostFactory(body="# Top\n\n## Section\n\n### Detail")

    assert "<h1" not in post.body_html
    assert '<h2 id="top">Top</h2>' in post.body_html
    assert '<h2 id="section">Section</h2>' in post.body_html
    assert '<h3 id="detail">Detail</h3>' in post.body_html


def test_save_rerenders_when_the_body_changes():
    post = PostFactory(body="*first*")
    post.body = "**second**"
    post.save()

    post.refresh_from_db()
    assert post.body_html == "<p><strong>second</strong></p>"
    assert post.body_text == "second"


def test_markdown_body_is_sanitised():
    post = PostFactory(
        body=(
            "Intro.\n\n"
            "<script>alert('markdown')</script>\n\n"
            '<p onclick="steal()">Click me</p>\n\n'
            "[bad link](javascript:alert(1)) and "
            '<a href="javascript:alert(2)">raw bad link</a>\n\n'
            '<img src="/x.png" onerror="steal()" alt="x">'
        )
    )

    html = post.body_html
    assert "<script" not in html
    assert "alert('markdown')" not in html
    assert "onclick" not in html
    assert "steal()" not in html
    assert "javascript:" not in html
    # The harmless parts survive.
    assert "Click me" in html
    assert "bad link" in html
    assert 'src="/x.png"' in html


def test_html_body_is_sanitised_too():
    post = PostFactory(
        body_format=Post.BodyFormat.HTML,
        body=(
            '<p onclick="steal()">Imported <strong>post</strong></p>'
            "<script>alert(1)</script>"
            '<a href="javascript:alert(2)">link</a>'
            '<iframe src="https://evil.example/"></iframe>'
            "<style>body { display: none }</style>"
        ),
    )

    html = post.body_html
    assert "<p>Imported <strong>post</strong></p>" in html
    for forbidden in ("<script", "alert(1)", "onclick", "javascript:", "<iframe", "<style", "display: none"):
        assert forbidden not in html
    # HTML bodies are not run through Markdown: asterisks stay literal.
    stars = PostFactory(body_format=Post.BodyFormat.HTML, body="<p>*not emphasis*</p>")
    assert stars.body_html == "<p>*not emphasis*</p>"


def test_links_get_a_safe_rel():
    post = PostFactory(body="[site](https://example.com/)")

    assert 'rel="noopener noreferrer"' in post.body_html


def test_word_count_and_reading_minutes():
    assert PostFactory(body="").reading_minutes == 1
    exactly_one_minute = PostFactory(body=" ".join(["word"] * WORDS_PER_MINUTE))
    assert exactly_one_minute.word_count == WORDS_PER_MINUTE
    assert exactly_one_minute.reading_minutes == 1
    just_over = PostFactory(body=" ".join(["word"] * (WORDS_PER_MINUTE + 1)))
    assert just_over.reading_minutes == 2
    # Markup is not counted as words.
    assert PostFactory(body="**one** _two_ [three](https://example.com/)").word_count == 3


def test_description_prefers_meta_description_then_dek_then_body():
    post = PostFactory(meta_description="For search engines.", dek="The dek.", body="The body.")
    assert post.description == "For search engines."
    post.meta_description = ""
    assert post.description == "The dek."
    post.dek = ""
    assert post.description == "The body."


def test_get_absolute_url_uses_year_and_month():
    post = PostFactory(slug="hello", published_at=datetime.datetime(2024, 3, 5, 12, tzinfo=datetime.UTC))

    assert post.get_absolute_url() == "/2024/03/hello/"


def test_get_absolute_url_uses_the_site_time_zone(settings):
    post = PostFactory(slug="late", published_at=datetime.datetime(2024, 1, 31, 23, 30, tzinfo=datetime.UTC))
    assert post.get_absolute_url() == "/2024/01/late/"

    settings.TIME_ZONE = "Asia/Tokyo"

    assert timezone.localtime(post.published_at).month == 2  # the override really took effect
    assert post.get_absolute_url() == "/2024/02/late/"


def test_get_absolute_url_of_an_undated_post_is_the_preview():
    post = PostFactory(status=Post.Status.DRAFT, published_at=None)

    assert post.get_absolute_url() == f"/preview/{post.pk}/"


def test_byline_keeps_author_order():
    first, second, third = AuthorFactory(name="Zed"), AuthorFactory(name="Amy"), AuthorFactory(name="Max")
    post = PostFactory(authors=[first, second, third])

    assert post.byline == [first, second, third]
    assert Post.objects.with_bylines().get(pk=post.pk).byline == [first, second, third]


def test_search_vector_is_generated_from_title_dek_and_body():
    post = PostFactory(title="Pyongyang", dek="Letters", body="A *diplomatic* friendship.")

    vector = Post.objects.values_list("search_vector", flat=True).get(pk=post.pk)
    assert "'pyongyang':1a" in vector.lower()
    assert "'letter':2b" in vector.lower()
    assert "diplomat" in vector


def test_category_cannot_be_its_own_parent_in_clean():
    category = CategoryFactory()
    category.parent = category

    with pytest.raises(ValidationError) as error:
        category.clean()
    assert "parent" in error.value.message_dict


def test_category_cannot_sit_inside_its_own_descendant():
    top = CategoryFactory()
    child = CategoryFactory(parent=top)
    top.parent = child

    with pytest.raises(ValidationError):
        top.clean()


def test_category_with_a_proper_parent_is_valid():
    parent = CategoryFactory()
    child = CategoryFactory(parent=parent)

    child.clean()
    assert list(parent.children.all()) == [child]


def test_category_cannot_be_its_own_parent_in_the_database():
    category = CategoryFactory()

    with pytest.raises(IntegrityError), transaction.atomic():
        Category.objects.filter(pk=category.pk).update(parent=category)
    category.refresh_from_db()
    assert category.parent is None


def test_author_bio_is_rendered_and_sanitised():
    author = AuthorFactory(
        bio=(
            "Works for **Back to Jerusalem**.\n\n"
            "<script>alert(1)</script>\n\n"
            '<a href="javascript:alert(2)" onclick="steal()">me</a>'
        )
    )

    assert "<strong>Back to Jerusalem</strong>" in author.bio_html
    for forbidden in ("<script", "alert(1)", "javascript:", "onclick"):
        assert forbidden not in author.bio_html
    assert author.bio_text == "Works for Back to Jerusalem. me"


def test_str_and_urls_of_public_models():
    author = AuthorFactory(name="Eugene Bach", slug="eugene-bach")
    category = CategoryFactory(name="Asia", slug="asia")
    post = PostFactory(title="A title", authors=[author])

    assert str(post) == "A title"
    assert str(author) == "Eugene Bach"
    assert str(category) == "Asia"
    assert author.get_absolute_url() == "/authors/eugene-bach/"
    assert category.get_absolute_url() == "/category/asia/"


@pytest.mark.parametrize("link", ["/privacy/", "https://example.com/privacy", "http://example.com/p"])
def test_site_settings_accepts_site_paths_and_web_addresses_for_the_privacy_page(db, link):
    settings_record = SiteSettings.load()
    settings_record.privacy_url = link
    settings_record.full_clean()


@pytest.mark.parametrize("link", ["javascript:alert(1)", "//evil.example/", "ftp://example.com/", "data:text/html,x"])
def test_site_settings_refuses_dangerous_privacy_page_links(db, link):
    settings_record = SiteSettings.load()
    settings_record.privacy_url = link
    with pytest.raises(ValidationError):
        settings_record.full_clean()
