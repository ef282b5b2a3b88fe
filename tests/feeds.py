"""Shared by the feed tests: fetch a feed and check it parses."""

import feedparser


def fetch_feed(client, url):
    """GET `url`, assert a 200 and a well-formed feed; returns (response, parsed feed)."""
    response = client.get(url)
    assert response.status_code == 200
    feed = feedparser.parse(response.content)
    assert feed.bozo == 0, feed.get("bozo_exception")
    return response, feed
