"""What a scenario may contain: every parameter and district column, its type and unit.

This table drives validation (``validation.py``), the ``--set`` keys the CLI accepts
and docs/scenario-format.md, so the three cannot drift apart.
Keys are dotted TOML paths. ``by_year`` parameters are tables keyed by year; the
``years`` attribute says which years they must cover:

- ``"horizon"``: every year of the plan;
- ``"horizon+previous"``: the year before the plan too (insurance bases and
  April minimum-wage changes look one year back).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace
from typing import Any, Literal

from ..io.files import MAX_SCENARIO_FILE

ParamKind = Literal["str", "path", "int", "year", "float", "bool", "by_year"]
ColumnKind = Literal["str", "int", "float", "choice"]

REQUIRED = object()  # sentinel: the scenario must give this value


@dataclass(frozen=True)
class Limit:
    """How large a value can plausibly be, and why (see :data:`LIMITS`).

    Past ``error_above`` the value is refused (``must be at most ...``): no real case
    comes near it and the LP would lose precision or blow up. Past ``warn_above`` it
    is accepted with a warning: a real case could be there, but it is more often a
    slip (yuan typed as 10k yuan, a digit too many).
    """

    error_above: float
    warn_above: float
    reason: str


@dataclass(frozen=True)
class Param:
    """One policy parameter of the TOML file."""

    key: str
    kind: ParamKind
    unit: str
    description: str
    minimum: float | None = None
    maximum: float | None = None
    default: Any = REQUIRED
    years: Literal["horizon", "horizon+previous"] = "horizon"
    limit: Limit | None = None

    @property
    def required(self) -> bool:
        return self.default is REQUIRED


@dataclass(frozen=True)
class Column:
    """One column of the district table (CSV)."""

    name: str
    kind: ColumnKind
    unit: str
    description: str
    minimum: float | None = None
    maximum: float | None = None
    choices: tuple[str, ...] = field(default_factory=tuple)
    required: bool = True
    limit: Limit | None = None


PARAMETERS: tuple[Param, ...] = (
    # --- the scenario itself ---------------------------------------------------
    Param("scenario.name", "str", "-", "Short name shown in the app and in results."),
    Param("scenario.description", "str", "-", "What this scenario represents.", default=""),
    Param("scenario.districts", "path", "-", "District table (CSV), relative to the TOML file."),
    Param("scenario.units", "path", "-",
          "Optional unit table (CSV): communities grouped into districts. When given, its rows "
          "are the model's units and the district table supplies capacity, co-financing, "
          "minimum-wage tier and need weight per district.", default=""),
    Param("scenario.first_year", "year", "year", "First year of the plan horizon.", 1990, 2100),
    Param("scenario.last_year", "year", "year", "Last year of the plan horizon.", 1990, 2100),
    # --- the city's money -------------------------------------------------------
    Param("city.ceiling_yuan", "by_year", "yuan/year",
          "Ceiling on city transfer payments for community work, per year.", 0),
    Param("city.total_ceiling_yuan", "float", "yuan",
          "Optional ceiling on transfers summed over the horizon (inf = none).", 0,
          default=math.inf),
    Param("city.budget_revenue_100m_yuan", "by_year", "100 million yuan/year",
          "City general budget revenue; indexes the growth of district fiscal capacity.",
          0, years="horizon+previous"),
    # --- wages ------------------------------------------------------------------
    Param("wages.average_wage_yuan", "by_year", "yuan/year",
          "City average wage of staff and workers; drives subsidy growth and insurance bases.",
          0, years="horizon+previous"),
    Param("wages.minimum_wage_city_yuan_month", "by_year", "yuan/month",
          "City minimum wage (districts on the city tier).", 0, years="horizon+previous"),
    Param("wages.minimum_wage_county_yuan_month", "by_year", "yuan/month",
          "Minimum wage of the outer districts and counties (county tier).", 0,
          years="horizon+previous"),
    Param("wages.minimum_wage_months_at_new_rate", "int", "months",
          "Months of each year paid at that year's new minimum wage (in force from April: 9); "
          "the other months are paid at the previous year's rate.", 1, 12, default=9),
    # --- program 1: office space -------------------------------------------------
    Param("office_space.standard_m2", "float", "m2/committee",
          "Office floor-area standard per residents' committee.", 0),
    Param("office_space.cost_yuan_per_m2", "float", "yuan/m2",
          "One-off cost of providing one m2 of office space in the first year.", 0),
    Param("office_space.cost_growth", "float", "1/year",
          "Annual growth of the construction cost per m2.", -0.5, 1.0),
    Param("office_space.deadline", "year", "year",
          "Year by whose end every office is at the standard.", 1990, 2100),
    Param("office_space.hard", "bool", "-",
          "Whether full compliance by the deadline is a hard requirement.", default=True),
    # --- program 2: service space ------------------------------------------------
    Param("service_space.standard_renovated_m2", "float", "m2/committee",
          "Public-service room standard in renovated communities.", 0),
    Param("service_space.standard_new_m2", "float", "m2/committee",
          "Public-service room standard in newly built communities.", 0),
    Param("service_space.cost_yuan_per_m2", "float", "yuan/m2",
          "One-off cost of providing one m2 of service rooms in the first year.", 0),
    Param("service_space.cost_growth", "float", "1/year",
          "Annual growth of the service-room cost per m2.", -0.5, 1.0),
    Param("service_space.target_share", "float", "share of committees",
          "Share of each district's committees to bring to the service-room standard.", 0, 1),
    Param("service_space.deadline", "year", "year",
          "Year by whose end the target share is reached (if hard).", 1990, 2100),
    Param("service_space.hard", "bool", "-",
          "Whether the target share by the deadline is a hard requirement.", default=False),
    # --- program 3: operating funds ----------------------------------------------
    Param("operating_funds.old_standard_yuan", "float", "yuan/committee/year",
          "The earlier city standard for office operating funds.", 0),
    Param("operating_funds.new_standard_yuan", "float", "yuan/committee/year",
          "The raised standard, at first-year prices, once fully phased in.", 0),
    Param("operating_funds.phase_in_years", "int", "years",
          "Years over which the standard rises linearly from the old to the new level.", 1, 50),
    Param("operating_funds.growth", "float", "1/year",
          "Annual growth of the standard with prices (gas, water, power, heating, telecoms).",
          -0.5, 1.0),
    Param("operating_funds.hard", "bool", "-",
          "Whether reaching the standard every year is a hard requirement.", default=False),
    # --- program 4: members' work subsidies --------------------------------------
    Param("member_subsidy.standard_yuan_month", "float", "yuan/member/month",
          "Subsidy standard in the first year (never below the minimum wage).", 0),
    Param("member_subsidy.wage_indexation", "float", "share",
          "Share of average-wage growth passed on to the standard (natural growth mechanism).",
          0, 2),
    Param("member_subsidy.minimum_wage_from", "year", "year",
          "First year in which no member may be paid below the minimum wage (hard).",
          1990, 2100),
    # --- program 5: social insurance ---------------------------------------------
    Param("social_insurance.rates.pension", "float", "share of base",
          "Employer contribution rate, basic pension insurance.", 0, 1),
    Param("social_insurance.rates.medical", "float", "share of base",
          "Employer contribution rate, basic medical insurance.", 0, 1),
    Param("social_insurance.rates.unemployment", "float", "share of base",
          "Employer contribution rate, unemployment insurance.", 0, 1),
    Param("social_insurance.rates.work_injury", "float", "share of base",
          "Employer contribution rate, work-injury insurance.", 0, 1),
    Param("social_insurance.rates.maternity", "float", "share of base",
          "Employer contribution rate, maternity insurance.", 0, 1),
    Param("social_insurance.base_floor_share", "float", "share of average wage",
          "Lowest contribution base, as a share of the previous year's average wage.", 0, 10),
    Param("social_insurance.base_ceiling_share", "float", "share of average wage",
          "Highest contribution base, as a share of the previous year's average wage.", 0, 10),
    Param("social_insurance.deadline", "year", "year",
          "First year from which every member must be insured (hard).", 1990, 2100),
    # --- who pays ----------------------------------------------------------------
    Param("districts.capacity_indexation", "float", "share",
          "Share of city revenue growth by which district fiscal capacity grows.", 0, 2),
    Param("cost_sharing.min_own_share", "float", "share",
          "Least share of the money closing a district's gaps that the district pays itself "
          "(a district's own min_own_share column, where given, takes precedence).", 0, 1,
          default=0.0),
    # --- objective weights -------------------------------------------------------
    Param("weights.service_space", "float", "points/committee-year",
          "Value of one committee-year at the service-room standard.", 0),
    Param("weights.operating_funds", "float", "points/committee-year",
          "Value of one committee-year at the operating-fund standard.", 0),
    Param("weights.member_subsidy", "float", "points/member-year",
          "Value of one member-year at the full subsidy standard (above the minimum wage).", 0),
    Param("weights.equity", "float", "share of total points",
          "Weight of the worst district's soft coverage (max-min equity term); 0 = off.", 0,
          default=0.0),
    # --- solving -----------------------------------------------------------------
    Param("solver.stage_tolerance", "float", "relative",
          "Relative slack allowed when a stage's optimum is fixed for the next stage.", 0, 0.01,
          default=1e-7),
)

# --- plausibility limits ------------------------------------------------------------
#: Money beyond this is refused everywhere: HiGHS treats 1e20 as infinite and an LP with
#: 1e15-yuan coefficients next to 1-yuan ones loses the precision of its tolerances
#: (1e-7 relative); no city budget comes near (Tianjin's 2006 revenue: about 4.2e10 yuan).
MONEY_ERROR = 1e15
_SLIP = "more often a slip (yuan typed as 10k yuan, a digit too many) than a real case"

#: Per parameter (a ``by_year`` limit holds for every year): refuse past the first
#: number, warn past the second. Each reason says where the second comes from.
LIMITS: dict[str, Limit] = {
    "city.ceiling_yuan": Limit(MONEY_ERROR, 1e11, "a yearly ceiling above 1e11 yuan is more than twice "
                               "Tianjin's whole 2006 budget revenue (4.2e10 yuan); " + _SLIP),
    "city.total_ceiling_yuan": Limit(math.inf, 5e11, "a horizon ceiling above 5e11 yuan is more than ten "
                                     "years of Tianjin's 2006 budget revenue; " + _SLIP),
    "city.budget_revenue_100m_yuan": Limit(1e7, 1e5, "1e5 (100 million yuan) is 10 trillion yuan a year, "
                                           "more than any city's revenue; " + _SLIP),
    "wages.average_wage_yuan": Limit(1e8, 1e6, "an average wage above 1e6 yuan a year is thirty times "
                                     "Tianjin's 2006 average (30,136); " + _SLIP),
    "wages.minimum_wage_city_yuan_month": Limit(1e7, 1e5, "a minimum wage above 1e5 yuan a month is "
                                                "150 times Tianjin's 2006 one (670); " + _SLIP),
    "wages.minimum_wage_county_yuan_month": Limit(1e7, 1e5, "a minimum wage above 1e5 yuan a month is "
                                                  "150 times Tianjin's 2006 city rate (670); " + _SLIP),
    "office_space.standard_m2": Limit(1e5, 2000, "the report's office standard is 100 m2; above 2,000 m2 "
                                      "a committee office is a building"),
    "office_space.cost_yuan_per_m2": Limit(1e8, 1e5, "above 1e5 yuan/m2 is ten times the dearest city "
                                           "housing of the time; " + _SLIP),
    "service_space.standard_renovated_m2": Limit(1e5, 4000, "the report's standards are 200 and 400 m2; "
                                                 "above 4,000 m2 is ten times the larger one"),
    "service_space.standard_new_m2": Limit(1e5, 4000, "the report's standards are 200 and 400 m2; "
                                           "above 4,000 m2 is ten times the larger one"),
    "service_space.cost_yuan_per_m2": Limit(1e8, 1e5, "above 1e5 yuan/m2 is ten times the dearest city "
                                            "housing of the time; " + _SLIP),
    "operating_funds.old_standard_yuan": Limit(1e10, 1e7, "the old standard is 7,000 yuan a committee; "
                                               "above 1e7 is a thousand times more; " + _SLIP),
    "operating_funds.new_standard_yuan": Limit(1e10, 1e7, "the report's best district spends 20,000 yuan "
                                               "a committee; above 1e7 is five hundred times more; " + _SLIP),
    "member_subsidy.standard_yuan_month": Limit(1e7, 1e5, "a subsidy above 1e5 yuan a month is 150 "
                                                "times the 2006 minimum wage; " + _SLIP),
}

#: Per district (or community) column, as :data:`LIMITS`.
COLUMN_LIMITS: dict[str, Limit] = {
    "households_10k": Limit(1e6, 1e3, "1e3 (10k households) is 10 million households, more than any "
                            "district; " + _SLIP),
    "residents": Limit(1e10, 3e7, "no district or county has 30 million residents (Tianjin had about 11 "
                       "million in all in 2006); " + _SLIP),
    "committees": Limit(1e6, 5000, "the whole city has 1,380 committees; 5,000 in one row is more than "
                        "any district; " + _SLIP),
    "operating_funds_yuan": Limit(1e10, 1e7, "above 1e7 yuan a committee is five hundred times the "
                                  "report's best district (20,000); " + _SLIP),
    "office_area_below_m2": Limit(1e5, 2000, "an office area above 2,000 m2 is a building, not a "
                                  "committee office"),
    "service_area_below_m2": Limit(1e5, 4000, "a service-room area above 4,000 m2 is ten times the "
                                   "report's larger standard"),
    "member_subsidy_yuan_month": Limit(1e7, 1e5, "a subsidy above 1e5 yuan a month is 150 times "
                                       "the 2006 minimum wage; " + _SLIP),
    "uninsured_members": Limit(1e7, 1e5, "the report counts 1,700 uninsured members in the whole city; "
                               + _SLIP),
    "capacity_yuan": Limit(MONEY_ERROR, 1e10, "a district budget for community work above 1e10 yuan a "
                           "year is a quarter of Tianjin's whole 2006 revenue; " + _SLIP),
    "need_weight": Limit(1e6, 100, "a need weight above 100 lets one district's soft gaps outweigh a "
                         "hundred others'; the LP's tolerances assume weights of similar size"),
}

#: The plan horizon: refused beyond the first, warned beyond the second (years).
HORIZON_LIMIT = Limit(30, 10, "the report's plan is a five-year plan; beyond ten years the growth "
                      "rates and wage paths a scenario gives are guesses, and the LP grows with every year")
#: Rows of a district table and of a unit (community) table: refused beyond the first,
#: warned beyond the second.
DISTRICT_ROWS_LIMIT = Limit(5000, 3500, "a city has a few dozen districts and counties (Tianjin: 18), a "
                            "country about 2,850 county-level divisions; for communities use a unit table "
                            "(scenario.units)")
UNIT_ROWS_LIMIT = Limit(200_000, 150_000, "China has about 117,000 residents' committees; the LP has about 25 "
                        "columns per community and year, so beyond that it needs gigabytes")
#: A scenario file (TOML or CSV) larger than this is refused before it is parsed.
MAX_FILE_BYTES = MAX_SCENARIO_FILE

PARAMETERS = tuple(replace(p, limit=LIMITS.get(p.key)) for p in PARAMETERS)
PARAMETERS_BY_KEY: dict[str, Param] = {p.key: p for p in PARAMETERS}

AREA_TYPES = ("central", "coastal", "suburban", "outer")
TIERS = ("city", "county")

DISTRICT_COLUMNS: tuple[Column, ...] = (
    Column("id", "str", "-", "Identifier (lower-case pinyin), unique."),
    Column("name_zh", "str", "-", "Chinese name."),
    Column("name_en", "str", "-", "Name in pinyin."),
    Column("province", "str", "-", "Province or region the district belongs to (national scenarios: "
           "results are also summed by it).", required=False),
    Column("area_type", "choice", "-", "Central, coastal, suburban, or outer district/county.",
           choices=AREA_TYPES),
    Column("households_10k", "float", "10k households", "Registered households.", 0),
    Column("residents", "float", "persons", "Residents served by the district's committees.", 0),
    Column("committees", "int", "committees", "Residents' committees (communities).", 1),
    Column("members_per_committee", "float", "members/committee",
           "Average committee members (law: 5 to 9).", 5, 9),
    Column("operating_funds_yuan", "float", "yuan/committee/year",
           "Operating funds each committee receives now.", 0),
    Column("office_below_standard", "int", "committees",
           "Committees whose office is below the office standard.", 0),
    Column("office_area_below_m2", "float", "m2/committee",
           "Average office area of the committees below the standard.", 0),
    Column("service_below_renovated", "int", "committees",
           "Committees in renovated communities below the service-room standard.", 0),
    Column("service_below_new", "int", "committees",
           "Committees in newly built communities below the service-room standard.", 0),
    Column("service_area_below_m2", "float", "m2/committee",
           "Average service-room area of the committees below the standard.", 0),
    Column("member_subsidy_yuan_month", "float", "yuan/member/month",
           "Average monthly work subsidy members receive now.", 0),
    Column("uninsured_members", "int", "members", "Members without social insurance.", 0),
    Column("capacity_yuan", "float", "yuan/year",
           "Own budget the district can add for these programs in the first year.", 0),
    Column("min_wage_tier", "choice", "-", "Minimum-wage schedule: city or county.",
           choices=TIERS),
    Column("need_weight", "float", "-",
           "Weight of the district's soft gaps (fiscal difficulty: 1 = none).", 0),
    Column("min_own_share", "float", "share",
           "District's own least co-financing share (blank: the scenario default).", 0, 1,
           required=False),
    Column("source", "str", "-", "Where the row's figures come from.", required=False),
)

DISTRICT_COLUMNS = tuple(replace(c, limit=COLUMN_LIMITS.get(c.name)) for c in DISTRICT_COLUMNS)
DISTRICT_COLUMNS_BY_NAME: dict[str, Column] = {c.name: c for c in DISTRICT_COLUMNS}

#: Columns that describe the committees themselves. A district table carries them
#: when the district is the model's unit; a unit table (``scenario.units``) carries
#: them per community instead, and the district table may then leave them out.
UNIT_DATA_COLUMNS: tuple[str, ...] = (
    "residents", "committees", "members_per_committee", "operating_funds_yuan",
    "office_below_standard", "office_area_below_m2", "service_below_renovated",
    "service_below_new", "service_area_below_m2", "member_subsidy_yuan_month",
    "uninsured_members",
)

UNIT_COLUMNS: tuple[Column, ...] = (
    Column("id", "str", "-", "Identifier of the unit (community), unique."),
    Column("district", "str", "-", "Id of the district the unit belongs to (district table)."),
    Column("name_zh", "str", "-", "Chinese name.", required=False),
    Column("name_en", "str", "-", "Name in pinyin or English.", required=False),
    *(c for c in DISTRICT_COLUMNS if c.name in UNIT_DATA_COLUMNS),
    Column("need_weight", "float", "-",
           "Weight of the unit's soft gaps (blank: its district's need_weight).", 0, required=False),
    Column("source", "str", "-", "Where the row's figures come from.", required=False),
)

UNIT_COLUMNS_BY_NAME: dict[str, Column] = {c.name: c for c in UNIT_COLUMNS}

#: Program-level settings that a scenario variant may override by dotted key.
TOP_LEVEL_KEYS = ("base", "sources")


def parameter_for(key: str) -> Param | None:
    """The parameter a dotted key sets, also for a year of a ``by_year`` table.

    ``city.ceiling_yuan.2007`` belongs to ``city.ceiling_yuan``.
    """
    if key in PARAMETERS_BY_KEY:
        return PARAMETERS_BY_KEY[key]
    head, _, last = key.rpartition(".")
    param = PARAMETERS_BY_KEY.get(head)
    if param is not None and param.kind == "by_year" and last.isdigit():
        return param
    return None
