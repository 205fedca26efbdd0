"""Venue positions: latitude and longitude for calendar GEO

Revision ID: 0012_venue_positions
Revises: 0011_calendar_links
Create Date: 2026-11-23 14:38:18.042741

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0012_venue_positions'
down_revision = '0011_calendar_links'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('venues', schema=None) as batch_op:
        batch_op.add_column(sa.Column('latitude', sa.Float(), nullable=True))
        batch_op.add_column(sa.Column('longitude', sa.Float(), nullable=True))
        batch_op.create_check_constraint(op.f('ck_venues_latitude_range'), 'latitude BETWEEN -90 AND 90')
        batch_op.create_check_constraint(op.f('ck_venues_longitude_range'), 'longitude BETWEEN -180 AND 180')
        batch_op.create_check_constraint(op.f('ck_venues_position_whole'),
                                         '(latitude IS NULL) = (longitude IS NULL)')


def downgrade():
    with op.batch_alter_table('venues', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_venues_position_whole'), type_='check')
        batch_op.drop_constraint(op.f('ck_venues_longitude_range'), type_='check')
        batch_op.drop_constraint(op.f('ck_venues_latitude_range'), type_='check')
        batch_op.drop_column('longitude')
        batch_op.drop_column('latitude')

