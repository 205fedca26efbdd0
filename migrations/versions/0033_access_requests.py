"""Access requests: what a registration asks for to take part (interpreters, a hearing loop...)

Chosen from a list at registration, so organisers can count them and book
interpreters in time; an interpreter for a spoken language names the
language, one row per language. Free-text access needs stay where they were.

Revision ID: 0033_access_requests
Revises: 0032_languages
Create Date: 2026-12-05 10:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0033_access_requests'
down_revision = '0032_languages'
branch_labels = None
depends_on = None

KINDS = ('bsl_interpreter', 'spoken_language_interpreter', 'hearing_loop', 'large_print', 'step_free',
         'quiet_space', 'companion')


def upgrade():
    op.create_table('registration_access_requests',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('registration_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.Enum(*KINDS, name='access_request_kind'), nullable=False),
    sa.Column('detail', sa.String(length=60), server_default='', nullable=False),
    sa.CheckConstraint("(kind = 'spoken_language_interpreter') = (detail <> '')",
                       name=op.f('ck_registration_access_requests_language_only_for_interpreter')),
    sa.ForeignKeyConstraint(['registration_id'], ['registrations.id'],
                            name=op.f('fk_registration_access_requests_registration_id_registrations'),
                            ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_registration_access_requests')),
    sa.UniqueConstraint('registration_id', 'kind', 'detail', name='uq_registration_access_requests_request')
    )
    with op.batch_alter_table('registration_access_requests', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_registration_access_requests_registration_id'), ['registration_id'],
                              unique=False)


def downgrade():
    with op.batch_alter_table('registration_access_requests', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_registration_access_requests_registration_id'))
    op.drop_table('registration_access_requests')
    sa.Enum(name='access_request_kind').drop(op.get_bind(), checkfirst=True)
