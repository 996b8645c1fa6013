"""The first store: scenarios, their names, runs, their files and labels.

Revision ID: 0001
Revises:
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

Stamp = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "scenarios",
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("title", sa.Text, nullable=False),
        sa.Column("files", sa.LargeBinary, nullable=False),
        sa.Column("created_at", Stamp, nullable=False),
        sa.Column("created_by", sa.String(200), nullable=False),
        sa.PrimaryKeyConstraint("sha256", name="pk_scenarios"),
    )
    op.create_table(
        "scenario_names",
        sa.Column("id", sa.Integer, autoincrement=True, nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("note", sa.Text, nullable=False),
        sa.Column("saved_by", sa.String(200), nullable=False),
        sa.Column("host", sa.String(200), nullable=False),
        sa.Column("saved_at", Stamp, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_scenario_names"),
        sa.ForeignKeyConstraint(["sha256"], ["scenarios.sha256"], name="fk_scenario_names_sha256_scenarios"),
    )
    op.create_index("ix_scenario_names_name", "scenario_names", ["name"])
    op.create_table(
        "runs",
        sa.Column("id", sa.Integer, autoincrement=True, nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("created_at", Stamp, nullable=False),
        sa.Column("scenario_sha256", sa.String(64), nullable=False),
        sa.Column("scenario_name", sa.String(200), nullable=False),
        sa.Column("title", sa.Text, nullable=False),
        sa.Column("overrides", sa.JSON, nullable=False),
        sa.Column("solver", sa.String(40), nullable=False),
        sa.Column("solver_version", sa.String(200), nullable=False),
        sa.Column("budgetsim_version", sa.String(40), nullable=False),
        sa.Column("python_version", sa.String(40), nullable=False),
        sa.Column("status", sa.String(40), nullable=False),
        sa.Column("ceiling_yuan", sa.Float),
        sa.Column("transfers_yuan", sa.Float),
        sa.Column("missing_hard_yuan", sa.Float),
        sa.Column("headline", sa.JSON, nullable=False),
        sa.Column("duration_seconds", sa.Float, nullable=False),
        sa.Column("host", sa.String(200), nullable=False),
        sa.Column("username", sa.String(200), nullable=False),
        sa.Column("output", sa.Text),
        sa.PrimaryKeyConstraint("id", name="pk_runs"),
        sa.ForeignKeyConstraint(["scenario_sha256"], ["scenarios.sha256"], name="fk_runs_scenario_sha256_scenarios"),
    )
    op.create_index("ix_runs_created_at", "runs", ["created_at"])
    op.create_index("ix_runs_scenario_sha256", "runs", ["scenario_sha256"])
    op.create_index("ix_runs_scenario_name", "runs", ["scenario_name"])
    op.create_index("ix_runs_status", "runs", ["status"])
    op.create_table(
        "run_files",
        sa.Column("run_id", sa.Integer, nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("data", sa.LargeBinary, nullable=False),
        sa.Column("size", sa.Integer, nullable=False),
        sa.PrimaryKeyConstraint("run_id", "name", name="pk_run_files"),
        sa.ForeignKeyConstraint(["run_id"], ["runs.id"], name="fk_run_files_run_id_runs"),
    )
    op.create_table(
        "run_labels",
        sa.Column("id", sa.Integer, autoincrement=True, nullable=False),
        sa.Column("run_id", sa.Integer, nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("labelled_by", sa.String(200), nullable=False),
        sa.Column("host", sa.String(200), nullable=False),
        sa.Column("labelled_at", Stamp, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_run_labels"),
        sa.ForeignKeyConstraint(["run_id"], ["runs.id"], name="fk_run_labels_run_id_runs"),
    )
    op.create_index("ix_run_labels_run_id", "run_labels", ["run_id"])


def downgrade() -> None:
    for table in ("run_labels", "run_files", "runs", "scenario_names", "scenarios"):
        op.drop_table(table)
