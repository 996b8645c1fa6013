"""Method page: the formulation in plain words and in notation, and the loaded scenario's sources."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from app_pages import state
from app_pages.i18n import language, t
from app_pages.ui import show_problems
from model import ScenarioError

WORDS_EN = """
**What the model decides.** For every district, program and year it decides how much of the
district's gap is closed with the district's **own budget** and how much with **city transfers**.
The five programs are office space (100 m² per committee, a one-off capital cost; upgrades
persist), service rooms (200 m² renovated / 400 m² new communities, capital, a target share by a
deadline), operating funds (a per-committee standard rising from the old 7,000 yuan), members'
work subsidies (never below the minimum wage, rising with wages) and social insurance (five
employer premiums for every uninsured member).

**The gap** of a district, program and year is the cost of reaching the standard minus what the
district already spends. Money closing it never exceeds it. A district spends at most its fiscal
capacity for community work (growing with city revenue) and, where the scenario says so, at least
a co-financing share; the city transfers at most the year's ceiling (and, optionally, a total over
the plan).

**The objective is lexicographic**, solved in four stages, each keeping the optimum of the
previous one:
1. **Hard targets first**: offices at standard by the deadline, no member below the minimum wage,
   every member insured. If the ceiling cannot pay for them, the model says how much money is
   missing, by requirement, district and year — it never just says "infeasible".
2. **Then soft targets**: as many committee-years at the service-room and operating standard, and
   member-years at the full subsidy, as possible, weighted by program and by the district's fiscal
   need (an optional equity term lifts the worst-covered district).
3. **Then the least city money**: districts pay first where they can; the city funds the districts
   in difficulty, as the policy says.
4. **Last, one answer**: where several allocations are equally good, the one that spends the least
   money in all, then a fixed order of districts, programs and years, so that every run, batch
   and solver gives the same table.

**What one more million yuan buys** is the shadow price (LP dual) of the year's ceiling in stage 2:
soft points per extra yuan, times one million. When hard targets are unmet, the stage-1 dual says
how much missing money one more yuan removes, and it matters first. Both are marginal values.

**Without transfers** is each district's own optimum with no city money: what districts achieve
alone.
"""

WORDS_ZH = """
**模型决定什么。** 对每个区县、每个项目、每一年，模型决定用区县**自有财力**和**市级转移支付**各弥补多少缺口。
五个项目是：办公用房（每个居委会 100 平方米，一次性资本支出，达标后持续有效）、服务用房（改造社区 200 平方米、
新建社区 400 平方米，在期限前达到目标比例）、工作经费（每会标准，从原 7,000 元提高）、成员补贴（不低于最低工资，
随工资增长）和社会保险（为每名未参保成员缴纳五项单位保险费）。

**缺口**是达到标准的成本减去区县已有支出。弥补的资金不超过缺口。区县支出不超过其用于社区工作的财力
（随全市财政收入增长），情景规定时不低于最低自筹比例；市级转移支付不超过当年上限（可选规划期总额上限）。

**目标按优先顺序分四阶段求解**，每一阶段保持上一阶段的最优值：
1. **先满足硬性目标**：期限内办公用房达标、成员补贴不低于最低工资、全部成员参保。若上限不足，模型按要求、
   区县和年份给出资金缺口，而不是只说“无解”。
2. **再最大化软性目标**：尽可能多的服务用房和工作经费达标的居委会·年、补贴达标的成员·年，按项目和区县财政困难程度加权
   （可选的公平项提高覆盖最差的区县）。
3. **再使市级资金最少**：区县能承担的先由区县承担；市级资金支持困难区县，与政策一致。
4. **最后确定唯一方案**：若有多个同样好的分配，取总资金最少者，再按区县、项目和年份的固定顺序取舍，
   使每次运行、批量计算和各求解器给出同一张表。

**上限每增加 100 万元的价值**是第二阶段当年上限约束的影子价格（对偶值）乘以一百万：每元增加的软目标得分。
硬性目标未满足时，第一阶段的对偶值表示每增加一元可减少多少资金缺口，应优先看待。两者都是边际值。

**无转移支付**是没有市级资金时各区县自身的最优方案：区县仅靠自身能达到的水平。
"""

NOTATION = r"""
\begin{aligned}
&\text{variables (yuan): } o_{dpt}\ \text{own},\quad c_{dpt}\ \text{city},\quad
 u_{rdt}\ \text{missing for hard requirement } r;\quad x_{dpt} = o_{dpt} + c_{dpt}\ \text{closed}\\
&\text{recurring } p:\ x_{dpt} \le G_{dpt},\quad \frac{x_{dpt}}{G_{dpt}} \ge \frac{x_{dp,t-1}}{G_{dp,t-1}}
 \qquad \text{capital } p:\ \textstyle\sum_t x_{dpt}\,\pi_{pT}/\pi_{pt} \le N_{dp}\,\kappa_{dpT}\\
&\textstyle\sum_p o_{dpt} \le K_{dt},\qquad \sum_{d,p} c_{dpt} \le \bar C_t,\qquad
 \sum_{d,p,t} c_{dpt} \le \bar C,\qquad \sum_p o_{dpt} \ge s_d \sum_p x_{dpt}\\
&\text{hard } r:\quad \textstyle\sum_{p \in r} x_{dpt} + u_{rdt} \ge H_{rdt}\\
&\text{stage 1: } \min \textstyle\sum u_{rdt} \qquad
 \text{stage 2: } \max \textstyle\sum_{d,p,t} w_p\, n_d\, x_{dpt}/\kappa_{dpt}
 \;+\; \varepsilon \min_d \text{coverage}_d \qquad
 \text{stage 3: } \min \textstyle\sum c_{dpt}\\
&\text{stage 4: } \min \textstyle\sum (1 + 10^{-3} h)\,(x + c + u),\quad h \in [0, 1)\ \text{a fixed number of each column's unit, program and year}
\end{aligned}
"""

NOTATION_NOTE = {
    "en": "G: gap (yuan); N: committees to upgrade; π: price index; K: district capacity; C̄ₜ: the year's ceiling, C̄: the plan total; s: least own "
          "share; H: money a hard requirement needs; w: program weight; n: district need weight; κ: cost of "
          "one committee- or member-year at standard. Capital programs accumulate (upgrades persist) and "
          "recurring programs never fall back. Each stage fixes the previous optimum within "
          "solver.stage_tolerance. The full LP, constraint by named constraint (ceiling[2007], "
          "capacity[hedong,2008], …), is written by `budgetsim run SCENARIO --write-lp model.lp`.",
    "zh": "G：缺口（元）；N：需改造的居委会数；π：价格指数；K：区县财力；C̄ₜ：当年上限，C̄：规划期总额；s：最低自筹比例；H：硬性要求所需资金；"
          "w：项目权重；n：区县需要权重；κ：一个居委会·年或成员·年达标的成本。资本类项目累计（达标后持续），"
          "经常性项目不倒退。每阶段在 solver.stage_tolerance 容差内固定上一阶段的最优值。完整的线性规划"
          "（约束按政策命名，如 ceiling[2007]、capacity[hedong,2008]）可用 "
          "`budgetsim run SCENARIO --write-lp model.lp` 导出。",
}


def main() -> None:
    st.title(t("method_title"))
    st.markdown(WORDS_ZH if language() == "zh" else WORDS_EN)
    st.latex(NOTATION)
    st.caption(NOTATION_NOTE[language()])
    ref = state.current()
    try:
        scenario = state.load(ref)
    except ScenarioError as exc:
        show_problems(exc.problems, t("invalid_scenario"))
        return
    st.subheader(t("method_sources", title=state.label_of(ref)))
    rows = [{t("sources_key"): key,
             t("sources_kind"): t("kind_assumption") if "assumption" in text.lower() else t("kind_source"),
             t("sources_text"): text} for key, text in scenario.sources.items()]
    st.table(pd.DataFrame(rows).set_index(t("sources_key")))
    uncited = scenario.uncited()
    st.caption(t("uncited", keys=", ".join(uncited)) if uncited else t("all_cited"))
    if scenario.overrides:
        st.markdown(f"**{t('overrides_heading')}**")
        st.dataframe(pd.DataFrame([o.as_dict() for o in scenario.overrides]).astype(str), hide_index=True,
                     width="stretch")
    st.markdown(f"**{t('district_sources')}**")
    column = "name_zh" if language() == "zh" else "name_en"
    st.dataframe(pd.DataFrame({t("col_district"): scenario.districts[column],
                               t("sources_text"): scenario.districts["source"]}),
                 hide_index=True, width="stretch")


main()
