"""The report rollup folds from a queue written with each event, instead of guessing from id gaps.

A trigger on `lifecycle_event` writes one `report_fold_queue` row in the transaction that writes
the event, whichever code path writes it. The rollup built with the old gap list may have missed
events that committed late, so it is emptied and every event is queued: the next fold rebuilds
it exactly.

Revision ID: 5c1f0a7e2b9d
Revises: cbb53ce7df93
Create Date: 2026-12-04 09:00:00.000000
"""
from alembic import op
import sqlalchemy as sa


revision = '5c1f0a7e2b9d'
down_revision = 'cbb53ce7df93'
branch_labels = None
depends_on = None

SQLITE_TRIGGER = """
CREATE TRIGGER lifecycle_event_fold_queue AFTER INSERT ON lifecycle_event
BEGIN
    INSERT INTO report_fold_queue (event_id) VALUES (NEW.id);
END
"""
# One statement-level trigger per INSERT or COPY: a bulk import queues its rows in one go.
POSTGRES_FUNCTION = """
CREATE FUNCTION queue_events_for_fold() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO report_fold_queue (event_id) SELECT id FROM added_events;
    RETURN NULL;
END
$$
"""
POSTGRES_TRIGGER = """
CREATE TRIGGER lifecycle_event_fold_queue AFTER INSERT ON lifecycle_event
REFERENCING NEW TABLE AS added_events FOR EACH STATEMENT
EXECUTE FUNCTION queue_events_for_fold()
"""


def upgrade() -> None:
    op.create_table('report_fold_queue',
    sa.Column('event_id', sa.Integer(), autoincrement=False, nullable=False),
    sa.PrimaryKeyConstraint('event_id')
    )
    with op.batch_alter_table('report_rollup_state', schema=None) as batch_op:
        batch_op.drop_column('gaps')

    for table in ('report_rollup', 'report_flow', 'report_visit', 'report_rollup_state'):
        op.execute(f'DELETE FROM {table}')
    op.execute('INSERT INTO report_fold_queue (event_id) SELECT id FROM lifecycle_event')

    if op.get_bind().dialect.name == 'postgresql':
        op.execute(POSTGRES_FUNCTION)
        op.execute(POSTGRES_TRIGGER)
    else:
        op.execute(SQLITE_TRIGGER)


def downgrade() -> None:
    op.execute('DROP TRIGGER IF EXISTS lifecycle_event_fold_queue'
               + (' ON lifecycle_event' if op.get_bind().dialect.name == 'postgresql' else ''))
    if op.get_bind().dialect.name == 'postgresql':
        op.execute('DROP FUNCTION IF EXISTS queue_events_for_fold()')
    for table in ('report_rollup', 'report_flow', 'report_visit', 'report_rollup_state'):
        op.execute(f'DELETE FROM {table}')
    with op.batch_alter_table('report_rollup_state', schema=None) as batch_op:
        batch_op.add_column(sa.Column('gaps', sa.JSON(), nullable=False, server_default='[]'))

    op.drop_table('report_fold_queue')
