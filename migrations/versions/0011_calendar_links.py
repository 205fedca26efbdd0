"""Calendar links: private personal feed addresses

Revision ID: 0011_calendar_links
Revises: 0010_event_images
Create Date: 2026-11-23 14:22:06.446989

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0011_calendar_links'
down_revision = '0010_event_images'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('calendar_links',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('token', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_calendar_links_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_calendar_links')),
    sa.UniqueConstraint('token', name=op.f('uq_calendar_links_token')),
    sa.UniqueConstraint('user_id', name=op.f('uq_calendar_links_user_id'))
    )


def downgrade():
    op.drop_table('calendar_links')
