"""Outcome surveys after events: an event's setting, the invitations emailed
to people who came (personal data: they name a registration) and the
answers, which name no one

Revision ID: 0038_outcome_surveys
Revises: 0037_event_messages
Create Date: 2026-12-04 21:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0038_outcome_surveys'
down_revision = '0037_event_messages'
branch_labels = None
depends_on = None

AGREE = ("definitely_agree", "tend_to_agree", "tend_to_disagree", "definitely_disagree")
CHOICES = {
    'overall': ("very_good", "good", "neither", "poor", "very_poor"),
    'met_someone': ("yes", "no", "not_sure"),
    'get_on_well': (*AGREE, "dont_know", "too_few_people", "all_same"),
    'influence': (*AGREE, "dont_know"),
}


def upgrade():
    # A plain ADD COLUMN, which SQLite does in place: a batch copy of `events` would drop the old table, and
    # with it (ON DELETE CASCADE) every registration.
    op.add_column('events', sa.Column('surveys_on', sa.Boolean(), server_default=sa.true(), nullable=False))
    op.create_table(
        'survey_invitations',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('event_id', sa.Integer(), nullable=False),
        sa.Column('registration_id', sa.Integer(), nullable=False),
        sa.Column('token_hash', sa.String(length=64), nullable=False),
        sa.Column('language', sa.String(length=8), nullable=False),
        sa.Column('sent_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('answered', sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.CheckConstraint('expires_at > sent_at', name=op.f('ck_survey_invitations_expires_after_sending')),
        sa.ForeignKeyConstraint(['event_id'], ['events.id'], name=op.f('fk_survey_invitations_event_id_events'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['registration_id'], ['registrations.id'],
                                name=op.f('fk_survey_invitations_registration_id_registrations'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_survey_invitations')),
        sa.UniqueConstraint('registration_id', name=op.f('uq_survey_invitations_registration_id')),
        sa.UniqueConstraint('token_hash', name=op.f('uq_survey_invitations_token_hash')),
    )
    op.create_index(op.f('ix_survey_invitations_event_id'), 'survey_invitations', ['event_id'], unique=False)
    op.create_table(
        'survey_answers',
        sa.Column('id', sa.String(length=32), nullable=False),
        sa.Column('event_id', sa.Integer(), nullable=False),
        *(sa.Column(key, sa.String(length=24), nullable=True) for key in CHOICES),
        sa.Column('anything_else', sa.Text(), server_default='', nullable=False),
        *(sa.CheckConstraint(f"{key} IS NULL OR {key} IN ({', '.join(repr(code) for code in codes)})",
                             name=op.f(f'ck_survey_answers_{key}_known')) for key, codes in CHOICES.items()),
        sa.ForeignKeyConstraint(['event_id'], ['events.id'], name=op.f('fk_survey_answers_event_id_events'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_survey_answers')),
    )
    op.create_index(op.f('ix_survey_answers_event_id'), 'survey_answers', ['event_id'], unique=False)


def downgrade():
    op.drop_index(op.f('ix_survey_answers_event_id'), table_name='survey_answers')
    op.drop_table('survey_answers')
    op.drop_index(op.f('ix_survey_invitations_event_id'), table_name='survey_invitations')
    op.drop_table('survey_invitations')
    op.drop_column('events', 'surveys_on')
