"""Forums: coordinators, memberships and DBS check dates

Revision ID: 0013_forums
Revises: 0012_venue_positions
Create Date: 2026-11-23 14:50:18.752482

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0013_forums'
down_revision = '0012_venue_positions'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('forums',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=150), nullable=False),
    sa.Column('kind', sa.Enum('interfaith', 'youth', 'other', name='forum_kind'), nullable=False),
    sa.Column('purpose', sa.String(length=300), nullable=False),
    sa.Column('area', sa.String(length=150), nullable=False),
    sa.Column('public_text', sa.Text(), nullable=False),
    sa.Column('open_to_apply', sa.Boolean(), nullable=False),
    sa.Column('min_age', sa.Integer(), nullable=True),
    sa.Column('max_age', sa.Integer(), nullable=True),
    sa.Column('faith_cap', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('faith_cap IS NULL OR faith_cap >= 1', name=op.f('ck_forums_faith_cap_positive')),
    sa.CheckConstraint('min_age IS NULL OR max_age IS NULL OR max_age >= min_age', name=op.f('ck_forums_age_range_in_order')),
    sa.CheckConstraint('min_age IS NULL OR min_age >= 0', name=op.f('ck_forums_min_age_not_negative')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_forums')),
    sa.UniqueConstraint('name', name=op.f('uq_forums_name'))
    )
    op.create_table('forum_coordinators',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('forum_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('granted_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('granted_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['forum_id'], ['forums.id'], name=op.f('fk_forum_coordinators_forum_id_forums'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['granted_by_id'], ['users.id'], name=op.f('fk_forum_coordinators_granted_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_forum_coordinators_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_forum_coordinators')),
    sa.UniqueConstraint('forum_id', 'user_id', name='uq_forum_coordinators_forum_user')
    )
    with op.batch_alter_table('forum_coordinators', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_forum_coordinators_user_id'), ['user_id'], unique=False)

    op.create_table('forum_memberships',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('forum_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.Enum('applied', 'awaiting_consent', 'active', 'declined', 'suspended', 'removed', 'withdrawn', name='membership_status'), nullable=False),
    sa.Column('role', sa.Enum('chair', 'vice_chair', 'secretary', 'treasurer', 'member', 'faith_representative', 'observer', 'youth_representative', name='membership_role'), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('faith', sa.Enum('no_religion', 'bahai', 'buddhist', 'christian', 'hindu', 'jain', 'jewish', 'muslim', 'pagan', 'sikh', 'zoroastrian', 'other', name='faith'), nullable=True),
    sa.Column('organisation', sa.String(length=150), nullable=False),
    sa.Column('date_of_birth', sa.Date(), nullable=True),
    sa.Column('parent_name', sa.String(length=100), nullable=False),
    sa.Column('parent_email', sa.String(length=254), nullable=False),
    sa.Column('parent_consented_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('parent_consent_withdrawn_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('photo_consent', sa.Boolean(), nullable=False),
    sa.Column('share_email', sa.Boolean(), nullable=False),
    sa.Column('term_starts_on', sa.Date(), nullable=True),
    sa.Column('term_ends_on', sa.Date(), nullable=True),
    sa.Column('renewal_reminded_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('decline_reason', sa.Text(), nullable=False),
    sa.Column('applied_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('decided_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['forum_id'], ['forums.id'], name=op.f('fk_forum_memberships_forum_id_forums'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_forum_memberships_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_forum_memberships')),
    sa.UniqueConstraint('forum_id', 'user_id', name='uq_forum_memberships_forum_user')
    )
    with op.batch_alter_table('forum_memberships', schema=None) as batch_op:
        batch_op.create_index('ix_forum_memberships_forum_status', ['forum_id', 'status'], unique=False)
        batch_op.create_index(batch_op.f('ix_forum_memberships_user_id'), ['user_id'], unique=False)

    op.create_table('safeguarding_checks',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('checked_on', sa.Date(), nullable=False),
    sa.Column('recorded_by_id', sa.Integer(), nullable=True),
    sa.Column('recorded_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['recorded_by_id'], ['users.id'], name=op.f('fk_safeguarding_checks_recorded_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_safeguarding_checks_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_safeguarding_checks')),
    sa.UniqueConstraint('user_id', name=op.f('uq_safeguarding_checks_user_id'))
    )


def downgrade():
    op.drop_table('safeguarding_checks')
    with op.batch_alter_table('forum_memberships', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_forum_memberships_user_id'))
        batch_op.drop_index('ix_forum_memberships_forum_status')

    op.drop_table('forum_memberships')
    with op.batch_alter_table('forum_coordinators', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_forum_coordinators_user_id'))

    op.drop_table('forum_coordinators')
    op.drop_table('forums')
    bind = op.get_bind()
    for enum_name in ('faith', 'membership_role', 'membership_status', 'forum_kind'):
        sa.Enum(name=enum_name).drop(bind, checkfirst=True)
