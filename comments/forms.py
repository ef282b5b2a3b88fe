"""The public comment form, the reply target it answers, and the "remember me" cookie."""

import re

from django import forms
from django.core import signing
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from blog.models import SiteSettings
from blog.page_cache import is_shared
from comments import spam, validators

# "Remember me": the reader's name, email and website, signed so the cookie is one safe token.
COMMENTER_COOKIE = "colloquy_commenter"
COMMENTER_SALT = "comments.commenter"
COMMENTER_MAX_AGE = 60 * 60 * 24 * 365
# Beside it, readable by JavaScript and holding nothing: "there are details to fetch".
REMEMBERED_FLAG_COOKIE = "colloquy_remembered"
REMEMBERED_FIELDS = ("name", "email", "website")
# What a reader may ask of their email address (comments.commenters acts on them after posting).
EMAIL_OPTIONS = ("notify_replies", "follow_thread", "verify_email")

# A comment id as it may arrive in a query string: short enough for a bigint column.
COMMENT_ID = re.compile(r"[0-9]{1,18}")


def reply_target(post, viewer, pk):
    """The comment `pk` of `post` that `viewer` may answer, or None.

    A reader may answer what they can read: approved comments and their own held ones;
    moderators may answer any comment.
    """
    comment = post.comments.filter(pk=pk).only("post_id", "parent_id", "tree_id", "level", "name", "status").first()
    return comment if comment is not None and viewer.sees_text_of(comment) else None


class CommentForm(forms.Form):
    """A comment, or a reply when `parent` is set. Logins (staff, authors) write as themselves.

    Build it with the post and the `Viewer` it is for; after validation `cleaned_data["parent"]`
    is the Comment answered (or None), also kept as `reply_to` for placing the form on the page.
    """

    name = forms.CharField(
        label=_("Name"),
        max_length=80,
        error_messages={"required": _("Please enter your name.")},
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )
    email = forms.EmailField(
        label=_("Email"),
        max_length=254,
        help_text=_("Never shown publicly."),
        error_messages={
            "required": _("Please enter your email address. It is never shown publicly."),
            "invalid": _("Enter a valid email address, like name@example.com."),
        },
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
    # Checked by comments.validators.clean_website, which is stricter than URLField.
    website = forms.CharField(
        label=_("Website (optional)"),
        required=False,
        max_length=200,
        widget=forms.URLInput(attrs={"autocomplete": "url"}),
    )
    body = forms.CharField(
        label=_("Comment"),
        error_messages={"required": _("Please write your comment.")},
        widget=forms.Textarea(attrs={"rows": 6}),
    )
    remember = forms.BooleanField(label=_("Remember my name, email and website on this browser"), required=False)
    # Nothing is sent but one confirmation until the reader confirms the address (comments.commenters).
    notify_replies = forms.BooleanField(label=_("Email me when someone replies to me"), required=False)
    follow_thread = forms.BooleanField(label=_("Email me every new comment in this thread"), required=False)
    verify_email = forms.BooleanField(
        label=_("Confirm my email address: trusted commenters skip moderation"), required=False
    )
    parent = forms.IntegerField(required=False, min_value=1, max_value=2**63 - 1, widget=forms.HiddenInput)
    # Spam traps, judged by comments/spam.py: never a form error, which would teach a bot.
    # A field people neither see nor reach with the keyboard (screen readers hear "leave empty")...
    homepage = forms.CharField(
        label=_("Leave this field empty"),
        required=False,
        widget=forms.TextInput(attrs={"tabindex": "-1", "autocomplete": "off"}),
    )
    # ...and when the form was given out: signed, replaced by static/js/comments.js with the reader's own.
    form_token = forms.CharField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, post, viewer, user, **kwargs):
        super().__init__(*args, label_suffix="", **kwargs)
        self.post = post
        self.viewer = viewer
        self.reply_to = None
        self.max_length = SiteSettings.load().comment_max_length
        self.fields["body"].help_text = format_lazy(
            _("Up to {limit} characters. *Emphasis*, **strong**, `code`, > quotes and links work; HTML shows as text."),
            limit=f"{self.max_length:,}",
        )
        if user.is_authenticated:
            # The login says who is writing (the badge comes from it too) and has its own email settings.
            for name in (*REMEMBERED_FIELDS, "remember", *EMAIL_OPTIONS):
                del self.fields[name]

    @classmethod
    def for_reader(cls, request, post, viewer):
        """The empty form for the post page: prefilled by "remember me", answering `?replyto=<id>`."""
        # A page for the shared cache (blog.page_cache) holds nothing of this visitor's:
        # static/js/comments.js fetches their timestamp and remembered details.
        visitor = {} if is_shared(request) else {**remembered_commenter(request), "form_token": spam.form_token()}
        form = cls(post=post, viewer=viewer, user=request.user, initial=visitor)
        replyto = request.GET.get("replyto", "")
        if COMMENT_ID.fullmatch(replyto):
            form.reply_to = reply_target(post, viewer, int(replyto))
        return form

    def clean_name(self):
        # Only readers have this field: a login writes under its own name.
        name = validators.clean_name(self.cleaned_data["name"])
        validators.check_not_impersonating(name)
        return name

    def clean_email(self):
        return validators.clean_email(self.cleaned_data["email"])

    def clean_website(self):
        return validators.clean_website(self.cleaned_data["website"])

    def clean_body(self):
        # Browsers send line breaks as CRLF: count (and store) them as one character each.
        body = validators.clean_body(self.cleaned_data["body"].replace("\r\n", "\n"))
        if len(body) > self.max_length:
            raise forms.ValidationError(
                _("Please shorten your comment to %(limit)s characters (it has %(length)s)."),
                code="max_length",
                params={"limit": f"{self.max_length:,}", "length": f"{len(body):,}"},
            )
        return body

    def clean_parent(self):
        pk = self.cleaned_data["parent"]
        if pk is None:
            return None
        self.reply_to = reply_target(self.post, self.viewer, pk)
        if self.reply_to is None:
            raise forms.ValidationError(
                _("The comment you were replying to is no longer available. Send again to post yours on its own."),
                code="parent",
            )
        return self.reply_to


def remembered_commenter(request):
    """The details this browser asked us to remember, as the form's initial data (or {})."""
    value = request.COOKIES.get(COMMENTER_COOKIE)
    if not value:
        return {}
    try:
        details = signing.loads(value, salt=COMMENTER_SALT, max_age=COMMENTER_MAX_AGE)
    except signing.BadSignature:
        return {}
    return {**{field: str(details.get(field, "")) for field in REMEMBERED_FIELDS}, "remember": True}


def remember_commenter(request, response, form):
    """Keep the commenter's details for a year if they ticked "remember me", else forget them."""
    if "remember" not in form.cleaned_data:
        return  # a login: nothing typed, nothing to remember
    if form.cleaned_data["remember"]:
        details = {field: form.cleaned_data[field] for field in REMEMBERED_FIELDS}
        response.set_cookie(
            COMMENTER_COOKIE,
            signing.dumps(details, salt=COMMENTER_SALT, compress=True),
            max_age=COMMENTER_MAX_AGE,
            httponly=True,
            samesite="Lax",
            secure=request.is_secure(),
        )
        response.set_cookie(
            REMEMBERED_FLAG_COOKIE, "1", max_age=COMMENTER_MAX_AGE, samesite="Lax", secure=request.is_secure()
        )
    elif COMMENTER_COOKIE in request.COOKIES:
        response.delete_cookie(COMMENTER_COOKIE, samesite="Lax")
        response.delete_cookie(REMEMBERED_FLAG_COOKIE, samesite="Lax")
