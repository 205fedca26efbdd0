"""Translated content: an event's title, summary and description, a forum's
purpose and public text, and an award category's name, description and
eligibility in the site's other languages (core/content_languages.py)

One row per object and language, deleted with its object.

Revision ID: 0034_translated_content
Revises: 0033_access_requests
Create Date: 2026-12-05 10:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0034_translated_content'
down_revision = '0033_access_requests'
branch_labels = None
depends_on = None


def _versions_of(table: str, owner_column: str, owner_table: str, *columns: sa.Column) -> None:
    op.create_table(
        table,
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column(owner_column, sa.Integer(), nullable=False),
        *columns,
        sa.Column('language', sa.String(length=8), nullable=False),
        sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("language <> 'en'", name=op.f(f'ck_{table}_not_english')),
        sa.ForeignKeyConstraint([owner_column], [f'{owner_table}.id'],
                                name=op.f(f'fk_{table}_{owner_column}_{owner_table}'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f(f'pk_{table}')),
        sa.UniqueConstraint(owner_column, 'language', name=op.f(f'uq_{table}_{owner_column.removesuffix("_id")}_language')),
    )


def upgrade():
    _versions_of('event_translations', 'event_id', 'events',
                 sa.Column('title', sa.String(length=150), nullable=False),
                 sa.Column('summary', sa.String(length=300), nullable=False),
                 sa.Column('description', sa.Text(), nullable=False))
    _versions_of('forum_translations', 'forum_id', 'forums',
                 sa.Column('purpose', sa.String(length=300), nullable=False),
                 sa.Column('public_text', sa.Text(), nullable=False))
    _versions_of('award_category_translations', 'category_id', 'award_categories',
                 sa.Column('name', sa.String(length=150), nullable=False),
                 sa.Column('description', sa.Text(), nullable=False),
                 sa.Column('eligibility', sa.Text(), nullable=False))


def downgrade():
    op.drop_table('award_category_translations')
    op.drop_table('forum_translations')
    op.drop_table('event_translations')
