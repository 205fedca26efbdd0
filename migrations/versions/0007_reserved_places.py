"""Reserved places

Revision ID: 0007_reserved_places
Revises: 0006_questions
Create Date: 2026-11-23 12:15:04.644092

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0007_reserved_places'
down_revision = '0006_questions'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('events', schema=None) as batch_op:
        batch_op.add_column(sa.Column('reserved_places', sa.Integer(), server_default='0', nullable=False))
        batch_op.create_check_constraint('reserved_places_not_negative', 'reserved_places >= 0')



def downgrade():
    with op.batch_alter_table('events', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_events_reserved_places_not_negative'), type_='check')
        batch_op.drop_column('reserved_places')

