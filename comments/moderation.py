from django.http import Http404


def moderate(request, pk):  # written by the moderation work in progress
    raise Http404


def report(request):
    raise Http404
