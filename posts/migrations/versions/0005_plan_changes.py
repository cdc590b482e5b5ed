"""Changing the plan safely: what the file said at the last import, stable keys, photos, archived and cancelled
campaigns, and corrections and take-downs as deliveries (``deliveries.action``).

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-02
"""
from alembic import op
import sqlalchemy as sa


revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('campaigns', schema=None) as batch_op:
        batch_op.add_column(sa.Column('archived_at', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('cancelled_at', sa.DateTime(), nullable=True))

    with op.batch_alter_table('posts', schema=None) as batch_op:
        batch_op.add_column(sa.Column('key', sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column('imported', sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column('images', sa.JSON(), nullable=True))

    with op.batch_alter_table('deliveries', schema=None) as batch_op:
        batch_op.add_column(sa.Column('action', sa.String(length=10), server_default='publish', nullable=False))
        batch_op.drop_constraint('uq_deliveries_post_id_channel', type_='unique')
        batch_op.create_unique_constraint(batch_op.f('uq_deliveries_post_id_channel_action'),
                                          ['post_id', 'channel', 'action'])


def downgrade() -> None:
    with op.batch_alter_table('deliveries', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_deliveries_post_id_channel_action'), type_='unique')
        batch_op.execute("DELETE FROM deliveries WHERE action <> 'publish'")
        batch_op.create_unique_constraint('uq_deliveries_post_id_channel', ['post_id', 'channel'])
        batch_op.drop_column('action')

    with op.batch_alter_table('posts', schema=None) as batch_op:
        batch_op.drop_column('images')
        batch_op.drop_column('imported')
        batch_op.drop_column('key')

    with op.batch_alter_table('campaigns', schema=None) as batch_op:
        batch_op.drop_column('cancelled_at')
        batch_op.drop_column('archived_at')
