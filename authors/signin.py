"""How staff sign in to the admin: a password, then a code from an authenticator app when
they have one (django-otp's TOTP devices), which superusers can be made to have.

Failed passwords are counted and locked out by django-axes (see settings); wrong codes are
throttled by django-otp itself. `AdminSite` is the site every `@admin.register` uses
(installed by `authors.apps.ColloquyAdminConfig`).
"""

from urllib.parse import urlsplit

from django import forms
from django.conf import settings
from django.contrib import admin
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth.forms import PasswordResetForm
from django.db import transaction
from django.shortcuts import redirect
from django.utils.translation import gettext_lazy as _
from django_otp.plugins.otp_totp.models import TOTPDevice


def has_totp_device(user):
    """Whether `user` has a confirmed authenticator app; asked once per request."""
    if not hasattr(user, "_has_totp_device"):
        user._has_totp_device = TOTPDevice.objects.devices_for_user(user, confirmed=True).exists()
    return user._has_totp_device


def must_set_up_second_factor(user):
    """A superuser without an authenticator app, when the settings require one."""
    return user.is_superuser and settings.ADMIN_2FA_REQUIRED_FOR_SUPERUSERS and not has_totp_device(user)


def second_factor_missing(user):
    """Whether signed-in `user` still owes a code: they have an authenticator app (or, as a
    superuser, must have one) and have not given its code in this session."""
    if user.is_verified():
        return False
    return (user.is_superuser and settings.ADMIN_2FA_REQUIRED_FOR_SUPERUSERS) or has_totp_device(user)


class AdminLoginForm(AdminAuthenticationForm):
    """The admin's login form plus the code from an authenticator app, for those who have one.

    The field is always shown, so the page does not tell who has two-factor sign-in.
    """

    otp_token = forms.CharField(
        label=_("Authentication code"),
        required=False,
        max_length=10,
        help_text=_("From your authenticator app, if you have set up two-factor sign-in."),
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
    )

    def clean(self):
        cleaned_data = super().clean()  # the password, and an active staff login
        user = self.get_user()
        token = "".join(cleaned_data.get("otp_token", "").split())
        with transaction.atomic():
            # Locked, so that parallel guesses queue behind django-otp's throttle.
            devices = TOTPDevice.objects.devices_for_user(user, confirmed=True).select_for_update()
            if not devices:
                return cleaned_data
            # After each wrong code django-otp makes the next one wait longer.
            allowed = [device for device in devices if device.verify_is_allowed()[0]]
            for device in allowed:
                if token and device.verify_token(token):
                    user.otp_device = device  # django-otp keeps it in the session at login
                    return cleaned_data
        # Raised outside the transaction, so the failed attempt (and its throttle) is kept.
        if not token:
            raise forms.ValidationError(_("Please enter the code from your authenticator app."), code="otp_required")
        if not allowed:
            raise forms.ValidationError(_("Too many wrong codes. Please wait a minute and try again."), code="otp_wait")
        raise forms.ValidationError(_("That code is not right. Please try the current one."), code="otp_invalid")


class AdminSite(admin.AdminSite):
    """Django's admin site, where a login with an authenticator app must have used it."""

    login_form = AdminLoginForm

    def has_permission(self, request):
        return super().has_permission(request) and not second_factor_missing(request.user)

    def login(self, request, extra_context=None):
        user = request.user
        if user.is_active and user.is_staff and must_set_up_second_factor(user):
            return redirect("two_factor_setup")
        return super().login(request, extra_context)


class StaffPasswordResetForm(PasswordResetForm):
    """Password reset for staff logins only, with links to SITE_URL whatever Host was asked."""

    def get_users(self, email):
        return (user for user in super().get_users(email) if user.is_staff)

    def save(self, **kwargs):
        site = urlsplit(settings.SITE_URL)
        return super().save(**{**kwargs, "domain_override": site.netloc, "use_https": site.scheme == "https"})
