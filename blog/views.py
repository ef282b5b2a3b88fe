from django.contrib.auth.mixins import PermissionRequiredMixin
from django.db import connection
from django.http import JsonResponse
from django.shortcuts import get_object_or_404, redirect
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.generic import DetailView, ListView, MonthArchiveView, YearArchiveView

from authors.signin import second_factor_missing
from blog import page_cache
from blog.models import Category, Page, Post, Tag
from blog.search import search_posts
from comments.forms import CommentForm
from comments.trees import discussion_page, permalink_page
from comments.viewers import viewer_for

POSTS_PER_PAGE = 10


class SharedListMixin:
    """A list of posts, cached for readers (blog.page_cache): any post's change refreshes it,
    and so does the next scheduled post going live."""

    def get(self, request, *args, **kwargs):
        page_cache.share(request, "site", "posts", until=page_cache.next_publication)
        return super().get(request, *args, **kwargs)


class PostListView(SharedListMixin, ListView):
    """The home page: newest published posts."""

    paginate_by = POSTS_PER_PAGE

    def get_queryset(self):
        # Pinned (sticky) posts first, as WordPress shows them.
        return Post.objects.published().with_bylines().order_by("-sticky", "-published_at", "-pk")


class DiscussionMixin:
    """Adds the post's discussion (one page of comment threads) and the comment form to the context.

    The form goes under the comment it answers when that is on the page (`?replyto=<id>`
    without JavaScript, or a reply sent back with errors), else at the end of the discussion.
    """

    def get_context_data(self, *, comment_form=None, **kwargs):
        viewer = viewer_for(self.request)
        if comment_form is None and self.object.discussion_is_open:
            comment_form = CommentForm.for_reader(self.request, self.object, viewer)
        reply_to = comment_form.reply_to if comment_form else None
        # Without a page number, a reply opens on the page that holds the comment it answers.
        page = self.request.GET.get("cpage") or (reply_to and permalink_page(reply_to, viewer)) or 1
        discussion = discussion_page(self.object, viewer, page)
        return super().get_context_data(
            discussion=discussion,
            viewer=viewer,
            comment_form=comment_form,
            reply_to=reply_to,
            reply_to_on_page=reply_to is not None and any(c.pk == reply_to.pk for c in discussion.comments),
            **kwargs,
        )


class PostDetailView(DiscussionMixin, DetailView):
    """A published post at /<yyyy>/<mm>/<slug>/; a stale year or month redirects."""

    def get_queryset(self):
        return Post.objects.published().prefetch_related("postauthor_set__author__links", "categories", "tags")

    def get(self, request, *args, **kwargs):
        self.object = self.get_object()
        canonical = self.object.get_absolute_url()
        if request.path != canonical:
            return redirect(canonical, permanent=True)
        closes_at = self.object.discussion_closes_at
        if closes_at is not None and closes_at <= timezone.now():
            closes_at = None  # closed already: time changes nothing more
        page_cache.share(request, *page_cache.post_dependencies(self.object), until=closes_at)
        return self.render_to_response(self.get_context_data(object=self.object))


class PostPreviewView(PermissionRequiredMixin, DiscussionMixin, DetailView):
    """Any post, as readers will see it, for staff who may edit it."""

    permission_required = "blog.view_post"

    def has_permission(self):
        # Staff who still owe their second factor see no more than readers do.
        return super().has_permission() and not second_factor_missing(self.request.user)

    template_name = "blog/post_detail.html"

    def get_queryset(self):
        return Post.objects.editable_by(self.request.user).prefetch_related(
            "postauthor_set__author__links", "categories", "tags"
        )

    def get_context_data(self, **kwargs):
        return super().get_context_data(is_preview=True, **kwargs)

    def dispatch(self, request, *args, **kwargs):
        response = super().dispatch(request, *args, **kwargs)
        response["X-Robots-Tag"] = "noindex"
        return response


class CategoryPostListView(SharedListMixin, ListView):
    paginate_by = POSTS_PER_PAGE
    template_name = "blog/category_detail.html"

    def get_queryset(self):
        self.category = get_object_or_404(Category, slug=self.kwargs["slug"])
        return Post.objects.published().filter(categories=self.category).with_bylines()

    def get_context_data(self, **kwargs):
        return super().get_context_data(category=self.category, **kwargs)


class TagPostListView(SharedListMixin, ListView):
    paginate_by = POSTS_PER_PAGE
    template_name = "blog/tag_detail.html"

    def get_queryset(self):
        self.tag = get_object_or_404(Tag, slug=self.kwargs["slug"])
        return Post.objects.published().filter(tags=self.tag).with_bylines()

    def get_context_data(self, **kwargs):
        return super().get_context_data(tag=self.tag, **kwargs)


class ArchiveMixin:
    """Date archives over published posts, in the site's time zone."""

    date_field = "published_at"
    paginate_by = POSTS_PER_PAGE
    allow_empty = False
    make_object_list = True

    def get_queryset(self):
        return Post.objects.published().with_bylines()


class PostYearArchiveView(SharedListMixin, ArchiveMixin, YearArchiveView):
    pass


class PostMonthArchiveView(SharedListMixin, ArchiveMixin, MonthArchiveView):
    month_format = "%m"


class SearchView(ListView):
    """Full-text search over published posts, best matches first."""

    paginate_by = POSTS_PER_PAGE
    template_name = "blog/search.html"

    def get_queryset(self):
        # PostgreSQL refuses NUL in text, so it would be a 500 rather than no results.
        self.query = " ".join(self.request.GET.get("q", "").replace("\x00", " ").split())[:200]
        return search_posts(self.query).with_bylines()

    def get_context_data(self, **kwargs):
        return super().get_context_data(query=self.query, **kwargs)


class PageDetailView(DetailView):
    """A standing page at /<slug>/: published pages for everyone, drafts too for staff who may change pages.

    As in WordPress, staff preview a draft at the address it will have, marked as a draft
    and kept out of search engines.
    """

    def get_queryset(self):
        user = self.request.user
        if user.has_perm("blog.change_page") and not second_factor_missing(user):
            return Page.objects.all()
        return Page.objects.published()

    def get(self, request, *args, **kwargs):
        # Menus and pages change together: a page's edit refreshes "site".
        page_cache.share(request, "site")
        response = super().get(request, *args, **kwargs)
        if not self.object.is_published:
            response["X-Robots-Tag"] = "noindex"
        return response


@never_cache
def healthz(request):
    """For load balancers: is the database answering?"""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except Exception as error:  # any database failure means unhealthy
        return JsonResponse({"status": "error", "database": str(error.__class__.__name__)}, status=503)
    return JsonResponse({"status": "ok", "database": "ok", "time": timezone.now().isoformat()})
