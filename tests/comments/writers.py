"""The writer processes of test_concurrency, in a module a freshly spawned Python can import.

Spawned (not forked) children share nothing with the test process: no sockets, no threads
(the live server's, Playwright's), no half-finished transactions. Each sets Django up itself
and connects to the test database by name.
"""

import os
import random


def write_comments(database_name, post_id, tree_ids, seed, calls, new_thread_share, results, barrier=None):
    """One writer: `calls` comments, each a new thread or a reply to a random comment of `tree_ids`.

    With a `barrier`, the locks are switched off and every writer waits where it would have
    taken its tree lock until all have arrived, so they all read the same state before writing.
    """
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings_test")
    import django
    from django.conf import settings

    django.setup()
    settings.DATABASES["default"]["NAME"] = database_name

    from django.db import connections

    from blog.models import Post
    from comments import services
    from comments.models import Comment

    if barrier is not None:
        services.lock_forest = lambda **kwargs: None
        services.lock_new_root = services.lock_thread = lambda *args: barrier.wait()
    rng = random.Random(seed)
    post = Post.objects.get(pk=post_id)
    failures = []
    for number in range(calls):
        try:
            parent = None
            if rng.random() >= new_thread_share:
                candidates = Comment.objects.filter(tree_id=rng.choice(tree_ids)).only("pk", "post_id", "tree_id")
                parent = candidates.order_by("?").first()
            services.comment_create(
                post=post, parent=parent, status=Comment.Status.APPROVED, name=f"Writer {seed}", body=f"{number}"
            )
        except Exception as error:  # every failure is reported to the parent process
            failures.append(f"{type(error).__name__}: {str(error).splitlines()[0] if str(error) else ''}")
    connections.close_all()
    results.put(failures)
