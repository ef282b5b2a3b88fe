"""Editorial review: where a post stands, and an editor returning a pending post to its authors.

An Author may publish their own posts or submit them for review (status "Pending review",
or the change form's "Submit for review" button). An Editor then publishes a pending post,
or returns it to draft with a note (`ReturnToAuthorView`): the note is emailed to the
byline's logins and heads the post's change form until the post is published.
"""

import smtplib

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.core.mail import send_mass_mail
from django.http import Http404
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.generic import FormView

from blog.models import Post, PostAuthor

# The changelist's ?state= values, in a writer's order; the dashboard links to each.
STATES = {
    "draft": _("Draft"),
    "returned": _("Returned with a note"),
    "pending": _("Pending review"),
    "scheduled": _("Scheduled"),
    "published": _("Published (live)"),
}


def in_state(posts, state):
    """The posts of `posts` (a PostQuerySet) in one of `STATES`: the filter's and the dashboard's one rule.

    "Published" is what readers see now (`PostQuerySet.published()`); "scheduled" is the
    rest of the published status, so a post moves from one to the other by the clock alone.
    """
    if state == "draft":
        return posts.filter(status=Post.Status.DRAFT)
    if state == "returned":
        return posts.filter(status=Post.Status.DRAFT).exclude(review_note="")
    if state == "pending":
        return posts.filter(status=Post.Status.PENDING)
    if state == "published":
        return posts.published()
    if state == "scheduled":
        return posts.filter(status=Post.Status.PUBLISHED).exclude(pk__in=Post.objects.published().values("pk"))
    raise ValueError(f"unknown publication state {state!r}")


class PublicationStateFilter(admin.SimpleListFilter):
    """The post changelist's "publication state" filter (``?state=scheduled``)."""

    title = _("publication state")
    parameter_name = "state"

    def lookups(self, request, model_admin):
        return list(STATES.items())

    def queryset(self, request, queryset):
        if self.value() in STATES:
            return in_state(queryset, self.value())
        return queryset  # no choice, or one that does not exist: the whole list


class ReturnForm(forms.Form):
    note = forms.CharField(
        label=_("Note to the author"),
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 10, "cols": 80}),
        help_text=_("What to change before the post can be published. The authors read it by email and in the admin."),
    )


class ReturnToAuthorView(FormView):
    """An Editor's "Return to author…" on a pending post's page: back to draft with a note.

    Wired by PostAdmin.get_urls as ``ReturnToAuthorView.as_view(model_admin=self)``,
    behind ``admin_site.admin_view`` (login, staff, CSRF), as Django wires its autocomplete view.
    """

    form_class = ReturnForm
    template_name = "admin/blog/post/return_to_author.html"
    model_admin = None

    def dispatch(self, request, object_id):
        # Editors only (authors/roles.py), then the admin's own queryset and change permission.
        if not request.user.has_perm("blog.edit_others_posts"):
            raise PermissionDenied
        self.object = self.model_admin.get_object(request, unquote(object_id))
        if self.object is None:
            raise Http404(gettext("No such post."))
        if not self.model_admin.has_change_permission(request, self.object):
            raise PermissionDenied
        if self.object.status != Post.Status.PENDING:
            self.model_admin.message_user(
                request, gettext("Only a post pending review can be returned to its author."), messages.WARNING
            )
            return redirect("admin:blog_post_change", self.object.pk)
        return super().dispatch(request, object_id)

    def get_context_data(self, **kwargs):
        post = self.object
        return {
            **self.model_admin.admin_site.each_context(self.request),
            **super().get_context_data(**kwargs),
            "title": gettext("Return “%(title)s” to its author") % {"title": post.title},
            "opts": Post._meta,
            "original": post,
            "recipients": author_emails(post),
        }

    def form_valid(self, form):
        post = self.object
        note = form.cleaned_data["note"]
        post.status = Post.Status.DRAFT
        post.review_note = note
        # A revision, like every save, and a line in the post's history (blog/revisions.py).
        self.model_admin.save_in_revision(self.request, [post], gettext("Returned to the author with a note."))
        recipients = author_emails(post)
        try:
            send_mass_mail([_note_email(self.request.user, post, note, address) for address in recipients])
        except (smtplib.SMTPException, OSError):
            message = gettext("“%(title)s” is back in draft with your note, but the email to its authors failed.")
            self.model_admin.message_user(self.request, message % {"title": post.title}, messages.WARNING)
        else:
            if recipients:
                message = gettext("“%(title)s” is back in draft with your note, emailed to %(emails)s.")
            else:
                message = gettext("“%(title)s” is back in draft with your note (no author has an email to send it to).")
            message %= {"title": post.title, "emails": ", ".join(recipients)}
            self.model_admin.message_user(self.request, message, messages.SUCCESS)
        return redirect(reverse("admin:blog_post_changelist") + "?state=pending")


def author_emails(post):
    """The email addresses of the post's byline authors who have an active login with one."""
    byline = PostAuthor.objects.filter(post=post, author__user__is_active=True).exclude(author__user__email="")
    return list(byline.values_list("author__user__email", flat=True))


def _note_email(editor, post, note, address):
    """One (subject, body, from, to) for send_mass_mail."""
    title = " ".join(post.title.split())  # a header: a newline in a title would be refused
    subject = gettext("“%(title)s” was returned to you with a note") % {"title": title}
    body = gettext(
        "%(editor)s returned your post “%(title)s” to draft with this note:\n\n"
        "%(note)s\n\n"
        "Edit the post and submit it again: %(url)s\n"
    ) % {
        "editor": editor.get_full_name() or editor.get_username(),
        "title": title,
        "note": note,
        "url": settings.SITE_URL + reverse("admin:blog_post_change", args=[post.pk]),
    }
    return subject, body, None, [address]
