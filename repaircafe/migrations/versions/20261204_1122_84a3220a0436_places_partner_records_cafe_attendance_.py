"""Places (postcode, municipality code), partner records (country, own category), café attendance,
photos and "still working?" follow-ups.

Revision ID: 84a3220a0436
Revises: 5c1f0a7e2b9d
Create Date: 2026-12-04 11:22:36.405374
"""
from alembic import op
import sqlalchemy as sa
import sqlmodel.sql.sqltypes
import repaircafe.models.base


revision = '84a3220a0436'
down_revision = '5c1f0a7e2b9d'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('follow_up',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('item_id', sa.Integer(), nullable=False),
    sa.Column('owner_id', sa.Integer(), nullable=True),
    sa.Column('handover_event_id', sa.Integer(), nullable=False),
    sa.Column('months', sa.Integer(), nullable=False),
    sa.Column('due_on', sa.Date(), nullable=False),
    sa.Column('status', sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
    sa.Column('claimed_at', repaircafe.models.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('sent_at', repaircafe.models.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('answered_at', repaircafe.models.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('answer_event_id', sa.Integer(), nullable=True),
    sa.Column('created_at', repaircafe.models.base.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['answer_event_id'], ['lifecycle_event.id'], ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['handover_event_id'], ['lifecycle_event.id'], ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['item_id'], ['item.id'], ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['owner_id'], ['owner.id'], ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('handover_event_id', 'months')
    )
    with op.batch_alter_table('follow_up', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_follow_up_due_on'), ['due_on'], unique=False)
        batch_op.create_index(batch_op.f('ix_follow_up_item_id'), ['item_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_follow_up_status'), ['status'], unique=False)

    op.create_table('photo',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('item_id', sa.Integer(), nullable=False),
    sa.Column('group_id', sa.Integer(), nullable=False),
    sa.Column('event_id', sa.Integer(), nullable=True),
    sa.Column('filename', sqlmodel.sql.sqltypes.AutoString(length=80), nullable=False),
    sa.Column('content_type', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
    sa.Column('width', sa.Integer(), nullable=False),
    sa.Column('height', sa.Integer(), nullable=False),
    sa.Column('size_bytes', sa.Integer(), nullable=False),
    sa.Column('caption', sqlmodel.sql.sqltypes.AutoString(length=300), nullable=False),
    sa.Column('is_public', sa.Boolean(), nullable=False),
    sa.Column('uploaded_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', repaircafe.models.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('removed_at', repaircafe.models.base.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['event_id'], ['lifecycle_event.id'], ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['group_id'], ['repair_group.id'], ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['item_id'], ['item.id'], ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['uploaded_by_id'], ['user_account.id'], ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('filename')
    )
    with op.batch_alter_table('photo', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_photo_event_id'), ['event_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_photo_group_id'), ['group_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_photo_item_id'), ['item_id'], unique=False)

    with op.batch_alter_table('item', schema=None) as batch_op:
        batch_op.add_column(sa.Column('country', sqlmodel.sql.sqltypes.AutoString(length=3), nullable=True))
        batch_op.add_column(sa.Column('partner_category', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True))

    with op.batch_alter_table('owner', schema=None) as batch_op:
        batch_op.add_column(sa.Column('follow_up_consent', sa.Boolean(), nullable=False, server_default=sa.false()))
        batch_op.add_column(sa.Column('follow_ups_stopped_at', repaircafe.models.base.UTCDateTime(timezone=True), nullable=True))

    with op.batch_alter_table('repair_session', schema=None) as batch_op:
        batch_op.add_column(sa.Column('opens_at', sa.Time(), nullable=True))
        batch_op.add_column(sa.Column('closes_at', sa.Time(), nullable=True))
        batch_op.add_column(sa.Column('visitors', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('volunteers', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('volunteer_hours', sa.Float(), nullable=True))
        batch_op.add_column(sa.Column('notes', sqlmodel.sql.sqltypes.AutoString(length=2000), nullable=False, server_default=''))

    with op.batch_alter_table('site', schema=None) as batch_op:
        batch_op.add_column(sa.Column('postcode', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('municipality_code', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False, server_default=''))
        batch_op.create_index(batch_op.f('ix_site_municipality_code'), ['municipality_code'], unique=False)
        batch_op.create_index(batch_op.f('ix_site_postcode'), ['postcode'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('site', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_site_postcode'))
        batch_op.drop_index(batch_op.f('ix_site_municipality_code'))
        batch_op.drop_column('municipality_code')
        batch_op.drop_column('postcode')

    with op.batch_alter_table('repair_session', schema=None) as batch_op:
        batch_op.drop_column('notes')
        batch_op.drop_column('volunteer_hours')
        batch_op.drop_column('volunteers')
        batch_op.drop_column('visitors')
        batch_op.drop_column('closes_at')
        batch_op.drop_column('opens_at')

    with op.batch_alter_table('owner', schema=None) as batch_op:
        batch_op.drop_column('follow_ups_stopped_at')
        batch_op.drop_column('follow_up_consent')

    with op.batch_alter_table('item', schema=None) as batch_op:
        batch_op.drop_column('partner_category')
        batch_op.drop_column('country')

    with op.batch_alter_table('photo', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_photo_item_id'))
        batch_op.drop_index(batch_op.f('ix_photo_group_id'))
        batch_op.drop_index(batch_op.f('ix_photo_event_id'))

    op.drop_table('photo')
    with op.batch_alter_table('follow_up', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_follow_up_status'))
        batch_op.drop_index(batch_op.f('ix_follow_up_item_id'))
        batch_op.drop_index(batch_op.f('ix_follow_up_due_on'))

    op.drop_table('follow_up')
