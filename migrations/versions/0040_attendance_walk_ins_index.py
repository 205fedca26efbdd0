"""An event's attendance indexed with its registrations, so its walk-ins
(no registration) are found among its own records, not every event's

Revision ID: 0040_attendance_walk_ins_index
Revises: 0039_settled_tallies
Create Date: 2026-12-05 01:00:00.000000

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '0040_attendance_walk_ins_index'
down_revision = '0039_settled_tallies'
branch_labels = None
depends_on = None


def upgrade():
    op.create_index('ix_attendances_event_id_registration_id', 'attendances', ['event_id', 'registration_id'])
    op.drop_index('ix_attendances_event_id', table_name='attendances')


def downgrade():
    op.create_index('ix_attendances_event_id', 'attendances', ['event_id'])
    op.drop_index('ix_attendances_event_id_registration_id', table_name='attendances')
