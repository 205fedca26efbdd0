"""Forum membership spells: when each person was an active member, so that
reports count a forum's members as they were at the end of a quarter

Revision ID: 0041_membership_spells
Revises: 0040_attendance_walk_ins_index
Create Date: 2026-12-06 09:10:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0041_membership_spells'
down_revision = '0040_attendance_walk_ins_index'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'forum_membership_spells',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('membership_id', sa.Integer(), nullable=False),
        sa.Column('started_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('ended_at', sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint('ended_at IS NULL OR ended_at >= started_at',
                           name=op.f('ck_forum_membership_spells_ends_after_start')),
        sa.ForeignKeyConstraint(['membership_id'], ['forum_memberships.id'],
                                name=op.f('fk_forum_membership_spells_membership_id_forum_memberships'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_forum_membership_spells')),
    )
    op.create_index(op.f('ix_forum_membership_spells_membership_id'), 'forum_membership_spells', ['membership_id'],
                    unique=False)
    # Today's members have been members since they were approved, or since their parent agreed if
    # that came later. When anyone else's membership stopped was never recorded: they are left out.
    op.execute("""
        INSERT INTO forum_membership_spells (membership_id, started_at)
        SELECT id, CASE WHEN parent_consented_at IS NOT NULL
                         AND parent_consented_at > COALESCE(decided_at, applied_at)
                        THEN parent_consented_at ELSE COALESCE(decided_at, applied_at) END
        FROM forum_memberships WHERE status = 'active'
    """)


def downgrade():
    op.drop_index(op.f('ix_forum_membership_spells_membership_id'), table_name='forum_membership_spells')
    op.drop_table('forum_membership_spells')
