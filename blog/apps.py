from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class BlogConfig(AppConfig):
    name = "blog"
    verbose_name = _("Publishing")

    def ready(self):
        from blog import invalidation  # noqa: F401  (connects the page cache's signal receivers)
