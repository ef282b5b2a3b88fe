"""Moderators' emails: held comments one by one or as digests, and moderating from those emails."""


def comment_held(comment):
    """Tell the moderators who want each held comment at once."""


def send_due_digests():
    """Send the hourly and daily digests that are due; returns how many were queued."""
    return 0


def email_moderate(request, token):
    raise NotImplementedError


def alerts(request):
    raise NotImplementedError
