"""Extra registration questions

Revision ID: 0006_questions
Revises: 0005_repeating_events
Create Date: 2026-11-23 12:13:00.258612

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0006_questions'
down_revision = '0005_repeating_events'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('event_questions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('event_id', sa.Integer(), nullable=False),
    sa.Column('label', sa.String(length=200), nullable=False),
    sa.Column('kind', sa.Enum('text', 'choice', 'yes_no', name='question_kind'), nullable=False),
    sa.Column('options', sa.JSON(), nullable=False),
    sa.Column('required', sa.Boolean(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['event_id'], ['events.id'], name=op.f('fk_event_questions_event_id_events'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_event_questions'))
    )
    with op.batch_alter_table('event_questions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_event_questions_event_id'), ['event_id'], unique=False)

    op.create_table('registration_answers',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('registration_id', sa.Integer(), nullable=False),
    sa.Column('question_id', sa.Integer(), nullable=False),
    sa.Column('value', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['question_id'], ['event_questions.id'], name=op.f('fk_registration_answers_question_id_event_questions'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['registration_id'], ['registrations.id'], name=op.f('fk_registration_answers_registration_id_registrations'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_registration_answers')),
    sa.UniqueConstraint('registration_id', 'question_id', name='uq_registration_answers_question')
    )
    with op.batch_alter_table('registration_answers', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_registration_answers_question_id'), ['question_id'], unique=False)



def downgrade():
    with op.batch_alter_table('registration_answers', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_registration_answers_question_id'))

    op.drop_table('registration_answers')
    with op.batch_alter_table('event_questions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_event_questions_event_id'))

    op.drop_table('event_questions')
    sa.Enum(name='question_kind').drop(op.get_bind(), checkfirst=True)
