"""The store's tables as they are at the newest migration (:data:`HEAD`).

Scenarios are kept once per content (their canonical sha256, the hash provenance
records); names point at contents and are never rewritten (a newer version is a new
row). Runs are append-only: their result files live in ``run_files``, notes and
"presented to ..." labels in ``run_labels``, each a new row.
"""

from __future__ import annotations

import sqlalchemy as sa

from .location import HEAD  # the Alembic revision these tables match

__all__ = ["HEAD", "metadata", "scenarios", "scenario_names", "runs", "run_files", "run_labels"]

metadata = sa.MetaData(naming_convention={
    "ix": "ix_%(table_name)s_%(column_0_name)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
})

Stamp = sa.DateTime(timezone=True)

scenarios = sa.Table(
    "scenarios", metadata,
    sa.Column("sha256", sa.String(64), primary_key=True),
    sa.Column("title", sa.Text, nullable=False),
    # {file name: text} as zlib-compressed JSON: a flat TOML and its tables.
    sa.Column("files", sa.LargeBinary, nullable=False),
    sa.Column("created_at", Stamp, nullable=False),
    sa.Column("created_by", sa.String(200), nullable=False),
)

scenario_names = sa.Table(
    "scenario_names", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("name", sa.String(200), nullable=False, index=True),
    sa.Column("sha256", sa.String(64), sa.ForeignKey("scenarios.sha256"), nullable=False),
    sa.Column("note", sa.Text, nullable=False),
    sa.Column("saved_by", sa.String(200), nullable=False),
    sa.Column("host", sa.String(200), nullable=False),
    sa.Column("saved_at", Stamp, nullable=False),
)

runs = sa.Table(
    "runs", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("kind", sa.String(20), nullable=False),  # run, sweep, montecarlo
    sa.Column("created_at", Stamp, nullable=False, index=True),
    sa.Column("scenario_sha256", sa.String(64), sa.ForeignKey("scenarios.sha256"), nullable=False, index=True),
    sa.Column("scenario_name", sa.String(200), nullable=False, index=True),
    sa.Column("title", sa.Text, nullable=False),
    sa.Column("overrides", sa.JSON, nullable=False),
    sa.Column("solver", sa.String(40), nullable=False),
    sa.Column("solver_version", sa.String(200), nullable=False),
    sa.Column("budgetsim_version", sa.String(40), nullable=False),
    sa.Column("python_version", sa.String(40), nullable=False),
    sa.Column("status", sa.String(40), nullable=False, index=True),
    sa.Column("ceiling_yuan", sa.Float),
    sa.Column("transfers_yuan", sa.Float),
    sa.Column("missing_hard_yuan", sa.Float),
    # Compliance by target, unmet hard targets, shadow prices (a batch: its summary).
    sa.Column("headline", sa.JSON, nullable=False),
    sa.Column("duration_seconds", sa.Float, nullable=False),
    sa.Column("host", sa.String(200), nullable=False),
    sa.Column("username", sa.String(200), nullable=False),
    sa.Column("output", sa.Text),  # a batch's output files (where they were written)
    # Added by migration 0002: where the run was made (cli, app, api; "unknown" before 0002).
    sa.Column("source", sa.String(20), nullable=False, server_default="unknown"),
)

run_files = sa.Table(
    "run_files", metadata,
    sa.Column("run_id", sa.Integer, sa.ForeignKey("runs.id"), primary_key=True),
    sa.Column("name", sa.String(200), primary_key=True),  # summary.json, allocation.csv, ...
    # zlib-compressed UTF-8 text, or (from 0003) a table kept as columns (model/store/tables.py)
    sa.Column("data", sa.LargeBinary, nullable=False),
    sa.Column("size", sa.Integer, nullable=False),  # bytes before compression
)

run_labels = sa.Table(
    "run_labels", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("run_id", sa.Integer, sa.ForeignKey("runs.id"), nullable=False, index=True),
    sa.Column("kind", sa.String(20), nullable=False),  # note, presented
    sa.Column("text", sa.Text, nullable=False),
    sa.Column("labelled_by", sa.String(200), nullable=False),
    sa.Column("host", sa.String(200), nullable=False),
    sa.Column("labelled_at", Stamp, nullable=False),
)
