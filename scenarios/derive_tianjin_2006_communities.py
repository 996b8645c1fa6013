"""Derive the community table of ``tianjin-2006-communities.toml``: 1,380 committees.

The district table (``tianjin-2006-districts.csv``, itself derived by
``derive_tianjin_2006.py``) gives each district's totals. This script splits every
district into its communities -- one residents' committee each, so 1,380 rows --
by a seeded procedure that keeps **every district total exactly**:

- committees: one per community (ids ``<district>-001`` ...);
- members: every committee keeps the district's average (5.5; the report gives no
  spread), so members per district are unchanged;
- residents: the district's residents split by seeded weights uniform in
  [0.5, 1.5], to whole persons (largest remainder, so the sum is exact);
- offices below the 100 m2 standard: exactly the district's number of communities,
  chosen at random; their floor area varies by up to +/-10 m2 around the district
  average (within 10-95 m2), whole m2 with the district's total exactly, so the m2
  missing add up to the district's; communities at the standard get 0 (unused);
- service rooms below standard: exactly the district's numbers of renovated and of
  newly built communities, chosen at random among the rest; areas as for offices
  (+/-15 m2), so the m2 missing add up too;
- operating funds and member subsidies: the district's money total (committees x
  funds, members x monthly subsidy) split by seeded weights in [0.8, 1.2] (funds)
  and [0.9, 1.1] (subsidies) to whole yuan, so each total is exact -- communities
  now differ, as the report says they do ("some below the minimum wage");
- uninsured members: the district's number split by seeded weights to whole
  members, at most the committee's 5 whole members each (largest remainder with caps).

The city's figures follow: 1,380 committees, 708 at the office standard
(51.30 %, the nearest committee to the report's 51.32 %), 164 at the service-room
standard (11.88 %), 1,700 uninsured members, about 7 million residents.

The random numbers come from Python's ``random.Random(SEED)`` (Mersenne Twister,
whose ``random()`` stream Python keeps stable across versions), drawn district
by district in the table's order. Run ``python scenarios/derive_tianjin_2006_communities.py``
to rewrite the CSV; a test checks the shipped CSV is what this script writes and
that every district total holds.
"""

from __future__ import annotations

import csv
import importlib.util
import math
import random
from pathlib import Path

HERE = Path(__file__).resolve().parent
DISTRICTS = HERE / "tianjin-2006-districts.csv"
OUTPUT = HERE / "tianjin-2006-communities.csv"
SEED = 20061380

COLUMNS = ["id", "district", "residents", "committees", "members_per_committee", "operating_funds_yuan",
           "office_below_standard", "office_area_below_m2", "service_below_renovated", "service_below_new",
           "service_area_below_m2", "member_subsidy_yuan_month", "uninsured_members", "source"]


def _largest_remainder():
    spec = importlib.util.spec_from_file_location("derive_tianjin_2006", HERE / "derive_tianjin_2006.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.largest_remainder


largest_remainder = _largest_remainder()


def spread(total: int, n: int, rng: random.Random, low: float, high: float,
           caps: list[int] | None = None) -> list[int]:
    """``total`` split over ``n`` by weights uniform in [low, high], whole numbers, exact sum."""
    weights = [low + (high - low) * rng.random() for _ in range(n)]
    return largest_remainder(total, weights, caps)


def choose(items: list[int], k: int, rng: random.Random) -> list[int]:
    """``k`` of ``items`` at random (a partial Fisher-Yates shuffle on ``random()`` only)."""
    pool = list(items)
    for i in range(k):
        j = i + int(rng.random() * (len(pool) - i))
        pool[i], pool[j] = pool[j], pool[i]
    return sorted(pool[:k])


def areas(n: int, mean: float, width: float, low: float, high: float, rng: random.Random) -> list[int]:
    """``n`` whole areas within [low, high], about ``mean`` +/- ``width``, summing to ``n * mean``."""
    if n == 0:
        return []
    total = round(n * mean)
    base = [int(math.floor(max(low, mean - width))) for _ in range(n)]
    room = [int(min(high, mean + width)) - b for b in base]
    extra = total - sum(base)
    return [b + e for b, e in zip(base, largest_remainder(extra, [0.05 + rng.random() for _ in range(n)], room))]


def derive() -> list[dict[str, object]]:
    """The community rows, district by district in the district table's order."""
    with DISTRICTS.open(encoding="utf-8", newline="") as f:
        districts = list(csv.DictReader(f))
    rng = random.Random(SEED)
    rows: list[dict[str, object]] = []
    for d in districts:
        n = int(d["committees"])
        members = float(d["members_per_committee"])
        residents = spread(int(d["residents"]), n, rng, 0.5, 1.5)
        funds = spread(round(float(d["operating_funds_yuan"]) * n), n, rng, 0.8, 1.2)
        subsidy = spread(round(float(d["member_subsidy_yuan_month"]) * n), n, rng, 0.9, 1.1)
        uninsured = spread(int(d["uninsured_members"]), n, rng, 0.5, 1.5, [math.floor(members)] * n)
        office_below = choose(list(range(n)), int(d["office_below_standard"]), rng)
        office_area = dict(zip(office_below, areas(len(office_below), float(d["office_area_below_m2"]),
                                                   10, 10, 95, rng)))
        renovated_n, new_n = int(d["service_below_renovated"]), int(d["service_below_new"])
        below = choose(list(range(n)), renovated_n + new_n, rng)
        new_built = set(choose(below, new_n, rng))
        service_area = dict(zip(below, areas(len(below), float(d["service_area_below_m2"]), 15, 10, 195, rng)))
        for i in range(n):
            rows.append({
                "id": f"{d['id']}-{i + 1:03d}",
                "district": d["id"],
                "residents": residents[i],
                "committees": 1,
                "members_per_committee": d["members_per_committee"],
                "operating_funds_yuan": funds[i],
                "office_below_standard": int(i in office_area),
                "office_area_below_m2": office_area.get(i, 0),
                "service_below_renovated": int(i in service_area and i not in new_built),
                "service_below_new": int(i in new_built),
                "service_area_below_m2": service_area.get(i, 0),
                "member_subsidy_yuan_month": subsidy[i],
                "uninsured_members": uninsured[i],
                "source": f"split of {d['id']} (derive_tianjin_2006_communities.py, seed {SEED})",
            })
    return rows


def write(rows: list[dict[str, object]], path: Path = OUTPUT) -> None:
    with path.open("w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, fieldnames=COLUMNS, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)


if __name__ == "__main__":
    write(derive())
    print(f"wrote {OUTPUT}")
