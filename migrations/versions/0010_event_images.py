"""Event images

Revision ID: 0010_event_images
Revises: 0009_event_invitations
Create Date: 2026-11-23 13:32:36.251320

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0010_event_images'
down_revision = '0009_event_invitations'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('event_images',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('digest', sa.String(length=64), nullable=False),
    sa.Column('content_type', sa.String(length=50), nullable=False),
    sa.Column('content', sa.LargeBinary(), nullable=False),
    sa.Column('width', sa.Integer(), nullable=False),
    sa.Column('height', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_event_images')),
    sa.UniqueConstraint('digest', name=op.f('uq_event_images_digest'))
    )
    with op.batch_alter_table('events', schema=None) as batch_op:
        batch_op.add_column(sa.Column('image_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('image_alt', sa.String(length=250), server_default='', nullable=False))
        batch_op.create_foreign_key(batch_op.f('fk_events_image_id_event_images'), 'event_images', ['image_id'], ['id'], ondelete='SET NULL')



def downgrade():
    with op.batch_alter_table('events', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_events_image_id_event_images'), type_='foreignkey')
        batch_op.drop_column('image_alt')
        batch_op.drop_column('image_id')

    op.drop_table('event_images')
