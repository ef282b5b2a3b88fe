"""Composing and queueing the site's emails to commenters, authors and moderators.

Every email is rendered from three templates under `templates/comments/email/`
(`<name>_subject.txt`, `<name>.txt`, `<name>.html`, the last two extending `base.*`),
checked as a real message would be (a CR or LF in a header raises BadHeaderError), and
queued in the database by django-post-office. `deliver()` (run by `manage.py deliver_mail`)
sends the queue through Django's EMAIL_BACKEND; a failed send is logged and retried.

Readers' words only ever go into bodies: the From and Reply-To are the site's, the
subject is ours with the post's title.
"""

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from post_office import mail as post_office

from blog.models import SiteSettings

# post_office renders the subject and bodies it is given as Django templates: it gets each
# as a variable instead, so a reader's "{% … %}" or "{{ … }}" arrives as typed.
AS_IS = "{%% autoescape off %%}{{ %s }}{%% endautoescape %%}"


def absolute(path):
    """The full address of a path on this site, for links in emails."""
    return f"{settings.SITE_URL}{path}"


def queue_email(*, to, template, context, unsubscribe_url=None):
    """Queue one email to the address `to` from `template`, with `context`; returns the queued Email.

    `unsubscribe_url` (absolute) goes into the body's footer and the List-Unsubscribe
    headers (RFC 2369, and RFC 8058 one-click: mail clients POST to it).
    """
    context = {
        "site_name": SiteSettings.load().name,
        "site_url": settings.SITE_URL,
        "unsubscribe_url": unsubscribe_url,
        **context,
    }
    subject = " ".join(render_to_string(f"comments/email/{template}_subject.txt", context).split())
    text = render_to_string(f"comments/email/{template}.txt", context)
    html = render_to_string(f"comments/email/{template}.html", context)
    headers = {"Auto-Submitted": "auto-generated"}
    if unsubscribe_url:
        headers["List-Unsubscribe"] = f"<{unsubscribe_url}>"
        headers["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    # Build it as it will be sent, so a bad header fails here, in our code, not in the worker.
    EmailMultiAlternatives(subject, text, settings.DEFAULT_FROM_EMAIL, [to], headers=headers).message()
    return post_office.send(
        recipients=[to],
        sender=settings.DEFAULT_FROM_EMAIL,
        subject=AS_IS % "subject",
        message=AS_IS % "text",
        html_message=AS_IS % "html",
        context={"subject": subject, "text": text, "html": html},
        headers=headers,
    )


def deliver():
    """Send what is queued and due (new emails, and failed ones whose retry time has come).

    Returns (sent, failed, requeued).
    """
    return post_office.send_queued()
