from django.urls import path

from authors import views
from blog.feeds import AuthorFeed
from blog.urls import list_feed

app_name = "authors"

urlpatterns = [
    path("<slug:slug>/", views.AuthorDetailView.as_view(), name="author_detail"),
    path("<slug:slug>/feed/", list_feed(AuthorFeed()), name="author_feed"),
]
