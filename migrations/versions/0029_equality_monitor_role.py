"""The equality monitoring role

Figures split by people's equality answers are for a small group an admin
names, never for whoever can change an event's records (reports/permissions.py).

Revision ID: 0029_equality_monitor_role
Revises: 0028_attendance_settlement
Create Date: 2026-12-02 15:00:00.000000

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '0029_equality_monitor_role'
down_revision = '0028_attendance_settlement'
branch_labels = None
depends_on = None


def upgrade():
    if op.get_bind().dialect.name == "postgresql":
        # A new enum value cannot be used in the transaction that adds it; nothing here uses it.
        with op.get_context().autocommit_block():
            op.execute("ALTER TYPE site_role ADD VALUE IF NOT EXISTS 'equality_monitor'")


def downgrade():
    op.execute("DELETE FROM role_grants WHERE role = 'equality_monitor'")
    # PostgreSQL cannot drop one value from an enum type; the unused value stays.
