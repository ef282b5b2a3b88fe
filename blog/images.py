"""Uploaded images: checked with Pillow, re-encoded, and cut into renditions.

Django's ImageField alone accepts decompression bombs, polyglot files and
images that keep GPS EXIF. Every image field of ours is a ValidatedImageField:
its form field re-encodes the upload before it reaches storage, and its file
writes smaller WebP renditions beside the original whenever a new file is saved.
"""

import posixpath
import warnings
from io import BytesIO

from django import forms
from django.conf import settings
from django.core import checks
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import models
from django.db.models.fields.files import ImageFieldFile
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext_lazy as _
from PIL import Image, ImageOps

RENDITION_WIDTHS = (96, 192, 480, 960, 1600)
MAX_SIDE = 2400  # Longest side kept after re-encoding: sharp on any screen, far smaller than a camera original.

# Pillow format → accepted file extensions and the name shown to people.
EXTENSIONS = {"JPEG": (".jpg", ".jpeg"), "PNG": (".png",), "WEBP": (".webp",), "GIF": (".gif",)}
FORMAT_NAMES = {"JPEG": "JPEG", "PNG": "PNG", "WEBP": "WebP", "GIF": "GIF"}
SAVE_OPTIONS = {"JPEG": {"quality": 85, "optimize": True}, "WEBP": {"quality": 85}}


def _format(image):
    """Pillow's format name, counting multi-picture JPEGs (MPO, from many phones) as the JPEGs they are."""
    return "JPEG" if image.format == "MPO" else image.format


def _open(fp, formats=tuple(EXTENSIONS)):
    """Open an image lazily (header only), leaving the size limit to the caller.

    Pillow warns above its own pixel limit; we check IMAGE_MAX_PIXELS (which is lower)
    straight after opening, so the warning is noise. Above twice its limit Pillow
    raises DecompressionBombError, which callers must treat as "too large".
    """
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", Image.DecompressionBombWarning)
        return Image.open(fp, formats=formats)


class ValidatedImageFormField(forms.ImageField):
    """An image form field that accepts only real, reasonably sized images, and re-encodes them.

    Re-encoding is what makes an upload safe to serve: it drops EXIF (GPS included),
    comments and anything appended after the image data, such as a script.
    """

    default_error_messages = {
        "invalid_image": _("This file is not a JPEG, PNG, WebP or GIF image."),
        "svg": _("SVG images are not accepted because they can carry scripts. Upload a PNG, JPEG, WebP or GIF."),
        "too_big": _("This file is %(size)s; the limit is %(limit)s."),
        "too_many_pixels": _("This image is %(width)s × %(height)s pixels; the limit is %(limit)s megapixels."),
        "too_many_pixels_unknown": _("This image has far too many pixels; the limit is %(limit)s megapixels."),
        "wrong_extension": _(
            "The file name “%(name)s” does not match its contents: it is a %(format)s image, "
            "so the name should end in %(extension)s."
        ),
    }

    def widget_attrs(self, widget):
        attrs = super().widget_attrs(widget)
        if "accept" in attrs:
            attrs["accept"] = "image/jpeg,image/png,image/webp,image/gif"
        return attrs

    def to_python(self, data):
        # Skip ImageField.to_python: it decodes the whole image before any size check.
        upload = forms.FileField.to_python(self, data)
        if upload is None:
            return None
        if upload.size > settings.IMAGE_MAX_BYTES:
            raise self._error(
                "too_big", size=filesizeformat(upload.size), limit=filesizeformat(settings.IMAGE_MAX_BYTES)
            )

        upload.seek(0)
        extension = posixpath.splitext(upload.name)[1].lower()
        if extension in (".svg", ".svgz") or b"<svg" in upload.read(1024).lower():
            raise self._error("svg")
        upload.seek(0)
        limit_mp = f"{settings.IMAGE_MAX_PIXELS / 1_000_000:g}"
        try:
            image = _open(upload)
        except Image.DecompressionBombError as error:
            raise self._error("too_many_pixels_unknown", limit=limit_mp) from error
        except (OSError, SyntaxError, ValueError) as error:  # UnidentifiedImageError is an OSError.
            raise self._error("invalid_image") from error
        if image.width * image.height > settings.IMAGE_MAX_PIXELS:
            raise self._error("too_many_pixels", width=image.width, height=image.height, limit=limit_mp)
        image_format = _format(image)
        if extension not in EXTENSIONS[image_format]:
            raise self._error(
                "wrong_extension",
                name=upload.name,
                format=FORMAT_NAMES[image_format],
                extension=EXTENSIONS[image_format][0],
            )

        try:
            content = reencode(image)
        except (OSError, SyntaxError, ValueError) as error:  # Truncated or corrupt pixel data.
            raise self._error("invalid_image") from error
        clean = SimpleUploadedFile(upload.name, content, content_type=f"image/{image_format.lower()}")
        clean.image = Image.open(clean)  # As Django's ImageField does; the header only.
        clean.seek(0)
        return clean

    def _error(self, code, **params):
        return forms.ValidationError(self.error_messages[code], code=code, params=params)


def reencode(image):
    """Return the bytes of `image` saved afresh in its own format, upright, at most MAX_SIDE wide or tall.

    Only pixels, transparency and the colour profile survive: EXIF, comments, XMP
    and trailing bytes do not. A GIF keeps its first frame only.
    """
    image_format = _format(image)
    icc_profile = image.info.get("icc_profile")  # Colour, not personal data: keeps wide-gamut photos true.
    image = ImageOps.exif_transpose(image)
    if max(image.size) > MAX_SIDE:
        if image.mode in ("1", "P"):
            image = image.convert("RGBA")  # Palette images only resize with nearest-neighbour.
        image.thumbnail((MAX_SIDE, MAX_SIDE), Image.Resampling.LANCZOS)
    if image_format == "JPEG" and image.mode not in ("L", "RGB"):
        image = image.convert("RGB")
    elif image_format == "WEBP" and image.mode not in ("RGB", "RGBA"):
        image = image.convert("RGBA" if image.has_transparency_data else "RGB")
    image.info = {key: value for key, value in image.info.items() if key == "transparency"}
    buffer = BytesIO()
    image.save(buffer, image_format, icc_profile=icc_profile, **SAVE_OPTIONS.get(image_format, {}))
    return buffer.getvalue()


def rendition_widths(original_width):
    """The rendition widths an image of this width has: only those smaller than the original."""
    return [width for width in RENDITION_WIDTHS if width < (original_width or 0)]


def rendition_name(name, width):
    """Where a rendition lives: `avatars/eugene.jpg` → `avatars/eugene.480w.webp`."""
    return f"{posixpath.splitext(name)[0]}.{width}w.webp"


def stored_size(field_file):
    """The (width, height) recorded on the model instance, so no file is opened."""
    field = field_file.field
    return getattr(field_file.instance, field.width_field), getattr(field_file.instance, field.height_field)


def save_renditions(field_file):
    """Write a WebP copy of the stored image at each smaller width in RENDITION_WIDTHS, replacing stale ones.

    Reads the original back from storage so it also serves files that never
    passed through the form (and any future backfill command).
    """
    storage = field_file.storage
    with storage.open(field_file.name, "rb") as original, _open(original) as image:
        widths = rendition_widths(image.width)
        if not widths:
            return
        upright = ImageOps.exif_transpose(image)
        upright = upright.convert("RGBA" if upright.has_transparency_data else "RGB")
    for width in widths:
        height = max(1, round(upright.height * width / upright.width))
        buffer = BytesIO()
        upright.resize((width, height), Image.Resampling.LANCZOS, reducing_gap=3.0).save(buffer, "WEBP", quality=80)
        name = rendition_name(field_file.name, width)
        storage.delete(name)  # Storage would otherwise pick a new name beside a stale file.
        storage.save(name, ContentFile(buffer.getvalue()))


def rendition_url(field_file, width):
    """The URL of one rendition, built from the file name alone."""
    return field_file.storage.url(rendition_name(field_file.name, width))


def srcset(field_file):
    """The `srcset` attribute value: each rendition, then the original, with its width.

    Built from the name and the width stored on the instance: a page of many
    images makes no storage calls and no queries.
    """
    width, _height = stored_size(field_file)
    if not field_file or not width:
        return ""
    candidates = [f"{rendition_url(field_file, w)} {w}w" for w in rendition_widths(width)]
    candidates.append(f"{field_file.url} {width}w")
    return ", ".join(candidates)


class ValidatedImageFieldFile(ImageFieldFile):
    """Writes renditions whenever a new file is saved.

    FileField.pre_save calls save() only for an uncommitted file (an upload, or a
    ContentFile assigned in code), so saving a model without a new file does no I/O.
    """

    def save(self, name, content, save=True):
        super().save(name, content, save=False)
        # Django leaves width_field/height_field unset on the instance here; a later
        # save() of the same instance would then write NULLs, and srcset needs them.
        setattr(self.instance, self.field.width_field, self.width)
        setattr(self.instance, self.field.height_field, self.height)
        save_renditions(self)
        if save:
            self.instance.save()


class ValidatedImageField(models.ImageField):
    """An ImageField whose form field validates and re-encodes uploads, and whose files make renditions."""

    attr_class = ValidatedImageFieldFile

    def formfield(self, **kwargs):
        return super().formfield(**{"form_class": ValidatedImageFormField, **kwargs})

    def check(self, **kwargs):
        errors = super().check(**kwargs)
        if not (self.width_field and self.height_field):
            errors.append(
                checks.Error(
                    "ValidatedImageField needs width_field and height_field: srcset reads the size from them.",
                    obj=self,
                    id="blog.E001",
                )
            )
        return errors
