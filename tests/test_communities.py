"""The community-level default scenario: 1,380 committees that add up to the district table."""

from __future__ import annotations

import csv
import importlib.util
import io

import pandas as pd
import pytest

from model import load_scenario

from .conftest import SCENARIOS

SCRIPT = SCENARIOS / "derive_tianjin_2006_communities.py"


def load_script():
    spec = importlib.util.spec_from_file_location("derive_communities", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_community_table_is_what_the_script_writes():
    module = load_script()
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=module.COLUMNS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(module.derive())
    assert (SCENARIOS / "tianjin-2006-communities.csv").read_text(encoding="utf-8") == buffer.getvalue()


@pytest.fixture(scope="module")
def communities():
    return load_scenario(SCENARIOS / "tianjin-2006-communities.toml")


def test_every_district_total_is_kept(communities):
    units, districts = communities.units, communities.districts
    assert len(units) == 1380 and (units.committees == 1).all()
    group = units.groupby("district")
    office_std, renovated_std, new_std = 100.0, 200.0, 400.0
    u = units.assign(
        members=units.committees * units.members_per_committee,
        office_m2_missing=units.office_below_standard * (office_std - units.office_area_below_m2),
        service_m2_missing=units.service_below_renovated * (renovated_std - units.service_area_below_m2)
        + units.service_below_new * (new_std - units.service_area_below_m2),
        operating_money=units.committees * units.operating_funds_yuan,
        subsidy_money=units.committees * units.members_per_committee * units.member_subsidy_yuan_month,
    )
    got = u.groupby("district")[["committees", "members", "residents", "uninsured_members",
                                 "office_below_standard", "service_below_renovated", "service_below_new",
                                 "office_m2_missing", "service_m2_missing", "operating_money",
                                 "subsidy_money"]].sum()
    d = districts
    want = pd.DataFrame({
        "committees": d.committees,
        "members": d.committees * d.members_per_committee,
        "residents": d.residents,
        "uninsured_members": d.uninsured_members,
        "office_below_standard": d.office_below_standard,
        "service_below_renovated": d.service_below_renovated,
        "service_below_new": d.service_below_new,
        "office_m2_missing": d.office_below_standard * (office_std - d.office_area_below_m2),
        "service_m2_missing": d.service_below_renovated * (renovated_std - d.service_area_below_m2)
        + d.service_below_new * (new_std - d.service_area_below_m2),
        "operating_money": d.committees * d.operating_funds_yuan,
        "subsidy_money": d.committees * d.members_per_committee * d.member_subsidy_yuan_month,
    })
    pd.testing.assert_frame_equal(got.sort_index().astype(float), want.sort_index().astype(float),
                                  check_names=False, rtol=1e-12)
    assert list(group.size().sort_index()) == list(d.committees.sort_index())
    # Communities differ from one another (the split is not a copy of the average).
    assert units.operating_funds_yuan.nunique() > 100 and units.member_subsidy_yuan_month.nunique() > 50


def test_city_figures_of_the_report_hold(communities):
    units = communities.units
    assert units.committees.sum() == 1380
    assert round(1380 - units.office_below_standard.sum()) == 708  # 51.30 %, nearest to 51.32 %
    at_service = 1380 - units.service_below_renovated.sum() - units.service_below_new.sum()
    assert at_service == 164  # 11.88 %, nearest to 11.9 %
    assert units.uninsured_members.sum() == 1700
    assert units.residents.sum() == pytest.approx(7_000_000, rel=0.01)
    assert (units.uninsured_members <= 5).all()
    below = units[units.office_below_standard == 1]
    assert ((below.office_area_below_m2 >= 10) & (below.office_area_below_m2 < 100)).all()


def test_the_split_is_seeded_and_changes_with_the_seed():
    module = load_script()
    first = module.derive()
    assert module.derive() == first
    module.SEED += 1
    assert module.derive() != first
