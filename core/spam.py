"""Public forms (sign-up, guest registration, nominations) against bots,
without a third-party CAPTCHA:

- a honeypot: a box people never see or reach (`templates/_honeypot.html`);
  a POST that fills it is refused with the 400 page and nothing is saved;
- a limit per IP address (PUBLIC_FORM_LIMIT_PER_IP, per form) and one per
  email address across all of them (PUBLIC_FORM_LIMIT_PER_EMAIL), counted in
  the rate limiter's storage, which is Redis in production, so every worker
  and host shares the count (through the limiter only: while Redis cannot be
  reached, each worker counts alone in memory, as for every limit; see
  core/config.py);
- and, beyond this module, the emailed confirmation links each form already
  needs before anything it sends is acted on.

Signed-in people are not limited by those: their account is already the key.
What a signed-in account may start in bulk (invitations, announcements,
reports drawn by the worker) is limited per account by `bulk_work`, so no one
account can fill the job queue.
"""
from functools import wraps

from flask import abort, current_app, g, request
from flask_login import current_user

from core import audit
from core.extensions import db, limiter

HONEYPOT = "leave_empty"


def public_form(*, email_field: str):
    """Guard a public form's view: the honeypot, then both limits, on POST."""
    def email_key() -> str:
        return "public-form-email:" + request.form.get(email_field, "").strip().lower()

    def not_limited() -> bool:
        return current_user.is_authenticated or not request.form.get(email_field, "").strip()

    def decorate(view):
        @wraps(view)
        def guarded(*args, **kwargs):
            if request.method == "POST" and request.form.get(HONEYPOT):
                audit.record("spam.refused", details={"form": request.endpoint})
                db.session.commit()
                abort(400)
            return view(*args, **kwargs)
        guarded = limiter.limit(lambda: current_app.config["PUBLIC_FORM_LIMIT_PER_IP"], methods=["POST"],
                                exempt_when=lambda: current_user.is_authenticated)(guarded)
        return limiter.shared_limit(lambda: current_app.config["PUBLIC_FORM_LIMIT_PER_EMAIL"], "public-form-email",
                                    key_func=email_key, methods=["POST"], exempt_when=not_limited)(guarded)
    return decorate


def joined_running_work() -> None:
    """This request joined work already running (a second press) and started none: `bulk_work` counts it not."""
    g.joined_work = True


def bulk_work(setting: str):
    """Limit, per account, the POSTs of a view that starts work in bulk to
    the config's `setting` (e.g. "10 per hour"), counting only those that
    started some (a redirect onward): a refused form costs nothing, and
    neither does a press that joins work already running (`joined_running_work`)."""
    return limiter.limit(lambda: current_app.config[setting], methods=["POST"],
                         # The account's id, not its session's (get_id): signing out must not start a new allowance.
                         key_func=lambda: f"bulk-work:{request.endpoint}:{current_user.id}",
                         deduct_when=lambda response: response.status_code == 302 and not g.get("joined_work"),
                         exempt_when=lambda: not current_user.is_authenticated)
