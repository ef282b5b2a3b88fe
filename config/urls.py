from django.conf import settings
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.contrib.sitemaps.views import sitemap
from django.urls import include, path, re_path
from django.views.generic import TemplateView
from django.views.static import serve

from authors import twofactor
from authors.signin import StaffPasswordResetForm
from blog.page_cache import next_publication, shared_page
from blog.sitemaps import sitemaps
from blog.views import healthz

admin.site.site_header = "Colloquy"
admin.site.site_title = "Colloquy admin"
admin.site.index_title = "Publishing desk"
# Django's password reset views in the admin's templates, linked from its login page.
admin_titles = {"site_header": admin.site.site_header, "site_title": admin.site.site_title}

urlpatterns = [
    path(
        "admin/password_reset/",
        auth_views.PasswordResetView.as_view(form_class=StaffPasswordResetForm, extra_context=admin_titles),
        name="admin_password_reset",
    ),
    path(
        "admin/password_reset/done/",
        auth_views.PasswordResetDoneView.as_view(extra_context=admin_titles),
        name="password_reset_done",
    ),
    path(
        "admin/reset/<uidb64>/<token>/",
        auth_views.PasswordResetConfirmView.as_view(extra_context=admin_titles),
        name="password_reset_confirm",
    ),
    path(
        "admin/reset/done/",
        auth_views.PasswordResetCompleteView.as_view(extra_context=admin_titles),
        name="password_reset_complete",
    ),
    path("admin/two-factor/", twofactor.setup, name="two_factor_setup"),
    path("admin/", admin.site.urls),
    path("authors/", include("authors.urls")),
    path("comments/", include("comments.urls")),
    path(
        "sitemap.xml",
        shared_page("site", "posts", until=next_publication)(sitemap),
        {"sitemaps": sitemaps},
        name="sitemap",
    ),
    path("robots.txt", TemplateView.as_view(template_name="robots.txt", content_type="text/plain"), name="robots"),
    path("healthz", healthz, name="healthz"),
    path("", include("blog.urls")),
]


def media(request, path):
    """Uploaded files, when no web server or object store serves them (see README)."""
    return serve(request, path, document_root=settings.MEDIA_ROOT)


if settings.BENCHMARK_VIEWS:
    from config.bench_views import ceiling

    urlpatterns.insert(0, path("bench/ceiling/<int:size>/", ceiling, name="bench_ceiling"))

if settings.SERVE_MEDIA:
    urlpatterns.insert(0, re_path(rf"^{settings.MEDIA_URL.lstrip('/')}(?P<path>.*)$", media))
