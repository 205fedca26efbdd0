"""Administration: finding accounts, setting their site roles, resetting a
second factor, reading the audit log, and the emails that need a person
(parked after failing, or interrupted while sending)."""
from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from core import audit, email, queries
from core.accounts import permissions, safeguarding, second_factor, services
from core.accounts import queries as account_queries
from core.accounts.forms import SiteRolesForm, UserSearchForm
from core.accounts.models import SiteRole, User
from core.extensions import db
from core.models import OutboxMessage
from core.forms import EmptyForm, call_service, press_button
from core.numbers import page_number
from core.views import bp
from core.i18n import staff_screens

staff_screens(__name__)  # in English, wholly (core.i18n)

PAGE_SIZE = 50


@bp.get("/admin/users")
@safeguarding.shows_contact_details("email")
@login_required
def admin_users():
    if not permissions.can_manage_users(current_user):
        abort(403)
    form = UserSearchForm(request.args)
    query = account_queries.accounts_by_name()
    if form.validate() and form.q.data:
        words = form.q.data.strip().lower()
        # An address finds its account only whole, and only when the gate would
        # show that address to this admin: pieces of addresses, or a young
        # member's, would let the search confirm what the page hides.
        owner = services.find_user_by_email(words) if "@" in words else None
        if owner is not None and not safeguarding.may_see_contact_details(current_user, owner):
            owner = None
        query = account_queries.accounts_by_name(words, or_account=owner)
    users = db.paginate(query, page=page_number(), per_page=PAGE_SIZE, error_out=False)
    return render_template("core/admin_users.html", form=form, users=users,
                           shown=safeguarding.screen(current_user, users.items))


@bp.route("/admin/users/<int:user_id>", methods=["GET", "POST"])
@safeguarding.shows_contact_details("email")
@login_required
def admin_user(user_id):
    if not permissions.can_manage_users(current_user):
        abort(403)
    user = db.get_or_404(User, user_id)
    form = SiteRolesForm(roles=[role.value for role in user.site_roles])
    if form.validate_on_submit():
        done, _ = call_service(form, lambda: services.set_site_roles(
            user, {SiteRole(value) for value in form.roles.data}, actor=current_user))
        if done:
            flash(f"Roles for {user.name} have been saved.", "success")
            return redirect(url_for("core.admin_user", user_id=user.id))
    history = account_queries.recent_history_of_account(user)
    return render_template("core/admin_user.html", user=user, form=form, history=history,
                           second_factor_required=second_factor.needs_second_factor(user),
                           withheld=safeguarding.screen(current_user, [user]).note(user))


@bp.post("/admin/users/<int:user_id>/reset-sign-in-codes")
@login_required
def reset_second_factor(user_id):
    if not permissions.can_manage_users(current_user):
        abort(403)
    user = db.get_or_404(User, user_id)
    return press_button(EmptyForm(), lambda: second_factor.reset(user, actor=current_user),
                        f"{user.name}'s authenticator app has been reset. They will set up a new one when they "
                        "next sign in, and we have emailed them to say so.", url_for("core.admin_user", user_id=user.id))


@bp.get("/admin/audit")
@safeguarding.shows_contact_details("email", names_people=False)
@login_required
def audit_log():
    if not permissions.can_view_audit_log(current_user):
        abort(403)
    entries = db.paginate(queries.audit_log_newest_first(), page=page_number(), per_page=PAGE_SIZE, error_out=False)
    details = {entry.id: audit.detail_lines(entry.details) for entry in entries.items}
    addresses = {text.lower() for lines in details.values() for _, text in lines if "@" in text}
    people = [safeguarding.Person(None, address) for address in addresses]
    shown = safeguarding.screen(current_user, people)
    return render_template("core/audit_log.html", entries=entries, details=details,
                           withheld={person.email: shown.note(person) for person in people if not shown.shows(person)})


@bp.get("/admin/email")
@safeguarding.shows_contact_details("email", names_people=False)  # an email is to an address, not a name
@login_required
def email_delivery():
    if not permissions.can_manage_email_delivery(current_user):
        abort(403)
    held = email.held_for_a_person()
    people = {message.id: _whom_it_concerns(message) for message in held}
    shown = safeguarding.screen(current_user, people.values())
    return render_template("core/email_delivery.html", held=held, waiting=email.waiting_count(),
                           withheld={message.id: shown.note(people[message.id]) for message in held},
                           form=EmptyForm(), in_plain_words=failure_in_plain_words)


def _whom_it_concerns(message) -> safeguarding.Person:
    """The person the gate decides on: whom the email is about (a parent's
    consent request: the child), else its recipient."""
    if message.about_user_id is not None:
        return safeguarding.Person(message.about_user_id)
    return safeguarding.Person(None, message.recipient.lower())


# The kinds of error (their class names lead an outbox message's last_error)
# that mean the mail server was never reached, rather than that it said no.
_UNREACHABLE = ("ConnectionRefusedError", "ConnectionResetError", "ConnectionAbortedError", "ConnectionError",
                "TimeoutError", "timeout", "gaierror", "OSError", "SMTPConnectError", "SMTPServerDisconnected")


def failure_in_plain_words(last_error: str | None) -> str:
    """A sentence an admin can read first, before the raw error it leads
    (which they still need, to tell the mail provider)."""
    kind = (last_error or "").split(":", 1)[0].strip()
    if kind in _UNREACHABLE:
        return "The mail server could not be reached."
    if kind == "SMTPRecipientsRefused":
        return "The mail server refused this address."
    return "The mail server refused it."


@bp.post("/admin/email/<int:message_id>/send-again")
@login_required
def send_email_again(message_id):
    if not permissions.can_manage_email_delivery(current_user):
        abort(403)
    db.get_or_404(OutboxMessage, message_id)
    return press_button(EmptyForm(), lambda: email.send_again(message_id, actor=current_user),
                        "The email is being sent again.", url_for("core.email_delivery"))
