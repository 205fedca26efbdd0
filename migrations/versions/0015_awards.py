"""Awards: cycles, categories, questions, rubric, nominations, exclusions

Revision ID: 0015_awards
Revises: 0014_forum_meetings
Create Date: 2026-11-23 16:11:36.613775

"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql


# revision identifiers, used by Alembic.
revision = '0015_awards'
down_revision = '0014_forum_meetings'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('award_cycles',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=150), nullable=False),
    sa.Column('introduction', sa.Text(), nullable=False),
    sa.Column('nominations_open_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('nominations_close_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('judging_opens_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('judging_closes_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('announce_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('ceremony_id', sa.Integer(), nullable=True),
    sa.Column('blind_judging', sa.Boolean(), nullable=False),
    sa.Column('hide_nominee_contacts', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('announce_at >= judging_closes_at', name=op.f('ck_award_cycles_announce_after_judging')),
    sa.CheckConstraint('judging_closes_at > judging_opens_at', name=op.f('ck_award_cycles_judging_closes_after_open')),
    sa.CheckConstraint('judging_opens_at >= nominations_close_at', name=op.f('ck_award_cycles_judging_after_nominations')),
    sa.CheckConstraint('nominations_close_at > nominations_open_at', name=op.f('ck_award_cycles_nominations_close_after_open')),
    sa.ForeignKeyConstraint(['ceremony_id'], ['events.id'], name=op.f('fk_award_cycles_ceremony_id_events'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_award_cycles')),
    sa.UniqueConstraint('name', name=op.f('uq_award_cycles_name'))
    )
    op.create_table('award_categories',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('cycle_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=150), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('eligibility', sa.Text(), nullable=False),
    sa.Column('nominee_kind', sa.Enum('individual', 'group', name='nominee_kind'), nullable=False),
    sa.Column('self_nomination', sa.Boolean(), nullable=False),
    sa.Column('min_age', sa.Integer(), nullable=True),
    sa.Column('max_age', sa.Integer(), nullable=True),
    sa.Column('scale_max', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.CheckConstraint('min_age IS NULL OR max_age IS NULL OR max_age >= min_age', name=op.f('ck_award_categories_age_range_in_order')),
    sa.CheckConstraint('scale_max BETWEEN 2 AND 10', name=op.f('ck_award_categories_scale_max_sensible')),
    sa.ForeignKeyConstraint(['cycle_id'], ['award_cycles.id'], name=op.f('fk_award_categories_cycle_id_award_cycles'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_award_categories')),
    sa.UniqueConstraint('cycle_id', 'name', name='uq_award_categories_cycle_name')
    )
    op.create_table('award_exclusions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('cycle_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=150), nullable=False),
    sa.Column('reason', sa.String(length=300), nullable=False),
    sa.ForeignKeyConstraint(['cycle_id'], ['award_cycles.id'], name=op.f('fk_award_exclusions_cycle_id_award_cycles'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_award_exclusions'))
    )
    with op.batch_alter_table('award_exclusions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_award_exclusions_cycle_id'), ['cycle_id'], unique=False)

    op.create_table('award_category_questions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('category_id', sa.Integer(), nullable=False),
    sa.Column('text', sa.String(length=300), nullable=False),
    sa.Column('word_limit', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.CheckConstraint('word_limit BETWEEN 10 AND 2000', name=op.f('ck_award_category_questions_word_limit_sensible')),
    sa.ForeignKeyConstraint(['category_id'], ['award_categories.id'], name=op.f('fk_award_category_questions_category_id_award_categories'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_award_category_questions'))
    )
    with op.batch_alter_table('award_category_questions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_award_category_questions_category_id'), ['category_id'], unique=False)

    op.create_table('award_criteria',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('category_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=150), nullable=False),
    sa.Column('guidance', sa.Text(), nullable=False),
    sa.Column('weight', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.CheckConstraint('weight BETWEEN 1 AND 10', name=op.f('ck_award_criteria_weight_sensible')),
    sa.ForeignKeyConstraint(['category_id'], ['award_categories.id'], name=op.f('fk_award_criteria_category_id_award_categories'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_award_criteria'))
    )
    with op.batch_alter_table('award_criteria', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_award_criteria_category_id'), ['category_id'], unique=False)

    op.create_table('award_nominations',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('category_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.Enum('draft', 'unconfirmed', 'submitted', 'eligible', 'ineligible', 'withdrawn', name='nomination_status'), nullable=False),
    sa.Column('nominator_id', sa.Integer(), nullable=True),
    sa.Column('nominator_name', sa.String(length=100), nullable=False),
    sa.Column('nominator_email', sa.String(length=254), nullable=False),
    sa.Column('nominator_phone', sa.String(length=30), nullable=False),
    sa.Column('relationship_to_nominee', sa.String(length=150), nullable=False),
    sa.Column('nominee_name', sa.String(length=150), nullable=False),
    # The type was made with award_categories just above.
    sa.Column('nominee_kind', sa.Enum('individual', 'group', name='nominee_kind').with_variant(
        postgresql.ENUM('individual', 'group', name='nominee_kind', create_type=False), 'postgresql'), nullable=False),
    sa.Column('nominee_area', sa.String(length=150), nullable=False),
    sa.Column('nominee_email', sa.String(length=254), nullable=False),
    sa.Column('nominee_phone', sa.String(length=30), nullable=False),
    sa.Column('nominee_age', sa.Integer(), nullable=True),
    sa.Column('group_started', sa.String(length=50), nullable=False),
    sa.Column('group_activity', sa.Text(), nullable=False),
    sa.Column('nominee_knows', sa.Boolean(), nullable=False),
    sa.Column('nominee_not_told_reason', sa.Text(), nullable=False),
    sa.Column('data_consent', sa.Boolean(), nullable=False),
    sa.Column('screening_flags', sa.Text(), nullable=False),
    sa.Column('screening_reason', sa.Text(), nullable=False),
    sa.Column('screened_by_id', sa.Integer(), nullable=True),
    sa.Column('screened_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('submitted_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('nominee_age IS NULL OR nominee_age BETWEEN 0 AND 120', name=op.f('ck_award_nominations_nominee_age_sensible')),
    sa.ForeignKeyConstraint(['category_id'], ['award_categories.id'], name=op.f('fk_award_nominations_category_id_award_categories'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['nominator_id'], ['users.id'], name=op.f('fk_award_nominations_nominator_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['screened_by_id'], ['users.id'], name=op.f('fk_award_nominations_screened_by_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_award_nominations'))
    )
    with op.batch_alter_table('award_nominations', schema=None) as batch_op:
        batch_op.create_index('ix_award_nominations_category_status', ['category_id', 'status'], unique=False)
        batch_op.create_index(batch_op.f('ix_award_nominations_nominator_id'), ['nominator_id'], unique=False)

    op.create_table('award_nomination_answers',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('nomination_id', sa.Integer(), nullable=False),
    sa.Column('question_id', sa.Integer(), nullable=True),
    sa.Column('text', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['nomination_id'], ['award_nominations.id'], name=op.f('fk_award_nomination_answers_nomination_id_award_nominations'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['question_id'], ['award_category_questions.id'], name=op.f('fk_award_nomination_answers_question_id_award_category_questions'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_award_nomination_answers')),
    sa.UniqueConstraint('nomination_id', 'question_id', name='uq_award_answers_nomination_question')
    )
    op.create_table('award_referees',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('nomination_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('relationship_to_nominee', sa.String(length=150), nullable=False),
    sa.Column('statement', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['nomination_id'], ['award_nominations.id'], name=op.f('fk_award_referees_nomination_id_award_nominations'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_award_referees'))
    )
    with op.batch_alter_table('award_referees', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_award_referees_nomination_id'), ['nomination_id'], unique=False)



def downgrade():
    with op.batch_alter_table('award_referees', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_award_referees_nomination_id'))

    op.drop_table('award_referees')
    op.drop_table('award_nomination_answers')
    with op.batch_alter_table('award_nominations', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_award_nominations_nominator_id'))
        batch_op.drop_index('ix_award_nominations_category_status')

    op.drop_table('award_nominations')
    with op.batch_alter_table('award_criteria', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_award_criteria_category_id'))

    op.drop_table('award_criteria')
    with op.batch_alter_table('award_category_questions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_award_category_questions_category_id'))

    op.drop_table('award_category_questions')
    with op.batch_alter_table('award_exclusions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_award_exclusions_cycle_id'))

    op.drop_table('award_exclusions')
    op.drop_table('award_categories')
    op.drop_table('award_cycles')
    bind = op.get_bind()
    for enum_name in ('nomination_status', 'nominee_kind'):
        sa.Enum(name=enum_name).drop(bind, checkfirst=True)
