"""The staff back office: search synonyms and stop words (more pages come with admission and evaluation)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from directory.accounts.decorators import staff_required
from directory.admin.forms import DeleteForm, StopWordForm, SynonymForm
from directory.core.db import get_or_404
from directory.core.http import refusals
from directory.core.numbers import parse_id
from search import dictionary

bp = Blueprint("admin", __name__, url_prefix="/admin")


def _render(synonym_form: SynonymForm | None = None, stop_form: StopWordForm | None = None, status: int = 200) -> Any:
    return render_template("admin/search_dictionary.html", synonyms=dictionary.synonym_groups(),
                           stop_words=dictionary.stop_words(), synonym_form=synonym_form or SynonymForm(),
                           stop_form=stop_form or StopWordForm(), delete_form=DeleteForm()), status


@bp.get("/search")
@staff_required
def search_dictionary() -> Any:
    return _render()


@bp.post("/search/synonyms")
@staff_required
def add_synonyms() -> Any:
    form = SynonymForm()
    if form.validate_on_submit():
        with refusals(form, "terms") as refused:
            dictionary.add_synonyms(terms=form.term_list, actor_id=current_user.id)
        if not refused:
            flash(_("Synonyms saved; search uses them within seconds."), "success")
            return redirect(url_for("admin.search_dictionary"))
    return _render(synonym_form=form, status=422)


@bp.post("/search/synonyms/<int:group_id>/delete")
@staff_required
def delete_synonyms(group_id: int) -> Any:
    if not DeleteForm().validate_on_submit():
        return _render(status=400)
    dictionary.delete_synonyms(group_id=group_id, actor_id=current_user.id)
    flash(_("Synonym group removed."), "info")
    return redirect(url_for("admin.search_dictionary"))


@bp.post("/search/stopwords")
@staff_required
def add_stop_word() -> Any:
    form = StopWordForm()
    if form.validate_on_submit():
        with refusals(form, "word") as refused:
            dictionary.add_stop_word(word=form.word.data, actor_id=current_user.id)
        if not refused:
            flash(_("Stop word saved."), "success")
            return redirect(url_for("admin.search_dictionary"))
    return _render(stop_form=form, status=422)


@bp.post("/search/stopwords/<int:word_id>/delete")
@staff_required
def delete_stop_word(word_id: int) -> Any:
    if not DeleteForm().validate_on_submit():
        return _render(status=400)
    dictionary.delete_stop_word(word_id=word_id, actor_id=current_user.id)
    flash(_("Stop word removed."), "info")
    return redirect(url_for("admin.search_dictionary"))


# -- bulk import from the back office ---------------------------------------------------------------------

@bp.route("/import", methods=["GET", "POST"])
@staff_required
def import_upload() -> Any:
    """Upload a file and see the per-row report before anything is written."""
    from pathlib import Path

    from directory.admin.forms import ConfirmImportForm, ImportForm
    from directory.imports import uploads
    from directory.imports.reading import ImportFileError
    from directory.imports.services import import_file

    form = ImportForm()
    if form.validate_on_submit():
        suffix = Path(form.file.data.filename or "").suffix.lower()
        token = uploads.store(form.file.data.read(), suffix)
        from directory.imports.services import is_large

        if is_large(form.kind.data, uploads.path_for(token)):  # type: ignore[arg-type]
            # Checking ten thousand rows takes longer than a request should: a job, with a progress page that
            # shows the report and the confirmation when it is done.
            from flask import current_app

            title = _("Import report")
            job = current_app.extensions["jobs"].start(
                "imports.preview", form.kind.data, token, bool(form.admit.data), current_user.id, title,
                owner_id=current_user.id, title=title)
            return redirect(url_for("jobs.page", job_id=job))
        try:
            report = import_file(form.kind.data, uploads.path_for(token), admit=bool(form.admit.data),  # type: ignore[arg-type]
                                 dry_run=True)
        except ImportFileError as exc:
            uploads.discard(token)
            form.file.errors = [str(exc)]
        else:
            confirm = ConfirmImportForm(kind=form.kind.data, admit="1" if form.admit.data else "")
            return render_template("admin/import_preview.html", report=report, token=token, confirm=confirm,
                                   admit=form.admit.data)
    return render_template("admin/import.html", form=form, export_form=DeleteForm()), 422 if form.is_submitted() else 200


@bp.post("/import/<token>")
@staff_required
def import_apply(token: str) -> Any:
    from directory.admin.forms import ConfirmImportForm
    from directory.imports import uploads
    from directory.imports.services import import_file, is_large

    form = ConfirmImportForm()
    path = uploads.path_for(token)
    if path is None or not form.validate_on_submit() or form.kind.data not in ("institutions", "experts"):
        flash(_("The upload has expired; please upload the file again."), "warning")
        return redirect(url_for("admin.import_upload"))
    if is_large(form.kind.data, path):  # a job, with a progress page
        from flask import current_app

        title = _("Import of service institutions") if form.kind.data == "institutions" else _("Import of experts")
        job = current_app.extensions["jobs"].start(
            "imports.apply", form.kind.data, token, bool(form.admit.data), bool(form.skip_invalid.data),
            current_user.id, title, owner_id=current_user.id, title=title)
        return redirect(url_for("jobs.page", job_id=job))
    report = import_file(form.kind.data, path, admit=bool(form.admit.data), skip_invalid=form.skip_invalid.data,
                         actor_id=current_user.id)
    if not report.applied:
        flash(_("Nothing was imported: the file has invalid rows."), "danger")
        return render_template("admin/import_preview.html", report=report, token=token, confirm=form,
                               admit=bool(form.admit.data)), 422
    uploads.discard(token)
    for row in report.rows:
        for note in row.notes:
            flash(f"{row.name}: {note}", "warning")
    flash(_("Imported: %(created)s created, %(updated)s updated, %(unchanged)s unchanged, %(skipped)s skipped.",
            created=report.count("created"), updated=report.count("updated"),
            unchanged=report.count("unchanged"), skipped=report.count("skipped")), "success")
    return redirect(url_for("admin.import_upload"))


@bp.get("/import/template/<any(institutions, experts):kind>.xlsx")
@staff_required
def import_template(kind: str) -> Any:
    """The import template: header row, dropdowns from the classification, an example and instructions."""
    from directory.core.downloads import attachment
    from directory.core.spreadsheets import download_name
    from directory.imports.template import template_xlsx

    title = _("Import template for service institutions") if kind == "institutions" else \
        _("Import template for experts")
    return attachment(template_xlsx(kind), name=download_name(title, "xlsx"), fallback=f"{kind}-template.xlsx")


# -- users (admin only) ----------------------------------------------------------------------------------

def _admin_only() -> None:
    from flask import abort

    from directory.accounts.permissions import is_admin

    if not is_admin(current_user):
        abort(403)


@bp.get("/users")
@staff_required
def users() -> Any:
    from flask import request

    from directory.accounts.models import ROLE_LABELS
    from directory.accounts.services import list_users
    from directory.admin.forms import UserForm

    _admin_only()
    role = request.args.get("role") or None
    if role not in (None, *[r.value for r in ROLE_LABELS]):
        role = None
    from directory.core.paging import page_number

    accounts = list_users(role=role, query=request.args.get("q", ""), page=page_number(request.args))
    forms = {u.id: UserForm(prefix=f"u{u.id}", role=str(u.role), active=u.active) for u in accounts}
    return render_template("admin/users.html", accounts=accounts, forms=forms, roles=ROLE_LABELS, role=role,
                           q=request.args.get("q", ""))


@bp.post("/users/<int:user_id>")
@staff_required
def update_user(user_id: int) -> Any:
    from flask import request

    from directory.accounts.models import User
    from directory.accounts.services import update_user as update
    from directory.admin.forms import UserForm
    from directory.core.urls import safe_next

    _admin_only()
    back = safe_next(request.form.get("next"), url_for("admin.users"))  # the page and filters it was saved from
    account = get_or_404(User, user_id)
    form = UserForm(prefix=f"u{user_id}")
    if not form.validate_on_submit():
        flash(_("Choose a role."), "danger")
        return redirect(back), 303
    with refusals() as refused:
        update(user=account, role=form.role.data, active=form.active.data, actor=current_user)
    if refused:
        return redirect(back), 303
    flash(_("Account updated."), "success")
    return redirect(back)


@bp.get("/export/<any(institutions, experts):kind>.<any(xlsx, csv):fmt>")
@staff_required
def export(kind: str, fmt: str) -> Any:
    """The published records with the import columns (experts with their contact details: staff only)."""
    import tempfile
    from pathlib import Path

    from directory.audit.services import record_export
    from directory.core.downloads import XLSX, attachment
    from directory.core.spreadsheets import download_name
    from directory.imports.exports import download_title, export_file

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / f"{kind}.{fmt}"
        rows = export_file(kind, path)
        data = path.read_bytes()
    record_export(kind=kind, rows=rows, target=f"download .{fmt}", actor_id=current_user.id)
    mimetype = "text/csv" if fmt == "csv" else XLSX
    return attachment(data, name=download_name(download_title(kind), fmt), fallback=f"{kind}.{fmt}",
                      mimetype=mimetype)


@bp.post("/export/<any(institutions, experts):kind>.<any(xlsx, csv):fmt>")
@staff_required
def export_job(kind: str, fmt: str) -> Any:
    """The same file written by a job: a progress page, then a download that only this user may fetch."""
    from flask import current_app

    if not DeleteForm().validate_on_submit():
        return redirect(url_for("admin.import_upload")), 303
    what = _("service institutions") if kind == "institutions" else _("experts")
    title = _("Export of %(what)s (%(format)s)", what=what, format=fmt.upper())
    job = current_app.extensions["jobs"].start("exports.records", kind, fmt, current_user.id, title,
                                               owner_id=current_user.id, title=title)
    return redirect(url_for("jobs.page", job_id=job), 303)


# -- classification (分类管理) -----------------------------------------------------------------------------

def _taxonomy_page(status: int = 200) -> Any:
    from directory.admin.forms import TermForm
    from directory.taxonomy import services as taxonomy

    return render_template("admin/taxonomy.html", categories=taxonomy.top_categories(),
                           industries=taxonomy.industries(), regions=taxonomy.regions(kind=None),
                           tags=taxonomy.tags(), form=TermForm(), delete_form=DeleteForm()), status


@bp.get("/taxonomy")
@staff_required
def taxonomy_page() -> Any:
    return _taxonomy_page()


@bp.post("/taxonomy/<any(category, industry, region, tag):kind>")
@staff_required
def add_term(kind: str) -> Any:
    from directory.admin.forms import TermForm
    from directory.taxonomy import services as taxonomy

    form = TermForm()
    if not form.validate_on_submit():
        flash(_("Enter a name."), "danger")
        return _taxonomy_page(422)
    with refusals() as refused:
        taxonomy.add_term(kind=kind, name=form.name.data, name_en=form.name_en.data or "",
                          parent_id=parse_id(form.parent.data),
                          actor_id=current_user.id)
    if refused:
        return _taxonomy_page(refused.status)
    flash(_("Added."), "success")
    return redirect(url_for("admin.taxonomy_page"))


@bp.post("/taxonomy/<any(category, industry, region, tag):kind>/<int:term_id>")
@staff_required
def rename_term(kind: str, term_id: int) -> Any:
    from directory.admin.forms import TermForm
    from directory.term_usage import services as term_usage

    form = TermForm()
    if not form.validate_on_submit():
        flash(_("Enter a name."), "danger")
        return _taxonomy_page(422)
    with refusals() as refused:
        term_usage.rename_term(kind=kind, term_id=term_id, name=form.name.data, name_en=form.name_en.data or "",
                               actor_id=current_user.id)
    if refused:
        return _taxonomy_page(refused.status)
    flash(_("Renamed; search results follow within seconds."), "success")
    return redirect(url_for("admin.taxonomy_page"))


@bp.post("/taxonomy/<any(category, industry, region, tag):kind>/<int:term_id>/delete")
@staff_required
def delete_term(kind: str, term_id: int) -> Any:
    from directory.term_usage import services as term_usage

    if not DeleteForm().validate_on_submit():
        return _taxonomy_page(400)
    with refusals() as refused:
        term_usage.delete_term(kind=kind, term_id=term_id, actor_id=current_user.id)
    if refused:
        return _taxonomy_page(refused.status)
    flash(_("Deleted."), "info")
    return redirect(url_for("admin.taxonomy_page"))
