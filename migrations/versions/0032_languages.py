"""Languages: the one a person chose for their account, and the one a guest registered or nominated in

Emails are written in the recipient's language (core/i18n.py).

Revision ID: 0032_languages
Revises: 0031_forum_contact_email
Create Date: 2026-12-04 18:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0032_languages'
down_revision = '0031_forum_contact_email'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('language', sa.String(length=8), nullable=True))
    with op.batch_alter_table('registrations', schema=None) as batch_op:
        batch_op.add_column(sa.Column('language', sa.String(length=8), nullable=True))
    with op.batch_alter_table('award_nominations', schema=None) as batch_op:
        batch_op.add_column(sa.Column('nominator_language', sa.String(length=8), nullable=True))


def downgrade():
    with op.batch_alter_table('award_nominations', schema=None) as batch_op:
        batch_op.drop_column('nominator_language')
    with op.batch_alter_table('registrations', schema=None) as batch_op:
        batch_op.drop_column('language')
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('language')
