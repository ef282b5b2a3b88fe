"""What the admin's forms submit, for tests that post to the admin."""

from django.urls import reverse
from django.utils import timezone

from blog.models import Page


def inline_data(prefix, rows):
    """The management form and one set of fields per existing row (dicts of field → value)."""
    data = {
        f"{prefix}-TOTAL_FORMS": len(rows),
        f"{prefix}-INITIAL_FORMS": len(rows),
        f"{prefix}-MIN_NUM_FORMS": 0,
        f"{prefix}-MAX_NUM_FORMS": 1000,
    }
    for index, row in enumerate(rows):
        data |= {f"{prefix}-{index}-{field}": value for field, value in row.items()}
    return data


def change_url(post):
    return reverse("admin:blog_post_change", args=[post.pk])


def post_form(post, **fields):
    """What the post change form submits: the post (saved or not) with its byline, then `fields`."""
    credits = list(post.postauthor_set.all()) if post.pk else []
    published_at = timezone.localtime(post.published_at) if post.published_at else None
    data = {
        "title": post.title,
        "slug": post.slug,
        "dek": post.dek,
        "body": post.body,
        "body_format": post.body_format,
        "featured_image_alt": post.featured_image_alt,
        "status": post.status,
        "published_at_0": published_at.strftime("%Y-%m-%d") if published_at else "",
        "published_at_1": published_at.strftime("%H:%M:%S") if published_at else "",
        "discussion": post.discussion,
        "categories": [category.pk for category in post.categories.all()] if post.pk else [],
        "tags": [tag.pk for tag in post.tags.all()] if post.pk else [],
        "meta_description": post.meta_description,
    }
    rows = [{"id": c.pk, "post": post.pk, "author": c.author_id, "order": c.order} for c in credits]
    data |= inline_data("postauthor_set", rows)
    data |= inline_data("images", [])
    return data | fields


def act(client, action, *posts):
    """Run a post changelist action on some posts."""
    changelist = reverse("admin:blog_post_changelist")
    return client.post(changelist, {"action": action, "_selected_action": [post.pk for post in posts]})


def page_form(page=None, **fields):
    """What the page add or change form submits: `page`'s fields (or a new page's), then `fields`."""
    page = page or Page(title="About us", slug="about", body="Who we are.", status=Page.Status.PUBLISHED)
    data = {
        "title": page.title,
        "slug": page.slug,
        "body": page.body,
        "status": page.status,
        "in_menu": "on" if page.in_menu else "",
        "menu_title": page.menu_title,
        "menu_order": page.menu_order,
        "meta_description": page.meta_description,
    }
    return {key: value for key, value in (data | fields).items() if value != ""}
