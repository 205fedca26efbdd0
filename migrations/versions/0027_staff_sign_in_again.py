"""Staff without an authenticator app sign in again (and so set one up)

Sessions and keep-me-signed-in cookies from before the second factor
(0024), and accounts that 0025 gave a judging seat, would otherwise reach
staff pages without one until they lapse. Bumping the session version ends
them; the next sign-in asks for an app.

Revision ID: 0027_staff_sign_in_again
Revises: 0026_proven_addresses
Create Date: 2026-12-02 07:10:00.000000

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '0027_staff_sign_in_again'
down_revision = '0026_proven_addresses'
branch_labels = None
depends_on = None


def upgrade():
    op.execute("UPDATE users SET session_version = session_version + 1 WHERE totp_secret IS NULL AND ("
               "id IN (SELECT user_id FROM role_grants) "
               "OR id IN (SELECT user_id FROM forum_coordinators) "
               "OR id IN (SELECT user_id FROM award_panel_members WHERE user_id IS NOT NULL))")


def downgrade():
    pass  # sessions ended stay ended
