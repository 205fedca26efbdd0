"""Open data: quarterly figures published as a snapshot

Revision ID: 0021_open_data
Revises: 0020_report_baselines
Create Date: 2026-11-23 19:50:51.618154

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0021_open_data'
down_revision = '0020_report_baselines'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('open_data_releases',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('period', sa.String(length=7), nullable=False),
    sa.Column('starts_on', sa.Date(), nullable=False),
    sa.Column('ends_on', sa.Date(), nullable=False),
    sa.Column('rows', sa.JSON(), nullable=False),
    sa.Column('published_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('published_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['published_by_id'], ['users.id'], name=op.f('fk_open_data_releases_published_by_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_open_data_releases')),
    sa.UniqueConstraint('period', name=op.f('uq_open_data_releases_period'))
    )


def downgrade():
    op.drop_table('open_data_releases')
