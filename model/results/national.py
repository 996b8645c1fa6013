"""A national result read from the top: provinces, then districts, then a page of communities.

At national scale the allocation has millions of rows (120,000 communities x 5
programs x 5 years); nobody reads it whole, and a browser cannot show it. These
tables sum it the way a ministry reads it -- by province (the district table's
optional ``province`` column; one row ``all`` without it), by district, and one
district's communities a page at a time -- each a few hundred rows at most. Money in
yuan over the whole horizon; ``left_yuan`` is what remains of the gaps in the last year.
"""

from __future__ import annotations

import math

import pandas as pd

from ..scenario.scenario import Scenario
from .result import Result

MONEY = ["own_yuan", "transfer_yuan", "closed_yuan"]
#: Communities on one page of the drill-down.
PAGE_SIZE = 50


def _by(allocation: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    """Money over the horizon and what is left in the last year, by ``keys``."""
    money = allocation.groupby(keys, sort=True)[MONEY].sum()
    last = allocation[allocation["year"] == allocation["year"].max()]
    return money.join(last.groupby(keys)["left_yuan"].sum()).reset_index()


def province_of(scenario: Scenario) -> pd.Series:
    """Each district's province (``all`` when the district table has no province column)."""
    districts = scenario.districts
    if "province" in districts.columns:
        return districts["province"].fillna("").astype(str).replace("", "all")
    return pd.Series("all", index=districts.index)


def district_summary(result: Result, scenario: Scenario) -> pd.DataFrame:
    """One row per district: province, communities, own and city money, money closed, left."""
    allocation = result.allocation
    table = _by(allocation, ["district"])
    units = allocation.drop_duplicates("unit" if "unit" in allocation.columns else "district")
    counts = units.groupby("district").size()
    table.insert(0, "province", table["district"].map(province_of(scenario)).fillna("all"))
    table.insert(2, "communities", table["district"].map(counts).fillna(0).astype(int))
    return table


def province_summary(result: Result, scenario: Scenario, districts: pd.DataFrame | None = None) -> pd.DataFrame:
    """One row per province: districts, communities, money (the sums of :func:`district_summary`)."""
    districts = district_summary(result, scenario) if districts is None else districts
    table = districts.groupby("province", sort=True).agg(
        districts=("district", "size"), communities=("communities", "sum"),
        **{c: (c, "sum") for c in [*MONEY, "left_yuan"]})
    return table.reset_index()


def community_page(result: Result, district: str, page: int = 0, size: int = PAGE_SIZE
                   ) -> tuple[pd.DataFrame, int]:
    """Page ``page`` (from 0) of one district's communities, and the number of pages."""
    allocation = result.allocation
    if "unit" not in allocation.columns:
        raise ValueError("the result's units are districts: there are no communities to page through")
    rows = allocation[allocation["district"] == district]
    table = _by(rows, ["unit"])
    pages = max(1, math.ceil(len(table) / size))
    page = min(max(page, 0), pages - 1)
    return table.iloc[page * size:(page + 1) * size].reset_index(drop=True), pages
