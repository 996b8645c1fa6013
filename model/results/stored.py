"""A :class:`~model.results.result.Result` read back from the files a run wrote.

``budgetsim run --out`` writes, and the store keeps, ``summary.json`` and one CSV per
table. :func:`result_from_files` turns those files into a result again, so a recorded
run is shown, compared and exported with the figures it had when it was recorded (not
a new solve, which a newer solver or version could change). CSV keeps every float
exactly (pandas writes the shortest text that reads back to the same number); what a
run's files do not hold -- the (unit, program, year) closure array the solver filled --
is left empty.
"""

from __future__ import annotations

import io
import json
from collections.abc import Mapping

import pandas as pd

from ..constants import Status
from .result import Result

#: Columns read as text whatever they look like (a unit id such as ``0101`` stays text).
TEXT_COLUMNS = ("district", "unit", "program", "requirement", "rule")
#: Columns that are years.
YEAR_COLUMNS = ("year",)


def read_table(text: str) -> pd.DataFrame:
    """One result table from its CSV text, with ids as text and years as whole numbers."""
    header = pd.read_csv(io.StringIO(text), nrows=0).columns
    dtypes = {c: str for c in header if c in TEXT_COLUMNS}
    frame = pd.read_csv(io.StringIO(text), dtype=dtypes, keep_default_na=False, na_values=[""])
    for column in YEAR_COLUMNS:
        if column in frame and len(frame):
            frame[column] = frame[column].astype("int64")
    return frame


def result_from_files(files: Mapping[str, str]) -> Result:
    """The result whose ``summary.json`` and CSV tables are ``files`` (by file name).

    Raises
    ------
    ValueError
        When a file a result needs is missing (the run was not a single solve).
    """
    missing = [name for name in ("summary.json", "allocation.csv", "compliance.csv", "money.csv",
                                 "district_money.csv", "unmet_hard.csv") if name not in files]
    if missing:
        raise ValueError(f"these files are not a solve's result: {', '.join(missing)} missing")
    summary = json.loads(files["summary.json"])
    # The district names beside the ids are for people (added when the files are written).
    tables = {name[:-4]: read_table(text).drop(columns=["name_zh", "name_en"], errors="ignore")
              for name, text in files.items() if name.endswith(".csv")}
    unmet = tables["unmet_hard"]
    if unmet.empty:  # an empty table reads back without types: give its columns the solver's
        types = {"requirement": str, "district": str, "unit": str, "year": "int64", "missing_yuan": float}
        unmet = pd.DataFrame({c: pd.Series(dtype=types.get(c, float)) for c in unmet.columns})
    allocation = tables["allocation"]
    district_money = tables["district_money"]
    status_quo = None
    if "status_quo_compliance" in tables:  # the figures with no transfers, beside the optimum
        compliance = tables["status_quo_compliance"]
        status_quo = Result(
            scenario_name=summary["scenario"], title=summary["title"], status=Status.OPTIMAL,
            years=[int(y) for y in summary["horizon"]], districts=list(dict.fromkeys(district_money["district"])),
            allocation=allocation.iloc[0:0], compliance=compliance, money=tables["money"].iloc[0:0],
            district_money=district_money.iloc[0:0], unmet_hard=unmet.iloc[0:0], objectives={}, initial={},
            provenance={}, rule="status_quo")
    return Result(
        scenario_name=summary["scenario"],
        title=summary["title"],
        status=Status(summary["status"]),
        years=[int(y) for y in summary["horizon"]],
        districts=list(dict.fromkeys(district_money["district"])),
        allocation=allocation,
        compliance=tables["compliance"],
        money=tables["money"],
        district_money=district_money,
        unmet_hard=unmet,
        objectives={k: (float("nan") if v is None else float(v)) for k, v in summary["objectives"].items()},
        initial=summary["initial"],
        provenance=summary["provenance"],
        status_quo=status_quo,
        units=list(dict.fromkeys(allocation["unit"])) if "unit" in allocation else [],
        grants=tables.get("grants"),
        equity_by_district=tables.get("equity_by_district"),
        equity={k: (float("nan") if v is None else v) for k, v in summary.get("equity", {}).items()},
        certificate=summary.get("certificate"),  # a certified run's proof, as recorded (None: not certified)
    )
