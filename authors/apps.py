from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps
from django.utils.translation import gettext_lazy as _


class AuthorsConfig(AppConfig):
    name = "authors"
    verbose_name = _("People")


class ColloquyAdminConfig(admin_apps.AdminConfig):
    """Django's admin, on the site with Colloquy's sign-in rules (`authors.signin.AdminSite`)."""

    default = False  # installed by name in INSTALLED_APPS, in django.contrib.admin's place
    default_site = "authors.signin.AdminSite"
