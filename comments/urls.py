from django.urls import path

from comments import feeds, moderation, views

app_name = "comments"

urlpatterns = [
    path("post/<int:post_id>/", views.post_comment, name="create"),
    path("form-token/", views.form_token, name="form_token"),
    path("<int:pk>/", views.permalink, name="permalink"),
    path("<int:pk>/moderate/", moderation.moderate, name="moderate"),
    path("report/", moderation.report, name="report"),
    path("feed/", feeds.LatestCommentsFeed(), name="feed"),
    path("feed/atom/", feeds.LatestCommentsAtomFeed(), name="feed_atom"),
    path("post/<int:post_id>/feed/", feeds.PostCommentsFeed(), name="post_feed"),
    path("post/<int:post_id>/feed/atom/", feeds.PostCommentsAtomFeed(), name="post_feed_atom"),
]
