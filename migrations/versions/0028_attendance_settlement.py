"""Settled attendance: an admin's reopening of an event's settled attendance lasts until a set time

Revision ID: 0028_attendance_settlement
Revises: 0027_staff_sign_in_again
Create Date: 2026-12-03 09:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0028_attendance_settlement'
down_revision = '0027_staff_sign_in_again'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('events', schema=None) as batch_op:
        batch_op.add_column(sa.Column('attendance_reopened_until', sa.DateTime(timezone=True), nullable=True))


def downgrade():
    with op.batch_alter_table('events', schema=None) as batch_op:
        batch_op.drop_column('attendance_reopened_until')
