"""Standing pages (About, Privacy…): their addresses, the menu editors order, the privacy link, demo pages."""

import io
import re
import xml.etree.ElementTree as ET

import pytest
from django.conf import settings
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from pytest_django.asserts import assertContains, assertNotContains

from authors.roles import AUTHORS, MODERATORS
from blog.context_processors import layout
from blog.models import Page, SiteSettings
from tests.admin_forms import inline_data, page_form
from tests.factories import PageFactory, PostFactory

pytestmark = pytest.mark.django_db

DRAFT = Page.Status.DRAFT
CHANGELIST = reverse("admin:blog_page_changelist")
ADD = reverse("admin:blog_page_add")
PAGE_QUERIES = 1  # the page; the settings and the menu come from the cache
HOME_QUERIES = 4  # as in tests/blog/test_views.py: count, posts, byline credits with authors, categories
NAV_LINK = re.compile(r'<a href="([^"]*)"( aria-current="page")?>([^<]*)</a>')
SITEMAP_LOC = "{http://www.sitemaps.org/schemas/sitemap/0.9}loc"


def header_menu(response):
    """[(label, url, is current)] of the header's navigation."""
    html = response.content.decode()
    nav = html[html.index('<nav class="site-nav"') :]
    nav = nav[: nav.index("</nav>")]
    return [(label, url, bool(current)) for url, current, label in NAV_LINK.findall(nav)]


def footer_links(response):
    html = response.content.decode()
    return [
        (label, url) for url, _current, label in NAV_LINK.findall(html[html.index('<footer class="site-footer">') :])
    ]


def menu_rows(pages):
    """The changelist's list_editable formset for `pages`: (page, in menu, position) each."""
    rows = [{"id": page.pk, "in_menu": "on" if in_menu else "", "menu_order": order} for page, in_menu, order in pages]
    rows = [{key: value for key, value in row.items() if value != ""} for row in rows]
    return inline_data("form", rows) | {"_save": "Save"}


# A page at its address


def test_a_published_page_is_served_in_the_layout_with_a_sanitised_body(client):
    page = PageFactory(
        title="About us",
        slug="about",
        body="We **write**.\n\n<script>alert('x')</script><p onclick=\"steal()\">Hello</p>",
        meta_description="Who writes this.",
    )

    response = client.get("/about/")

    assert response.status_code == 200
    assertContains(response, '<h1 class="page__title">About us</h1>', html=True)
    assertContains(response, "<strong>write</strong>")
    assertNotContains(response, "<script>alert")
    assertNotContains(response, "steal()")
    assertContains(response, '<meta name="description" content="Who writes this.">', html=True)
    assertContains(response, f'<link rel="canonical" href="{settings.SITE_URL}/about/">', html=True)
    assertContains(response, "<title>About us — Colloquy</title>", html=True)
    assertContains(response, '<header class="site-header">')
    assertContains(response, '<footer class="site-footer">')
    assertNotContains(response, "noindex")
    assert page.get_absolute_url() == "/about/"


def test_a_draft_page_is_not_found_by_readers(client, staff):
    PageFactory(slug="contact", status=DRAFT)

    assert client.get("/contact/").status_code == 404
    for role in (AUTHORS, MODERATORS):  # staff who may not change pages are readers here
        client.force_login(staff(role))
        assert client.get("/contact/").status_code == 404


def test_editors_read_a_draft_page_at_its_address_marked_and_not_indexed(client, editor):
    page = PageFactory(title="Contact", slug="contact", status=DRAFT)
    client.force_login(editor)

    response = client.get("/contact/")

    assert response.status_code == 200
    assert response["X-Robots-Tag"] == "noindex"
    assertContains(response, '<meta name="robots" content="noindex">', html=True)
    assertContains(response, "Draft: readers cannot see this page yet.")
    assertContains(response, f'href="{reverse("admin:blog_page_change", args=[page.pk])}"')
    assertNotContains(response, 'rel="canonical"')


def test_an_editor_reaches_a_page_from_its_admin_list(client, editor):
    page = PageFactory(slug="contact", status=DRAFT)
    client.force_login(editor)

    changelist = client.get(CHANGELIST)

    assertContains(changelist, '<a href="/contact/" target="_blank" rel="noopener">/contact/</a>', html=True)
    change = client.get(reverse("admin:blog_page_change", args=[page.pk]))
    assertContains(change, 'href="/contact/" class="viewsitelink"')  # "View on site", straight to the draft
    assert client.get("/contact/").status_code == 200


# Addresses the site already uses


@pytest.mark.parametrize(
    "slug",
    [
        "search",
        "feed",
        "category",
        "tag",
        "preview",
        "authors",
        "comments",
        "admin",
        "healthz",
        "static",
        "media",
        "2024",
        "Search",
    ],
)
def test_a_slug_the_site_uses_is_refused_with_a_form_error(client, editor, slug):
    client.force_login(editor)

    response = client.post(ADD, page_form(slug=slug))

    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert errors["slug"] == [f"The site already uses /{slug}/ for its own pages: choose another slug."]
    assert not Page.objects.exists()


def test_a_free_slug_is_accepted_even_when_it_starts_like_a_route(client, editor):
    client.force_login(editor)

    for slug in ("about", "searching", "2024-in-review", "feedback"):
        assert client.post(ADD, page_form(slug=slug)).status_code == 302

    assert sorted(Page.objects.values_list("slug", flat=True)) == ["2024-in-review", "about", "feedback", "searching"]
    assert client.get("/searching/").status_code == 200


def test_renaming_a_page_to_a_used_address_is_refused(client, editor):
    page = PageFactory(slug="about")
    client.force_login(editor)

    response = client.post(reverse("admin:blog_page_change", args=[page.pk]), page_form(page, slug="feed"))

    assert response.status_code == 200
    assert "slug" in response.context["adminform"].form.errors
    page.refresh_from_db()
    assert page.slug == "about"


# The menu


def test_the_menu_lists_published_menu_pages_in_order_after_home(client):
    PostFactory()
    about = PageFactory(title="About us", slug="about", in_menu=True, menu_order=2)
    PageFactory(title="Contact the editors", menu_title="Contact", slug="contact", in_menu=True, menu_order=1)
    PageFactory(title="Draft in the menu", slug="later", in_menu=True, menu_order=0, status=DRAFT)
    PageFactory(title="Not in the menu", slug="colophon")

    home = client.get("/")
    assert header_menu(home) == [
        ("Home", "/", True),
        ("Contact", "/contact/", False),
        ("About us", "/about/", False),
        ("Feed", "/feed/", False),
    ]
    assert [label for label, _url in footer_links(home)][:2] == ["Contact", "About us"]

    on_about = client.get(about.get_absolute_url())
    assert [(label, current) for label, _url, current in header_menu(on_about)] == [
        ("Home", False),
        ("Contact", False),
        ("About us", True),
        ("Feed", False),
    ]


@pytest.mark.usefixtures("no_page_cache")
def test_the_menu_costs_no_query_once_cached(client, django_assert_num_queries):
    PostFactory()
    for number in range(3):
        PageFactory(slug=f"menu-{number}", in_menu=True, menu_order=number)
    layout()  # what the first request after a change caches

    with django_assert_num_queries(PAGE_QUERIES):
        response = client.get("/menu-1/")
    assert len(header_menu(response)) == 5
    with django_assert_num_queries(HOME_QUERIES):
        response = client.get("/")
    assert len(header_menu(response)) == 5


@pytest.mark.usefixtures("no_page_cache")
def test_the_menu_is_read_once_then_cached(client):
    PageFactory(slug="about", in_menu=True)
    SiteSettings.load()

    def count(url):
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
        return len(queries)

    assert count("/about/") == PAGE_QUERIES + 1
    assert count("/about/") == PAGE_QUERIES


def test_the_menu_follows_a_page_saved_in_the_admin(client, editor):
    page = PageFactory(title="About us", slug="about")
    client.force_login(editor)
    assert [label for label, *_ in header_menu(client.get("/"))] == ["Home", "Feed"]
    change = reverse("admin:blog_page_change", args=[page.pk])

    assert client.post(change, page_form(page, in_menu="on", menu_title="About")).status_code == 302
    assert [label for label, *_ in header_menu(client.get("/"))] == ["Home", "About", "Feed"]

    page.refresh_from_db()
    assert client.post(change, page_form(page, status=DRAFT)).status_code == 302
    assert [label for label, *_ in header_menu(client.get("/"))] == ["Home", "Feed"]


def test_editors_reorder_the_menu_in_the_page_list(client, editor):
    about = PageFactory(title="About", slug="about", in_menu=True, menu_order=1)
    contact = PageFactory(title="Contact", slug="contact", in_menu=True, menu_order=2)
    colophon = PageFactory(title="Colophon", slug="colophon")
    client.force_login(editor)
    listed = client.get(CHANGELIST).context["cl"].result_list
    assert list(listed) == [about, contact, colophon]  # the menu's pages first, in its order
    assert [label for label, *_ in header_menu(client.get("/"))] == ["Home", "About", "Contact", "Feed"]

    response = client.post(CHANGELIST, menu_rows([(about, True, 3), (contact, False, 2), (colophon, True, 1)]))

    assert response.status_code == 302
    assert [label for label, *_ in header_menu(client.get("/"))] == ["Home", "Colophon", "About", "Feed"]


def test_deleting_pages_in_bulk_updates_the_menu_and_leaves_410s(client, editor):
    about = PageFactory(title="About", slug="about", in_menu=True)
    contact = PageFactory(title="Contact", slug="contact", in_menu=True)
    client.force_login(editor)
    assert [label for label, *_ in header_menu(client.get("/"))] == ["Home", "About", "Contact", "Feed"]

    response = client.post(
        CHANGELIST, {"action": "delete_selected", "_selected_action": [about.pk, contact.pk], "post": "yes"}
    )

    assert response.status_code == 302
    assert not Page.objects.exists()
    assert [label for label, *_ in header_menu(client.get("/"))] == ["Home", "Feed"]
    assert client.get("/about/").status_code == 410


def test_updating_pages_in_bulk_updates_the_menu(client):
    PageFactory(title="About", slug="about", in_menu=True)
    assert [label for label, *_ in header_menu(client.get("/"))] == ["Home", "About", "Feed"]

    Page.objects.update(menu_title="Who we are")

    assert [label for label, *_ in header_menu(client.get("/"))] == ["Home", "Who we are", "Feed"]


# The privacy link


def privacy_notice(response):
    html = response.content.decode()
    notice = html[html.index('id="comment-privacy"') :]
    return notice[: notice.index("</p>")]


def choose_privacy_page(page, url=""):
    site_settings = SiteSettings.load()
    site_settings.privacy_page, site_settings.privacy_url = page, url
    site_settings.save()


def test_the_comment_form_links_the_privacy_page(client):
    post = PostFactory()
    choose_privacy_page(PageFactory(title="Privacy", slug="privacy-policy"), url="https://elsewhere.example/privacy")

    response = client.get(post.get_absolute_url())

    assert '<a href="/privacy-policy/">Privacy policy</a>' in privacy_notice(response)
    assert ("Privacy", "/privacy-policy/") in footer_links(response)


def test_without_a_published_privacy_page_the_notice_falls_back_to_the_address(client):
    post = PostFactory()
    choose_privacy_page(PageFactory(slug="privacy", status=DRAFT), url="https://elsewhere.example/privacy")

    response = client.get(post.get_absolute_url())

    assert '<a href="https://elsewhere.example/privacy">Privacy policy</a>' in privacy_notice(response)
    assert ("Privacy", "https://elsewhere.example/privacy") in footer_links(response)


def test_without_either_the_notice_has_no_link(client):
    response = client.get(PostFactory().get_absolute_url())

    assert "<a " not in privacy_notice(response)
    assert "Privacy" not in [label for label, _url in footer_links(response)]


def test_a_privacy_page_in_the_menu_is_not_listed_twice_in_the_footer(client):
    choose_privacy_page(PageFactory(title="Privacy", slug="privacy", in_menu=True))

    links = footer_links(client.get("/"))

    assert links.count(("Privacy", "/privacy/")) == 1


def test_unpublishing_the_privacy_page_in_the_admin_takes_effect(client, editor):
    post = PostFactory()
    page = PageFactory(title="Privacy", slug="privacy")
    choose_privacy_page(page)
    assert "/privacy/" in privacy_notice(client.get(post.get_absolute_url()))  # now cached with the settings

    client.force_login(editor)
    assert (
        client.post(reverse("admin:blog_page_change", args=[page.pk]), page_form(page, status=DRAFT)).status_code == 302
    )
    client.logout()

    assert "<a " not in privacy_notice(client.get(post.get_absolute_url()))


def test_deleting_the_privacy_page_removes_the_link(client):
    post = PostFactory()
    page = PageFactory(slug="privacy")
    choose_privacy_page(page)
    assert "/privacy/" in privacy_notice(client.get(post.get_absolute_url()))

    page.delete()

    assert "<a " not in privacy_notice(client.get(post.get_absolute_url()))
    assert SiteSettings.load().privacy_page is None


def test_editors_choose_the_privacy_page_in_the_site_settings(client, editor):
    post = PostFactory()
    page = PageFactory(title="Privacy", slug="privacy")
    client.force_login(editor)
    change_page = client.get(reverse("admin:blog_sitesettings_changelist")).url
    form = client.get(change_page).context["adminform"].form
    data = {name: value for name, value in form.initial.items() if name in form.fields and value is not None}

    assert client.post(change_page, data | {"privacy_page": page.pk, "logo": ""}).status_code == 302

    assert '<a href="/privacy/">Privacy policy</a>' in privacy_notice(client.get(post.get_absolute_url()))


def test_the_privacy_page_costs_the_post_page_no_query(client):
    post = PostFactory()

    def count():
        layout()
        with CaptureQueriesContext(connection) as queries:
            client.get(post.get_absolute_url())
        return len(queries)

    without = count()
    choose_privacy_page(PageFactory(slug="privacy"))
    assert count() == without


# Sitemap and demo


def test_the_sitemap_lists_published_pages(client):
    PageFactory(slug="about")
    PageFactory(slug="contact", status=DRAFT)

    response = client.get("/sitemap.xml")

    urls = [loc.text for loc in ET.fromstring(response.content).iter(SITEMAP_LOC)]
    assert f"{settings.SITE_URL}/about/" in urls
    assert f"{settings.SITE_URL}/contact/" not in urls


def test_loaddemo_makes_the_about_and_privacy_pages_once(client):
    call_command("loaddemo", stdout=io.StringIO())
    Page.objects.filter(slug="about").update(title="Edited", in_menu=False)
    call_command("loaddemo", stdout=io.StringIO())

    pages = list(Page.objects.in_menu())
    assert [page.slug for page in pages] == ["about", "privacy"]
    assert Page.objects.count() == 2
    assert pages[0].title == "About Colloquy"
    privacy = pages[1]
    assert SiteSettings.load().privacy_page == privacy
    assert "90 days after you comment" in privacy.body_html
    assert "never shown" in privacy.body_html

    home = client.get("/")
    assert [label for label, *_ in header_menu(home)] == ["Home", "About Colloquy", "Privacy", "Feed"]
    post = PostFactory()
    assert '<a href="/privacy/">Privacy policy</a>' in privacy_notice(client.get(post.get_absolute_url()))
    assert client.get("/about/").status_code == 200
