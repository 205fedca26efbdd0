"""Index the events list (listed events that have not ended) and the feeds' version (latest change)

Revision ID: 0022_events_indexes
Revises: 0021_open_data
Create Date: 2026-11-23 21:47:37.941688

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0022_events_indexes'
down_revision = '0021_open_data'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('events', schema=None) as batch_op:
        batch_op.create_index('ix_events_listing', ['status', 'audience', 'ends_at', 'starts_at'], unique=False)
        batch_op.create_index('ix_events_updated_at', ['updated_at'], unique=False)



def downgrade():
    with op.batch_alter_table('events', schema=None) as batch_op:
        batch_op.drop_index('ix_events_updated_at')
        batch_op.drop_index('ix_events_listing')

