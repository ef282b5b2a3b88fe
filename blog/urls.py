from django.urls import path, re_path

from blog import feeds, sharing, views
from blog.page_cache import next_publication, shared_page

# Feeds show lists of posts: they change with any post, and when a scheduled one goes live.
list_feed = shared_page("site", "posts", until=next_publication)

app_name = "blog"

urlpatterns = [
    path("", views.PostListView.as_view(), name="post_list"),
    path("search/", views.SearchView.as_view(), name="search"),
    path("feed/", list_feed(feeds.LatestPostsFeed()), name="feed"),
    path("feed/atom/", list_feed(feeds.LatestPostsAtomFeed()), name="feed_atom"),
    path("category/<slug:slug>/", views.CategoryPostListView.as_view(), name="category"),
    path("category/<slug:slug>/feed/", list_feed(feeds.CategoryFeed()), name="category_feed"),
    path("tag/<slug:slug>/", views.TagPostListView.as_view(), name="tag"),
    path("preview/<int:pk>/", views.PostPreviewView.as_view(), name="post_preview"),
    path("preview/share/<str:token>/", sharing.shared_preview, name="post_share"),
    re_path(r"^(?P<year>[0-9]{4})/$", views.PostYearArchiveView.as_view(), name="archive_year"),
    re_path(r"^(?P<year>[0-9]{4})/(?P<month>[0-9]{2})/$", views.PostMonthArchiveView.as_view(), name="archive_month"),
    re_path(
        r"^(?P<year>[0-9]{4})/(?P<month>[0-9]{2})/(?P<slug>[-\w]+)/$",
        views.PostDetailView.as_view(),
        name="post_detail",
    ),
    # Last: a page's address is any slug the routes above do not claim.
    path("<slug:slug>/", views.PageDetailView.as_view(), name="page_detail"),
]
