"""What readers may type into the comment form, beyond Django's own field checks.

Django's URLField accepts `//evil.example` and look-alike domains, its EmailField accepts
`"<script>"@example.com`, and a CR/LF in a name raises BadHeaderError (a 500) the day the
name reaches an email header. Each `clean_*` function here takes what a field received and
returns the value to store, or raises ValidationError with a message for the reader.
"""

import ipaddress
import re
import unicodedata
from urllib.parse import urlsplit, urlunsplit

from confusable_homoglyphs.categories import unique_aliases
from confusable_homoglyphs.confusables import confusables_data
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db.models import CharField, Q, Value
from django.db.models.functions import Concat
from django.utils.encoding import punycode
from django.utils.translation import gettext_lazy as _

NAME_MAX_LENGTH = 80
WEBSITE_MAX_LENGTH = 200

# Embeddings, overrides and isolates: they reorder the text around them ("Trojan Source").
BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
# Zero-width (non-)joiners are spelling in Persian and Indic names: always kept.
JOINERS = frozenset("\u200c\u200d")
# Letters that draw nothing (Hangul fillers, Khmer inherent vowels, the grapheme joiner), on top
# of the invisible format characters (ZWSP, word joiner, BOM, soft hyphen…, Unicode category Cf).
BLANK_LETTERS = frozenset("\u034f\u115f\u1160\u17b4\u17b5\u3164\uffa0")
# More combining marks in a row than any script needs: "Zalgo" text that spills over the page.
MAX_COMBINING_RUN = 4

# Scripts that real domain labels mix (Japanese, Chinese, Korean with Latin), per Unicode's
# "highly restrictive" profile (UTS #39); any other mix is a look-alike domain.
ALLOWED_SCRIPT_MIXES = (
    {"LATIN", "HAN", "HIRAGANA", "KATAKANA"},
    {"LATIN", "HAN", "BOPOMOFO"},
    {"LATIN", "HAN", "HANGUL"},
)
NEUTRAL_SCRIPTS = {"COMMON", "INHERITED"}

PROTECTED_NAMES_CACHE_KEY = "comments:protected-name-skeletons"
PROTECTED_NAMES_TIMEOUT = 300  # a new staff member or author is protected within five minutes
SKELETON_MIN_LENGTH = 3  # "Al" or "Jo" is too short to pose as anyone


def _has_control(text):
    return any(unicodedata.category(char) in ("Cc", "Zl", "Zp") for char in text)


def _is_invisible(char):
    return char in BLANK_LETTERS or (
        unicodedata.category(char) == "Cf" and char not in JOINERS and char not in BIDI_CONTROLS
    )


# Names


def clean_name(value):
    """A commenter's name as shown on the page: refused with control characters (CR/LF
    included), direction overrides or angle brackets; stripped of invisible characters
    (zero-width joiners apart), whitespace collapsed."""
    if _has_control(value):
        raise ValidationError(_("Please write your name on one line, without control characters."), code="control")
    if any(char in BIDI_CONTROLS for char in value):
        raise ValidationError(_("Please remove the characters that change the text direction."), code="bidi")
    if "<" in value or ">" in value:
        # No name needs them, and some feed readers take an RSS title (the name) for HTML.
        raise ValidationError(_("Please leave angle brackets out of your name."), code="markup")
    name = unicodedata.normalize("NFC", "".join(char for char in value if not _is_invisible(char)))
    name = " ".join(name.split())
    if not any(unicodedata.category(char)[0] in "LN" for char in name):
        raise ValidationError(_("Please enter a name with at least one letter."), code="no_letters")
    run = 0
    for char in name:
        run = run + 1 if unicodedata.category(char) in ("Mn", "Me") else 0
        if run > MAX_COMBINING_RUN:
            raise ValidationError(_("Please remove the extra accents stacked on your name."), code="combining")
    if len(name) > NAME_MAX_LENGTH:
        raise ValidationError(
            _("Please shorten your name to %(limit)s characters."), code="max_length", params={"limit": NAME_MAX_LENGTH}
        )
    return name


def _ascii_prototype(char):
    """The ASCII letter or digit `char` is drawn like (Cyrillic "а" → "a"), or `char` itself."""
    for entry in confusables_data.get(char, ()):
        candidate = entry["c"]
        if len(candidate) == 1 and candidate.isascii() and candidate.isalnum():
            return candidate
    return char


# ASCII that looks alike in most fonts; applied before case folding, so "I" (not "i") is "l".
ASCII_LOOKALIKES = str.maketrans({"I": "l", "1": "l", "|": "l", "0": "o"})


def _fold(text):
    text = unicodedata.normalize("NFKD", text)
    text = "".join(
        char if char.isascii() else _ascii_prototype(char) for char in text if not unicodedata.combining(char)
    )
    text = text.translate(ASCII_LOOKALIKES).casefold().replace("rn", "m").replace("vv", "w")
    # Spaces, dots and invisible characters do not tell names apart: "eugene.bach" is "Eugene Bach".
    return "".join(char for char in text if unicodedata.category(char)[0] in "LN")


def name_skeletons(name):
    """What a protected `name` looks like once look-alike letters, accents, case and punctuation
    are set aside, written as typed, in capitals and in small letters.

    A set, because case folding and look-alikes do not commute: "ADMIN" looks like "ADMlN"
    but "admin" does not look like "admln". A reader's name looks like `name` when its
    `_fold` is in this set.
    """
    return {skeleton for skeleton in map(_fold, (name, name.upper(), name.lower())) if skeleton}


def protected_name_skeletons():
    """Skeletons of the names readers may not pose as: staff logins (usernames and full names)
    and authors (bylines, and their logins). One query, cached for a few minutes."""
    skeletons = cache.get(PROTECTED_NAMES_CACHE_KEY)
    if skeletons is None:
        from authors.models import Author, User

        full_name = Concat("first_name", Value(" "), "last_name", output_field=CharField())
        logins = (
            User.objects.filter(Q(is_staff=True, is_active=True) | Q(author__isnull=False))
            .annotate(full_name=full_name)
            .values_list("username", "full_name")
            .order_by()
        )
        bylines = (
            Author.objects.annotate(other=Value("", output_field=CharField())).values_list("name", "other").order_by()
        )
        names = {name for row in logins.union(bylines) for name in row if name.strip()}
        skeletons = frozenset().union(*map(name_skeletons, names))
        cache.set(PROTECTED_NAMES_CACHE_KEY, skeletons, PROTECTED_NAMES_TIMEOUT)
    return skeletons


def check_not_impersonating(name):
    """Refuse a reader's name that looks like a staff member's or an author's."""
    skeleton = _fold(name)
    if len(skeleton) >= SKELETON_MIN_LENGTH and skeleton in protected_name_skeletons():
        raise ValidationError(
            _("This name belongs to someone on our team. Please comment under another name, or log in."),
            code="impersonation",
        )


# Email addresses

# Legal in quoted or commented addresses, never needed in a real one, and the stuff of header
# injection and markup: quotes, angle brackets, backslashes, parentheses, separators.
EMAIL_FORBIDDEN = frozenset('"<>\\()[],;:')


def clean_email(value):
    """An address Django's EmailField accepted, refused if it has quotes, brackets, spaces or
    control characters; its domain lower-cased and in punycode."""
    if any(char in EMAIL_FORBIDDEN or char.isspace() or not char.isprintable() for char in value):
        raise ValidationError(_("Enter a plain email address, like name@example.com."), code="invalid")
    local, _at, domain = value.rpartition("@")
    try:
        return f"{local}@{_clean_host(domain)}"
    except ValidationError as error:
        if error.code == "homoglyph":
            raise
        raise ValidationError(_("Enter a valid email address, like name@example.com."), code="invalid") from None


# Web addresses


def _label_looks_alike(label):
    """Whether one label of a domain mixes scripts, or is non-Latin letters drawn like Latin ones."""
    scripts = unique_aliases(label) - NEUTRAL_SCRIPTS
    if len(scripts) > 1 and not any(scripts <= allowed for allowed in ALLOWED_SCRIPT_MIXES):
        return True  # "аpple" with a Cyrillic а
    # A whole label in another script that reads as Latin: "аррӏе" is all Cyrillic.
    return bool(scripts) and "LATIN" not in scripts and all(_ascii_prototype(char).isascii() for char in label)


def _clean_host(host):
    """A domain name in lower-case punycode; refused unless it is a real, unambiguous one."""
    invalid = ValidationError(_("Enter a valid web address, like https://example.com."), code="invalid")
    host = host.rstrip(".").lower()
    try:
        ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        pass
    else:
        raise ValidationError(_("Enter a domain name rather than an IP address."), code="ip_address")
    labels = host.split(".")
    if len(labels) < 2 or not all(labels):
        raise invalid
    for label in labels:
        try:
            readable = label.encode("ascii").decode("idna") if label.startswith("xn--") else label
        except UnicodeError:
            raise invalid from None
        if not readable.isascii() and _label_looks_alike(readable):
            raise ValidationError(
                _("This address has look-alike letters from another alphabet. Please check it."),
                code="homoglyph",
            )
    try:
        host = punycode(host)
    except UnicodeError:
        raise invalid from None
    if not re.fullmatch(r"[a-z]{2,63}|xn--[a-z0-9-]{1,59}", host.rsplit(".", 1)[-1]):
        raise invalid
    return host


def clean_website(value):
    """A commenter's website: an http(s) address with a real domain name, normalised to punycode.

    "example.com" means "https://example.com"; scheme-relative ("//host"), other schemes
    (ftp:, javascript:, data:), credentials, IP addresses and look-alike domains are refused.
    """
    value = value.strip()
    if not value:
        return ""
    invalid = ValidationError(_("Enter a valid web address, like https://example.com."), code="invalid")
    if any(char.isspace() or not char.isprintable() or char == "\\" for char in value):
        raise invalid
    if value.startswith("//"):
        raise ValidationError(_("Start the address with https://."), code="scheme_relative")
    if "://" not in value:
        if re.match(r"[a-z][a-z0-9+.-]*:(?!\d)", value, re.IGNORECASE):
            raise ValidationError(_("Only http:// and https:// web addresses are accepted."), code="scheme")
        value = f"https://{value}"
    try:
        parts = urlsplit(value)
        port = parts.port
    except ValueError:
        raise invalid from None
    if parts.scheme.lower() not in ("http", "https"):
        raise ValidationError(_("Only http:// and https:// web addresses are accepted."), code="scheme")
    if "@" in parts.netloc:
        raise ValidationError(_("Please leave the user name and password out of the address."), code="credentials")
    host = _clean_host(parts.hostname or "")
    netloc = f"{host}:{port}" if port is not None else host
    url = urlunsplit((parts.scheme.lower(), netloc, parts.path, parts.query, parts.fragment))
    try:
        URLValidator(schemes=["http", "https"])(url)
    except ValidationError:
        raise invalid from None
    if len(url) > WEBSITE_MAX_LENGTH:
        raise ValidationError(
            _("Please shorten the address to %(limit)s characters."),
            code="max_length",
            params={"limit": WEBSITE_MAX_LENGTH},
        )
    return url


# Comment text


def clean_body(value):
    """A comment's text without control characters (line breaks and tabs stay) or direction
    overrides, which could reorder what readers see around the comment."""
    return "".join(
        char for char in value if char not in BIDI_CONTROLS and (char in "\n\t" or unicodedata.category(char) != "Cc")
    )
