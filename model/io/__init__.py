"""The only package that touches the disk: scenario files in, result files out, whole.
May import: ``model.errors``, ``model.export``.
"""

from .files import (
    DEFAULT_SCENARIO,
    SCENARIO_DIR,
    Writable,
    read_scenario_texts,
    scenario_files,
    shipped_scenarios,
    text_reader,
    render_parquet,
    render_result,
    write_csv,
    write_files,
    write_folder,
    write_json,
    write_lp_file,
    write_result,
    write_text,
)
from .outputs import MANIFEST, OutputFolder, output_lock
from .streams import Checkpoint, ColumnStore, StreamingCsv, machine_info

__all__ = [
    "DEFAULT_SCENARIO", "SCENARIO_DIR", "Writable", "read_scenario_texts", "scenario_files",
    "shipped_scenarios", "text_reader", "render_parquet", "render_result", "write_csv", "write_files", "write_folder",
    "write_json", "write_lp_file", "write_result", "write_text", "MANIFEST", "OutputFolder",
    "output_lock", "ColumnStore", "StreamingCsv", "machine_info", "Checkpoint",
]
