"""The post editor's live preview: the body rendered by the public page's own code as the editor types.

PostAdmin.get_urls wraps the view in the admin site's `admin_view`, which asks for a
staff login and checks the CSRF token; the view adds the post permissions and the
byline rule (`Post.objects.editable_by`) for images of a saved post.
"""

from django import forms
from django.core.exceptions import PermissionDenied
from django.http import JsonResponse
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from blog.models import Post


class PreviewForm(forms.Form):
    """What the editor's script posts: the body as typed, its format, and the post's id once it is saved."""

    body = forms.CharField(required=False, strip=False)
    body_format = forms.ChoiceField(choices=Post.BodyFormat.choices, required=False)
    post = forms.IntegerField(required=False, min_value=1)


def may_write_posts(user):
    """Can `user` add or change posts (whose form the preview serves)?"""
    return user.has_perm("blog.add_post") or user.has_perm("blog.change_post")


@require_POST
def markdown_preview(request):
    """JSON for the preview pane: the sanitised body HTML exactly as the public page shows it, with its length.

    `image:<id>` references resolve only when `post` names a post this user may edit;
    otherwise the body renders as a new post's would, without any saved images.
    """
    if not may_write_posts(request.user):
        raise PermissionDenied
    form = PreviewForm(request.POST)
    if not form.is_valid():
        return JsonResponse({"errors": form.errors}, status=400)
    data = form.cleaned_data
    post = None
    if data["post"]:
        post = Post.objects.editable_by(request.user).filter(pk=data["post"]).first()
    post = post or Post()
    post.body = data["body"]
    post.body_format = data["body_format"] or Post.BodyFormat.MARKDOWN
    post.render_body()
    words, minutes = post.word_count, post.reading_minutes
    summary = ngettext("%(words)d word", "%(words)d words", words) % {"words": words}
    summary += " · " + ngettext("%(minutes)d minute to read", "%(minutes)d minutes to read", minutes) % {
        "minutes": minutes
    }
    return JsonResponse({"html": post.body_html, "word_count": words, "reading_minutes": minutes, "summary": summary})
