"""What each change makes stale in the shared page cache (blog.page_cache), and nothing more.

Saves and deletes arrive here as signals. Comment moderation writes with UPDATE (no
signal) and always recounts the post, so comments.services.refresh_comment_count calls
`comments_changed` itself.
"""

from django.db.models.signals import m2m_changed, post_delete, post_save, pre_save
from django.dispatch import receiver

from authors.models import Author, AuthorLink
from blog import page_cache
from blog.models import Category, Page, Post, PostAuthor, SiteSettings, Tag
from comments.models import Comment

# What a list of posts shows of an author: a change to the bio alone leaves the lists alone.
LISTED_AUTHOR_FIELDS = ("name", "slug", "avatar")


def post_changed(post_id):
    page_cache.changed("posts", f"post:{post_id}")


def comments_changed(post_id):
    """A comment of `post_id` was written, moderated or edited: its page, the feeds, the lists' counts."""
    page_cache.changed(f"post:{post_id}", "comments", "posts")


@receiver([post_save, post_delete], sender=Post)
def post_saved(sender, instance, **kwargs):
    post_changed(instance.pk)


@receiver([post_save, post_delete], sender=PostAuthor)
def byline_saved(sender, instance, **kwargs):
    post_changed(instance.post_id)


@receiver(m2m_changed, sender=Post.categories.through)
@receiver(m2m_changed, sender=Post.tags.through)
def post_terms_changed(sender, instance, action, reverse, pk_set, **kwargs):
    if not action.startswith("post_"):
        return
    if isinstance(instance, Post):
        post_changed(instance.pk)
    else:  # changed from the category's or tag's side
        page_cache.changed("posts", *(f"post:{pk}" for pk in pk_set or ()))


@receiver(pre_save, sender=Author)
def remember_listed_fields(sender, instance, **kwargs):
    before = Author.objects.filter(pk=instance.pk).values(*LISTED_AUTHOR_FIELDS).first() if instance.pk else None
    instance._listed_before = before


@receiver([post_save, post_delete], sender=Author)
def author_saved(sender, instance, **kwargs):
    before = getattr(instance, "_listed_before", None)
    now = {field: getattr(instance, field) for field in LISTED_AUTHOR_FIELDS}
    now["avatar"] = instance.avatar.name if instance.avatar else ""
    listed_changed = before is None or kwargs.get("signal") is post_delete or before != now
    page_cache.changed(f"author:{instance.pk}", *(["posts"] if listed_changed else []))


@receiver([post_save, post_delete], sender=AuthorLink)
def author_link_saved(sender, instance, **kwargs):
    page_cache.changed(f"author:{instance.author_id}")


@receiver([post_save, post_delete], sender=SiteSettings)
@receiver([post_save, post_delete], sender=Page)
@receiver([post_save, post_delete], sender=Category)
@receiver([post_save, post_delete], sender=Tag)
def site_changed(sender, **kwargs):
    # Every page shows the site's name and menu; categories and tags are named on many.
    page_cache.changed("site")


@receiver([post_save, post_delete], sender=Comment)
def comment_saved(sender, instance, **kwargs):
    comments_changed(instance.post_id)
