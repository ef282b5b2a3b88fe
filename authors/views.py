from django.shortcuts import get_object_or_404
from django.views.generic import ListView

from authors.models import Author
from blog import page_cache
from blog.models import Post
from blog.views import POSTS_PER_PAGE


class AuthorDetailView(ListView):
    """An author's bio and their published posts."""

    paginate_by = POSTS_PER_PAGE
    template_name = "authors/author_detail.html"

    def get_queryset(self):
        self.author = get_object_or_404(Author.objects.prefetch_related("links"), slug=self.kwargs["slug"])
        page_cache.share(self.request, "site", "posts", f"author:{self.author.pk}", until=page_cache.next_publication)
        return Post.objects.published().filter(authors=self.author).with_bylines()

    def get_context_data(self, **kwargs):
        return super().get_context_data(author=self.author, **kwargs)
