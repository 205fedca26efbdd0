"""Event invitations

Revision ID: 0009_event_invitations
Revises: 0008_session_waiting_lists
Create Date: 2026-11-23 13:24:52.886138

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0009_event_invitations'
down_revision = '0008_session_waiting_lists'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('event_invitations',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('event_id', sa.Integer(), nullable=False),
    sa.Column('email', sa.String(length=254), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('invited_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('registration_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['event_id'], ['events.id'], name=op.f('fk_event_invitations_event_id_events'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['invited_by_id'], ['users.id'], name=op.f('fk_event_invitations_invited_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['registration_id'], ['registrations.id'], name=op.f('fk_event_invitations_registration_id_registrations'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_event_invitations')),
    sa.UniqueConstraint('event_id', 'email', name='uq_event_invitations_event_email')
    )
    with op.batch_alter_table('event_invitations', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_event_invitations_event_id'), ['event_id'], unique=False)



def downgrade():
    with op.batch_alter_table('event_invitations', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_event_invitations_event_id'))

    op.drop_table('event_invitations')
