"""Change counters (the calendar feeds' version); the updated_at index it replaced goes

Revision ID: 0023_change_counters
Revises: 0022_events_indexes
Create Date: 2026-11-24 01:44:01.821482

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0023_change_counters'
down_revision = '0022_events_indexes'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('change_counters',
    sa.Column('name', sa.String(length=40), nullable=False),
    sa.Column('value', sa.BigInteger(), nullable=False),
    sa.Column('changed_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('name', name=op.f('pk_change_counters'))
    )
    with op.batch_alter_table('events', schema=None) as batch_op:
        batch_op.drop_index('ix_events_updated_at')


def downgrade():
    with op.batch_alter_table('events', schema=None) as batch_op:
        batch_op.create_index('ix_events_updated_at', ['updated_at'], unique=False)
    op.drop_table('change_counters')
