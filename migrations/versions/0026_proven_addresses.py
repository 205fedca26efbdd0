"""Proven addresses: every email address an account has confirmed, kept after it moves on

Revision ID: 0026_proven_addresses
Revises: 0025_email_ownership
Create Date: 2026-12-02 07:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0026_proven_addresses'
down_revision = '0025_email_ownership'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('proven_addresses',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('email', sa.String(length=254), nullable=False),
    sa.Column('proven_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_proven_addresses_user_id_users'),
                            ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_proven_addresses')),
    sa.UniqueConstraint('user_id', 'email', name='uq_proven_addresses_user_email')
    )
    with op.batch_alter_table('proven_addresses', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_proven_addresses_email'), ['email'], unique=False)
    # Every confirmed account has proven the address it has now.
    op.execute("INSERT INTO proven_addresses (user_id, email, proven_at) "
               "SELECT id, email, email_confirmed_at FROM users WHERE email_confirmed_at IS NOT NULL")


def downgrade():
    with op.batch_alter_table('proven_addresses', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_proven_addresses_email'))
    op.drop_table('proven_addresses')
