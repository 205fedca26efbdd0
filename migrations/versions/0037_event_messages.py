"""Messages to an event's people, unsubscribing, and previews sent once

An organiser's messages to the people booked, waiting or who came
(event_messages, each with its preview's one-time key); the addresses that
stopped non-essential emails, kept by a hash of the address (unsubscribes);
the extra headers an email carries (List-Unsubscribe); and a forum
announcement's preview key.

Revision ID: 0037_event_messages
Revises: 0036_spreadsheet_imports
Create Date: 2026-12-04 21:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0037_event_messages'
down_revision = '0036_spreadsheet_imports'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'event_messages',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('event_id', sa.Integer(), nullable=False),
        sa.Column('subject', sa.String(length=150), nullable=False),
        sa.Column('body', sa.Text(), nullable=False),
        sa.Column('to_booked', sa.Boolean(), nullable=False),
        sa.Column('to_waiting', sa.Boolean(), nullable=False),
        sa.Column('to_came', sa.Boolean(), nullable=False),
        sa.Column('essential', sa.Boolean(), nullable=False),
        sa.Column('recipients', sa.Integer(), nullable=False),
        sa.Column('sent_by_id', sa.Integer(), nullable=True),
        sa.Column('sent_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('job_id', sa.Integer(), nullable=True),
        sa.Column('draft', sa.String(length=64), nullable=False),
        sa.CheckConstraint('to_booked OR to_waiting OR to_came', name=op.f('ck_event_messages_has_an_audience')),
        sa.CheckConstraint('recipients >= 0', name=op.f('ck_event_messages_recipients_not_negative')),
        sa.ForeignKeyConstraint(['event_id'], ['events.id'], name=op.f('fk_event_messages_event_id_events'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['job_id'], ['background_jobs.id'],
                                name=op.f('fk_event_messages_job_id_background_jobs'), ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['sent_by_id'], ['users.id'], name=op.f('fk_event_messages_sent_by_id_users'),
                                ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_event_messages')),
        sa.UniqueConstraint('draft', name=op.f('uq_event_messages_draft')),
    )
    op.create_index('ix_event_messages_event_sent_at', 'event_messages', ['event_id', 'sent_at'], unique=False)
    op.create_table(
        'unsubscribes',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('email_hash', sa.String(length=64), nullable=False),
        sa.Column('scope', sa.String(length=40), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_unsubscribes')),
        sa.UniqueConstraint('email_hash', 'scope', name='uq_unsubscribes_email_hash_scope'),
    )
    with op.batch_alter_table('outbox_messages') as batch_op:
        batch_op.add_column(sa.Column('headers', sa.JSON(), nullable=True))
    with op.batch_alter_table('forum_announcements') as batch_op:
        batch_op.add_column(sa.Column('draft', sa.String(length=64), nullable=True))
        batch_op.create_unique_constraint(batch_op.f('uq_forum_announcements_draft'), ['draft'])


def downgrade():
    with op.batch_alter_table('forum_announcements') as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_forum_announcements_draft'), type_='unique')
        batch_op.drop_column('draft')
    with op.batch_alter_table('outbox_messages') as batch_op:
        batch_op.drop_column('headers')
    op.drop_table('unsubscribes')
    op.drop_index('ix_event_messages_event_sent_at', table_name='event_messages')
    op.drop_table('event_messages')
