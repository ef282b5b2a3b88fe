from django.contrib.syndication.views import Feed


class LatestCommentsFeed(Feed):  # written by the comment-feeds work in progress
    pass


class LatestCommentsAtomFeed(LatestCommentsFeed):
    pass


class PostCommentsFeed(LatestCommentsFeed):
    pass


class PostCommentsAtomFeed(LatestCommentsFeed):
    pass
