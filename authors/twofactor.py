"""A staff member adds an authenticator app (TOTP) for two-factor sign-in to the admin.

The secret waits in the session until the app's first code proves it was scanned; only
then is a confirmed device saved. The QR code is a PNG data URI, which the site's
Content-Security-Policy allows (img-src data:), so the page needs no script.
"""

import base64
import io
from binascii import unhexlify

import qrcode
from django import forms
from django.contrib import admin, messages
from django.contrib.admin.views.decorators import staff_member_required
from django.shortcuts import redirect, render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache
from django_otp import login as otp_login
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice
from django_otp.util import random_hex

from authors.signin import has_totp_device, must_set_up_second_factor

SESSION_KEY = "authors:totp-setup-key"
DEVICE_NAME = "Authenticator app"


class TOTPSetupForm(forms.Form):
    """The password again (a borrowed session must not add its own app), and the app's code."""

    password = forms.CharField(
        label=_("Your password"), strip=False, widget=forms.PasswordInput(attrs={"autocomplete": "current-password"})
    )
    otp_token = forms.CharField(
        label=_("Code shown by the app"),
        max_length=10,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
    )

    def __init__(self, *args, device, **kwargs):
        super().__init__(*args, **kwargs)
        self.device = device

    def clean_password(self):
        password = self.cleaned_data["password"]
        if not self.device.user.check_password(password):
            raise forms.ValidationError(_("That is not your password."), code="password")
        return password

    def clean_otp_token(self):
        token = "".join(self.cleaned_data["otp_token"].split())
        device = self.device
        totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
        if not (token.isdigit() and totp.verify(int(token), tolerance=device.tolerance)):
            raise forms.ValidationError(
                _("That code does not match. Check the clock of your phone and try the current code."), code="otp"
            )
        device.last_t, device.drift = totp.t(), totp.drift  # this code cannot be used again to sign in
        return token


def qr_code_data_uri(text):
    """`text` as a QR code in a PNG data URI."""
    buffer = io.BytesIO()
    qrcode.make(text, box_size=6, border=2).save(buffer)
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


@never_cache
@staff_member_required
def setup(request):
    """Show a new secret as a QR code; save it as the login's device once a code from it is right."""
    user = request.user
    key = request.session.get(SESSION_KEY) or random_hex(20)
    request.session[SESSION_KEY] = key
    device = TOTPDevice(user=user, name=DEVICE_NAME, key=key, confirmed=True)
    form = TOTPSetupForm(request.POST or None, device=device)
    if request.method == "POST" and form.is_valid():
        device.save()
        del request.session[SESSION_KEY]
        otp_login(request, device)  # this session has just proved the second factor
        messages.success(request, _("Two-factor sign-in is on. You will be asked for a code when you log in."))
        return redirect("admin:index")
    context = {
        **admin.site.each_context(request),
        "title": _("Two-factor sign-in"),
        "form": form,
        "qr_code": qr_code_data_uri(device.config_url),
        "secret": base64.b32encode(unhexlify(key)).decode("ascii"),
        "has_device": has_totp_device(user),
        "required": must_set_up_second_factor(user),
    }
    return render(request, "admin/two_factor_setup.html", context)
