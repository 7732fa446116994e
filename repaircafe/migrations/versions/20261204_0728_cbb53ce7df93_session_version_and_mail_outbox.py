"""Session version on accounts (logout ends every copy of a session) and the report mail outbox.

Revision ID: cbb53ce7df93
Revises: dd824deb4076
Create Date: 2026-12-04 07:28:25.493306
"""
from alembic import op
import sqlalchemy as sa
import sqlmodel.sql.sqltypes
import repaircafe.models.base


revision = 'cbb53ce7df93'
down_revision = 'dd824deb4076'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('report_run', schema=None) as batch_op:
        batch_op.add_column(sa.Column('mail_status', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('mail_claimed_at', repaircafe.models.base.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('mailed_at', repaircafe.models.base.UTCDateTime(timezone=True), nullable=True))

    with op.batch_alter_table('user_account', schema=None) as batch_op:
        batch_op.add_column(sa.Column('session_version', sa.Integer(), nullable=False, server_default='0'))


def downgrade() -> None:
    with op.batch_alter_table('user_account', schema=None) as batch_op:
        batch_op.drop_column('session_version')

    with op.batch_alter_table('report_run', schema=None) as batch_op:
        batch_op.drop_column('mailed_at')
        batch_op.drop_column('mail_claimed_at')
        batch_op.drop_column('mail_status')

