"""A run's tables may be kept as typed columns (``model.store.tables``) instead of CSV text.

No table changes shape: a ``run_files`` row's ``data`` is either compressed text, as
before, or a table kept as columns (it starts with ``tables.MAGIC``), which this version
reads back as the same CSV text. The revision tells an older budgetsim that it cannot
read such a row; a downgrade turns every such row back into compressed CSV text.

Revision ID: 0003
Revises: 0002
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

_files = sa.table("run_files", sa.column("run_id", sa.Integer), sa.column("name", sa.String),
                  sa.column("data", sa.LargeBinary), sa.column("size", sa.Integer))


def upgrade() -> None:
    """Nothing to change: the rows kept as text are read as they were."""


def downgrade() -> None:
    from model.store import records, tables

    connection = op.get_bind()
    for run_id, name in connection.execute(sa.select(_files.c.run_id, _files.c.name)).all():
        where = (_files.c.run_id == run_id) & (_files.c.name == name)
        data = connection.execute(sa.select(_files.c.data).where(where)).scalar_one()  # one file in memory at a time
        if tables.is_columns(data):
            text = records.read_file(data)
            connection.execute(_files.update().where(where).values(data=records.pack(text),
                                                                   size=len(text.encode("utf-8"))))
