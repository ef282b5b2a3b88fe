"""The images of a WordPress import: attachments read from a copy of wp-content/uploads.

An image attachment becomes a PostImage of its parent post (or of the first post showing
it, when it has no parent), `_thumbnail_id` a post's featured image, and links and
images in bodies that point at an imported attachment (any of the sizes WordPress cut)
are rewritten to our copy. Every file is validated and re-encoded by the same form field
as an upload in the admin; a missing or bad file is reported, never fatal. Nothing is
ever fetched over the network.
"""

import html
import posixpath
import re
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urlsplit

from django.core.exceptions import ValidationError
from django.core.files import File

from blog.images import ValidatedImageFormField, rendition_name, rendition_widths, stored_size
from blog.markup import html_to_text
from blog.models import ImportedItem, Page, Post, PostImage
from blog.wordpress.links import Moved

Kind = ImportedItem.Kind

IMAGE_EXTENSIONS = {".jpg", ".jpeg", ".png", ".gif", ".webp"}
# WordPress's resized copies ("photo-300x200.jpg") stand for the attachment itself.
SIZE_SUFFIX = re.compile(r"-\d+x\d+(?=\.[A-Za-z0-9]+$)")
LINK_ATTRIBUTE = re.compile(r"""(\b(?:src|href)\s*=\s*)(["'])(.*?)\2""", re.IGNORECASE | re.DOTALL)


def upload_path(url):
    """The path under wp-content/uploads of an upload's URL ("2013/03/photo.jpg"), or ""."""
    path = unquote(urlsplit(url.strip()).path)
    _before, found, after = path.partition("/uploads/")
    return after if found else ""


def _resized_key(url):
    """The attachment an upload URL shows, whatever size WordPress cut: its path without "-WxH"."""
    return SIZE_SUFFIX.sub("", upload_path(url))


@dataclass
class Attachment:
    """What the end of the import needs of an attachment item (the file is read then)."""

    id: str
    parent_id: str
    url: str
    link: str
    alt: str
    caption: str
    image_url: str = ""  # our copy's, once stored
    state: str = ""  # found, missing or invalid, once its file was looked for


class Media:
    """The attachments of one import run, stored once every post exists.

    `run` is the import (blog.wordpress.importer): its report, its record of what was
    made, and the redirects it collects.
    """

    def __init__(self, media_dir, run):
        self.media_dir = Path(media_dir).resolve() if media_dir else None
        self.run = run
        self.attachments = {}  # WordPress ID → Attachment
        self.featured = {}  # our Post pk → WordPress attachment ID
        self.bodies = {"post": [], "page": []}  # pks of bodies that link to uploads
        self.files = []  # (storage, name, width) written, deleted again on rollback

    def add(self, item):
        """Note an attachment item; its file is read by `finish`."""
        report = self.run.report
        if item.id in self.run.imported[Kind.ATTACHMENT]:
            report.already["attachments"] += 1
            return
        url = item.attachment_url or item.guid
        if posixpath.splitext(urlsplit(url).path)[1].lower() not in IMAGE_EXTENSIONS:
            report.skipped["attachments that are not images"] += 1
            return
        alt = item.postmeta.get("_wp_attachment_image_alt", "").strip() or html_to_text(item.title)
        self.attachments[item.id] = Attachment(
            id=item.id,
            parent_id=item.parent_id,
            url=url,
            link=item.link,
            alt=(alt or posixpath.basename(upload_path(url)) or "Image")[:300],
            caption=html_to_text(item.excerpt)[:300],
        )

    def note_post(self, post, item):
        """Remember what of a new post needs its images: the featured image, links to uploads."""
        if thumbnail := item.postmeta.get("_thumbnail_id"):
            self.featured[post.pk] = thumbnail
        if "/uploads/" in post.body:
            self.bodies["post"].append(post.pk)

    def note_page(self, page):
        if "/uploads/" in page.body:
            self.bodies["page"].append(page.pk)

    def finish(self):
        """Store the attachments, set featured images and rewrite links, now that every post exists."""
        for attachment in self.attachments.values():
            # One with no post here is stored only if a post shows it (below).
            if post_pk := self.run.imported[Kind.POST].get(attachment.parent_id):
                self.store(attachment, post_pk)
        self.set_featured_images()
        self.rewrite_bodies()
        if unused := [attachment for attachment in self.attachments.values() if not attachment.state]:
            self.run.report.skipped["images attached to no post"] += len(unused)

    def store(self, attachment, post_pk):
        """Make the attachment a PostImage of the post `post_pk`, if its file is there and sound."""
        upload = self.load(attachment)
        if upload is None:
            return
        image = PostImage(post_id=post_pk, alt=attachment.alt, caption=attachment.caption)
        image.image.save(upload.name, upload, save=False)
        self.remember_file(image.image)
        image.save()
        attachment.image_url = image.image.url
        self.run.record(Kind.ATTACHMENT, attachment.id, image.pk)
        self.run.moved.append(
            Moved(kind=Kind.ATTACHMENT, source_id=attachment.id, old_url=attachment.link, new_url=image.image.url)
        )

    def load(self, attachment):
        """The attachment's file from the media folder, validated and re-encoded like an upload; None if not usable.

        Counted once per attachment in the report: found, missing or invalid.
        """
        if attachment.state in ("missing", "invalid"):
            return None
        relative = upload_path(attachment.url)
        if self.media_dir is None:
            return self.problem(attachment, "missing", "no media folder given")
        path = (self.media_dir / relative).resolve()
        # resolve() and the containment check keep "../" in a URL from reading outside the folder.
        if not relative or not path.is_relative_to(self.media_dir) or not path.is_file():
            return self.problem(attachment, "missing", "not in the media folder")
        with path.open("rb") as file:
            try:
                upload = ValidatedImageFormField().clean(File(file, name=path.name))
            except ValidationError as error:
                return self.problem(attachment, "invalid", " ".join(error.messages))
        if not attachment.state:
            attachment.state = "found"
            self.run.report.media["found"] += 1
        return upload

    def problem(self, attachment, state, problem):
        attachment.state = state
        self.run.report.media[state] += 1
        self.run.report.media_problems.append((upload_path(attachment.url) or attachment.url, problem))
        return None

    def remember_file(self, field_file):
        self.files.append((field_file.storage, field_file.name, stored_size(field_file)[0]))

    def delete_files(self):
        """Delete the image files (and renditions) written so far: the import's rows are being rolled back."""
        for storage, name, width in self.files:
            for written in [name] + [rendition_name(name, w) for w in rendition_widths(width)]:
                storage.delete(written)
        self.files = []

    def set_featured_images(self):
        for post_pk, attachment_id in self.featured.items():
            attachment = self.attachments.get(attachment_id)
            if attachment is None:
                self.run.report.notes.append(f"featured image {attachment_id} of post {post_pk} is not in the file")
                continue
            upload = self.load(attachment)
            if upload is None:
                continue
            post = Post(pk=post_pk)
            post.featured_image.save(upload.name, upload, save=False)
            self.remember_file(post.featured_image)
            Post.objects.filter(pk=post_pk).update(
                featured_image=post.featured_image.name,
                featured_image_width=post.featured_image_width,
                featured_image_height=post.featured_image_height,
                featured_image_alt=attachment.alt,
            )

    def rewrite_bodies(self):
        """Point links and images at imported attachments to our copies.

        An attachment with no post of its own is stored as an image of the first post showing it.
        """
        exact, resized = {}, {}
        for attachment in self.attachments.values():
            if upload_path(attachment.url):
                exact[upload_path(attachment.url)] = attachment
                resized.setdefault(_resized_key(attachment.url), attachment)

        def new_url(match, post_pk):
            url = html.unescape(match.group(3))
            if not upload_path(url):
                return match.group(0)
            attachment = exact.get(upload_path(url)) or resized.get(_resized_key(url))
            if attachment is None:
                return match.group(0)
            if not attachment.state and post_pk is not None:
                self.store(attachment, post_pk)
            if not attachment.image_url:
                return match.group(0)
            return f"{match.group(1)}{match.group(2)}{attachment.image_url}{match.group(2)}"

        for post in Post.objects.filter(pk__in=self.bodies["post"]):
            body = LINK_ATTRIBUTE.sub(lambda match, pk=post.pk: new_url(match, pk), post.body)
            if body != post.body:
                post.body = body
                post.render_body()
                Post.objects.filter(pk=post.pk).update(body=body, body_html=post.body_html, body_text=post.body_text)
        for page in Page.objects.filter(pk__in=self.bodies["page"]):
            body = LINK_ATTRIBUTE.sub(lambda match: new_url(match, None), page.body)
            if body != page.body:
                page.body = body
                page.save()
