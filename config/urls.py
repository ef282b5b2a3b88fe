from django.conf import settings
from django.contrib import admin
from django.contrib.sitemaps.views import sitemap
from django.urls import include, path, re_path
from django.views.generic import TemplateView
from django.views.static import serve

from blog.sitemaps import sitemaps
from blog.views import healthz

admin.site.site_header = "Colloquy"
admin.site.site_title = "Colloquy admin"
admin.site.index_title = "Publishing desk"

urlpatterns = [
    path("admin/", admin.site.urls),
    path("authors/", include("authors.urls")),
    path("comments/", include("comments.urls")),
    path("sitemap.xml", sitemap, {"sitemaps": sitemaps}, name="sitemap"),
    path("robots.txt", TemplateView.as_view(template_name="robots.txt", content_type="text/plain"), name="robots"),
    path("healthz", healthz, name="healthz"),
    path("", include("blog.urls")),
]


def media(request, path):
    """Uploaded files, when no web server or object store serves them (see README)."""
    return serve(request, path, document_root=settings.MEDIA_ROOT)


if settings.SERVE_MEDIA:
    urlpatterns.insert(0, re_path(rf"^{settings.MEDIA_URL.lstrip('/')}(?P<path>.*)$", media))
