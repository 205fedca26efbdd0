"""Session waiting lists

Revision ID: 0008_session_waiting_lists
Revises: 0007_reserved_places
Create Date: 2026-11-23 13:18:41.140518

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0008_session_waiting_lists'
down_revision = '0007_reserved_places'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('session_signups', schema=None) as batch_op:
        batch_op.add_column(sa.Column('waiting', sa.Boolean(), server_default=sa.false(), nullable=False))



def downgrade():
    with op.batch_alter_table('session_signups', schema=None) as batch_op:
        batch_op.drop_column('waiting')

