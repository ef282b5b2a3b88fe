"""Commenters' email addresses: verifying one, once, and what a commenter asked for when posting."""


def after_posting(comment, form):
    """Record what the commenter ticked (replies, the thread) and send a confirmation if needed."""


def confirm_email(request, token):
    raise NotImplementedError
