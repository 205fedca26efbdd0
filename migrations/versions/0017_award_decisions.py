"""Award decisions and publication dates

Revision ID: 0017_award_decisions
Revises: 0016_award_judging
Create Date: 2026-11-23 16:52:27.889257

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0017_award_decisions'
down_revision = '0016_award_judging'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('award_decisions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('nomination_id', sa.Integer(), nullable=False),
    sa.Column('outcome', sa.Enum('winner', 'highly_commended', 'shortlisted', 'not_shortlisted', name='award_outcome'), nullable=False),
    sa.Column('rationale', sa.Text(), nullable=False),
    sa.Column('decided_by_id', sa.Integer(), nullable=True),
    sa.Column('decided_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['decided_by_id'], ['users.id'], name=op.f('fk_award_decisions_decided_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['nomination_id'], ['award_nominations.id'], name=op.f('fk_award_decisions_nomination_id_award_nominations'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_award_decisions')),
    sa.UniqueConstraint('nomination_id', name=op.f('uq_award_decisions_nomination_id'))
    )
    with op.batch_alter_table('award_cycles', schema=None) as batch_op:
        batch_op.add_column(sa.Column('shortlist_published_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('results_published_at', sa.DateTime(timezone=True), nullable=True))



def downgrade():
    with op.batch_alter_table('award_cycles', schema=None) as batch_op:
        batch_op.drop_column('results_published_at')
        batch_op.drop_column('shortlist_published_at')

    op.drop_table('award_decisions')
    sa.Enum(name='award_outcome').drop(op.get_bind(), checkfirst=True)
