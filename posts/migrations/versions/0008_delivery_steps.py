"""Steps of a delivery that goes out in several sends (an e-mail list in batches): each recorded before and after
its send, so a resumed delivery never repeats a finished step.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-02
"""
from alembic import op
import sqlalchemy as sa


revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'delivery_steps',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('delivery_id', sa.Integer(), nullable=False),
        sa.Column('step', sa.String(length=100), nullable=False),
        sa.Column('status', sa.String(length=20), nullable=False),
        sa.Column('detail', sa.JSON(), nullable=True),
        sa.Column('updated_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['delivery_id'], ['deliveries.id'], name=op.f('fk_delivery_steps_delivery_id_deliveries'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_delivery_steps')),
        sa.UniqueConstraint('delivery_id', 'step', name=op.f('uq_delivery_steps_delivery_id_step')),
    )
    with op.batch_alter_table('delivery_steps', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_delivery_steps_delivery_id'), ['delivery_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('delivery_steps', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_delivery_steps_delivery_id'))
    op.drop_table('delivery_steps')
