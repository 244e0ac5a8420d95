"""Login, logout, registration, passwords, privacy (the user's data, closing the account: directory.my composes
them) and the language switch."""

from __future__ import annotations

from typing import Any

from flask import (
    Blueprint,
    current_app,
    flash,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_required, logout_user

from directory.accounts import services, sessions
from directory.accounts.forms import (
    ChangePasswordForm,
    CloseAccountForm,
    ForgotPasswordForm,
    LoginForm,
    NewPasswordForm,
)
from directory.core.db import keep_on_refusal
from directory.core.http import refusals
from directory.core.i18n import LANG_COOKIE, LOCALES
from directory.core.urls import safe_next
from directory.my import registration
from directory.my.forms import RegisterForm

bp = Blueprint("accounts", __name__)


@bp.route("/login", methods=["GET", "POST"])
def login() -> Any:
    form = LoginForm()
    if form.validate_on_submit():
        user = services.authenticate(login=form.login.data, password=form.password.data)
        if user is not None:
            sessions.log_in(user, remember=form.remember.data)
            flash(_("Welcome back, %(name)s.", name=user.display_name), "success")
            return redirect(safe_next(request.args.get("next"), url_for("my.page")))
        keep_on_refusal()  # the failed login's audit entry is all this request wrote
        form.password.errors.append(_("The login or the password is wrong."))
    status = 422 if form.is_submitted() else 200
    return render_template("accounts/login.html", form=form), status


@bp.route("/logout", methods=["POST"])
def logout() -> Any:
    if current_user.is_authenticated:
        services.record_logout(current_user)
    logout_user()
    flash(_("You have logged out."), "info")
    return redirect(url_for("public.home"))


@bp.post("/logout/everywhere")
@login_required
def logout_everywhere() -> Any:
    services.log_out_everywhere(user=current_user)
    logout_user()
    flash(_("You have logged out on every device."), "info")
    return redirect(url_for("accounts.login"))


@bp.route("/my/password", methods=["GET", "POST"])
@login_required
def change_password() -> Any:
    form = ChangePasswordForm()
    if form.validate_on_submit():
        with refusals(form, "password") as refused:
            services.change_password(user=current_user, current=form.current_password.data, new=form.password.data)
        if not refused:
            sessions.renew(current_user)
            flash(_("Your password has been changed. Your other sessions have been logged out."), "success")
            return redirect(url_for("my.page"))
    status = 422 if form.is_submitted() else 200
    return render_template("accounts/change_password.html", form=form), status


@bp.route("/password/forgot", methods=["GET", "POST"])
def forgot_password() -> Any:
    form = ForgotPasswordForm()
    if form.validate_on_submit():
        services.request_password_reset(login=form.login.data, site_url=current_app.config["SETTINGS"].site_url)
        # The same answer whether or not the account exists.
        flash(_("If an account with this e-mail address or mobile number exists and has an e-mail address, a "
                "link to set a new password is on its way there. It works once, within an hour."), "info")
        return redirect(url_for("accounts.login"))
    status = 422 if form.is_submitted() else 200
    return render_template("accounts/forgot_password.html", form=form), status


@bp.route("/password/reset/<token>", methods=["GET", "POST"])
def reset_password(token: str) -> Any:
    services.user_for_reset(token)  # 404 for a forged, expired or used link
    form = NewPasswordForm()
    if form.validate_on_submit():
        with refusals(form, "password") as refused:
            services.reset_password(token=token, new=form.password.data)
        if not refused:
            if current_user.is_authenticated:
                logout_user()
            flash(_("Your new password is set. Log in with it."), "success")
            return redirect(url_for("accounts.login"))
    status = 422 if form.is_submitted() else 200
    return render_template("accounts/reset_password.html", form=form), status


@bp.route("/register", methods=["GET", "POST"])
def register() -> Any:
    form = RegisterForm()
    if form.validate_on_submit():
        with refusals(form, "email") as refused:
            user = registration.register(role=form.role.data, password=form.password.data,
                                         display_name=form.display_name.data, email=form.email.data or None,
                                         phone=form.phone.data or None, organization=form.organization.data or "",
                                         credit_code=form.credit_code.data or "",
                                         privacy_consent=form.consent.data)
        if not refused:
            sessions.log_in(user)
            flash(_("Your account is ready."), "success")
            return redirect(url_for("my.page"))
    status = 422 if form.is_submitted() else 200
    return render_template("accounts/register.html", form=form), status


@bp.route("/privacy")
def privacy() -> Any:
    from directory.my.privacy import NOTICE_VERSION

    return render_template("accounts/privacy.html", version=NOTICE_VERSION)


@bp.route("/my/data")
@login_required
def my_data() -> Any:
    import json

    from directory.my.privacy import my_data

    body = json.dumps(my_data(user=current_user), ensure_ascii=False, indent=2, default=str)
    response = make_response(body)
    response.mimetype = "application/json"
    response.headers["Content-Disposition"] = f'attachment; filename="my-data-{current_user.id}.json"'
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/my/close", methods=["GET", "POST"])
@login_required
def close_account() -> Any:
    from directory.my.privacy import close_account

    form = CloseAccountForm()
    if form.validate_on_submit():
        with refusals(form, "password") as refused:
            close_account(user=current_user, password=form.password.data)
        if not refused:
            logout_user()
            flash(_("Your account is closed and your personal data removed."), "info")
            return redirect(url_for("public.home"))
    status = 422 if form.is_submitted() else 200
    return render_template("accounts/close.html", form=form), status


@bp.route("/lang/<code>")
def set_language(code: str) -> Any:
    if code not in LOCALES:
        return redirect(url_for("public.home"))
    response = make_response(redirect(safe_next(request.args.get("next"), url_for("public.home"))))
    response.set_cookie(LANG_COOKIE, code, max_age=365 * 24 * 3600, samesite="Lax", httponly=True,
                        secure=current_app.config["SESSION_COOKIE_SECURE"])
    if current_user.is_authenticated:
        services.set_locale(current_user, code)
    return response
