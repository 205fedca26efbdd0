"""Programme sessions and sign-ups

Revision ID: 0004_programme
Revises: 0003_attachments_reminders
Create Date: 2026-11-23 11:45:30.848657

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0004_programme'
down_revision = '0003_attachments_reminders'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('programme_sessions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('event_id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=150), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('starts_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('ends_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('room', sa.String(length=100), nullable=False),
    sa.Column('speakers', sa.String(length=300), nullable=False),
    sa.Column('capacity', sa.Integer(), nullable=True),
    sa.CheckConstraint('capacity IS NULL OR capacity >= 1', name=op.f('ck_programme_sessions_capacity_positive')),
    sa.CheckConstraint('ends_at > starts_at', name=op.f('ck_programme_sessions_ends_after_start')),
    sa.ForeignKeyConstraint(['event_id'], ['events.id'], name=op.f('fk_programme_sessions_event_id_events'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_programme_sessions'))
    )
    with op.batch_alter_table('programme_sessions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_programme_sessions_event_id'), ['event_id'], unique=False)

    op.create_table('session_signups',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('session_id', sa.Integer(), nullable=False),
    sa.Column('registration_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['registration_id'], ['registrations.id'], name=op.f('fk_session_signups_registration_id_registrations'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['session_id'], ['programme_sessions.id'], name=op.f('fk_session_signups_session_id_programme_sessions'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_session_signups')),
    sa.UniqueConstraint('session_id', 'registration_id', name='uq_session_signups_session_registration')
    )
    with op.batch_alter_table('session_signups', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_session_signups_registration_id'), ['registration_id'], unique=False)



def downgrade():
    with op.batch_alter_table('session_signups', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_session_signups_registration_id'))

    op.drop_table('session_signups')
    with op.batch_alter_table('programme_sessions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_programme_sessions_event_id'))

    op.drop_table('programme_sessions')
