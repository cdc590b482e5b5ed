"""Initial schema: campaigns, posts, deliveries (post x channel) and the outreach log.

Times are naive UTC (see posts.models.UTCDateTime).

Revision ID: 0001
Revises:
Create Date: 2026-11-26
"""
from alembic import op
import sqlalchemy as sa


revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('campaigns',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('slug', sa.String(length=100), nullable=False),
    sa.Column('name', sa.String(length=500), nullable=False),
    sa.Column('theme', sa.String(length=500), nullable=True),
    sa.Column('start_date', sa.Date(), nullable=False),
    sa.Column('end_date', sa.Date(), nullable=False),
    sa.Column('timezone', sa.String(length=64), nullable=False),
    sa.Column('plan_ref', sa.String(length=500), nullable=True),
    sa.Column('channels', sa.JSON(), nullable=False),
    sa.Column('hashtags', sa.JSON(), nullable=False),
    sa.Column('banner_theme', sa.String(length=100), nullable=True),
    sa.Column('source_file', sa.String(length=1000), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_campaigns')),
    sa.UniqueConstraint('slug', name=op.f('uq_campaigns_slug'))
    )
    op.create_table('posts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('campaign_id', sa.Integer(), nullable=False),
    sa.Column('seq', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=1000), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('template', sa.String(length=200), nullable=True),
    sa.Column('banner', sa.JSON(), nullable=True),
    sa.Column('publish_at', sa.DateTime(), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('revision', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['campaign_id'], ['campaigns.id'], name=op.f('fk_posts_campaign_id_campaigns'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_posts'))
    )
    with op.batch_alter_table('posts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_posts_campaign_id_publish_at'), ['campaign_id', 'publish_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_posts_publish_at'), ['publish_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_posts_status_publish_at'), ['status', 'publish_at'], unique=False)

    op.create_table('deliveries',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('post_id', sa.Integer(), nullable=False),
    sa.Column('channel', sa.String(length=100), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('due_at', sa.DateTime(), nullable=False),
    sa.Column('available_at', sa.DateTime(), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('lease_owner', sa.String(length=200), nullable=True),
    sa.Column('lease_expires_at', sa.DateTime(), nullable=True),
    sa.Column('remote_id', sa.String(length=200), nullable=True),
    sa.Column('permalink', sa.String(length=2000), nullable=True),
    sa.Column('last_error', sa.Text(), nullable=True),
    sa.Column('published_at', sa.DateTime(), nullable=True),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['post_id'], ['posts.id'], name=op.f('fk_deliveries_post_id_posts'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_deliveries')),
    sa.UniqueConstraint('post_id', 'channel', name=op.f('uq_deliveries_post_id_channel'))
    )
    with op.batch_alter_table('deliveries', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_deliveries_channel_status'), ['channel', 'status'], unique=False)
        batch_op.create_index(batch_op.f('ix_deliveries_status_available_at'), ['status', 'available_at'], unique=False)

    op.create_table('outreach_entries',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('at', sa.DateTime(), nullable=False),
    sa.Column('kind', sa.String(length=40), nullable=False),
    sa.Column('campaign_id', sa.Integer(), nullable=True),
    sa.Column('post_id', sa.Integer(), nullable=True),
    sa.Column('delivery_id', sa.Integer(), nullable=True),
    sa.Column('channel', sa.String(length=100), nullable=True),
    sa.Column('title', sa.String(length=1000), nullable=True),
    sa.Column('count', sa.Integer(), nullable=True),
    sa.Column('place', sa.String(length=500), nullable=True),
    sa.Column('detail', sa.JSON(), nullable=True),
    sa.ForeignKeyConstraint(['campaign_id'], ['campaigns.id'], name=op.f('fk_outreach_entries_campaign_id_campaigns')),
    sa.ForeignKeyConstraint(['delivery_id'], ['deliveries.id'], name=op.f('fk_outreach_entries_delivery_id_deliveries')),
    sa.ForeignKeyConstraint(['post_id'], ['posts.id'], name=op.f('fk_outreach_entries_post_id_posts')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_outreach_entries'))
    )
    with op.batch_alter_table('outreach_entries', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_outreach_entries_campaign_id_at'), ['campaign_id', 'at'], unique=False)
        batch_op.create_index(batch_op.f('ix_outreach_entries_kind_at'), ['kind', 'at'], unique=False)
        batch_op.create_index(batch_op.f('ix_outreach_entries_post_id'), ['post_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('outreach_entries', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_outreach_entries_post_id'))
        batch_op.drop_index(batch_op.f('ix_outreach_entries_kind_at'))
        batch_op.drop_index(batch_op.f('ix_outreach_entries_campaign_id_at'))

    op.drop_table('outreach_entries')
    with op.batch_alter_table('deliveries', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_deliveries_status_available_at'))
        batch_op.drop_index(batch_op.f('ix_deliveries_channel_status'))

    op.drop_table('deliveries')
    with op.batch_alter_table('posts', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_posts_status_publish_at'))
        batch_op.drop_index(batch_op.f('ix_posts_publish_at'))
        batch_op.drop_index(batch_op.f('ix_posts_campaign_id_publish_at'))

    op.drop_table('posts')
    op.drop_table('campaigns')
