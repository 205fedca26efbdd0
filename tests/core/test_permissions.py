"""The role x route matrix. Every route in the app must have a row here: a
new route without one fails `test_every_route_is_in_the_matrix`."""
import pytest

from tests.conftest import csrf_token, sign_in

ROLES = ["visitor", "member", "organiser", "awards_administrator", "admin"]
SIGN_IN = "redirect to sign in"


def everyone(outcome):
    return dict.fromkeys(ROLES, outcome)


def signed_in(outcome, visitor=SIGN_IN):
    return {"visitor": visitor, **dict.fromkeys(ROLES[1:], outcome)}


def admin_only(outcome=200):
    return {"visitor": SIGN_IN, "member": 403, "organiser": 403, "awards_administrator": 403, "admin": outcome}


# endpoint: (method, path, expected outcome per role). {other} is another person's id.
MATRIX = {
    "static": ("GET", "/static/images/favicon.svg", everyone(200)),
    "core.home": ("GET", "/", everyone(200)),
    "core.accessibility": ("GET", "/accessibility", everyone(200)),
    "core.privacy": ("GET", "/privacy", everyone(200)),
    "core.cookies": ("GET", "/cookies", everyone(200)),
    "core.healthz": ("GET", "/healthz", everyone(200)),
    "core.sign_up": ("GET", "/sign-up", signed_in(302, visitor=200)),
    "core.sign_in": ("GET", "/sign-in", signed_in(302, visitor=200)),
    "core.sign_out": ("POST", "/sign-out", signed_in(302)),
    "core.confirm_email": ("GET", "/confirm-email/not-a-token", everyone(200)),
    "core.confirm_email_submit": ("POST", "/confirm-email/not-a-token", everyone(400)),
    "core.resend_confirmation": ("POST", "/account/resend-confirmation", signed_in(302)),
    "core.forgot_password": ("GET", "/forgot-password", everyone(200)),
    "core.reset_password": ("GET", "/reset-password/not-a-token", everyone(400)),
    "core.account": ("GET", "/account", signed_in(200)),
    "core.edit_profile": ("GET", "/account/profile", signed_in(200)),
    "core.change_password": ("GET", "/account/password", signed_in(200)),
    "core.admin_users": ("GET", "/admin/users", admin_only()),
    "core.admin_user": ("GET", "/admin/users/{other}", admin_only()),
    "core.audit_log": ("GET", "/admin/audit", admin_only()),
}


def test_every_route_is_in_the_matrix(app):
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules()}
    assert endpoints - set(MATRIX) == set(), "add these routes to the authorization matrix"
    assert set(MATRIX) - endpoints == set(), "these matrix rows name routes that no longer exist"


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("endpoint", sorted(MATRIX))
def test_route_answers_each_role_as_the_matrix_says(app, client, make_user, endpoint, role):
    method, path, expected = MATRIX[endpoint]
    other = make_user()
    if role != "visitor":
        sign_in(client, make_user(roles=[] if role == "member" else [role]))
    path = path.format(other=other.id)
    if method == "GET":
        response = client.get(path)
    else:
        token = csrf_token(client, "/account" if role != "visitor" else "/sign-in")
        response = client.post(path, data={"csrf_token": token})

    outcome = expected[role]
    if outcome == SIGN_IN:
        assert response.status_code == 302 and response.location.startswith("/sign-in")
    else:
        assert response.status_code == outcome
