"""Partner organisations (staff): the list with its search, adding and
changing a partner, its contacts, and deleting a partner nothing links to.
Each partner's engagement over time is a report (reports/views.py)."""
from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from core.extensions import db
from core.forms import EmptyForm, call_service, press_button
from core.numbers import page_number
from core.partners import imports as contact_imports  # importing it registers the contacts import
from core.partners import permissions, services
from core.partners.forms import ContactForm, PartnerForm, PartnerSearchForm
from core.partners.models import PartnerContact, PartnerKind, PartnerOrganisation
from core.partners.queries import partners_by_name
from core.privacy import partners as partner_privacy  # noqa: F401  (registers the contacts' privacy)
from core.views import bp
from core.views.sign_in import safe_next
from core.i18n import staff_screens

staff_screens(__name__)  # in English, wholly (core.i18n)

PAGE_SIZE = 50


def _partner_or_404(partner_id: int, *, manage: bool = False) -> PartnerOrganisation:
    allowed = permissions.can_manage_partners if manage else permissions.can_choose_partners
    if not allowed(current_user):
        abort(403)
    return db.get_or_404(PartnerOrganisation, partner_id)


def _contact_or_404(partner: PartnerOrganisation, contact_id: int) -> PartnerContact:
    contact = db.get_or_404(PartnerContact, contact_id)
    if contact.partner_id != partner.id:
        abort(404)
    return contact


@bp.get("/partners")
@login_required
def partners():
    if not permissions.can_choose_partners(current_user):
        abort(403)
    form = PartnerSearchForm(request.args)
    words, kind = "", None
    if form.validate():
        words, kind = (form.q.data or "").strip(), PartnerKind(form.kind.data) if form.kind.data else None
    found = db.paginate(partners_by_name(words, kind), page=page_number(), per_page=PAGE_SIZE, error_out=False)
    return render_template("core/partners.html", form=form, partners=found, searched=bool(words or kind),
                           manages=permissions.can_manage_partners(current_user),
                           import_scope_id=contact_imports.PARTNERSHIP.id)


@bp.route("/partners/new", methods=["GET", "POST"])
@login_required
def add_partner():
    """Also reached as "Not listed? Add it" from a screen that links a partner: `next` goes back there."""
    if not permissions.can_choose_partners(current_user):
        abort(403)
    form, back = PartnerForm(), request.args.get("next")
    if form.validate_on_submit():
        done, partner = call_service(form, lambda: services.create_partner(form.details(), actor=current_user))
        if done:
            flash(f"{partner.name} has been added." + (" You can choose it now." if back else ""), "success")
            return redirect(safe_next(back) if back else url_for("core.partner", partner_id=partner.id))
    return render_template("core/partner_edit.html", form=form, partner=None,
                           back=safe_next(back) if back else url_for("core.partners"))


@bp.get("/partners/<int:partner_id>")
@login_required
def partner(partner_id):
    chosen = _partner_or_404(partner_id)
    return render_template("core/partner.html", partner=chosen, links=services.links_of(chosen),
                           manages=permissions.can_manage_partners(current_user), form=EmptyForm())


@bp.route("/partners/<int:partner_id>/edit", methods=["GET", "POST"])
@login_required
def edit_partner(partner_id):
    chosen = _partner_or_404(partner_id, manage=True)
    form = PartnerForm(obj=chosen) if request.method == "GET" else PartnerForm()
    if request.method == "GET":
        form.kind.data = chosen.kind.value  # the radios' values are the kinds' values, not the enum
    if form.validate_on_submit():
        done, _saved = call_service(form, lambda: services.update_partner(chosen, form.details(), actor=current_user))
        if done:
            flash(f"{chosen.name} has been saved.", "success")
            return redirect(url_for("core.partner", partner_id=chosen.id))
    return render_template("core/partner_edit.html", form=form, partner=chosen,
                           back=url_for("core.partner", partner_id=chosen.id))


@bp.route("/partners/<int:partner_id>/delete", methods=["GET", "POST"])
@login_required
def delete_partner(partner_id):
    """The page (GET) says what still links to it; only its button (POST) deletes."""
    chosen = _partner_or_404(partner_id, manage=True)
    form = EmptyForm()
    if request.method == "POST":
        name = chosen.name
        if not form.validate_on_submit():
            abort(400)
        done, _result = call_service(form, lambda: services.delete_partner(chosen, actor=current_user))
        if done:
            flash(f"{name} has been deleted.", "success")
            return redirect(url_for("core.partners"))
        return redirect(url_for("core.partner", partner_id=partner_id))
    return render_template("core/confirm_delete_partner.html", partner=chosen, links=services.links_of(chosen),
                           form=form)


@bp.route("/partners/<int:partner_id>/contacts/new", methods=["GET", "POST"])
@bp.route("/partners/<int:partner_id>/contacts/<int:contact_id>/edit", methods=["GET", "POST"])
@login_required
def edit_partner_contact(partner_id, contact_id=None):
    chosen = _partner_or_404(partner_id, manage=True)
    contact = _contact_or_404(chosen, contact_id) if contact_id else None
    form = ContactForm(obj=contact) if request.method == "GET" else ContactForm()
    if form.validate_on_submit():
        done, saved = call_service(form, lambda: services.update_contact(contact, form.details(), actor=current_user)
                                   if contact else services.add_contact(chosen, form.details(), actor=current_user))
        if done:
            flash(f"{saved.name} has been saved as a contact at {chosen.name}.", "success")
            return redirect(url_for("core.partner", partner_id=chosen.id))
    return render_template("core/partner_contact_edit.html", form=form, partner=chosen, contact=contact)


@bp.post("/partners/<int:partner_id>/contacts/<int:contact_id>/remove")
@login_required
def remove_partner_contact(partner_id, contact_id):
    chosen = _partner_or_404(partner_id, manage=True)
    contact = _contact_or_404(chosen, contact_id)
    return press_button(EmptyForm(), lambda: services.remove_contact(contact, actor=current_user),
                        f"{contact.name} is no longer a contact at {chosen.name}.",
                        url_for("core.partner", partner_id=chosen.id))
