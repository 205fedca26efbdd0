"""Partner organisations: the groups the partnership works with and their
contacts, linked from events (co-hosts), forum memberships and nominations

The organisation a forum member typed stays as they wrote it; the new
partner_id is filled by coordinators (or by an exact match when they apply):
there are no partners yet for existing text to match. A partner anything
links to cannot be deleted (RESTRICT).

Revision ID: 0035_partner_organisations
Revises: 0034_translated_content
Create Date: 2026-12-05 12:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0035_partner_organisations'
down_revision = '0034_translated_content'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('partner_organisations',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=150), nullable=False),
    sa.Column('name_key', sa.String(length=150), nullable=False),
    sa.Column('kind', sa.Enum('faith_group', 'school', 'voluntary_group', 'public_body', 'business', 'other', name='partner_kind'), nullable=False),
    sa.Column('area', sa.String(length=150), nullable=False),
    sa.Column('website', sa.String(length=300), nullable=False),
    sa.Column('notes', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("name_key <> ''", name=op.f('ck_partner_organisations_name_given')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_partner_organisations')),
    sa.UniqueConstraint('name_key', name=op.f('uq_partner_organisations_name_key'))
    )
    op.create_table('partner_contacts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('partner_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('role', sa.String(length=150), nullable=False),
    sa.Column('email', sa.String(length=254), nullable=False),
    sa.Column('phone', sa.String(length=30), nullable=False),
    sa.Column('may_contact', sa.Boolean(), nullable=False),
    sa.Column('consent_recorded_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('NOT may_contact OR consent_recorded_at IS NOT NULL', name=op.f('ck_partner_contacts_consent_dated')),
    sa.ForeignKeyConstraint(['partner_id'], ['partner_organisations.id'], name=op.f('fk_partner_contacts_partner_id_partner_organisations'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_partner_contacts'))
    )
    with op.batch_alter_table('partner_contacts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_partner_contacts_email'), ['email'], unique=False)
        batch_op.create_index(batch_op.f('ix_partner_contacts_partner_id'), ['partner_id'], unique=False)

    op.create_table('event_co_hosts',
    sa.Column('event_id', sa.Integer(), nullable=False),
    sa.Column('partner_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['event_id'], ['events.id'], name=op.f('fk_event_co_hosts_event_id_events'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['partner_id'], ['partner_organisations.id'], name=op.f('fk_event_co_hosts_partner_id_partner_organisations'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('event_id', 'partner_id', name=op.f('pk_event_co_hosts'))
    )
    with op.batch_alter_table('event_co_hosts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_event_co_hosts_partner_id'), ['partner_id'], unique=False)

    with op.batch_alter_table('award_nominations', schema=None) as batch_op:
        batch_op.add_column(sa.Column('partner_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_award_nominations_partner_id'), ['partner_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_award_nominations_partner_id_partner_organisations'), 'partner_organisations', ['partner_id'], ['id'], ondelete='RESTRICT')

    with op.batch_alter_table('forum_memberships', schema=None) as batch_op:
        batch_op.add_column(sa.Column('partner_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_forum_memberships_partner_id'), ['partner_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_forum_memberships_partner_id_partner_organisations'), 'partner_organisations', ['partner_id'], ['id'], ondelete='RESTRICT')



def downgrade():
    with op.batch_alter_table('forum_memberships', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_forum_memberships_partner_id_partner_organisations'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_forum_memberships_partner_id'))
        batch_op.drop_column('partner_id')

    with op.batch_alter_table('award_nominations', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_award_nominations_partner_id_partner_organisations'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_award_nominations_partner_id'))
        batch_op.drop_column('partner_id')

    with op.batch_alter_table('event_co_hosts', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_event_co_hosts_partner_id'))

    op.drop_table('event_co_hosts')
    with op.batch_alter_table('partner_contacts', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_partner_contacts_partner_id'))
        batch_op.drop_index(batch_op.f('ix_partner_contacts_email'))

    op.drop_table('partner_contacts')
    op.drop_table('partner_organisations')
    sa.Enum(name='partner_kind').drop(op.get_bind(), checkfirst=True)
