"""The pieces of `make bench` that run inside Django: the ceiling view and the data set's shapes."""

import random

from django.test import RequestFactory

from blog.management.commands.bench_data import thread_sizes
from config.bench_views import ceiling


def test_the_ceiling_returns_exactly_the_size_asked_for():
    request = RequestFactory().get("/bench/ceiling/0/")
    for size in (0, 1, 80, 427_320):
        response = ceiling(request, size)
        assert response.status_code == 200
        assert len(response.content) == size


def test_the_ceiling_is_not_routed_unless_benchmark_views_are_on(client, db):
    assert client.get("/bench/ceiling/100/").status_code == 404


def test_thread_sizes_add_up_to_the_comments_asked_for():
    sizes = thread_sizes(random.Random(3), threads=1000, comments=3000)
    assert len(sizes) == 1000
    assert sum(sizes) == 3000
    assert all(1 <= size <= 5 for size in sizes)
