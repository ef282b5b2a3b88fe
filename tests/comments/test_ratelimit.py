"""Rate limits per IP address and per email, counted in the cache; and whose IP address it is."""

import datetime
import uuid

import pytest
import time_machine
from django.core.cache.backends.redis import RedisCache
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone
from pytest_django.asserts import assertContains

from authors.roles import MODERATORS
from blog.models import SiteSettings
from comments import spam
from comments.client_ip import client_ip
from comments.models import Comment, CommentReport
from tests.factories import PostFactory, make_comment

pytestmark = pytest.mark.django_db

REDIS_LOCATION = "redis://127.0.0.1:6379/15"
LIMITED = "You have posted several comments in a short time."


@pytest.fixture
def post():
    return PostFactory()


@pytest.fixture
def limits():
    """Set the site's per-minute and per-hour limits."""

    def set_limits(per_minute, per_hour=30):
        rules = SiteSettings.load()
        rules.comment_rate_per_minute, rules.comment_rate_per_hour = per_minute, per_hour
        rules.save()

    return set_limits


def assert_limited(response, *kept):
    assert response.status_code == 429
    assertContains(response, LIMITED, status_code=429)
    assertContains(response, "Your comment is not posted yet", status_code=429)
    for text in kept:
        assertContains(response, text, status_code=429)


def test_past_the_limit_per_ip_the_form_comes_back_with_429_and_the_text(send_comment, post, limits):
    limits(per_minute=2)
    with time_machine.travel(timezone.now(), tick=False) as clock:
        accepted = [send_comment(post, body=f"Number {n}.", email=f"reader{n}@example.com") for n in range(2)]
        refused = send_comment(post, body="One too many.", name="Third Reader", email="third@example.com")
        clock.shift(61)
        next_minute = send_comment(post, body="A minute later.", email="fourth@example.com")

    assert [response.status_code for response in accepted] == [303, 303]
    assert_limited(refused, "One too many.", 'value="Third Reader"', 'value="third@example.com"')
    assert next_minute.status_code == 303
    assert not Comment.objects.filter(body="One too many.").exists()


def test_past_the_limit_per_email_from_any_address(send_comment, post, limits):
    limits(per_minute=2)
    for n in range(2):
        send_comment(post, body=f"Number {n}.", meta={"REMOTE_ADDR": f"198.51.100.{n}"})

    refused = send_comment(
        post, body="From a third address.", email="ADA@example.com", meta={"REMOTE_ADDR": "10.0.0.1"}
    )

    assert_limited(refused, "From a third address.")


def test_the_hourly_limit_holds_across_minutes(send_comment, post, limits):
    limits(per_minute=5, per_hour=3)
    with time_machine.travel(timezone.now(), tick=False) as clock:
        for n in range(3):
            assert send_comment(post, body=f"Minute {n}.").status_code == 303
            clock.shift(120)
        assert_limited(send_comment(post, body="Fourth in the hour."), "Fourth in the hour.")
        clock.shift(datetime.timedelta(hours=1))
        assert send_comment(post, body="The next hour.").status_code == 303


def test_logins_are_not_rate_limited(client, staff, post, limits):
    limits(per_minute=1)
    client.force_login(staff(MODERATORS))

    for n in range(3):
        response = client.post(reverse("comments:create", args=[post.pk]), {"body": f"Moderator note {n}."})
        assert response.status_code == 303


# Two workers share the count through Redis


@pytest.fixture
def two_workers():
    """Two RedisCache backends, as two gunicorn workers have, on a key prefix of this test run only."""
    prefix = f"colloquy-test-{uuid.uuid4().hex}"
    workers = [RedisCache(REDIS_LOCATION, {"KEY_PREFIX": prefix}) for _ in range(2)]
    yield workers
    client = workers[0]._cache.get_client(write=True)
    keys = list(client.scan_iter(match=f"{prefix}:*"))
    if keys:
        client.delete(*keys)
    for worker in workers:
        worker.close()


def test_two_workers_share_the_count_through_redis(send_comment, post, limits, monkeypatch, two_workers):
    limits(per_minute=3)
    first, second = two_workers
    statuses = []
    for n, worker in enumerate([first, second, first, second]):
        monkeypatch.setattr(spam, "cache", worker)
        statuses.append(send_comment(post, body=f"Through worker {n}.", email=f"r{n}@example.com").status_code)

    assert statuses == [303, 303, 303, 429]
    assert first is not second and first._cache is not second._cache
    # Per minute and per hour, under the cache's KEY_PREFIX; hashed: no email or IP address in Redis.
    keys = [key.decode() for key in first._cache.get_client().scan_iter(match=f"{first.key_prefix}:*")]
    assert len([key for key in keys if ":ratelimit:comments:ip:" in key]) == 2
    assert len([key for key in keys if ":ratelimit:comments:email:" in key]) == 8
    assert not any("example.com" in key or "127.0.0.1" in key for key in keys)


# Which IP address counts


def test_a_spoofed_forwarded_for_header_changes_nothing_without_trusted_proxies(send_comment, post, limits):
    limits(per_minute=2)
    for n in range(2):
        send_comment(post, body=f"Spoof {n}.", email=f"r{n}@example.com", meta={"HTTP_X_FORWARDED_FOR": f"10.9.9.{n}"})

    refused = send_comment(post, body="Spoof 3.", email="r3@example.com", meta={"HTTP_X_FORWARDED_FOR": "10.9.9.3"})

    assert_limited(refused, "Spoof 3.")
    assert set(Comment.objects.values_list("ip_address", flat=True)) == {"127.0.0.1"}


def test_behind_one_trusted_proxy_only_the_last_hop_counts(send_comment, post, limits, settings):
    settings.TRUSTED_PROXY_COUNT = 1
    limits(per_minute=2)
    proxy = {"REMOTE_ADDR": "10.0.0.2"}

    for n in range(2):
        forwarded = f"198.18.0.{n}, 203.0.113.5"  # whatever the visitor wrote, then what our proxy saw
        send_comment(
            post, body=f"Hop {n}.", email=f"r{n}@example.com", meta={**proxy, "HTTP_X_FORWARDED_FOR": forwarded}
        )
    refused = send_comment(
        post, body="Hop 3.", email="r3@example.com", meta={**proxy, "HTTP_X_FORWARDED_FOR": "1.2.3.4, 203.0.113.5"}
    )
    other_visitor = send_comment(
        post, body="Another visitor.", email="r4@example.com", meta={**proxy, "HTTP_X_FORWARDED_FOR": "203.0.113.6"}
    )

    assert_limited(refused, "Hop 3.")
    assert other_visitor.status_code == 303
    assert set(Comment.objects.values_list("ip_address", flat=True)) == {"203.0.113.5", "203.0.113.6"}


@pytest.mark.parametrize(
    ("proxies", "forwarded", "expected"),
    [
        (0, "198.51.100.7", "10.0.0.2"),
        (1, "", "10.0.0.2"),
        (1, "198.51.100.7", "198.51.100.7"),
        (1, "6.6.6.6, 198.51.100.7", "198.51.100.7"),
        (2, "6.6.6.6, 198.51.100.7, 10.0.0.9", "198.51.100.7"),
        (2, "198.51.100.7", "10.0.0.2"),
        (1, "not-an-address", "10.0.0.2"),
        (1, " 2001:db8::1 ", "2001:db8::1"),
    ],
)
def test_client_ip(settings, proxies, forwarded, expected):
    settings.TRUSTED_PROXY_COUNT = proxies
    request = RequestFactory().get("/", REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR=forwarded)

    assert client_ip(request) == expected


def test_reports_record_the_client_ip_too(client, settings, post):
    settings.TRUSTED_PROXY_COUNT = 1
    comment = make_comment(post)

    client.post(
        reverse("comments:report"),
        {"comment": comment.pk, "reason": "spam"},
        REMOTE_ADDR="10.0.0.2",
        HTTP_X_FORWARDED_FOR="6.6.6.6, 198.51.100.7",
    )

    assert CommentReport.objects.get().ip_address == "198.51.100.7"
