"""National-scale scenarios: N communities (1,380 to 120,000) in districts and provinces.

:func:`generate` writes, for a number of communities and a seed, the texts of a
scenario with communities as units (a TOML file, a district table and a unit table),
drawn reproducibly (numpy's PCG64 from the seed) with the per-committee
distributions of the shipped community scenario ``tianjin-2006-communities.toml``:

- each district's area type (central, coastal, suburban, outer) with the shares of
  the seed's committees (:data:`AREA_SHARES`); a district's levels are the seed's for
  its type (:data:`AREA_LEVELS`: the committee-weighted means of
  ``tianjin-2006-districts.csv``, tested against it);
- each community as ``derive_tianjin_2006_communities.py`` splits a district:
  residents, operating funds and subsidies around the district's level by uniform
  weights in [0.5, 1.5], [0.8, 1.2] and [0.9, 1.1]; an office below the 100 m2
  standard with the type's probability, its area the type's mean +/- 10 m2 (10-95);
  service rooms below standard likewise (renovated or new, +/- 15 m2, 10-195);
  uninsured members binomial over the committee's 5 whole members with the type's
  mean; 5.5 members per committee;
- districts of about :data:`COMMITTEES_PER_DISTRICT` communities (uniform weights in
  [0.5, 1.5], at least one each), grouped into up to 31 provinces;
- each district's own budget the seed's per committee of its type; the national
  ceiling the seed's per committee (its yearly ceilings x N / 1,380).

National figures cited: about 117,000 residents' committees in China in the early
2020s (80,717 in 2006), 31 province-level divisions, about 2,850 county-level ones
(China Statistical Yearbook, civil-affairs tables); everything else is an assumption
and the generated files say so. Nothing here touches the disk: the CLI writes the
texts (``budgetsim generate``).
"""

from __future__ import annotations

import io

import numpy as np
import pandas as pd

#: Communities a scenario may have (the seed's 1,380 up to the issue's 120,000 and some room).
MIN_COMMUNITIES, MAX_COMMUNITIES = 1, 200_000
#: China: about 117,000 residents' committees in ~2,850 county-level divisions (~41 each).
COMMITTEES_PER_DISTRICT = 40
PROVINCES = 31
SEED_COMMITTEES = 1380
AREA_TYPES = ("central", "coastal", "suburban", "outer")
#: Shares of the seed's committees by area type (tianjin-2006-districts.csv: 925, 219, 126, 110 of 1,380).
AREA_SHARES = np.array([925, 219, 126, 110]) / SEED_COMMITTEES
#: The seed's levels by area type: committee-weighted means of tianjin-2006-districts.csv
#: (per committee unless named), tested against it.
AREA_LEVELS = {
    #                 office_below, service_renov, service_new, uninsured, residents, funds, subsidy,
    #                 office_m2, service_m2, capacity, need_weight, tier
    "central": (348 / 925, 719 / 925, 79 / 925, 623 / 925, 4_766_100 / 925, 9_000 + 11_000 * 91 / 925, 700,
                50, 70, 60_000, 1.0, "city"),
    "coastal": (138 / 219, 115 / 219, 78 / 219, 294 / 219, 1_073_000 / 219, 10_000, 680, 45, 60, 70_000, 1.0, "city"),
    "suburban": (95 / 126, 77 / 126, 42 / 126, 339 / 126, 621_700 / 126, 7_000, 600, 40, 50, 30_000, 1.5, "city"),
    "outer": (91 / 110, 85 / 110, 21 / 110, 444 / 110, 539_200 / 110, 7_000, 520, 35, 40, 15_000, 2.0, "county"),
}
LEVEL_NAMES = ("office_below", "service_renovated", "service_new", "uninsured", "residents", "operating_funds",
               "subsidy", "office_area", "service_area", "capacity", "need_weight", "tier")
#: The seed's yearly ceilings (tianjin-2006.toml), scaled per committee.
SEED_CEILING = {2006: 20_900_000, 2007: 27_000_000, 2008: 33_800_000, 2009: 41_100_000, 2010: 53_400_000}
MEMBERS = 5.5
PERSONS_PER_HOUSEHOLD = 3


def level(area_type: str, name: str):
    """The seed's level ``name`` (see :data:`LEVEL_NAMES`) for an area type."""
    return AREA_LEVELS[area_type][LEVEL_NAMES.index(name)]


def _spread(rng: np.random.Generator, n: int, low: float, high: float) -> np.ndarray:
    return rng.uniform(low, high, n)


def _groups(rng: np.random.Generator, n_items: int, n_groups: int) -> np.ndarray:
    """Group index of each of ``n_items`` (sorted), every group non-empty, sizes by weights in [0.5, 1.5]."""
    weights = _spread(rng, n_groups, 0.5, 1.5)
    sizes = np.ones(n_groups, dtype=np.int64)
    extra = n_items - n_groups
    if extra > 0:
        sizes += rng.multinomial(extra, weights / weights.sum())
    return np.repeat(np.arange(n_groups), sizes)


def draw_tables(communities: int, seed: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The district and community tables of a national scenario (see the module docstring)."""
    if not MIN_COMMUNITIES <= communities <= MAX_COMMUNITIES:
        raise ValueError(f"communities must be {MIN_COMMUNITIES:,}-{MAX_COMMUNITIES:,}, got {communities:,}")
    rng = np.random.Generator(np.random.PCG64(seed))
    n_d = max(1, round(communities / COMMITTEES_PER_DISTRICT))
    n_prov = min(PROVINCES, n_d)
    district_of = _groups(rng, communities, n_d)
    province_of = _groups(rng, n_d, n_prov)
    area = rng.choice(len(AREA_TYPES), size=n_d, p=AREA_SHARES)
    types = np.asarray(AREA_TYPES, dtype=object)[area]
    lv = {name: np.array([level(a, name) for a in AREA_TYPES], dtype=object) for name in LEVEL_NAMES}
    per = {name: np.asarray(values[area], dtype=float if name != "tier" else object) for name, values in lv.items()}
    committees = np.bincount(district_of, minlength=n_d)
    d_ids = np.array([f"p{p + 1:02d}-d{d + 1:04d}" for d, p in enumerate(province_of)], dtype=object)
    prov_names = np.array([f"Province {p + 1:02d}" for p in province_of], dtype=object)
    note = f"assumption: drawn by budgetsim generate (seed {seed}) with the seed scenario's levels by area type"
    districts = pd.DataFrame({
        "id": d_ids, "name_zh": [f"第{p + 1:02d}省 第{d + 1:04d}区" for d, p in enumerate(province_of)],
        "name_en": [f"{n}, district {d + 1:04d}" for d, n in enumerate(prov_names)],
        "province": prov_names, "area_type": types,
        "capacity_yuan": per["capacity"] * committees, "min_wage_tier": per["tier"],
        "need_weight": per["need_weight"], "min_own_share": "", "source": note})

    u_area = area[district_of]
    u = {name: np.asarray(values[u_area], dtype=float) for name, values in lv.items() if name != "tier"}
    n = communities
    residents = np.rint(u["residents"] * _spread(rng, n, 0.5, 1.5)).astype(np.int64)
    funds = np.rint(u["operating_funds"] * _spread(rng, n, 0.8, 1.2)).astype(np.int64)
    subsidy = np.rint(u["subsidy"] * _spread(rng, n, 0.9, 1.1)).astype(np.int64)
    uninsured = rng.binomial(int(MEMBERS), np.minimum(u["uninsured"] / int(MEMBERS), 1.0))
    office_below = rng.random(n) < u["office_below"]
    office_area = np.clip(np.rint(u["office_area"] + rng.uniform(-10, 10, n)), 10, 95).astype(np.int64)
    draw = rng.random(n)
    service_new = draw < u["service_new"]
    service_renovated = ~service_new & (draw < u["service_new"] + u["service_renovated"])
    service_below = service_new | service_renovated
    service_area = np.clip(np.rint(u["service_area"] + rng.uniform(-15, 15, n)), 10, 195).astype(np.int64)
    position = np.arange(n) - np.searchsorted(district_of, district_of)
    units = pd.DataFrame({
        "id": [f"{d}-{i + 1:03d}" for d, i in zip(d_ids[district_of], position)],
        "district": d_ids[district_of], "residents": residents, "committees": 1,
        "members_per_committee": MEMBERS, "operating_funds_yuan": funds,
        "office_below_standard": office_below.astype(np.int64),
        "office_area_below_m2": np.where(office_below, office_area, 0),
        "service_below_renovated": service_renovated.astype(np.int64),
        "service_below_new": service_new.astype(np.int64),
        "service_area_below_m2": np.where(service_below, service_area, 0),
        "member_subsidy_yuan_month": subsidy, "uninsured_members": uninsured})
    # Registered households: residents at 3 persons a household (as derive_tianjin_2006.py A1).
    households = np.bincount(district_of, weights=residents, minlength=n_d) / PERSONS_PER_HOUSEHOLD / 1e4
    districts.insert(districts.columns.get_loc("area_type") + 1, "households_10k", np.round(households, 2))
    return _with_totals(districts, units, district_of), units


def _with_totals(districts: pd.DataFrame, units: pd.DataFrame, district_of: np.ndarray) -> pd.DataFrame:
    """The district table with its communities' totals and averages (as the seed's district
    table has them: pages and summaries that read districts see the same committees)."""
    n_d = len(districts)

    def total(column: str) -> np.ndarray:
        return np.bincount(district_of, weights=units[column].to_numpy(dtype=float), minlength=n_d)

    committees = np.bincount(district_of, minlength=n_d)
    office = total("office_below_standard")
    service = total("service_below_renovated") + total("service_below_new")
    totals = {
        "residents": total("residents").astype(np.int64), "committees": committees,
        "members_per_committee": MEMBERS,
        "operating_funds_yuan": np.round(total("operating_funds_yuan") / committees, 2),
        "office_below_standard": office.astype(np.int64),
        "office_area_below_m2": np.round(np.divide(total("office_area_below_m2"), office, out=np.zeros(n_d),
                                                   where=office > 0), 2),
        "service_below_renovated": total("service_below_renovated").astype(np.int64),
        "service_below_new": total("service_below_new").astype(np.int64),
        "service_area_below_m2": np.round(np.divide(total("service_area_below_m2"), service, out=np.zeros(n_d),
                                                    where=service > 0), 2),
        "member_subsidy_yuan_month": np.round(total("member_subsidy_yuan_month") / committees, 2),
        "uninsured_members": total("uninsured_members").astype(np.int64)}
    at = districts.columns.get_loc("households_10k") + 1
    for offset, (name, values) in enumerate(totals.items()):
        districts.insert(at + offset, name, values)
    return districts


def ceilings(communities: int) -> dict[int, int]:
    """The seed's yearly ceilings per committee times ``communities``, to 100,000 yuan."""
    return {t: int(round(c * communities / SEED_COMMITTEES, -5)) for t, c in SEED_CEILING.items()}


def _csv(frame: pd.DataFrame) -> str:
    buffer = io.StringIO()
    frame.to_csv(buffer, index=False, lineterminator="\n")
    return buffer.getvalue()


def generate(communities: int, seed: int, name: str = "national") -> dict[str, str]:
    """The files of a national scenario: ``{file name: text}`` (TOML, districts, communities)."""
    districts, units = draw_tables(communities, seed)
    files = {f"{name}-districts.csv": _csv(districts), f"{name}-communities.csv": _csv(units)}
    files[f"{name}.toml"] = scenario_toml(name, communities, seed, len(districts))
    return files


def scenario_toml(name: str, communities: int, seed: int, n_districts: int) -> str:
    """The scenario file: the default scenario's policy, the national tables, cited."""
    ceiling = ", ".join(f"{t} = {c:_}" for t, c in ceilings(communities).items())
    return _TEMPLATE.format(name=name, n=communities, seed=seed, districts=n_districts, ceiling=ceiling,
                            per=COMMITTEES_PER_DISTRICT)


_TEMPLATE = '''\
# budgetsim scenario: a national-scale allocation of {n:,} communities in {districts:,} districts,
# written by `budgetsim generate --communities {n} --seed {seed}` (model/scenario/national.py).
# The policy is the default scenario's (tianjin-2006.toml); the tables are drawn from a seed
# with the per-committee distributions of tianjin-2006-communities.toml. Every value is cited
# in [sources]: a published figure, or "assumption: ...".

[scenario]
name = "National, {n:,} communities (seed {seed})"
description = "{n:,} residents' committees in {districts:,} districts and up to 31 provinces, drawn with the seed scenario's distributions; the ministry's transfers under a national ceiling."
districts = "{name}-districts.csv"
units = "{name}-communities.csv"
first_year = 2006
last_year = 2010

[city]
ceiling_yuan = {{ {ceiling} }}
total_ceiling_yuan = inf
budget_revenue_100m_yuan = {{ 2005 = 331.85, 2006 = 417.05, 2007 = 540.44, 2008 = 675.62, 2009 = 821.99, 2010 = 1068.81 }}

[wages]
average_wage_yuan = {{ 2005 = 25_604, 2006 = 30_136, 2007 = 35_470, 2008 = 41_748, 2009 = 49_137, 2010 = 57_834 }}
minimum_wage_city_yuan_month = {{ 2005 = 590, 2006 = 670, 2007 = 740, 2008 = 820, 2009 = 820, 2010 = 920 }}
minimum_wage_county_yuan_month = {{ 2005 = 570, 2006 = 650, 2007 = 720, 2008 = 820, 2009 = 820, 2010 = 920 }}
minimum_wage_months_at_new_rate = 9

[office_space]
standard_m2 = 100
cost_yuan_per_m2 = 5_208
cost_growth = 0.05
deadline = 2008
hard = true

[service_space]
standard_renovated_m2 = 200
standard_new_m2 = 400
cost_yuan_per_m2 = 5_208
cost_growth = 0.05
target_share = 0.6
deadline = 2010
hard = false

[operating_funds]
old_standard_yuan = 7_000
new_standard_yuan = 12_000
phase_in_years = 3
growth = 0.03
hard = false

[member_subsidy]
standard_yuan_month = 670
wage_indexation = 0.5
minimum_wage_from = 2006

[social_insurance]
rates = {{ pension = 0.20, medical = 0.10, unemployment = 0.02, work_injury = 0.01, maternity = 0.008 }}
base_floor_share = 0.6
base_ceiling_share = 3.0
deadline = 2006

[districts]
capacity_indexation = 0.5

[cost_sharing]
min_own_share = 0.0

[weights]
service_space = 1.0
operating_funds = 1.0
member_subsidy = 0.18
equity = 0.0

[solver]
stage_tolerance = 1e-7

[sources]
"scenario" = "national statistics: about 117,000 residents' committees in China in the early 2020s (80,717 in 2006), 31 province-level and about 2,850 county-level divisions (China Statistical Yearbook, civil-affairs tables); this scenario's {n:,} communities, {districts:,} districts of about {per} committees and its provinces are assumptions drawn by model/scenario/national.py (seed {seed})"
"city.ceiling_yuan" = "assumption: the default scenario's yearly ceilings (0.05 % of Tianjin's revenue) per committee, times {n:,} committees, to 100,000 yuan"
"city.total_ceiling_yuan" = "assumption: no ceiling over the whole horizon beyond the yearly ones"
"city.budget_revenue_100m_yuan" = "assumption: the default scenario's revenue path (Tianjin Statistical Yearbook), used only for its growth (capacity indexation)"
"wages" = "assumption: the default scenario's wages and minimum wages (Tianjin, see tianjin-2006.toml); counties (min_wage_tier) on the county rate"
"office_space" = "as the default scenario (DOMAIN.md standard of 100 m2; costs and deadline assumptions there)"
"service_space" = "as the default scenario (DOMAIN.md: 200/400 m2, at least 60 %; costs and deadline assumptions there)"
"operating_funds" = "as the default scenario (DOMAIN.md: old standard 7,000 yuan; new standard and growth assumptions there)"
"member_subsidy" = "as the default scenario (assumptions there; no member below the minimum wage, DOMAIN.md)"
"social_insurance" = "as the default scenario (national contribution-base rules; employer rates are assumptions there)"
"districts.capacity_indexation" = "assumption: as the default scenario"
"cost_sharing.min_own_share" = "assumption: as the default scenario"
"weights" = "assumption: as the default scenario"
"solver.stage_tolerance" = "assumption: as the default scenario"
"districts.residents" = "assumption: the sum of the district's communities (units)"
"districts.committees" = "assumption: the district's communities, one committee each"
"districts.members_per_committee" = "assumption: 5.5, the national average of 2006 (as the seed)"
"districts.operating_funds_yuan" = "assumption: the average of the district's communities"
"districts.office_below_standard" = "assumption: the district's communities below the office standard"
"districts.office_area_below_m2" = "assumption: the average of the district's communities below the standard"
"districts.service_below_renovated" = "assumption: the district's communities below the service-room standard (renovated)"
"districts.service_below_new" = "assumption: the district's communities below the service-room standard (new)"
"districts.service_area_below_m2" = "assumption: the average of the district's communities below the standard"
"districts.member_subsidy_yuan_month" = "assumption: the average of the district's communities"
"districts.uninsured_members" = "assumption: the sum of the district's communities"
"districts.province" = "assumption: districts grouped into up to 31 provinces by seeded weights (not real provinces)"
"districts.households_10k" = "assumption: the district's residents at 3 persons a household"
"districts.area_type" = "assumption: drawn with the shares of the seed's committees by area type (central 67 %, coastal 16 %, suburban 9 %, outer 8 %)"
"districts.capacity_yuan" = "assumption: the seed's own budget per committee of the district's area type (derive_tianjin_2006.py A8) times its committees"
"districts.min_wage_tier" = "assumption: outer districts on the county rate, as in the seed"
"districts.need_weight" = "assumption: the seed's need weight of the area type (1, 1.5, 2)"
"districts.min_own_share" = "assumption: blank, every district follows cost_sharing.min_own_share"
"units" = "assumption: each community drawn with the seed's per-committee distributions of its district's area type (model/scenario/national.py: residents, operating funds, subsidies spread as derive_tianjin_2006_communities.py does; office and service-room gaps and uninsured members with the seed's rates; 5.5 members, the national average of 2006)"
'''
