"""Forum meetings: papers, apologies, actions, announcements, invitations

Revision ID: 0014_forum_meetings
Revises: 0013_forums
Create Date: 2026-11-23 15:31:06.073720

"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql


# revision identifiers, used by Alembic.
revision = '0014_forum_meetings'
down_revision = '0013_forums'
branch_labels = None
depends_on = None

MEMBERSHIP_ROLES = ('chair', 'vice_chair', 'secretary', 'treasurer', 'member', 'faith_representative', 'observer',
                    'youth_representative')


def upgrade():
    op.create_table('forum_announcements',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('forum_id', sa.Integer(), nullable=False),
    sa.Column('subject', sa.String(length=150), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    # membership_role exists already (0013): reuse the type rather than create it again.
    sa.Column('role', sa.Enum(*MEMBERSHIP_ROLES, name='membership_role').with_variant(
        postgresql.ENUM(*MEMBERSHIP_ROLES, name='membership_role', create_type=False), 'postgresql'), nullable=True),
    sa.Column('essential', sa.Boolean(), nullable=False),
    sa.Column('recipients', sa.Integer(), nullable=False),
    sa.Column('sent_by_id', sa.Integer(), nullable=True),
    sa.Column('sent_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['forum_id'], ['forums.id'], name=op.f('fk_forum_announcements_forum_id_forums'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['sent_by_id'], ['users.id'], name=op.f('fk_forum_announcements_sent_by_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_forum_announcements'))
    )
    with op.batch_alter_table('forum_announcements', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_forum_announcements_forum_id'), ['forum_id'], unique=False)

    op.create_table('forum_invitations',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('forum_id', sa.Integer(), nullable=False),
    sa.Column('email', sa.String(length=254), nullable=False),
    sa.Column('invited_by_id', sa.Integer(), nullable=True),
    sa.Column('invited_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('accepted_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['forum_id'], ['forums.id'], name=op.f('fk_forum_invitations_forum_id_forums'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['invited_by_id'], ['users.id'], name=op.f('fk_forum_invitations_invited_by_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_forum_invitations')),
    sa.UniqueConstraint('forum_id', 'email', name='uq_forum_invitations_forum_email')
    )
    op.create_table('forum_actions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('forum_id', sa.Integer(), nullable=False),
    sa.Column('event_id', sa.Integer(), nullable=True),
    sa.Column('description', sa.String(length=500), nullable=False),
    sa.Column('owner_id', sa.Integer(), nullable=True),
    sa.Column('due_on', sa.Date(), nullable=True),
    sa.Column('status', sa.Enum('open', 'in_progress', 'done', name='forum_action_status'), nullable=False),
    sa.Column('completed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_forum_actions_created_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['event_id'], ['events.id'], name=op.f('fk_forum_actions_event_id_events'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['forum_id'], ['forums.id'], name=op.f('fk_forum_actions_forum_id_forums'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['owner_id'], ['users.id'], name=op.f('fk_forum_actions_owner_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_forum_actions'))
    )
    with op.batch_alter_table('forum_actions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_forum_actions_event_id'), ['event_id'], unique=False)
        batch_op.create_index('ix_forum_actions_forum_status', ['forum_id', 'status'], unique=False)

    op.create_table('forum_apologies',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('event_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('note', sa.String(length=300), nullable=False),
    sa.Column('sent_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['event_id'], ['events.id'], name=op.f('fk_forum_apologies_event_id_events'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_forum_apologies_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_forum_apologies')),
    sa.UniqueConstraint('event_id', 'user_id', name='uq_forum_apologies_event_user')
    )
    with op.batch_alter_table('forum_apologies', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_forum_apologies_user_id'), ['user_id'], unique=False)

    op.create_table('forum_meeting_papers',
    sa.Column('event_id', sa.Integer(), nullable=False),
    sa.Column('agenda', sa.Text(), nullable=False),
    sa.Column('agenda_published_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('minutes', sa.Text(), nullable=False),
    sa.Column('minutes_approved_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('minutes_approved_by_id', sa.Integer(), nullable=True),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['event_id'], ['events.id'], name=op.f('fk_forum_meeting_papers_event_id_events'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['minutes_approved_by_id'], ['users.id'], name=op.f('fk_forum_meeting_papers_minutes_approved_by_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('event_id', name=op.f('pk_forum_meeting_papers'))
    )
    with op.batch_alter_table('events', schema=None) as batch_op:
        batch_op.add_column(sa.Column('forum_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_events_forum_id'), ['forum_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_events_forum_id_forums'), 'forums', ['forum_id'], ['id'], ondelete='SET NULL')

    with op.batch_alter_table('forum_memberships', schema=None) as batch_op:
        batch_op.add_column(sa.Column('announcement_emails', sa.Boolean(), server_default=sa.true(), nullable=False))



def downgrade():
    with op.batch_alter_table('forum_memberships', schema=None) as batch_op:
        batch_op.drop_column('announcement_emails')

    with op.batch_alter_table('events', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_events_forum_id_forums'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_events_forum_id'))
        batch_op.drop_column('forum_id')

    op.drop_table('forum_meeting_papers')
    with op.batch_alter_table('forum_apologies', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_forum_apologies_user_id'))

    op.drop_table('forum_apologies')
    with op.batch_alter_table('forum_actions', schema=None) as batch_op:
        batch_op.drop_index('ix_forum_actions_forum_status')
        batch_op.drop_index(batch_op.f('ix_forum_actions_event_id'))

    op.drop_table('forum_actions')
    op.drop_table('forum_invitations')
    with op.batch_alter_table('forum_announcements', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_forum_announcements_forum_id'))

    op.drop_table('forum_announcements')
    sa.Enum(name='forum_action_status').drop(op.get_bind(), checkfirst=True)
