"""Read-only public queries on a PostgreSQL replica (DATABASE_REPLICA_URL), and read-your-writes.

The replica lags the primary a little, so it only answers what may be a moment old: the
reads of a GET or HEAD from a visitor without a session (no staff, no login) and without a
write of their own in the last REPLICA_LAG_SECONDS. Everything else goes to the primary
("default"): writes, migrations, reads inside a transaction, and reads outside a request
(management commands, the shell).

A visitor who has just written (any request that is not GET, HEAD or OPTIONS: a comment,
a report) gets a signed, timestamped cookie; while it is younger than REPLICA_LAG_SECONDS
their reads go to the primary, so they see their own comment at once. The server checks
its age itself, so a browser that keeps the cookie longer changes nothing.
"""

from contextvars import ContextVar

from django.conf import settings
from django.core.exceptions import MiddlewareNotUsed
from django.db import DEFAULT_DB_ALIAS, connections, router

REPLICA = "replica"
PRIMARY_COOKIE = "colloquy_primary"
PRIMARY_COOKIE_SALT = "config.replica.primary"
SAFE_METHODS = ("GET", "HEAD", "OPTIONS")

# Set by ReplicaMiddleware for the length of one request: may its reads use the replica?
reads_from_replica = ContextVar("reads_from_replica", default=False)


class PrimaryReplicaRouter:
    """Send a request's reads to the replica when ReplicaMiddleware allows it; all else to the primary."""

    def db_for_read(self, model, **hints):
        # A transaction reads its own uncommitted writes (select_for_update, comment_create's locks).
        if reads_from_replica.get() and not connections[DEFAULT_DB_ALIAS].in_atomic_block:
            return REPLICA
        return DEFAULT_DB_ALIAS

    def db_for_write(self, model, **hints):
        return DEFAULT_DB_ALIAS

    def allow_relation(self, obj1, obj2, **hints):
        # Both aliases hold the same rows.
        return True

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        # The replica follows the primary's schema through replication.
        return db == DEFAULT_DB_ALIAS


def may_read_from_replica(request):
    """A public read that may be a moment old: no session, and no recent write of this visitor's."""
    if request.method not in ("GET", "HEAD") or settings.SESSION_COOKIE_NAME in request.COOKIES:
        return False
    wrote_recently = request.get_signed_cookie(
        PRIMARY_COOKIE, default=None, salt=PRIMARY_COOKIE_SALT, max_age=settings.REPLICA_LAG_SECONDS
    )
    return wrote_recently is None


class ReplicaMiddleware:
    """Decide per request whether its reads may use the replica, and mark visitors who write.

    Listed in MIDDLEWARE always; without PrimaryReplicaRouter in DATABASE_ROUTERS (no
    DATABASE_REPLICA_URL) Django drops it at startup, so it costs nothing and sets no cookie.
    """

    def __init__(self, get_response):
        if not any(isinstance(each, PrimaryReplicaRouter) for each in router.routers):
            raise MiddlewareNotUsed("No replica configured.")
        self.get_response = get_response

    def __call__(self, request):
        token = reads_from_replica.set(may_read_from_replica(request))
        try:
            response = self.get_response(request)
        finally:
            reads_from_replica.reset(token)
        if request.method not in SAFE_METHODS:
            response.set_signed_cookie(
                PRIMARY_COOKIE,
                "1",
                salt=PRIMARY_COOKIE_SALT,
                max_age=settings.REPLICA_LAG_SECONDS,
                secure=settings.SESSION_COOKIE_SECURE,
                httponly=True,
                samesite="Lax",
            )
        return response
