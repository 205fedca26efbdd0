"""Equality monitoring answers, apart from identity

Revision ID: 0019_equality_monitoring
Revises: 0018_nomination_groups
Create Date: 2026-11-23 18:45:22.309441

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0019_equality_monitoring'
down_revision = '0018_nomination_groups'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('equality_links',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('person_key', sa.String(length=260), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('subject_id', sa.String(length=32), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_equality_links_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_equality_links')),
    sa.UniqueConstraint('person_key', name=op.f('uq_equality_links_person_key')),
    sa.UniqueConstraint('subject_id', name=op.f('uq_equality_links_subject_id')),
    sa.UniqueConstraint('user_id', name=op.f('uq_equality_links_user_id'))
    )
    op.create_table('equality_responses',
    sa.Column('subject_id', sa.String(length=32), nullable=False),
    sa.Column('consented_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('consent_version', sa.String(length=20), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('age_band', sa.String(length=30), nullable=True),
    sa.Column('ethnic_group', sa.String(length=30), nullable=True),
    sa.Column('ethnic_background', sa.String(length=40), nullable=True),
    sa.Column('religion', sa.String(length=30), nullable=True),
    sa.Column('sex', sa.String(length=30), nullable=True),
    sa.Column('gender_identity', sa.String(length=30), nullable=True),
    sa.Column('sexual_orientation', sa.String(length=30), nullable=True),
    sa.Column('disability', sa.String(length=30), nullable=True),
    sa.Column('disability_impact', sa.String(length=30), nullable=True),
    sa.Column('postcode_district', sa.String(length=4), nullable=True),
    sa.ForeignKeyConstraint(['subject_id'], ['equality_links.subject_id'], name=op.f('fk_equality_responses_subject_id_equality_links'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('subject_id', name=op.f('pk_equality_responses'))
    )


def downgrade():
    op.drop_table('equality_responses')
    op.drop_table('equality_links')
