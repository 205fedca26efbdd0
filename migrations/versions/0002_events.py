"""Events, venues, cohesion priorities, registrations and attendance

Revision ID: 0002_events
Revises: 0001_accounts
Create Date: 2026-11-23 11:20:42.502159

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0002_events'
down_revision = '0001_accounts'
branch_labels = None
depends_on = None


def upgrade():
    priorities = op.create_table('cohesion_priorities',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('slug', sa.String(length=100), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_cohesion_priorities')),
    sa.UniqueConstraint('name', name=op.f('uq_cohesion_priorities_name')),
    sa.UniqueConstraint('slug', name=op.f('uq_cohesion_priorities_slug'))
    )
    # The eight priorities of the county cohesion strategy; admins can edit them.
    op.bulk_insert(priorities, [
        {'name': name, 'slug': slug, 'position': n}
        for n, (name, slug) in enumerate([
            ('Leadership and engagement', 'leadership-and-engagement'),
            ('Developing shared values', 'developing-shared-values'),
            ('Preventing problems of tomorrow', 'preventing-problems-of-tomorrow'),
            ('Good information', 'good-information'),
            ('Tackling inequalities', 'tackling-inequalities'),
            ('Involving young people', 'involving-young-people'),
            ('Inter-faith work', 'inter-faith-work'),
            ('Partnership working', 'partnership-working'),
        ], start=1)
    ])
    op.create_table('venues',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=150), nullable=False),
    sa.Column('address', sa.String(length=500), nullable=False),
    sa.Column('postcode', sa.String(length=10), nullable=False),
    sa.Column('directions', sa.Text(), nullable=False),
    sa.Column('step_free', sa.Boolean(), nullable=False),
    sa.Column('hearing_loop', sa.Boolean(), nullable=False),
    sa.Column('accessible_toilet', sa.Boolean(), nullable=False),
    sa.Column('parking', sa.Boolean(), nullable=False),
    sa.Column('quiet_room', sa.Boolean(), nullable=False),
    sa.Column('baby_changing', sa.Boolean(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_venues'))
    )
    op.create_table('events',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=150), nullable=False),
    sa.Column('summary', sa.String(length=300), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('kind', sa.Enum('standing_conference', 'forum_meeting', 'workshop', 'community_event', 'awards_ceremony', 'other', name='event_kind'), nullable=False),
    sa.Column('status', sa.Enum('draft', 'published', 'postponed', 'cancelled', name='event_status'), nullable=False),
    sa.Column('audience', sa.Enum('public', 'members', 'invitation', 'forum_members', name='event_audience'), nullable=False),
    sa.Column('starts_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('ends_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('venue_id', sa.Integer(), nullable=True),
    sa.Column('online_url', sa.String(length=500), nullable=True),
    sa.Column('contact_email', sa.String(length=254), nullable=False),
    sa.Column('capacity', sa.Integer(), nullable=True),
    sa.Column('max_tickets', sa.Integer(), nullable=False),
    sa.Column('registration_closes_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('allow_guests', sa.Boolean(), nullable=False),
    sa.Column('instant_guest_places', sa.Boolean(), nullable=False),
    sa.Column('offer_hours', sa.Integer(), nullable=False),
    sa.Column('sequence', sa.Integer(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('capacity IS NULL OR capacity >= 0', name=op.f('ck_events_capacity_not_negative')),
    sa.CheckConstraint('ends_at > starts_at', name=op.f('ck_events_ends_after_start')),
    sa.CheckConstraint('max_tickets >= 1', name=op.f('ck_events_max_tickets_positive')),
    sa.CheckConstraint('venue_id IS NOT NULL OR online_url IS NOT NULL', name=op.f('ck_events_has_a_place')),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_events_created_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['venue_id'], ['venues.id'], name=op.f('fk_events_venue_id_venues'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_events'))
    )
    with op.batch_alter_table('events', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_events_starts_at'), ['starts_at'], unique=False)
        batch_op.create_index('ix_events_status_starts_at', ['status', 'starts_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_events_venue_id'), ['venue_id'], unique=False)

    op.create_table('event_organisers',
    sa.Column('event_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['event_id'], ['events.id'], name=op.f('fk_event_organisers_event_id_events'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_event_organisers_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('event_id', 'user_id', name=op.f('pk_event_organisers'))
    )
    op.create_table('event_priorities',
    sa.Column('event_id', sa.Integer(), nullable=False),
    sa.Column('priority_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['event_id'], ['events.id'], name=op.f('fk_event_priorities_event_id_events'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['priority_id'], ['cohesion_priorities.id'], name=op.f('fk_event_priorities_priority_id_cohesion_priorities'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('event_id', 'priority_id', name=op.f('pk_event_priorities'))
    )
    op.create_table('registrations',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('event_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('person_key', sa.String(length=260), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('email', sa.String(length=254), nullable=False),
    sa.Column('status', sa.Enum('pending', 'confirmed', 'waitlisted', 'offered', 'cancelled', name='registration_status'), nullable=False),
    sa.Column('tickets', sa.Integer(), nullable=False),
    sa.Column('access_needs', sa.Text(), nullable=False),
    sa.Column('dietary_needs', sa.Text(), nullable=False),
    sa.Column('contact_consent', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('confirmed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('waitlisted_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('offer_expires_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('cancelled_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint('tickets >= 1', name=op.f('ck_registrations_tickets_positive')),
    sa.ForeignKeyConstraint(['event_id'], ['events.id'], name=op.f('fk_registrations_event_id_events'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_registrations_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_registrations')),
    sa.UniqueConstraint('event_id', 'person_key', name='uq_registrations_event_person')
    )
    with op.batch_alter_table('registrations', schema=None) as batch_op:
        batch_op.create_index('ix_registrations_event_status', ['event_id', 'status'], unique=False)
        batch_op.create_index(batch_op.f('ix_registrations_user_id'), ['user_id'], unique=False)

    op.create_table('attendances',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('event_id', sa.Integer(), nullable=False),
    sa.Column('registration_id', sa.Integer(), nullable=True),
    sa.Column('walk_in_name', sa.String(length=100), nullable=True),
    sa.Column('people', sa.Integer(), nullable=False),
    sa.Column('checked_in_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('checked_in_by_id', sa.Integer(), nullable=True),
    sa.CheckConstraint('people >= 1', name=op.f('ck_attendances_people_positive')),
    sa.CheckConstraint('registration_id IS NOT NULL OR walk_in_name IS NOT NULL', name=op.f('ck_attendances_walk_in_named')),
    sa.ForeignKeyConstraint(['checked_in_by_id'], ['users.id'], name=op.f('fk_attendances_checked_in_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['event_id'], ['events.id'], name=op.f('fk_attendances_event_id_events'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['registration_id'], ['registrations.id'], name=op.f('fk_attendances_registration_id_registrations'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_attendances')),
    sa.UniqueConstraint('registration_id', name=op.f('uq_attendances_registration_id'))
    )
    with op.batch_alter_table('attendances', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_attendances_event_id'), ['event_id'], unique=False)



def downgrade():
    with op.batch_alter_table('attendances', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_attendances_event_id'))

    op.drop_table('attendances')
    with op.batch_alter_table('registrations', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_registrations_user_id'))
        batch_op.drop_index('ix_registrations_event_status')

    op.drop_table('registrations')
    op.drop_table('event_priorities')
    op.drop_table('event_organisers')
    with op.batch_alter_table('events', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_events_venue_id'))
        batch_op.drop_index('ix_events_status_starts_at')
        batch_op.drop_index(batch_op.f('ix_events_starts_at'))

    op.drop_table('events')
    op.drop_table('venues')
    op.drop_table('cohesion_priorities')
    bind = op.get_bind()
    for enum_name in ('registration_status', 'event_audience', 'event_status', 'event_kind'):
        sa.Enum(name=enum_name).drop(bind, checkfirst=True)
