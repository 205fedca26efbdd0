"""Spreadsheet imports: an uploaded file kept between its steps, the column
matches each person made (remembered by the file's headings), a job's
progress in steps (rows), a forum invitation holding a person's imported
details until they accept it, and a registration marked as imported (never
messaged or surveyed)

Revision ID: 0036_spreadsheet_imports
Revises: 0035_partner_organisations
Create Date: 2026-12-04 21:00:00.000000

"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql


# revision identifiers, used by Alembic.
revision = '0036_spreadsheet_imports'
down_revision = '0035_partner_organisations'
branch_labels = None
depends_on = None

IMPORT_STATUS = sa.Enum('uploaded', 'mapped', 'importing', 'done', 'failed', name='import_status')
ROLES = ('chair', 'vice_chair', 'secretary', 'treasurer', 'member', 'faith_representative', 'observer',
         'youth_representative')
FAITHS = ('no_religion', 'bahai', 'buddhist', 'christian', 'hindu', 'jain', 'jewish', 'muslim', 'pagan', 'sikh',
          'zoroastrian', 'other')


def _existing_enum(name, values):
    """A type forums' tables already made: on PostgreSQL it is used, not made again."""
    if op.get_context().dialect.name == 'postgresql':
        return postgresql.ENUM(*values, name=name, create_type=False)
    return sa.Enum(*values, name=name)


def upgrade():
    with op.batch_alter_table('background_jobs', schema=None) as batch_op:
        batch_op.add_column(sa.Column('steps_total', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('steps_done', sa.Integer(), server_default='0', nullable=False))

    op.create_table(
        'spreadsheet_imports',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=40), nullable=False),
        sa.Column('scope_id', sa.Integer(), nullable=False),
        sa.Column('owner_id', sa.Integer(), nullable=False),
        sa.Column('file_name', sa.String(length=200), nullable=False),
        sa.Column('content', sa.LargeBinary(), nullable=True),
        sa.Column('headers', sa.JSON(), nullable=False),
        sa.Column('rows_total', sa.Integer(), nullable=False),
        sa.Column('mapping', sa.JSON(), nullable=True),
        sa.Column('status', IMPORT_STATUS, nullable=False),
        sa.Column('email_people', sa.Boolean(), nullable=False),
        sa.Column('imported', sa.Integer(), nullable=False),
        sa.Column('skipped', sa.Integer(), nullable=False),
        sa.Column('refused', sa.Integer(), nullable=False),
        sa.Column('refused_file', sa.LargeBinary(), nullable=True),
        sa.Column('error', sa.Text(), nullable=True),
        sa.Column('job_id', sa.Integer(), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint('imported >= 0 AND skipped >= 0 AND refused >= 0',
                           name=op.f('ck_spreadsheet_imports_counts_not_negative')),
        sa.CheckConstraint("status NOT IN ('done', 'failed') OR finished_at IS NOT NULL",
                           name=op.f('ck_spreadsheet_imports_finished_when_ended')),
        sa.ForeignKeyConstraint(['owner_id'], ['users.id'], name=op.f('fk_spreadsheet_imports_owner_id_users'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['job_id'], ['background_jobs.id'],
                                name=op.f('fk_spreadsheet_imports_job_id_background_jobs'), ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_spreadsheet_imports')),
    )
    with op.batch_alter_table('spreadsheet_imports', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_spreadsheet_imports_owner_id'), ['owner_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_spreadsheet_imports_created_at'), ['created_at'], unique=False)
        batch_op.create_index('ix_spreadsheet_imports_scope', ['kind', 'scope_id'], unique=False)

    op.create_table(
        'import_mappings',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=40), nullable=False),
        sa.Column('owner_id', sa.Integer(), nullable=False),
        sa.Column('headers_key', sa.String(length=64), nullable=False),
        sa.Column('mapping', sa.JSON(), nullable=False),
        sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['owner_id'], ['users.id'], name=op.f('fk_import_mappings_owner_id_users'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_import_mappings')),
        sa.UniqueConstraint('kind', 'owner_id', 'headers_key', name='uq_import_mappings_kind_owner_headers'),
    )

    with op.batch_alter_table('forum_invitations', schema=None) as batch_op:
        batch_op.add_column(sa.Column('imported', sa.Boolean(), server_default=sa.false(), nullable=False))
        batch_op.add_column(sa.Column('name', sa.String(length=100), server_default='', nullable=False))
        batch_op.add_column(sa.Column('role', _existing_enum('membership_role', ROLES), nullable=True))
        batch_op.add_column(sa.Column('faith', _existing_enum('faith', FAITHS), nullable=True))
        batch_op.add_column(sa.Column('organisation', sa.String(length=150), server_default='', nullable=False))
        batch_op.add_column(sa.Column('date_of_birth', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('parent_name', sa.String(length=100), server_default='', nullable=False))
        batch_op.add_column(sa.Column('parent_email', sa.String(length=254), server_default='', nullable=False))
        batch_op.add_column(sa.Column('joined_on', sa.Date(), nullable=True))
    with op.batch_alter_table('registrations', schema=None) as batch_op:
        batch_op.add_column(sa.Column('imported', sa.Boolean(), server_default=sa.false(), nullable=False))


def downgrade():
    with op.batch_alter_table('registrations', schema=None) as batch_op:
        batch_op.drop_column('imported')
    with op.batch_alter_table('forum_invitations', schema=None) as batch_op:
        for column in ('joined_on', 'parent_email', 'parent_name', 'date_of_birth', 'organisation', 'faith', 'role',
                       'name', 'imported'):
            batch_op.drop_column(column)
    op.drop_table('import_mappings')
    with op.batch_alter_table('spreadsheet_imports', schema=None) as batch_op:
        batch_op.drop_index('ix_spreadsheet_imports_scope')
        batch_op.drop_index(batch_op.f('ix_spreadsheet_imports_created_at'))
        batch_op.drop_index(batch_op.f('ix_spreadsheet_imports_owner_id'))
    op.drop_table('spreadsheet_imports')
    IMPORT_STATUS.drop(op.get_bind(), checkfirst=True)
    with op.batch_alter_table('background_jobs', schema=None) as batch_op:
        batch_op.drop_column('steps_done')
        batch_op.drop_column('steps_total')
