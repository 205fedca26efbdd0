"""Nominations of the same nominee grouped for judging

Revision ID: 0018_nomination_groups
Revises: 0017_award_decisions
Create Date: 2026-11-23 17:01:05.156646

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0018_nomination_groups'
down_revision = '0017_award_decisions'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('award_nominations', schema=None) as batch_op:
        batch_op.add_column(sa.Column('group_with_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_award_nominations_group_with_id'), ['group_with_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_award_nominations_group_with_id_award_nominations'), 'award_nominations', ['group_with_id'], ['id'], ondelete='SET NULL')



def downgrade():
    with op.batch_alter_table('award_nominations', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_award_nominations_group_with_id_award_nominations'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_award_nominations_group_with_id'))
        batch_op.drop_column('group_with_id')

