"""Settled events' tallies: each settled event's attendance added up once, and
its named people who came counted by their answers to the mixing questions
(special category data in aggregate), so reports add up a row per event

Revision ID: 0039_settled_tallies
Revises: 0038_outcome_surveys
Create Date: 2026-12-04 23:50:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0039_settled_tallies'
down_revision = '0038_outcome_surveys'
branch_labels = None
depends_on = None


def upgrade():
    # Empty at first: reports count every event live until the tally-settled job (or seed-bench) tallies them.
    op.create_table(
        'settled_tallies',
        sa.Column('event_id', sa.Integer(), nullable=False),
        sa.Column('came', sa.Integer(), nullable=False),
        sa.Column('unnamed', sa.Integer(), nullable=False),
        sa.Column('ends_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('reopened_until', sa.DateTime(timezone=True), nullable=True),
        sa.Column('keyed_with', sa.String(length=16), nullable=False),
        sa.Column('tallied_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['event_id'], ['events.id'], name=op.f('fk_settled_tallies_event_id_events'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('event_id', name=op.f('pk_settled_tallies')),
    )
    op.create_table(
        'settled_tally_cells',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('event_id', sa.Integer(), nullable=False),
        sa.Column('ethnic_group', sa.String(length=30), nullable=True),
        sa.Column('religion', sa.String(length=30), nullable=True),
        sa.Column('age_band', sa.String(length=30), nullable=True),
        sa.Column('came', sa.Integer(), nullable=False),
        sa.Column('key_sum', sa.BigInteger(), nullable=False),
        sa.CheckConstraint('came > 0', name=op.f('ck_settled_tally_cells_came_positive')),
        sa.ForeignKeyConstraint(['event_id'], ['settled_tallies.event_id'],
                                name=op.f('fk_settled_tally_cells_event_id_settled_tallies'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_settled_tally_cells')),
    )
    op.create_index(op.f('ix_settled_tally_cells_event_id'), 'settled_tally_cells', ['event_id'], unique=False)


def downgrade():
    op.drop_index(op.f('ix_settled_tally_cells_event_id'), table_name='settled_tally_cells')
    op.drop_table('settled_tally_cells')
    op.drop_table('settled_tallies')
