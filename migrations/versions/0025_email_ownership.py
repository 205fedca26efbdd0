"""Email ownership: what is held under an address belongs to an account only
once the account has confirmed that address

Before this revision, an account reached guest bookings and nominations by
matching its address whether or not it had confirmed it, and judging panel
seats were tied to an account at appointment even before confirmation. From
now on the link is made when the address is confirmed (and is a column, not
a match), so this revision makes the links the old matching implied for
confirmed accounts, and undoes those it gave to unconfirmed ones.

Revision ID: 0025_email_ownership
Revises: 0024_second_factor
Create Date: 2026-12-02 06:00:00.000000

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '0025_email_ownership'
down_revision = '0024_second_factor'
branch_labels = None
depends_on = None

CONFIRMED = "SELECT id FROM users WHERE users.email = {column} AND users.email_confirmed_at IS NOT NULL"


def upgrade():
    op.execute("UPDATE registrations SET user_id = (" + CONFIRMED.format(column="lower(registrations.email)")
               + ") WHERE user_id IS NULL")
    op.execute("UPDATE award_nominations SET nominator_id = (" + CONFIRMED.format(
        column="lower(award_nominations.nominator_email)") + ") WHERE nominator_id IS NULL")
    op.execute("UPDATE award_panel_members SET user_id = NULL WHERE user_id IN "
               "(SELECT id FROM users WHERE email_confirmed_at IS NULL)")
    op.execute("UPDATE award_panel_members SET user_id = (" + CONFIRMED.format(column="award_panel_members.email")
               + ") WHERE user_id IS NULL")


def downgrade():
    # The links made above are true statements about confirmed accounts; nothing to undo.
    pass
