from django.urls import path

from authors import views
from blog.feeds import AuthorFeed

app_name = "authors"

urlpatterns = [
    path("<slug:slug>/", views.AuthorDetailView.as_view(), name="author_detail"),
    path("<slug:slug>/feed/", AuthorFeed(), name="author_feed"),
]
