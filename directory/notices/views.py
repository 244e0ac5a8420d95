"""Pages of notices and policies: the public lists (with a text query) and pages, and staff's pages to
write, attach files to, publish and retire them."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from directory.accounts.decorators import staff_required
from directory.core.forms import record, records
from directory.core.http import refusals, run_and_flash
from directory.core.paging import page_number
from directory.notices import forms, services
from directory.notices.models import Notice, NoticeKind
from directory.taxonomy.models import Category

bp = Blueprint("notices", __name__)
MAX_QUERY = 100


def _input(form: forms.NoticeForm, *, kind: str) -> services.NoticeInput:
    return services.NoticeInput(
        kind=kind, title=form.title.data or "", summary=form.summary.data or "",
        body=form.body.data or "", issuer=form.issuer.data or "", document_number=form.document_number.data or "",
        issued_on=form.issued_on.data, expires_on=form.expires_on.data,
        categories=records(Category, form.categories.data or []))


# -- public ----------------------------------------------------------------------------------------------

def _list(kind: str) -> Any:
    q = request.args.get("q", "").strip()
    category = None
    error, status = None, 200
    if len(q) > MAX_QUERY:
        q, error, status = "", _("Search for at most %(num)d characters.", num=MAX_QUERY), 400
    if request.args.get("category"):
        category = record(Category, request.args["category"])
        if category is None:
            error, status = _("This service category does not exist."), 400
    page, degraded = services.search_published(kind=kind, q=q, category=category, page=page_number(request.args))
    return render_template("notices/list.html", kind=kind, page=page, q=q, category=category, error=error,
                           degraded=degraded,
                           categories=_policy_categories() if kind == NoticeKind.POLICY else []), status


def _policy_categories() -> list[Category]:
    from directory.taxonomy.services import top_categories

    return top_categories()


def _detail(kind: str, notice_id: int) -> Any:
    notice = services.get(notice_id, user=current_user, kind=kind)
    return render_template("notices/detail.html", notice=notice, attachments=services.attachments_of(notice),
                           categories=services.categories_of(notice), labels=services.STATUS_LABELS)


@bp.get("/notices")
def notice_list() -> Any:
    return _list(NoticeKind.NOTICE)


@bp.get("/policies")
def policy_list() -> Any:
    return _list(NoticeKind.POLICY)


@bp.get("/notices/<int:notice_id>")
def notice_detail(notice_id: int) -> Any:
    return _detail(NoticeKind.NOTICE, notice_id)


@bp.get("/policies/<int:notice_id>")
def policy_detail(notice_id: int) -> Any:
    return _detail(NoticeKind.POLICY, notice_id)


@bp.get("/notices/files/<int:attachment_id>")
def download(attachment_id: int) -> Any:
    from directory.core.uploads import send

    attachment, path = services.readable_attachment(attachment_id=attachment_id, user=current_user)
    return send(path, content_type=attachment.content_type, filename=attachment.filename)


# -- staff -----------------------------------------------------------------------------------------------

@bp.get("/admin/notices")
@staff_required
def staff_list() -> Any:
    kind = request.args.get("kind") or None
    return render_template("notices/staff_list.html", kind=kind,
                           notices=services.for_staff(kind=kind, page=page_number(request.args)),
                           kinds=services.KIND_LABELS, labels=services.STATUS_LABELS)


@bp.route("/admin/notices/new", methods=["GET", "POST"])
@staff_required
def new() -> Any:
    form = forms.NoticeForm()
    if request.method == "GET" and request.args.get("kind") in tuple(NoticeKind):
        form.kind.data = request.args["kind"]
    if form.validate_on_submit():
        with refusals(form, "title") as refused:
            notice = services.create(user=current_user, data=_input(form, kind=form.kind.data or ""))
        if not refused:
            flash(_("Saved as a draft. Attach files and publish it when it is ready."), "success")
            return redirect(url_for("notices.manage", notice_id=notice.id))
    return render_template("notices/form.html", form=form, notice=None), 422 if form.is_submitted() else 200


@bp.route("/admin/notices/<int:notice_id>/edit", methods=["GET", "POST"])
@staff_required
def edit(notice_id: int) -> Any:
    notice = services.get(notice_id, user=current_user)
    if request.method == "GET":
        form = forms.NoticeForm(data=forms.NoticeForm.data_of(notice, categories=services.categories_of(notice)))
    else:
        form = forms.NoticeForm()
    del form.kind  # a notice stays a notice: its kind is chosen once, when it is written
    if form.validate_on_submit():
        with refusals(form, "title") as refused:
            services.update(user=current_user, notice=notice, data=_input(form, kind=notice.kind))
        if not refused:
            flash(_("Saved."), "success")
            return redirect(url_for("notices.manage", notice_id=notice.id))
    return render_template("notices/form.html", form=form, notice=notice), 422 if form.is_submitted() else 200


@bp.get("/admin/notices/<int:notice_id>")
@staff_required
def manage(notice_id: int) -> Any:
    notice = services.get(notice_id, user=current_user)
    return render_template("notices/manage.html", notice=notice, attachments=services.attachments_of(notice),
                           categories=services.categories_of(notice), kinds=services.KIND_LABELS,
                           labels=services.STATUS_LABELS, action_form=forms.ActionForm(),
                           attachment_form=forms.AttachmentForm())


def _act(notice_id: int, action: Any, done: str) -> Any:
    notice: Notice = services.get(notice_id, user=current_user)
    if not forms.ActionForm().validate_on_submit():
        abort(400)
    run_and_flash(lambda: action(user=current_user, notice=notice), done)
    return redirect(url_for("notices.manage", notice_id=notice_id))


@bp.post("/admin/notices/<int:notice_id>/publish")
@staff_required
def publish(notice_id: int) -> Any:
    return _act(notice_id, services.publish, _("Published: it is on the public pages now."))


@bp.post("/admin/notices/<int:notice_id>/retire")
@staff_required
def retire(notice_id: int) -> Any:
    return _act(notice_id, services.retire, _("Retired: it is no longer on the public pages."))


@bp.post("/admin/notices/<int:notice_id>/attachments")
@staff_required
def upload(notice_id: int) -> Any:
    notice = services.get(notice_id, user=current_user)
    form = forms.AttachmentForm()
    back = url_for("notices.manage", notice_id=notice_id)
    if not form.validate_on_submit():
        flash(_("Choose a file to upload."), "danger")
        return redirect(back), 303
    with refusals() as refused:
        services.add_attachment(user=current_user, notice=notice, filename=form.file.data.filename or "",
                                data=form.file.data.read())
    if refused:
        return redirect(back), 303
    flash(_("File attached."), "success")
    return redirect(back)


@bp.post("/admin/notices/files/<int:attachment_id>/delete")
@staff_required
def delete_attachment(attachment_id: int) -> Any:
    if not forms.ActionForm().validate_on_submit():
        abort(400)
    notice = services.remove_attachment(attachment_id=attachment_id, user=current_user)
    flash(_("Attachment removed."), "info")
    return redirect(url_for("notices.manage", notice_id=notice.id))
