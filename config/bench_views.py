"""The ceiling for `make bench`: the fastest page this stack can serve at a given size.

A trivial view returning a precomputed body of `size` bytes, served by the same gunicorn
through the same middleware as the real pages, so a page's requests per second divided by
the ceiling's at the page's size says how much the page itself costs. Only routed when
settings.BENCHMARK_VIEWS is on (config/urls.py).
"""

import functools

from django.http import HttpResponse

MAX_SIZE = 10 * 1024 * 1024


@functools.cache
def body_of(size):
    """`size` bytes of plain HTML-like text, built once per size and worker."""
    line = b"<p>Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod.</p>\n"
    return (line * (size // len(line) + 1))[:size]


def ceiling(request, size):
    return HttpResponse(body_of(min(size, MAX_SIZE)), content_type="text/html; charset=utf-8")
