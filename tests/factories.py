import datetime

import factory
from django.utils import timezone

from authors.models import Author, User
from blog.models import Category, Page, Post, PostAuthor, Tag

PASSWORD = "correct horse battery staple"  # every factory user's, for tests that sign in through a form


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ["username"]

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda user: f"{user.username}@example.com")
    password = factory.django.Password(PASSWORD)


class AuthorFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Author

    name = factory.Sequence(lambda n: f"Author {n}")
    slug = factory.Sequence(lambda n: f"author-{n}")
    bio = "Writes about *things*."


class CategoryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Category

    name = factory.Sequence(lambda n: f"Category {n}")
    slug = factory.Sequence(lambda n: f"category-{n}")


class TagFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Tag

    name = factory.Sequence(lambda n: f"tag {n}")
    slug = factory.Sequence(lambda n: f"tag-{n}")


class PostFactory(factory.django.DjangoModelFactory):
    """A published post, a day old, with one author."""

    class Meta:
        model = Post
        skip_postgeneration_save = True

    title = factory.Sequence(lambda n: f"Post number {n}")
    slug = factory.Sequence(lambda n: f"post-number-{n}")
    dek = "A short summary."
    body = "Some *Markdown* text.\n\nA second paragraph."
    status = Post.Status.PUBLISHED
    published_at = factory.LazyFunction(lambda: timezone.now() - datetime.timedelta(days=1))

    @factory.post_generation
    def authors(post, create, extracted, **kwargs):
        if not create:
            return
        for order, author in enumerate(extracted if extracted is not None else [AuthorFactory()]):
            PostAuthor.objects.create(post=post, author=author, order=order)

    @factory.post_generation
    def categories(post, create, extracted, **kwargs):
        if create and extracted:
            post.categories.set(extracted)

    @factory.post_generation
    def tags(post, create, extracted, **kwargs):
        if create and extracted:
            post.tags.set(extracted)


class PageFactory(factory.django.DjangoModelFactory):
    """A published standing page, not in the menu."""

    class Meta:
        model = Page

    title = factory.Sequence(lambda n: f"Page number {n}")
    slug = factory.Sequence(lambda n: f"page-number-{n}")
    body = "Some *Markdown* text."
    status = Page.Status.PUBLISHED


def make_comment(post, *, parent=None, status="approved", name="Reader", body="A thoughtful comment.", **fields):
    """A comment through the one write path (comments.services.comment_create), as the site makes them."""
    from comments.services import comment_create

    return comment_create(post=post, parent=parent, status=status, name=name, body=body, **fields)


def comment_node(name, *replies, status="approved", **fields):
    """A comment for comments.services.build_trees, with its replies: (unsaved Comment, [replies])."""
    from comments.models import Comment

    fields.setdefault("email", f"{name.lower().replace(' ', '.')}@example.com")
    return Comment(name=name, body=f"{name} writes.", status=status, **fields), list(replies)


def make_threads(post, *threads):
    """Whole threads of `comment_node`s through the bulk builder; returns the comments by name."""
    from comments.services import build_trees

    return {comment.name: comment for comment in build_trees(post, list(threads))}


def verified_commenter(email="ada@example.com", **fields):
    """A Commenter whose owner confirmed the address (comments.commenters), so it may be mailed."""
    from comments.models import Commenter, normalise_email

    commenter, _ = Commenter.objects.update_or_create(
        email=normalise_email(email), defaults={"verified_at": timezone.now(), **fields}
    )
    return commenter


def trusted_commenter(email="ada@example.com", name="Ada Reader"):
    """A verified address with an approved comment elsewhere: its comments skip the first-comment hold."""
    make_comment(PostFactory(), email=email, name=name)
    return verified_commenter(email)
