"""Safe output and sign-in: mass assignment, CSRF, open redirects, response headers with
production settings, login lockout, password reset, two-factor sign-in, and editors' HTML."""

import json
import logging
import re

import pytest
from django.contrib.auth import SESSION_KEY
from django.core import mail
from django.core.exceptions import SuspiciousOperation
from django.test import Client
from django.urls import path, reverse
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice
from pytest_django.asserts import assertContains, assertNotContains, assertRedirects

from authors.roles import EDITORS, MODERATORS
from comments.models import Comment
from comments.spam import form_token
from config.log_format import KeyValueFormatter
from tests.factories import PostFactory, UserFactory, make_comment
from tests.inert_html import Inspector, assert_inert
from tests.test_deploy import production_environment, run

pytestmark = pytest.mark.django_db

PASSWORD = "correct horse battery staple"
EVIL_NEXTS = [
    "//evil.example",
    "https://evil.example",
    "http://evil.example/admin/",
    "/\\evil.example",
    "\\\\evil.example",
    "javascript:alert(1)",
    "https://colloquy.example@evil.example",
    "///evil.example",
]


@pytest.fixture
def post():
    return PostFactory()


@pytest.fixture
def moderator(staff):
    return staff(MODERATORS)


def comment_data(**fields):
    return {
        "name": "Ada Reader",
        "email": "ada@example.com",
        "body": "An honest comment.",
        "form_token": form_token(),
        **fields,
    }


def log_in(client, username, password=PASSWORD, *, next_url="/admin/", **fields):
    return client.post(reverse("admin:login"), {"username": username, "password": password, "next": next_url, **fields})


def current_code(device):
    return str(TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift).token()).zfill(6)


# Mass assignment


def test_fields_that_are_not_the_readers_are_ignored_whatever_is_posted(client, post, moderator):
    other_post = PostFactory()
    pinned_elsewhere = make_comment(other_post)
    response = client.post(
        reverse("comments:create", args=[post.pk]),
        comment_data(
            status="approved",
            user=moderator.pk,
            user_id=moderator.pk,
            badge="moderator",
            pinned="on",
            post=other_post.pk,
            post_id=other_post.pk,
            created_at="2001-01-01T00:00:00Z",
            moderated_by=moderator.pk,
            hold_reasons="",
            ip_address="203.0.113.9",
            body_html="<script>alert(1)</script>",
            tree_id=pinned_elsewhere.tree_id,
            lft="1",
        ),
    )

    assert response.status_code == 303
    comment = Comment.objects.exclude(pk=pinned_elsewhere.pk).get()
    assert comment.post == post
    assert comment.status == Comment.Status.PENDING  # a first comment is held, whatever "status" said
    assert comment.hold_reasons == [Comment.HoldReason.FIRST_COMMENT]
    assert (comment.user, comment.badge, comment.pinned, comment.moderated_by) == (None, "", False, None)
    assert comment.created_at.year > 2001
    assert comment.ip_address == "127.0.0.1"
    assert "<script" not in comment.body_html
    assert comment.tree_id != pinned_elsewhere.tree_id


def test_a_reply_to_a_comment_on_another_post_is_refused(client, post):
    elsewhere = make_comment(PostFactory())

    response = client.post(reverse("comments:create", args=[post.pk]), comment_data(parent=elsewhere.pk))

    assert response.status_code == 400
    assert "parent" in response.context["comment_form"].errors
    assert Comment.objects.count() == 1


# CSRF


def test_the_comment_form_refuses_a_post_without_its_csrf_token(post):
    browser = Client(enforce_csrf_checks=True)
    page = browser.get(post.get_absolute_url())
    create = reverse("comments:create", args=[post.pk])

    assert browser.post(create, comment_data()).status_code == 403
    assert not Comment.objects.exists()

    # The page may come from the shared cache, which holds no token: static/js/comments.js asks for one.
    assert 'name="csrfmiddlewaretoken" value=""' in page.content.decode()
    token = browser.get(reverse("comments:form_token")).json()["csrf"]
    assert browser.post(create, comment_data(csrfmiddlewaretoken=token)).status_code == 303


def test_the_public_moderation_buttons_refuse_a_post_without_its_csrf_token(post, moderator):
    comment = make_comment(post, status=Comment.Status.PENDING)
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(moderator)

    response = browser.post(reverse("comments:moderate", args=[comment.pk]), {"action": "approve"})

    assert response.status_code == 403
    comment.refresh_from_db()
    assert comment.status == Comment.Status.PENDING


def test_every_form_that_posts_carries_a_csrf_token(client, post, moderator):
    make_comment(post, status=Comment.Status.PENDING)
    make_comment(post)
    client.force_login(moderator)

    for url in (post.get_absolute_url(), reverse("admin:index"), reverse("two_factor_setup")):
        html = client.get(url).content.decode()
        forms = re.findall(r"<form\b[^>]*>.*?</form>", html, re.DOTALL)
        posting = [form for form in forms if re.search(r'method="post"', form, re.IGNORECASE)]
        assert posting, url
        for form in posting:
            assert 'name="csrfmiddlewaretoken"' in form, form[:200]


# Open redirects


@pytest.mark.parametrize("next_url", EVIL_NEXTS)
def test_logging_in_never_redirects_off_the_site(client, staff, next_url):
    editor = staff(EDITORS)

    response = log_in(client, editor.username, next_url=next_url)

    assert response.status_code == 302
    assert response["Location"] == reverse("admin:index")


def test_logging_in_still_goes_back_to_the_page_it_came_from(client, staff, post):
    response = log_in(client, staff(EDITORS).username, next_url=post.get_absolute_url())

    assert response["Location"] == post.get_absolute_url()


@pytest.mark.parametrize("next_url", EVIL_NEXTS)
def test_logging_out_never_redirects_off_the_site(client, staff, next_url):
    client.force_login(staff(EDITORS))

    response = client.post(f"{reverse('admin:logout')}?next={next_url}", {"next": next_url})

    location = response.get("Location", "")
    assert "evil.example" not in location and not location.startswith(("//", "javascript:", "/\\"))


@pytest.mark.parametrize("next_url", EVIL_NEXTS)
def test_moderating_and_reporting_go_back_to_the_comment_whatever_next_says(client, post, moderator, next_url):
    comment = make_comment(post, status=Comment.Status.PENDING)
    client.force_login(moderator)

    moderated = client.post(
        f"{reverse('comments:moderate', args=[comment.pk])}?next={next_url}", {"action": "approve", "next": next_url}
    )
    reported = Client().post(
        f"{reverse('comments:report')}?next={next_url}", {"comment": comment.pk, "reason": "spam", "next": next_url}
    )

    for response in (moderated, reported):
        assert response.status_code == 302
        assert response["Location"].startswith(post.get_absolute_url())


# Response headers with production settings

SECURITY_SETTINGS = [
    "ALLOWED_HOSTS",
    "SECURE_SSL_REDIRECT",
    "SECURE_PROXY_SSL_HEADER",
    "SECURE_HSTS_SECONDS",
    "SECURE_HSTS_INCLUDE_SUBDOMAINS",
    "SECURE_HSTS_PRELOAD",
    "SECURE_CONTENT_TYPE_NOSNIFF",
    "SECURE_REFERRER_POLICY",
    "SECURE_CROSS_ORIGIN_OPENER_POLICY",
    "X_FRAME_OPTIONS",
    "SESSION_COOKIE_SECURE",
    "SESSION_COOKIE_HTTPONLY",
    "CSRF_COOKIE_SECURE",
    "CONTENT_SECURITY_POLICY",
    "MIDDLEWARE",
]


@pytest.fixture(scope="module")
def production_settings():
    """The security settings as production's environment makes them, read in a fresh process."""
    script = (
        "import json, environ; environ.Env.read_env = staticmethod(lambda *args, **kwargs: None); "
        "from django.conf import settings; "
        f"print(json.dumps({{name: getattr(settings, name) for name in {SECURITY_SETTINGS!r}}}))"
    )
    result = run(["-c", script], **production_environment())
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


@pytest.fixture
def production(settings, production_settings):
    for name, value in production_settings.items():
        setattr(settings, name, tuple(value) if name == "SECURE_PROXY_SSL_HEADER" else value)
    return Client(HTTP_HOST="colloquy.example", HTTP_X_FORWARDED_PROTO="https")


def test_production_responses_carry_the_security_headers(production, post):
    for url in (post.get_absolute_url(), reverse("admin:login")):
        response = production.get(url)

        assert response.status_code == 200
        assert response["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains; preload"
        assert response["X-Frame-Options"] == "DENY"
        assert response["Referrer-Policy"] == "strict-origin-when-cross-origin"
        assert response["X-Content-Type-Options"] == "nosniff"
        assert response["Cross-Origin-Opener-Policy"] == "same-origin"


def test_production_content_security_policy_allows_no_inline_script_or_style(production, post):
    header = production.get(post.get_absolute_url())["Content-Security-Policy"]
    policy = {
        directive.split()[0]: directive.split()[1:]
        for directive in (part.strip() for part in header.split(";"))
        if directive
    }

    assert policy["default-src"] == ["'self'"]
    assert policy["script-src"] == ["'self'"]
    assert policy["style-src"] == ["'self'"]
    assert policy["img-src"] == ["'self'", "data:"]
    assert policy["frame-ancestors"] == ["'none'"]
    assert policy["form-action"] == ["'self'"]
    assert policy["base-uri"] == ["'self'"]
    assert policy["object-src"] == ["'none'"]
    assert "unsafe-inline" not in header and "unsafe-eval" not in header


def test_production_cookies_are_secure_and_plain_http_is_redirected(production, post):
    login_page = production.get(reverse("admin:login"))
    assert login_page.cookies["csrftoken"]["secure"]

    UserFactory(username="eve", is_staff=True)
    logged_in = production.post(
        reverse("admin:login"),
        {"username": "eve", "password": PASSWORD, "csrfmiddlewaretoken": login_page.cookies["csrftoken"].value},
    )
    session = logged_in.cookies["sessionid"]
    assert session["secure"] and session["httponly"]

    plain = Client(HTTP_HOST="colloquy.example").get(post.get_absolute_url())
    assert plain.status_code == 301
    assert plain["Location"] == f"https://colloquy.example{post.get_absolute_url()}"


def test_no_template_has_inline_script_style_or_event_handlers(settings):
    """The policy forbids them; a template that used one would break under it."""
    # Emails are not pages under the policy, and mail clients need inline styles.
    emails = settings.BASE_DIR / "templates" / "comments" / "email"
    templates = sorted(path for path in (settings.BASE_DIR / "templates").rglob("*.html") if emails not in path.parents)
    assert templates
    for template in templates:
        inspector = Inspector()
        inspector.feed(re.sub(r"{%.*?%}|{{.*?}}", "", template.read_text()))
        for tag, attrs in inspector.elements:
            assert tag != "style", template
            assert tag != "script" or "src" in attrs, template
            assert not any(name.startswith("on") or name == "style" for name in attrs), template


# Login lockout (django-axes)


def test_a_login_is_locked_after_too_many_wrong_passwords(client, settings, staff):
    settings.AXES_FAILURE_LIMIT = 5
    editor = staff(EDITORS)

    for _attempt in range(4):
        assert log_in(client, editor.username, "wrong password").status_code == 200
    locked = log_in(client, editor.username, "wrong password")
    assert locked.status_code == 429
    assertContains(locked, "Too many failed logins", status_code=429)

    # The right password changes nothing from this address until the cool-off ends…
    assert log_in(client, editor.username).status_code == 429
    assert SESSION_KEY not in client.session
    # …but the same login from another address, or another login from this one, still works.
    assert log_in(Client(REMOTE_ADDR="198.51.100.7"), editor.username).status_code == 302
    assert log_in(client, staff(EDITORS).username).status_code == 302


def test_the_lockout_counts_the_client_ip_the_comments_trust(client, settings, staff):
    """Behind one proxy the address comes from X-Forwarded-For (comments.client_ip); a forged one changes nothing."""
    settings.AXES_FAILURE_LIMIT = 2
    settings.TRUSTED_PROXY_COUNT = 1
    editor = staff(EDITORS)
    visitor = Client(REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="203.0.113.5")
    for _attempt in range(2):
        log_in(visitor, editor.username, "wrong password")
    assert log_in(visitor, editor.username).status_code == 429

    forged = Client(REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="1.2.3.4, 203.0.113.5")
    assert log_in(forged, editor.username).status_code == 429
    other_visitor = Client(REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="203.0.113.6")
    assert log_in(other_visitor, editor.username).status_code == 302


# Password reset by email


def test_the_login_page_offers_a_password_reset(client):
    assertContains(client.get(reverse("admin:login")), f'href="{reverse("admin_password_reset")}"')


def test_staff_reset_their_password_by_email(client, staff):
    editor = staff(EDITORS)
    editor.email = "editor@colloquy.example"
    editor.save()

    response = client.post(reverse("admin_password_reset"), {"email": "EDITOR@colloquy.example"})

    assertRedirects(response, reverse("password_reset_done"))
    (message,) = mail.outbox
    assert message.to == ["editor@colloquy.example"]
    link = re.search(r"https://colloquy\.example(/admin/reset/\S+/)", message.body)
    assert link, message.body

    form_page = client.get(link[1], follow=True)
    assertContains(form_page, "new_password1")
    done = client.post(
        form_page.redirect_chain[-1][0],
        {"new_password1": "a new long passphrase", "new_password2": "a new long passphrase"},
    )
    assertRedirects(done, reverse("password_reset_complete"))
    assert log_in(Client(), editor.username, "a new long passphrase").status_code == 302


def test_password_reset_mails_only_staff_and_says_the_same_to_everyone(client):
    UserFactory(username="reader", email="reader@example.com")

    for email in ("reader@example.com", "nobody@example.com"):
        assertRedirects(client.post(reverse("admin_password_reset"), {"email": email}), reverse("password_reset_done"))
    assert mail.outbox == []


def test_reset_links_point_to_the_site_whatever_host_was_asked(client, settings, staff):
    settings.ALLOWED_HOSTS = ["*"]
    editor = staff(EDITORS)

    client.post(reverse("admin_password_reset"), {"email": editor.email}, HTTP_HOST="evil.example")

    assert "evil.example" not in mail.outbox[0].body
    assert "https://colloquy.example/admin/reset/" in mail.outbox[0].body


# Two-factor sign-in (django-otp)


@pytest.fixture
def device_of():
    def make(user):
        return TOTPDevice.objects.create(user=user, name="Phone", confirmed=True)

    return make


def test_staff_with_an_authenticator_app_must_give_its_code(client, staff, device_of):
    editor = staff(EDITORS)
    device = device_of(editor)

    without = log_in(client, editor.username)
    assertContains(without, "Please enter the code from your authenticator app.")
    wrong = log_in(client, editor.username, otp_token="000000" if current_code(device) != "000000" else "111111")
    assertContains(wrong, "That code is not right.")
    assert SESSION_KEY not in client.session

    device.refresh_from_db()
    device.throttle_reset()
    right = log_in(client, editor.username, otp_token=current_code(device))
    assert right.status_code == 302
    assert client.get(reverse("admin:index")).status_code == 200


def test_a_session_that_owes_its_code_moderates_nothing_on_the_site(client, staff, device_of):
    """Signed in before adding an app (so never verified): no moderation, no previews."""
    moderator = staff(MODERATORS)
    client.force_login(moderator)
    post = PostFactory()
    held = make_comment(post, status=Comment.Status.PENDING, name="Held Reader", body="Held words")
    assertContains(client.get(post.get_absolute_url()), 'name="action"')  # fully signed in: buttons

    device_of(moderator)
    page = client.get(post.get_absolute_url())
    refused = client.post(reverse("comments:moderate", args=[held.pk]), {"action": "approve"})

    assertNotContains(page, 'name="action"')
    assertNotContains(page, "Held words")
    assert refused.status_code == 403
    held.refresh_from_db()
    assert held.status == Comment.Status.PENDING


def test_staff_without_an_app_sign_in_with_their_password_alone(client, staff):
    editor = staff(EDITORS)

    assert log_in(client, editor.username).status_code == 302
    assert client.get(reverse("admin:index")).status_code == 200


def test_a_session_that_skipped_the_code_does_not_reach_the_admin(client, staff, device_of):
    editor = staff(EDITORS)
    device_of(editor)
    client.force_login(editor)  # a password-only session, e.g. from before the app was added

    response = client.get(reverse("admin:index"))

    assertRedirects(response, f"{reverse('admin:login')}?next=/admin/", fetch_redirect_response=False)


def test_wrong_codes_are_throttled(client, staff, device_of):
    editor = staff(EDITORS)
    device = device_of(editor)
    wrong = "000000" if current_code(device) != "000000" else "111111"
    log_in(client, editor.username, otp_token=wrong)

    response = log_in(client, editor.username, otp_token=current_code(device))

    assertContains(response, "Too many wrong codes")
    assert SESSION_KEY not in client.session


def test_superusers_must_set_up_an_app_when_the_setting_says_so(client, settings):
    settings.ADMIN_2FA_REQUIRED_FOR_SUPERUSERS = True
    root = UserFactory(username="root", is_staff=True, is_superuser=True)

    login = log_in(client, "root")
    assert login.status_code == 302
    # Past the password, every admin page leads to the setup page and nowhere else.
    for url in (reverse("admin:index"), reverse("admin:blog_post_changelist"), reverse("admin:login")):
        response = client.get(url, follow=True)
        assert response.redirect_chain[-1][0] == reverse("two_factor_setup"), url
        assertContains(response, "Superusers must use two-factor sign-in")

    setup = client.get(reverse("two_factor_setup"))
    assert setup.context["qr_code"].startswith("data:image/png;base64,")
    device = TOTPDevice(key=client.session["authors:totp-setup-key"])
    done = client.post(reverse("two_factor_setup"), {"password": PASSWORD, "otp_token": current_code(device)})

    assertRedirects(done, reverse("admin:index"))
    assert TOTPDevice.objects.get(user=root).confirmed
    assert client.get(reverse("admin:index")).status_code == 200


def test_superusers_without_an_app_get_in_while_the_setting_is_off(client, settings):
    settings.ADMIN_2FA_REQUIRED_FOR_SUPERUSERS = False
    UserFactory(username="root", is_staff=True, is_superuser=True)

    log_in(client, "root")

    assert client.get(reverse("admin:index")).status_code == 200


def test_staff_add_their_own_app_from_the_admin_user_tools(client, staff):
    editor = staff(EDITORS)
    client.force_login(editor)
    assertContains(client.get(reverse("admin:index")), f'href="{reverse("two_factor_setup")}"')

    page = client.get(reverse("two_factor_setup"))
    assertContains(page, 'src="data:image/png;base64,')
    assertNotContains(page, "Superusers must")
    device = TOTPDevice(key=client.session["authors:totp-setup-key"])

    wrong_password = client.post(reverse("two_factor_setup"), {"password": "guess", "otp_token": current_code(device)})
    assertContains(wrong_password, "That is not your password.")
    wrong_code = client.post(reverse("two_factor_setup"), {"password": PASSWORD, "otp_token": "12345"})
    assertContains(wrong_code, "That code does not match.")
    assert not TOTPDevice.objects.exists()

    client.post(reverse("two_factor_setup"), {"password": PASSWORD, "otp_token": current_code(device)})
    saved = TOTPDevice.objects.get(user=editor)
    assert saved.confirmed and saved.key == device.key
    assert client.get(reverse("admin:index")).status_code == 200  # this session gave the code

    # The code that set it up cannot sign in again.
    assertContains(log_in(Client(), editor.username, otp_token=current_code(device)), "That code is not right.")


def test_the_setup_page_is_for_staff_only(client):
    assert client.get(reverse("two_factor_setup")).status_code == 302
    client.force_login(UserFactory())
    assert client.get(reverse("two_factor_setup")).status_code == 302


# Editors' HTML


POST_PAYLOADS = [
    "<script>alert(1)</script>",
    '<img src="x" onerror="alert(1)">',
    '<a href="javascript:alert(1)">click</a>',
    "[click](javascript:alert(1))",
    "[click](data:text/html;base64,PHNjcmlwdD4=)",
    '<iframe src="https://evil.example"></iframe>',
    "<svg onload=alert(1)>",
    "<style>body{display:none}</style>",
    '<div style="position:fixed;inset:0" onclick="alert(1)">cover</div>',
    '<p onmouseover="alert(1)">hover</p>',
    '<a href="&#106;avascript:alert(1)">entity</a>',
    '<form action="https://evil.example"><input name="password"></form>',
    '<object data="javascript:alert(1)"></object>',
    "text \u202egnp.exe",
]


def test_editors_post_html_is_sanitised_too(client):
    post = PostFactory(body="\n\n".join(POST_PAYLOADS), dek="A dek")

    for html in (post.body_html, client.get(post.get_absolute_url()).content.decode()):
        assert "<script>" not in html and "javascript:" not in html.lower()
        assert not re.search(r"<[^>]+\son\w+\s*=", html)
        assert_inert(html.replace("\u202e", ""), "the post")


# Logging


def broken_view(request):
    raise RuntimeError("the printer is on fire")


def suspicious_view(request):
    raise SuspiciousOperation("a forged something")


urlpatterns = [path("broken/", broken_view), path("suspicious/", suspicious_view)]


def test_log_lines_are_key_value_pairs():
    record = logging.LogRecord("django.request", logging.ERROR, __file__, 1, "Server Error: %s", ("/a b/",), None)
    record.status_code = 500

    line = KeyValueFormatter().format(record)

    assert re.fullmatch(r'time=\S+ level=ERROR logger=django\.request message="Server Error: /a b/" status=500', line)


def test_a_server_error_is_mailed_to_the_admins_and_its_page_needs_no_inline_style(settings):
    settings.ROOT_URLCONF = __name__
    settings.ADMINS = [("Ops", "ops@colloquy.example")]

    response = Client(raise_request_exception=False).get("/broken/")

    assert response.status_code == 500
    assertContains(response, 'href="/static/css/site.css"', status_code=500)
    assert_inert(response.content.decode(), "the 500 page")
    (message,) = mail.outbox
    assert message.to == ["ops@colloquy.example"]
    assert "the printer is on fire" in message.body


def test_security_reports_are_mailed_but_requests_for_other_hosts_only_logged(settings):
    settings.ROOT_URLCONF = __name__
    settings.ADMINS = [("Ops", "ops@colloquy.example")]
    settings.ALLOWED_HOSTS = ["colloquy.example"]

    assert Client(HTTP_HOST="evil.example").get("/").status_code == 400
    assert mail.outbox == []
    assert Client(HTTP_HOST="colloquy.example").get("/suspicious/").status_code == 400
    (message,) = mail.outbox
    assert "a forged something" in message.subject


def test_signing_in_logs_no_ip_address_or_username_below_warning(staff, caplog):
    editor = staff(EDITORS)
    visitor = Client(REMOTE_ADDR="198.51.100.23")

    with caplog.at_level(logging.DEBUG):
        log_in(visitor, editor.username, "wrong password")
        log_in(visitor, editor.username)

    quiet = [record.getMessage() for record in caplog.records if record.levelno < logging.WARNING]
    assert not [line for line in quiet if "198.51.100.23" in line or editor.username in line]
