"""A job that prepares a page (a year's progress report) keeps the page's
HTML beside its file, for the page it was started from to show

Revision ID: 0042_background_job_pages
Revises: 0041_membership_spells
Create Date: 2026-12-06 12:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0042_background_job_pages'
down_revision = '0041_membership_spells'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('background_jobs') as batch_op:
        batch_op.add_column(sa.Column('page', sa.Text(), nullable=True))


def downgrade():
    with op.batch_alter_table('background_jobs') as batch_op:
        batch_op.drop_column('page')
