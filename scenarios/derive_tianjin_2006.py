"""Derive the district table of the default scenario, ``tianjin-2006-districts.csv``.

The work report gives city totals and three district examples, not a district table.
This script spreads the city totals over the 18 districts and counties of 2006 by a
stated rule, so that every district total adds up to the report's figures exactly
(largest-remainder rounding) and anyone can see, change and re-run the rule.

Run ``python scenarios/derive_tianjin_2006.py`` to rewrite the CSV; the test suite
checks that the shipped CSV is what this script writes.

Sources (S) and assumptions (A) used below:

- S1 DOMAIN.md (the work report): 1,380 committees; about 7 million residents;
  51.32 % of committees at the office standard, 11.9 % at the service-room standard;
  "over 1,700" uninsured members; Heping funds each committee's operating costs at
  20,000 yuan a year; Hedong upgraded 128 committees' offices (93 % of its committees,
  so it has 138); a third district (here: Hexi) reached 75 % office compliance.
- S2 Tianjin Statistical Yearbook 2010: registered households by district at end-2009
  (10 thousand) for the six central districts, Tanggu, Hangu, Dagang, Dongli, Xiqing
  and Jinnan.
- A1 households of Beichen, Wuqing, Baodi, Ninghe, Jinghai and Ji county (not in the
  figures available to us): registered population of the period divided by about
  3 persons per household, rounded.
- A2 share of households living in urban communities (served by residents' committees
  rather than villagers' committees): central 1.0, coastal 0.8, suburban 0.35,
  outer 0.15.
- A3 committees: Hedong fixed at 138 (S1); the other 1,242 in proportion to
  households x urban share (A1, A2).
- A4 residents: 7 million (S1) in proportion to households x urban share.
- A5 office compliance: Hedong 128 of 138 (S1), Hexi 75 % (S1), Heping 85 %; the
  others in proportion to a typical rate by area type (central 0.55, coastal 0.45,
  suburban 0.30, outer 0.20), scaled so that the city has 708 of 1,380 committees
  at standard (51.30 %, the nearest committee to 51.32 %).
- A6 service-room compliance: typical rate by type (central 0.16, coastal 0.14,
  suburban 0.06, outer 0.04), scaled so that the city has 164 of 1,380 (11.88 %);
  of those below standard, the share in newly built communities (400 m2 standard):
  central 0.10, coastal 0.40, suburban 0.35, outer 0.20.
- A7 uninsured members: 1,700 (S1) in proportion to members x a typical uninsured
  rate by type (central 0.10, coastal 0.20, suburban 0.40, outer 0.60).
- A8 per-district levels that the report does not give (members per committee,
  current operating funds except Heping's, current subsidies, average floor areas
  of the committees below standard, fiscal capacity, need weight): set by area type
  in DISTRICT_ASSUMPTIONS below.
"""

from __future__ import annotations

import csv
import math
from pathlib import Path

HERE = Path(__file__).resolve().parent
OUTPUT = HERE / "tianjin-2006-districts.csv"

TOTAL_COMMITTEES = 1380  # S1
HEDONG_COMMITTEES = 138  # S1: 128 committees are 93 % of Hedong's
HEDONG_OFFICE_AT_STANDARD = 128  # S1
HEXI_OFFICE_COMPLIANCE = 0.75  # S1 (the report's "third district")
HEPING_OFFICE_COMPLIANCE = 0.85  # A5
OFFICE_AT_STANDARD = round(0.5132 * TOTAL_COMMITTEES)  # S1: 708
SERVICE_AT_STANDARD = round(0.119 * TOTAL_COMMITTEES)  # S1: 164
UNINSURED_MEMBERS = 1700  # S1
RESIDENTS = 7_000_000  # S1
HEPING_OPERATING_FUNDS = 20_000  # S1

# (id, Chinese name, pinyin name, area type, min-wage tier, households (10k), household source)
DISTRICTS = [
    ("heping", "和平区", "Heping", "central", "city", 13.28, "S2"),
    ("hedong", "河东区", "Hedong", "central", "city", 26.65, "S2"),
    ("hexi", "河西区", "Hexi", "central", "city", 27.38, "S2"),
    ("nankai", "南开区", "Nankai", "central", "city", 29.39, "S2"),
    ("hebei", "河北区", "Hebei", "central", "city", 23.73, "S2"),
    ("hongqiao", "红桥区", "Hongqiao", "central", "city", 20.78, "S2"),
    ("tanggu", "塘沽区", "Tanggu", "coastal", "city", 19.03, "S2"),
    ("hangu", "汉沽区", "Hangu", "coastal", "city", 6.59, "S2"),
    ("dagang", "大港区", "Dagang", "coastal", "city", 14.12, "S2"),
    ("dongli", "东丽区", "Dongli", "suburban", "city", 13.35, "S2"),
    ("xiqing", "西青区", "Xiqing", "suburban", "city", 12.65, "S2"),
    ("jinnan", "津南区", "Jinnan", "suburban", "city", 14.63, "S2"),
    ("beichen", "北辰区", "Beichen", "suburban", "city", 12.0, "A1"),
    ("wuqing", "武清区", "Wuqing", "outer", "county", 28.0, "A1"),
    ("baodi", "宝坻区", "Baodi", "outer", "county", 22.0, "A1"),
    ("ninghe", "宁河县", "Ninghe", "outer", "county", 12.5, "A1"),
    ("jinghai", "静海县", "Jinghai", "outer", "county", 18.0, "A1"),
    ("jixian", "蓟县", "Ji", "outer", "county", 26.0, "A1"),
]

URBAN_SHARE = {"central": 1.0, "coastal": 0.8, "suburban": 0.35, "outer": 0.15}  # A2
OFFICE_RATE = {"central": 0.55, "coastal": 0.45, "suburban": 0.30, "outer": 0.20}  # A5
SERVICE_RATE = {"central": 0.16, "coastal": 0.14, "suburban": 0.06, "outer": 0.04}  # A6
NEW_COMMUNITY_SHARE = {"central": 0.10, "coastal": 0.40, "suburban": 0.35, "outer": 0.20}
UNINSURED_RATE = {"central": 0.10, "coastal": 0.20, "suburban": 0.40, "outer": 0.60}  # A7

# A8: levels by area type. Members per committee: the law allows 5-9, the national
# average was about 5.5 in 2006. Subsidies: central districts above the 2006 city
# minimum wage (670), the outer counties below their 650. Capacity: own budget a
# district can add for these programs in 2006, per committee.
DISTRICT_ASSUMPTIONS = {
    "central": dict(members_per_committee=5.5, operating_funds_yuan=9_000,
                    office_area_below_m2=50, service_area_below_m2=70,
                    member_subsidy_yuan_month=700, capacity_per_committee=60_000,
                    need_weight=1.0),
    "coastal": dict(members_per_committee=5.5, operating_funds_yuan=10_000,
                    office_area_below_m2=45, service_area_below_m2=60,
                    member_subsidy_yuan_month=680, capacity_per_committee=70_000,
                    need_weight=1.0),
    "suburban": dict(members_per_committee=5.5, operating_funds_yuan=7_000,
                     office_area_below_m2=40, service_area_below_m2=50,
                     member_subsidy_yuan_month=600, capacity_per_committee=30_000,
                     need_weight=1.5),
    "outer": dict(members_per_committee=5.5, operating_funds_yuan=7_000,
                  office_area_below_m2=35, service_area_below_m2=40,
                  member_subsidy_yuan_month=520, capacity_per_committee=15_000,
                  need_weight=2.0),
}


def largest_remainder(total: int, weights: list[float], caps: list[int] | None = None) -> list[int]:
    """Integers proportional to ``weights`` that add up to ``total`` exactly.

    Each share is rounded down, then the units left over go to the largest
    remainders (Hamilton's method). ``caps`` bound each integer from above; units a
    capped entry cannot take are handed on to the others.
    """
    caps = caps or [total] * len(weights)
    result = [0] * len(weights)
    free = [i for i in range(len(weights)) if weights[i] > 0]
    remaining = total
    while remaining > 0 and free:
        weight_sum = sum(weights[i] for i in free)
        exact = {i: remaining * weights[i] / weight_sum for i in free}
        give = {i: min(math.floor(exact[i]), caps[i] - result[i]) for i in free}
        left = remaining - sum(give.values())
        order = sorted(free, key=lambda i: exact[i] - math.floor(exact[i]), reverse=True)
        for i in order:
            if left == 0:
                break
            if give[i] < caps[i] - result[i]:
                give[i] += 1
                left -= 1
        for i in free:
            result[i] += give[i]
        remaining = left
        free = [i for i in free if result[i] < caps[i]]
    if remaining:
        raise ValueError(f"cannot place {remaining} units under the caps")
    return result


def derive() -> list[dict[str, object]]:
    """The district rows, in the order of ``DISTRICTS``."""
    ids = [d[0] for d in DISTRICTS]
    kind = {d[0]: d[3] for d in DISTRICTS}
    urban_households = [d[5] * URBAN_SHARE[d[3]] for d in DISTRICTS]

    # A3: committees, Hedong fixed.
    others = [i for i, d in enumerate(ids) if d != "hedong"]
    shares = largest_remainder(TOTAL_COMMITTEES - HEDONG_COMMITTEES,
                               [urban_households[i] for i in others])
    committees = dict.fromkeys(ids, 0)
    committees["hedong"] = HEDONG_COMMITTEES
    for i, n in zip(others, shares):
        committees[ids[i]] = n

    # A4: residents, rounded to hundreds.
    hundreds = largest_remainder(RESIDENTS // 100, urban_households)
    residents = {d: 100 * h for d, h in zip(ids, hundreds)}

    # A5: committees at the office standard.
    at_office = {"hedong": HEDONG_OFFICE_AT_STANDARD,
                 "hexi": round(HEXI_OFFICE_COMPLIANCE * committees["hexi"]),
                 "heping": round(HEPING_OFFICE_COMPLIANCE * committees["heping"])}
    rest = [d for d in ids if d not in at_office]
    split = largest_remainder(OFFICE_AT_STANDARD - sum(at_office.values()),
                              [OFFICE_RATE[kind[d]] * committees[d] for d in rest],
                              [committees[d] for d in rest])
    at_office.update(zip(rest, split))

    # A6: committees at the service-room standard.
    at_service = dict(zip(ids, largest_remainder(
        SERVICE_AT_STANDARD, [SERVICE_RATE[kind[d]] * committees[d] for d in ids],
        [committees[d] for d in ids])))

    # A7: uninsured members.
    members = {d: committees[d] * DISTRICT_ASSUMPTIONS[kind[d]]["members_per_committee"]
               for d in ids}
    uninsured = dict(zip(ids, largest_remainder(
        UNINSURED_MEMBERS, [UNINSURED_RATE[kind[d]] * members[d] for d in ids],
        [math.floor(members[d]) for d in ids])))

    rows = []
    for d_id, name_zh, name_en, area_type, tier, households, household_source in DISTRICTS:
        a = DISTRICT_ASSUMPTIONS[area_type]
        below_service = committees[d_id] - at_service[d_id]
        below_new = round(NEW_COMMUNITY_SHARE[area_type] * below_service)
        operating = HEPING_OPERATING_FUNDS if d_id == "heping" else a["operating_funds_yuan"]
        notes = [f"households {household_source}"]
        notes.append("committees S1" if d_id == "hedong" else "committees A3")
        if d_id == "heping":
            notes.append("operating funds S1")
        if d_id in ("hedong", "hexi"):
            notes.append("office compliance S1")
        notes.append("other columns A4-A8")
        rows.append({
            "id": d_id,
            "name_zh": name_zh,
            "name_en": name_en,
            "area_type": area_type,
            "households_10k": households,
            "residents": residents[d_id],
            "committees": committees[d_id],
            "members_per_committee": a["members_per_committee"],
            "operating_funds_yuan": operating,
            "office_below_standard": committees[d_id] - at_office[d_id],
            "office_area_below_m2": a["office_area_below_m2"],
            "service_below_renovated": below_service - below_new,
            "service_below_new": below_new,
            "service_area_below_m2": a["service_area_below_m2"],
            "member_subsidy_yuan_month": a["member_subsidy_yuan_month"],
            "uninsured_members": uninsured[d_id],
            "capacity_yuan": a["capacity_per_committee"] * committees[d_id],
            "min_wage_tier": tier,
            "need_weight": a["need_weight"],
            "min_own_share": "",
            "source": "; ".join(notes) + " (derive_tianjin_2006.py)",
        })
    return rows


def write(rows: list[dict[str, object]], path: Path = OUTPUT) -> None:
    with path.open("w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0]), lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)


if __name__ == "__main__":
    write(derive())
    print(f"wrote {OUTPUT}")
