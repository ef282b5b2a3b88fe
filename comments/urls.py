from django.urls import path

from blog.page_cache import next_publication, shared_page
from comments import commenters, editing, feeds, moderation, moderator_mail, notifications, views

# The site's comment feed names posts and leaves out unpublished ones: it follows the posts too.
site_comments_feed = shared_page("site", "comments", "posts", until=next_publication)
post_comments_feed = shared_page("site", "post:{post_id}")

app_name = "comments"

urlpatterns = [
    path("post/<int:post_id>/", views.post_comment, name="create"),
    path("form-token/", views.form_token, name="form_token"),
    path("<int:pk>/", views.permalink, name="permalink"),
    path("<int:pk>/moderate/", moderation.moderate, name="moderate"),
    path("<int:pk>/edit/", editing.edit, name="edit"),
    path("<int:pk>/edit/<str:token>/", editing.edit, name="edit_by_link"),
    path("<int:pk>/delete/", editing.delete, name="delete"),
    path("report/", moderation.report, name="report"),
    path("email/confirm/<str:token>/", commenters.confirm_email, name="confirm_email"),
    path("email/unsubscribe/<str:token>/", notifications.unsubscribe, name="unsubscribe"),
    path("email/moderate/<str:token>/", moderator_mail.email_moderate, name="email_moderate"),
    path("email/alerts/", moderator_mail.alerts, name="moderator_alerts"),
    path("feed/", site_comments_feed(feeds.LatestCommentsFeed()), name="feed"),
    path("feed/atom/", site_comments_feed(feeds.LatestCommentsAtomFeed()), name="feed_atom"),
    path("post/<int:post_id>/feed/", post_comments_feed(feeds.PostCommentsFeed()), name="post_feed"),
    path("post/<int:post_id>/feed/atom/", post_comments_feed(feeds.PostCommentsAtomFeed()), name="post_feed_atom"),
]
