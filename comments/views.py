from django.http import Http404


def post_comment(request, post_id):  # written by the comment-posting work in progress
    raise Http404


def permalink(request, pk):
    raise Http404
