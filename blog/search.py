"""Full-text search over published posts, on PostgreSQL's stored search vector."""

from django.contrib.postgres.search import SearchHeadline, SearchQuery, SearchRank
from django.db.models import F
from django.utils.html import escape
from django.utils.safestring import mark_safe

from blog.models import Post

# Markers PostgreSQL puts around matches; replaced by <mark> after escaping the text.
_START, _STOP = "\x02", "\x03"


def search_posts(query):
    """Published posts matching `query` (web-search syntax), best first, with snippets."""
    if not query:
        return Post.objects.none()
    search_query = SearchQuery(query, search_type="websearch", config="english")
    return (
        Post.objects.published()
        .filter(search_vector=search_query)
        .annotate(
            rank=SearchRank(F("search_vector"), search_query),
            snippet_text=SearchHeadline(
                "body_text",
                search_query,
                config="english",
                start_sel=_START,
                stop_sel=_STOP,
                max_words=35,
                min_words=15,
                max_fragments=2,
                fragment_delimiter=" … ",
            ),
        )
        .order_by("-rank", "-published_at")
    )


def highlight(snippet_text):
    """Escape a headline from PostgreSQL and mark its matches, safe to show."""
    escaped = escape(snippet_text or "")
    return mark_safe(escaped.replace(_START, "<mark>").replace(_STOP, "</mark>"))
