"""From a scenario to the numbers the LP needs: standards, gaps and costs per year.

Everything here is arithmetic on the scenario's inputs, with no optimisation, so each
figure can be checked by hand. Arrays are indexed ``[unit, year]`` in the order of
``ModelInputs.units`` and ``ModelInputs.years``; money is in yuan. Units are the
districts themselves, or communities grouped into districts when the scenario has a
unit table; district-level quantities (capacity, co-financing) are indexed by
``ModelInputs.districts`` and ``unit_district`` maps each unit to its district.

Gaps, per program (SPEC section 4): the cost of reaching the standard minus what the
district already spends.

- ``office_space`` / ``service_space`` (capital): committees to upgrade times the
  floor area each lacks times the cost per m2 of the year the money is spent.
- ``operating_funds``: committees x (standard of the year - current funds).
- ``member_subsidy``: members x months x (standard - current subsidy); the part up
  to the minimum wage is the hard requirement.
- ``social_insurance``: uninsured members x the five employer rates x the
  contribution base (the member's pay, bounded by a floor and a ceiling share of the
  previous year's average wage).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field, replace
from functools import cached_property

import numpy as np

from ..constants import CAPITAL_PROGRAMS, PROGRAMS, RECURRING_PROGRAMS, Program, Requirement
from ..scenario.scenario import Scenario

INSURANCES = ("pension", "medical", "unemployment", "work_injury", "maternity")


@dataclass(frozen=True, eq=False)
class ModelInputs:
    """Per-district, per-year quantities derived from a scenario (money in yuan).

    Attributes
    ----------
    units, years : list
        Index of the first and second axis of every ``[unit, year]`` array.
    districts : list
        The districts (who holds a budget); equal to ``units`` for district-level
        scenarios.
    unit_district : ndarray of int (U,)
        Position in ``districts`` of each unit's district.
    committees, members, uninsured : ndarray (U,)
        Committees, committee members and members without insurance now.
    gap : dict Program -> ndarray (D, T)
        Recurring programs: yuan needed in each year to reach that year's standard.
    hard : dict Requirement -> ndarray (D, T)
        Recurring hard requirements: yuan that must be closed in each year
        (zero in years before the requirement starts).
    upgrade_units : dict Program -> ndarray (D,)
        Capital programs: committees to bring to the standard (the gap in committees).
    unit_cost : dict Program -> ndarray (D, T)
        Capital programs: yuan to bring one committee to the standard in year t.
    price_index : dict Program -> ndarray (T,)
        Capital programs: cost per m2 in year t relative to the first year.
    capacity : ndarray (G, T)
        Own budget each district (G = len(districts)) can spend on these programs per year.
    ceiling : ndarray (T,)
        City transfer ceiling per year; ``total_ceiling`` over the horizon (inf: none).
    min_own_share : ndarray (G,)
        Least share of the money closing a district's gaps that it pays itself.
    need_weight : ndarray (U,)
        Weight of the unit's soft gaps in the objective (its district's fiscal difficulty).
    soft_value : dict Program -> ndarray (D, T)
        Points (weighted committee- or member-years at standard) per yuan closed in
        year t, before the district's need weight.
    """

    units: list[str]
    districts: list[str]
    unit_district: np.ndarray
    years: list[int]
    committees: np.ndarray
    members: np.ndarray
    uninsured: np.ndarray
    gap: dict[Program, np.ndarray]
    hard: dict[Requirement, np.ndarray]
    upgrade_units: dict[Program, np.ndarray]
    upgrade_deficit_m2: dict[Program, np.ndarray]
    unit_cost: dict[Program, np.ndarray]
    price_index: dict[Program, np.ndarray]
    capacity: np.ndarray
    ceiling: np.ndarray
    total_ceiling: float
    min_own_share: np.ndarray
    need_weight: np.ndarray
    soft_value: dict[Program, np.ndarray]
    deadlines: dict[Requirement, int]
    hard_capital: dict[Program, bool]
    equity_weight: float
    stage_tolerance: float
    # Reporting: standards and compliance denominators.
    operating_standard: np.ndarray = field(repr=False)
    subsidy_standard: np.ndarray = field(repr=False)
    minimum_wage: np.ndarray = field(repr=False)
    minimum_wage_cost: np.ndarray = field(repr=False)
    premium_per_member: np.ndarray = field(repr=False)
    at_standard_now: dict[Program, np.ndarray] = field(repr=False)
    operating_funds_now: np.ndarray = field(repr=False)
    subsidy_now: np.ndarray = field(repr=False)
    residents: np.ndarray = field(repr=False, default=None)
    #: Rule-based baselines only: the most each district may receive per year (G, T).
    grants: np.ndarray | None = field(repr=False, default=None)

    @property
    def shape(self) -> tuple[int, int]:
        """(units, years)."""
        return len(self.units), len(self.years)

    @property
    def unit_level(self) -> bool:
        """Whether units are communities grouped into districts (not districts themselves)."""
        return self.units != self.districts

    def by_district(self, values: np.ndarray) -> np.ndarray:
        """Sum a ``[unit, ...]`` array over the units of each district: ``[district, ...]``."""
        if self._units_are_districts:
            return np.add(values, 0.0, dtype=float)  # a new array, as the sum below gives
        out = np.zeros((len(self.districts),) + values.shape[1:])
        np.add.at(out, self.unit_district, values)
        return out

    @cached_property
    def _units_are_districts(self) -> bool:
        """Whether unit i is district i (district-level scenarios): sums over districts are the values."""
        return np.array_equal(self.unit_district, np.arange(len(self.districts)))

    def gap_of(self, program: Program) -> np.ndarray:
        """Recurring gap (D, T), or the capital gap if it were all closed in each year."""
        if program in RECURRING_PROGRAMS:
            return self.gap[program]
        return self.upgrade_units[program][:, None] * self.unit_cost[program]

    def with_ceiling(self, ceiling: np.ndarray, total_ceiling: float | None = None) -> ModelInputs:
        """The same inputs under another city ceiling (e.g. zero: the status quo)."""
        return replace(self, ceiling=np.asarray(ceiling, dtype=float),
                       total_ceiling=self.total_ceiling if total_ceiling is None else total_ceiling)

    def soft_points(self, closed: np.ndarray) -> np.ndarray:
        """Soft points each unit earns from the gaps closed (U,), program weights only.

        Committee-years at the service-room and operating standards and member-years
        at the full subsidy standard; money that only lifts members to the minimum
        wage (a hard target) earns none.
        """
        points = np.zeros(len(self.units))
        for k, program in enumerate(PROGRAMS):
            per_year = self.soft_value[program] * closed[:, k, :]
            if program == Program.MEMBER_SUBSIDY:
                floor = np.minimum(self.minimum_wage_cost, self.gap[program])
                per_year = np.maximum(per_year - self.soft_value[program] * floor, 0.0)
            points += per_year.sum(axis=1)
        return points

    def max_soft_points(self) -> np.ndarray:
        """Soft points each unit would earn with every soft gap closed from the first year (U,)."""
        full = np.zeros((len(self.units), len(PROGRAMS), len(self.years)))
        for k, program in enumerate(PROGRAMS):
            if program in CAPITAL_PROGRAMS:
                full[:, k, 0] = self.upgrade_units[program] * self.unit_cost[program][:, 0]
            else:
                full[:, k, :] = self.gap[program]
        return self.soft_points(full)

    def soft_points_offset(self) -> np.ndarray:
        """Points the LP's per-yuan values give to minimum-wage money (U,), which
        :meth:`soft_points` does not count: ``soft_value . closed - offset``."""
        floor = np.minimum(self.minimum_wage_cost, self.gap[Program.MEMBER_SUBSIDY])
        return (self.soft_value[Program.MEMBER_SUBSIDY] * floor).sum(axis=1)

    def with_grants(self, grants: np.ndarray) -> ModelInputs:
        """The same inputs with each district's transfers capped at a rule's grant (G, T)."""
        return replace(self, grants=np.asarray(grants, dtype=float))


def _series(scenario: Scenario, key: str, years: list[int]) -> np.ndarray:
    return np.array(scenario.year_values(key, years), dtype=float)


def fiscal_capacity(scenario: Scenario, years: list[int]) -> np.ndarray:
    """Own budget each district can spend on community work per year (G, T), in yuan:
    its capacity, indexed to city revenue (``districts.capacity_indexation``)."""
    revenue = _series(scenario, "city.budget_revenue_100m_yuan", years)
    capacity_index = 1.0 + scenario.params["districts.capacity_indexation"] * (revenue / revenue[0] - 1.0)
    return scenario.column("districts", "capacity_yuan").astype(float)[:, None] * capacity_index[None, :]


def city_ceiling(scenario: Scenario, years: list[int]) -> tuple[np.ndarray, float]:
    """The city's transfer ceiling per year (T,) and over the horizon (inf: none), in yuan."""
    return _series(scenario, "city.ceiling_yuan", years), float(scenario.params["city.total_ceiling_yuan"])


#: Scenario parameters (``by_year`` tables by their key) and district columns that
#: :func:`build_inputs` reads only through :func:`fiscal_capacity` and
#: :func:`city_ceiling`: they set how much money there is, not what it buys. A batch
#: point that varies only these has the inputs :func:`with_money_limits` gives.
MONEY_LIMIT_PARAMS = frozenset({"city.ceiling_yuan", "city.total_ceiling_yuan", "city.budget_revenue_100m_yuan",
                                "districts.capacity_indexation"})
MONEY_LIMIT_COLUMNS = frozenset({"capacity_yuan"})


def with_money_limits(inputs: ModelInputs, scenario: Scenario, base: Scenario | None = None) -> ModelInputs:
    """``inputs`` with the capacity and ceilings of ``scenario``.

    For a ``scenario`` that differs from the one ``inputs`` were built from only in
    :data:`MONEY_LIMIT_PARAMS` and :data:`MONEY_LIMIT_COLUMNS`: then this equals
    ``build_inputs(scenario)`` (tested), at a fraction of its cost. ``base``: that
    scenario, if known; when ``scenario`` holds the very same district table and
    parameter values that :func:`fiscal_capacity` reads (a ceiling sweep), the
    capacity is ``inputs.capacity`` itself, not computed again.
    """
    ceiling, total_ceiling = city_ceiling(scenario, inputs.years)
    if base is not None and _same_capacity_inputs(scenario, base, inputs.years):
        capacity = inputs.capacity
    else:
        capacity = fiscal_capacity(scenario, inputs.years)
    return replace(inputs, capacity=capacity, ceiling=ceiling, total_ceiling=total_ceiling)


def _same_capacity_inputs(scenario: Scenario, base: Scenario, years: list[int]) -> bool:
    """Whether :func:`fiscal_capacity` reads the same objects in both scenarios (a
    scenario's tables are never edited in place, so the same objects mean the same
    numbers; a value set again, even to an equal number, counts as changed)."""
    return scenario.districts is base.districts and all(
        scenario.params[key] is base.params[key] for key in _capacity_keys(tuple(years)))


@functools.cache
def _capacity_keys(years: tuple[int, ...]) -> tuple[str, ...]:
    """The parameters :func:`fiscal_capacity` reads for ``years``."""
    return ("districts.capacity_indexation", *(f"city.budget_revenue_100m_yuan.{y}" for y in years))


def build_inputs(scenario: Scenario) -> ModelInputs:
    """Compute every standard, gap and cost of ``scenario`` (see the module docstring)."""
    p = scenario.params
    years = scenario.years
    first = years[0]
    t_index = np.arange(len(years))
    previous_years = [y - 1 for y in years]

    def unit_column(name: str, kind=float) -> np.ndarray:
        """Committee data: per community, or per district."""
        return scenario.column("units", name).astype(kind)

    district_ids = list(scenario.column("districts", "id"))
    if scenario.units is not None:
        position = {d: i for i, d in enumerate(district_ids)}
        unit_district = np.array([position[d] for d in scenario.column("units", "district")], dtype=np.int64)
    else:
        unit_district = np.arange(len(district_ids), dtype=np.int64)

    def of_district(column: str) -> np.ndarray:
        """A district column, repeated for each of the district's units."""
        return scenario.column("districts", column)[unit_district]

    committees = unit_column("committees")
    members = committees * unit_column("members_per_committee")
    uninsured = unit_column("uninsured_members")
    need = of_district("need_weight").astype(float)
    if scenario.units is not None and "need_weight" in scenario.units:
        own_need = unit_column("need_weight")
        need = np.where(np.isnan(own_need), need, own_need)
    county = of_district("min_wage_tier") == "county"

    # --- wages and minimum wages ------------------------------------------------
    avg_wage = _series(scenario, "wages.average_wage_yuan", years)
    avg_wage_prev = _series(scenario, "wages.average_wage_yuan", previous_years)
    city_mw = _series(scenario, "wages.minimum_wage_city_yuan_month", years)
    county_mw = _series(scenario, "wages.minimum_wage_county_yuan_month", years)
    city_mw_prev = _series(scenario, "wages.minimum_wage_city_yuan_month", previous_years)
    county_mw_prev = _series(scenario, "wages.minimum_wage_county_yuan_month", previous_years)
    min_wage = np.where(county[:, None], county_mw[None, :], city_mw[None, :])
    min_wage_prev = np.where(county[:, None], county_mw_prev[None, :], city_mw_prev[None, :])
    months_new = p["wages.minimum_wage_months_at_new_rate"]

    # --- member subsidies: the standard grows with wages, never below the minimum wage
    indexation = p["member_subsidy.wage_indexation"]
    wage_growth = avg_wage / avg_wage[0] - 1.0
    indexed = p["member_subsidy.standard_yuan_month"] * (1.0 + indexation * wage_growth)
    subsidy_standard = np.maximum(indexed[None, :], min_wage)
    subsidy_now = unit_column("member_subsidy_yuan_month")[:, None]
    # Yuan a year to lift every member to the minimum wage: the new rate from April,
    # the previous year's rate before it.
    minimum_wage_cost = members[:, None] * (
        months_new * np.maximum(min_wage - subsidy_now, 0.0)
        + (12 - months_new) * np.maximum(min_wage_prev - subsidy_now, 0.0))
    full_subsidy_cost = members[:, None] * 12.0 * np.maximum(subsidy_standard - subsidy_now, 0.0)
    subsidy_gap = np.maximum(full_subsidy_cost, minimum_wage_cost)
    wage_from = p["member_subsidy.minimum_wage_from"]
    hard_minimum_wage = np.where(np.array(years)[None, :] >= wage_from, minimum_wage_cost, 0.0)

    # --- social insurance: premiums on a bounded contribution base ---------------
    rate = sum(p[f"social_insurance.rates.{name}"] for name in INSURANCES)
    base = np.clip(12.0 * subsidy_standard,
                   p["social_insurance.base_floor_share"] * avg_wage_prev[None, :],
                   p["social_insurance.base_ceiling_share"] * avg_wage_prev[None, :])
    premium_per_member = rate * base
    insurance_gap = uninsured[:, None] * premium_per_member
    insured_from = p["social_insurance.deadline"]
    hard_insurance = np.where(np.array(years)[None, :] >= insured_from, insurance_gap, 0.0)

    # --- operating funds: phased in from the old to the new standard, then with prices
    old, new = p["operating_funds.old_standard_yuan"], p["operating_funds.new_standard_yuan"]
    phase = np.minimum(1.0, (t_index + 1) / p["operating_funds.phase_in_years"])
    operating_standard_city = (old + (new - old) * phase) * (1.0 + p["operating_funds.growth"]) ** t_index
    operating_standard = np.broadcast_to(operating_standard_city, (len(committees), len(years))).copy()
    funds_now = unit_column("operating_funds_yuan")[:, None]
    operating_gap = committees[:, None] * np.maximum(operating_standard - funds_now, 0.0)
    hard_operating = operating_gap.copy() if p["operating_funds.hard"] else np.zeros_like(operating_gap)

    # --- capital programs ---------------------------------------------------------
    office_deficit = np.maximum(p["office_space.standard_m2"] - unit_column("office_area_below_m2"), 0.0)
    office_units = unit_column("office_below_standard")
    office_price = (1.0 + p["office_space.cost_growth"]) ** t_index
    office_cost = (office_deficit * p["office_space.cost_yuan_per_m2"])[:, None] * office_price[None, :]

    renovated = unit_column("service_below_renovated")
    new_built = unit_column("service_below_new")
    service_area = unit_column("service_area_below_m2")
    below = renovated + new_built
    deficit_total = (renovated * np.maximum(p["service_space.standard_renovated_m2"] - service_area, 0.0)
                     + new_built * np.maximum(p["service_space.standard_new_m2"] - service_area, 0.0))
    # Committees below standard are upgraded alike: each lacks the average deficit.
    service_deficit = np.divide(deficit_total, below, out=np.zeros_like(below), where=below > 0)
    service_at_standard = committees - below
    service_units = np.clip(p["service_space.target_share"] * committees - service_at_standard, 0.0, below)
    service_price = (1.0 + p["service_space.cost_growth"]) ** t_index
    service_cost = (service_deficit * p["service_space.cost_yuan_per_m2"])[:, None] * service_price[None, :]

    # --- who can pay --------------------------------------------------------------
    capacity = fiscal_capacity(scenario, years)
    ceiling, total_ceiling = city_ceiling(scenario, years)
    own_share = scenario.column("districts", "min_own_share").astype(float)
    own_share = np.where(np.isnan(own_share), p["cost_sharing.min_own_share"], own_share)

    # --- value of closing soft gaps, in points per yuan -----------------------------
    remaining_years = (len(years) - t_index).astype(float)  # a room built in year t serves to the end
    soft_value = {
        Program.SERVICE_SPACE: p["weights.service_space"] * np.divide(
            remaining_years[None, :], service_cost, out=np.zeros_like(service_cost), where=service_cost > 0),
        Program.OPERATING_FUNDS: p["weights.operating_funds"] * np.divide(
            1.0, operating_standard - funds_now, out=np.zeros_like(operating_gap),
            where=operating_gap > 0),
        # Members brought from the minimum wage to the full standard, per yuan.
        Program.MEMBER_SUBSIDY: p["weights.member_subsidy"] * np.divide(
            members[:, None], subsidy_gap - minimum_wage_cost, out=np.zeros_like(subsidy_gap),
            where=subsidy_gap - minimum_wage_cost > 1e-6),
        Program.OFFICE_SPACE: np.zeros_like(office_cost),
        Program.SOCIAL_INSURANCE: np.zeros_like(insurance_gap),
    }
    return ModelInputs(
        units=list(scenario.column("units", "id")),
        districts=district_ids,
        unit_district=unit_district,
        years=list(years),
        committees=committees,
        members=members,
        uninsured=uninsured,
        gap={Program.OPERATING_FUNDS: operating_gap,
             Program.MEMBER_SUBSIDY: subsidy_gap,
             Program.SOCIAL_INSURANCE: insurance_gap},
        hard={Requirement.OPERATING_FUNDS_STANDARD: hard_operating,
              Requirement.MINIMUM_WAGE: hard_minimum_wage,
              Requirement.SOCIAL_INSURANCE: hard_insurance},
        upgrade_units={Program.OFFICE_SPACE: office_units, Program.SERVICE_SPACE: service_units},
        upgrade_deficit_m2={Program.OFFICE_SPACE: office_deficit, Program.SERVICE_SPACE: service_deficit},
        unit_cost={Program.OFFICE_SPACE: office_cost, Program.SERVICE_SPACE: service_cost},
        price_index={Program.OFFICE_SPACE: office_price, Program.SERVICE_SPACE: service_price},
        capacity=capacity,
        ceiling=ceiling,
        total_ceiling=total_ceiling,
        min_own_share=own_share,
        need_weight=need,
        soft_value=soft_value,
        deadlines={Requirement.OFFICE_SPACE_DEADLINE: p["office_space.deadline"],
                   Requirement.SERVICE_SPACE_DEADLINE: p["service_space.deadline"],
                   Requirement.MINIMUM_WAGE: wage_from,
                   Requirement.SOCIAL_INSURANCE: insured_from,
                   Requirement.OPERATING_FUNDS_STANDARD: first},
        hard_capital={Program.OFFICE_SPACE: bool(p["office_space.hard"]),
                      Program.SERVICE_SPACE: bool(p["service_space.hard"])},
        equity_weight=float(p["weights.equity"]),
        stage_tolerance=float(p["solver.stage_tolerance"]),
        operating_standard=operating_standard,
        subsidy_standard=subsidy_standard,
        minimum_wage=min_wage,
        minimum_wage_cost=minimum_wage_cost,
        premium_per_member=premium_per_member,
        at_standard_now={Program.OFFICE_SPACE: committees - office_units,
                         Program.SERVICE_SPACE: service_at_standard},
        operating_funds_now=funds_now[:, 0],
        subsidy_now=subsidy_now[:, 0],
        residents=unit_column("residents"),
    )


__all__ = ["ModelInputs", "build_inputs", "with_money_limits", "MONEY_LIMIT_PARAMS", "MONEY_LIMIT_COLUMNS",
           "CAPITAL_PROGRAMS", "RECURRING_PROGRAMS"]
