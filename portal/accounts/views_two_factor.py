"""The two-factor pages: the code after the password, and each user's own two-factor
page (enrol with an authenticator app, new backup codes, remove). See two_factor.py."""

from __future__ import annotations

from base64 import b32encode
from collections.abc import Callable
from functools import wraps
from typing import Any

import qrcode
import qrcode.image.svg
from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login as auth_login
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.html import escape
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp import login as otp_login
from django_otp.plugins.otp_static.models import StaticToken

from . import two_factor as tf
from .models import User
from .permissions import Action, grants_for


class CodeForm(forms.Form):
    code = forms.CharField(
        label=gettext_lazy("Code"),
        max_length=20,
        help_text=gettext_lazy(
            "The six digits your authenticator app shows now, or one of your backup codes."
        ),
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "autocapitalize": "off", "spellcheck": "false"}
        ),
    )

    def clean_code(self) -> str:
        code = "".join(self.cleaned_data["code"].split())
        if not code.isalnum():
            raise forms.ValidationError(_("Enter the code with digits and letters only."))
        return code


WRONG_CODE = gettext_lazy("The code is wrong or has expired. Try the next one.")
CODE_LOCKED = gettext_lazy(
    "Too many wrong codes. Wait %(minutes)s minutes, or ask an administrator to reset "
    "your two-factor authentication."
)


def require_verified_manager(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Account pages: a manager (MANAGE_ACCOUNTS somewhere, or a site administrator)
    whose session is not verified is sent to the two-factor page first, also when the
    grant came after they logged in. Others go on to the view's own 403/404. No query
    beyond the grants the view reads anyway."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if settings.TWO_FACTOR_REQUIRED and not tf.is_verified(request):
            grants = grants_for(request.user)
            if grants.is_admin or grants.scope(Action.MANAGE_ACCOUNTS):
                request.session[tf.REQUIRED_KEY] = True
                return tf.to_enrolment(request)
        return view(request, *args, **kwargs)

    return wrapped


@require_http_methods(["GET", "POST"])
def verify(request: HttpRequest) -> HttpResponse:
    """The second step of the log-in: the code of the pending user (views.LoginView)."""
    data = tf.pending(request)
    user = User.objects.filter(pk=data["user"], is_active=True).first() if data else None
    if user is None or data is None:
        tf.clear_pending(request)
        messages.info(request, _("Log in again: the code was not entered in time."))
        return redirect(settings.LOGIN_URL)
    form = CodeForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if tf.code_locked(user):
            form.is_valid()
            form.add_error("code", CODE_LOCKED % {"minutes": settings.TWO_FACTOR_LOCK_MINUTES})
            status = 429
        elif form.is_valid():
            device = tf.match_code(user, form.cleaned_data["code"])
            if device is not None:
                with transaction.atomic():
                    auth_login(request, user, backend=data["backend"])
                    otp_login(request, device)
                    request.session[tf.REQUIRED_KEY] = tf.two_factor_required(user)
                    tf.reset_code_failures(user)
                    tf.audit(user, "otp.verified", user, device=device.name)
                return redirect(data.get("next") or settings.LOGIN_REDIRECT_URL)
            locked = tf.record_code_failure(user)
            tf.audit(None, "otp.failed", user)
            status = 400
            if locked:
                tf.audit(None, "otp.locked", user)
                form.add_error("code", CODE_LOCKED % {"minutes": settings.TWO_FACTOR_LOCK_MINUTES})
                status = 429
            else:
                form.add_error("code", WRONG_CODE)
        else:
            status = 400
    return render(
        request, "accounts/two_factor_verify.html", {"form": form, "person": user}, status=status
    )


def _qr_svg(url: str) -> str:
    image = qrcode.make(url, image_factory=qrcode.image.svg.SvgPathImage, border=2)
    svg = image.to_string(encoding="unicode")
    # Made here from our own URL (no user text): safe to place in the page.
    label = escape(_("QR code to scan with your authenticator app"))
    return str(svg).replace("<svg ", f'<svg role="img" aria-label="{label}" class="qr-code" ', 1)


def _page(request: HttpRequest, form: CodeForm | None = None, status: int = 200) -> HttpResponse:
    user = request.user
    device = tf.confirmed_totp(user)
    context: dict[str, Any] = {
        "enrolled": device is not None,
        "required": tf.two_factor_required(user),
        "verified": tf.is_verified(request),
        "form": form or CodeForm(),
    }
    if device is None:
        setup = tf.unconfirmed_totp(user)
        secret = b32encode(setup.bin_key).decode()
        context["qr_svg"] = mark_safe(_qr_svg(setup.config_url))  # noqa: S308
        context["secret"] = " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))
    else:
        context["backup_left"] = StaticToken.objects.filter(
            device__user=user, device__confirmed=True
        ).count()
    return render(request, "accounts/two_factor.html", context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def two_factor(request: HttpRequest) -> HttpResponse:
    """GET: the state, or the QR code and key to enrol. POST: confirm the enrolment
    with a code; shows the backup codes once."""
    user = request.user
    if request.method == "GET":
        return _page(request)
    if tf.confirmed_totp(user) is not None:
        return redirect("accounts:two_factor")
    form = CodeForm(request.POST)
    if form.is_valid():
        device = tf.unconfirmed_totp(user)
        code = form.cleaned_data["code"]
        if code.isdigit() and device.verify_token(code):
            with transaction.atomic():
                device.confirmed = True
                device.save(update_fields=["confirmed"])
                codes = tf.new_backup_codes(user)
                otp_login(request, device)
                tf.audit(user, "otp.enrolled", user)
            return render(request, "accounts/two_factor_codes.html", {"codes": codes})
        tf.audit(user, "otp.failed", user, during="enrolment")
        form.add_error("code", WRONG_CODE)
    return _page(request, form, status=400)


def _check_own_code(request: HttpRequest) -> tuple[CodeForm, bool]:
    form = CodeForm(request.POST)
    if not form.is_valid():
        return form, False
    if tf.code_locked(request.user):
        form.add_error("code", CODE_LOCKED % {"minutes": settings.TWO_FACTOR_LOCK_MINUTES})
        return form, False
    if tf.match_code(request.user, form.cleaned_data["code"]) is None:
        if tf.record_code_failure(request.user):
            tf.audit(request.user, "otp.locked", request.user)
        tf.audit(request.user, "otp.failed", request.user)
        form.add_error("code", WRONG_CODE)
        return form, False
    return form, True


@login_required
@require_POST
def two_factor_remove(request: HttpRequest) -> HttpResponse:
    """Remove the authenticator and backup codes, confirmed with a current code. Other
    sessions of the user end; one who must use two factors enrols again at once."""
    if tf.confirmed_totp(request.user) is None:
        return redirect("accounts:two_factor")
    form, ok = _check_own_code(request)
    if not ok:
        return _page(request, form, status=400)
    with transaction.atomic():
        tf.remove_devices(request.user)
        tf.audit(request.user, "otp.removed", request.user)
    request.session.pop(DEVICE_ID_SESSION_KEY, None)
    tf.end_sessions(request.user, keep=request.session.session_key)
    messages.success(request, _("Two-factor authentication was removed."))
    return redirect("accounts:two_factor")


@login_required
@require_POST
def two_factor_backup_codes(request: HttpRequest) -> HttpResponse:
    """New backup codes (the old ones stop working), confirmed with a current code."""
    if tf.confirmed_totp(request.user) is None:
        return redirect("accounts:two_factor")
    form, ok = _check_own_code(request)
    if not ok:
        return _page(request, form, status=400)
    with transaction.atomic():
        codes = tf.new_backup_codes(request.user)
        tf.audit(request.user, "otp.backup_codes", request.user)
    return render(request, "accounts/two_factor_codes.html", {"codes": codes})
