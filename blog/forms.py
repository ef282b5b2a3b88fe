"""The post form of the admin: the discussion setting's widget and the time zone of dates."""

from django import forms
from django.utils import timezone
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from blog.models import Post


class DiscussionSelect(forms.Select):
    """The discussion setting; its script shows "close after (days)" only for "Closed after N days"."""

    class Media:
        js = ["js/admin/discussion.js"]


class PostAdminForm(forms.ModelForm):
    """PostAdmin's form. The rules (close_after needs days, alt text…) stay in Post.clean()."""

    class Meta:
        model = Post
        # The fields this form shapes; PostAdmin's fieldsets decide which the admin shows.
        fields = ["published_at", "discussion", "discussion_close_after_days"]
        widgets = {"discussion": DiscussionSelect}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "published_at" in self.fields:
            # Editors type local time; Django stores it in UTC. Say which local time.
            field = self.fields["published_at"]
            field.help_text = format_lazy(
                "{} {}",
                field.help_text,
                _("Times are in %(zone)s, the site's time zone.") % {"zone": timezone.get_current_timezone_name()},
            )
