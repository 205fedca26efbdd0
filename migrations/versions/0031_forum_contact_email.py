"""A forum's contact address: where replies to its emails go

Empty means the partnership's CONTACT_EMAIL.

Revision ID: 0031_forum_contact_email
Revises: 0030_background_jobs
Create Date: 2026-12-03 18:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0031_forum_contact_email'
down_revision = '0030_background_jobs'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('forums', schema=None) as batch_op:
        batch_op.add_column(sa.Column('contact_email', sa.String(length=254), nullable=True))


def downgrade():
    with op.batch_alter_table('forums', schema=None) as batch_op:
        batch_op.drop_column('contact_email')
