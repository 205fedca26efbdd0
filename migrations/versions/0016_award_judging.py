"""Award judging: panels, conflicts of interest, score sheets and scores

Revision ID: 0016_award_judging
Revises: 0015_awards
Create Date: 2026-11-23 16:33:55.883910

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0016_award_judging'
down_revision = '0015_awards'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('award_panel_members',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('category_id', sa.Integer(), nullable=False),
    sa.Column('email', sa.String(length=254), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('appointed_by_id', sa.Integer(), nullable=True),
    sa.Column('appointed_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['appointed_by_id'], ['users.id'], name=op.f('fk_award_panel_members_appointed_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['category_id'], ['award_categories.id'], name=op.f('fk_award_panel_members_category_id_award_categories'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_award_panel_members_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_award_panel_members')),
    sa.UniqueConstraint('category_id', 'email', name='uq_award_panel_members_category_email')
    )
    with op.batch_alter_table('award_panel_members', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_award_panel_members_user_id'), ['user_id'], unique=False)

    op.create_table('award_conflicts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('nomination_id', sa.Integer(), nullable=False),
    sa.Column('judge_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.Enum('none', 'family', 'employment', 'member_of_group', 'close_friend', 'other', name='conflict_kind'), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('recorded_by_id', sa.Integer(), nullable=True),
    sa.Column('declared_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['judge_id'], ['users.id'], name=op.f('fk_award_conflicts_judge_id_users'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['nomination_id'], ['award_nominations.id'], name=op.f('fk_award_conflicts_nomination_id_award_nominations'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['recorded_by_id'], ['users.id'], name=op.f('fk_award_conflicts_recorded_by_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_award_conflicts')),
    sa.UniqueConstraint('nomination_id', 'judge_id', name='uq_award_conflicts_nomination_judge')
    )
    with op.batch_alter_table('award_conflicts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_award_conflicts_judge_id'), ['judge_id'], unique=False)

    op.create_table('award_score_sheets',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('nomination_id', sa.Integer(), nullable=False),
    sa.Column('judge_id', sa.Integer(), nullable=False),
    sa.Column('comment', sa.Text(), nullable=False),
    sa.Column('submitted_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['judge_id'], ['users.id'], name=op.f('fk_award_score_sheets_judge_id_users'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['nomination_id'], ['award_nominations.id'], name=op.f('fk_award_score_sheets_nomination_id_award_nominations'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_award_score_sheets')),
    sa.UniqueConstraint('nomination_id', 'judge_id', name='uq_award_score_sheets_nomination_judge')
    )
    with op.batch_alter_table('award_score_sheets', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_award_score_sheets_judge_id'), ['judge_id'], unique=False)

    op.create_table('award_scores',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('sheet_id', sa.Integer(), nullable=False),
    sa.Column('criterion_id', sa.Integer(), nullable=False),
    sa.Column('value', sa.Integer(), nullable=False),
    sa.CheckConstraint('value >= 1', name=op.f('ck_award_scores_value_positive')),
    sa.ForeignKeyConstraint(['criterion_id'], ['award_criteria.id'], name=op.f('fk_award_scores_criterion_id_award_criteria'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['sheet_id'], ['award_score_sheets.id'], name=op.f('fk_award_scores_sheet_id_award_score_sheets'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_award_scores')),
    sa.UniqueConstraint('sheet_id', 'criterion_id', name='uq_award_scores_sheet_criterion')
    )
    with op.batch_alter_table('award_cycles', schema=None) as batch_op:
        batch_op.add_column(sa.Column('show_other_scores', sa.Boolean(), server_default=sa.false(), nullable=False))
        batch_op.add_column(sa.Column('normalise_after', sa.Integer(), server_default='3', nullable=False))



def downgrade():
    with op.batch_alter_table('award_cycles', schema=None) as batch_op:
        batch_op.drop_column('normalise_after')
        batch_op.drop_column('show_other_scores')

    op.drop_table('award_scores')
    with op.batch_alter_table('award_score_sheets', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_award_score_sheets_judge_id'))

    op.drop_table('award_score_sheets')
    with op.batch_alter_table('award_conflicts', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_award_conflicts_judge_id'))

    op.drop_table('award_conflicts')
    with op.batch_alter_table('award_panel_members', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_award_panel_members_user_id'))

    op.drop_table('award_panel_members')
    sa.Enum(name='conflict_kind').drop(op.get_bind(), checkfirst=True)
