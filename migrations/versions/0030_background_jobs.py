"""Background jobs: long work people watch, and the outbox's Reply-To

Emails in a batch (bulk invitations, announcements) belong to a job whose
page shows how many have gone; a job that draws a large report keeps its
file for its owner; emails that invite a reply carry the organiser's or
coordinator's address.

Revision ID: 0030_background_jobs
Revises: 0029_equality_monitor_role
Create Date: 2026-12-03 16:45:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0030_background_jobs'
down_revision = '0029_equality_monitor_role'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'background_jobs',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('owner_id', sa.Integer(), nullable=False),
        sa.Column('title', sa.String(length=200), nullable=False),
        sa.Column('back_url', sa.String(length=500), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('makes_file', sa.Boolean(), nullable=False),
        sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('error', sa.Text(), nullable=True),
        sa.Column('file_name', sa.String(length=200), nullable=True),
        sa.Column('file_type', sa.String(length=100), nullable=True),
        sa.Column('file', sa.LargeBinary(), nullable=True),
        sa.Column('file_check', sa.JSON(), nullable=True),
        sa.ForeignKeyConstraint(['owner_id'], ['users.id'], name=op.f('fk_background_jobs_owner_id_users'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_background_jobs')),
    )
    with op.batch_alter_table('background_jobs', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_background_jobs_owner_id'), ['owner_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_background_jobs_created_at'), ['created_at'], unique=False)
    with op.batch_alter_table('outbox_messages', schema=None) as batch_op:
        batch_op.add_column(sa.Column('reply_to', sa.String(length=254), nullable=True))
        batch_op.add_column(sa.Column('job_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('about_user_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_outbox_messages_job_id'), ['job_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_outbox_messages_job_id_background_jobs'), 'background_jobs',
                                    ['job_id'], ['id'], ondelete='SET NULL')
        batch_op.create_foreign_key(batch_op.f('fk_outbox_messages_about_user_id_users'), 'users',
                                    ['about_user_id'], ['id'], ondelete='SET NULL')
    with op.batch_alter_table('forum_announcements', schema=None) as batch_op:
        batch_op.add_column(sa.Column('job_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_forum_announcements_job_id_background_jobs'), 'background_jobs',
                                    ['job_id'], ['id'], ondelete='SET NULL')


def downgrade():
    with op.batch_alter_table('forum_announcements', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_forum_announcements_job_id_background_jobs'), type_='foreignkey')
        batch_op.drop_column('job_id')
    with op.batch_alter_table('outbox_messages', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_outbox_messages_about_user_id_users'), type_='foreignkey')
        batch_op.drop_constraint(batch_op.f('fk_outbox_messages_job_id_background_jobs'), type_='foreignkey')
        batch_op.drop_column('about_user_id')
        batch_op.drop_index(batch_op.f('ix_outbox_messages_job_id'))
        batch_op.drop_column('job_id')
        batch_op.drop_column('reply_to')
    with op.batch_alter_table('background_jobs', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_background_jobs_created_at'))
        batch_op.drop_index(batch_op.f('ix_background_jobs_owner_id'))
    op.drop_table('background_jobs')
