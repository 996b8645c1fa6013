"""Labels in English and Chinese. The default language is set here, in one place.

``t("key")`` returns the label in the session's language; ``{name}`` fields are
filled from keyword arguments. Parameter and district-column labels are keyed by
the schema's dotted keys and column names.
"""

from __future__ import annotations

import streamlit as st

#: The language a session starts in (a link's ``lang`` parameter can change it).
DEFAULT_LANGUAGE = "en"
LANGUAGES = {"en": "English", "zh": "中文"}
LANG_KEY = "lang"

TEXT: dict[str, tuple[str, str]] = {
    # --- app and navigation ---
    "app_title": ("budgetsim: transfers for community work", "budgetsim：社区工作转移支付模拟"),
    "page_scenario": ("Scenario", "情景"),
    "page_results": ("Results", "结果"),
    "page_compare": ("Compare", "比较"),
    "page_method": ("Method", "方法"),
    "page_frontier": ("Frontier", "预算前沿"),
    "language": ("Language", "语言"),
    "sidebar_current": ("Current scenario", "当前情景"),
    "sidebar_changes": ("{n} value(s) changed from the file", "相对文件修改了 {n} 项"),
    "sidebar_share": ("The address bar holds this view: copy it to share what you see.",
                      "地址栏保存了当前视图：复制链接即可分享。"),
    "sidebar_not_shareable": ("Uploaded scenarios stay in this session: share them as files.",
                              "上传的情景只在本次会话中有效：请以文件形式分享。"),
    "link_problems": ("Some of the link could not be used; the defaults are shown instead:",
                      "链接中有部分内容无法使用，已改为默认值："),
    "dismiss": ("Dismiss", "关闭"),
    "solving": ("Solving the allocation model…", "正在求解分配模型…"),
    "solving_n": ("Solving scenario {i} of {n}…", "正在求解第 {i} / {n} 个情景…"),
    "invalid_scenario": ("This scenario cannot be used:", "该情景无法使用："),
    "solve_failed": ("The solver failed on this scenario (a fault of the model or solver, not of your input; "
                     "please report it): {message}", "求解器在该情景上失败（这是模型或求解器的问题，不是输入错误，请报告）：{message}"),
    # --- scenario page ---
    "scenario_intro": ("Start from a shipped, saved or uploaded scenario; change policy values and "
                       "district data below, then apply and run.",
                       "从内置、已保存或上传的情景开始；修改下方的政策参数和区县数据，然后应用并运行。"),
    "start_from": ("Start from", "起始情景"),
    "kind_shipped": ("shipped", "内置"),
    "kind_saved": ("saved", "已保存"),
    "kind_uploaded": ("uploaded", "上传"),
    "upload": ("Upload a scenario (TOML + CSV, or one zip)", "上传情景（TOML + CSV，或一个 zip 文件）"),
    "upload_help": ("A scenario TOML file and the district CSV it names; a variant may name a shipped "
                    "scenario as its base.",
                    "情景 TOML 文件及其引用的区县 CSV 文件；变体可以引用内置情景作为基础。"),
    "upload_button": ("Load the uploaded files", "载入上传的文件"),
    "upload_pick": ("Several scenarios in the upload: which one?", "上传中有多个情景，请选择："),
    "upload_none": ("The upload holds no scenario TOML file.", "上传的文件中没有情景 TOML 文件。"),
    "upload_loaded": ("Loaded {name}.", "已载入 {name}。"),
    "upload_problems": ("The upload has problems; nothing was loaded:", "上传的文件有问题，未载入任何内容："),
    "horizon": ("Plan {first}–{last} · {districts} districts · {committees} committees · {members} members",
                "规划期 {first}–{last} 年 · {districts} 个区县 · {committees} 个居委会 · {members} 名成员"),
    "changed_from_file": ("{n} value(s) differ from the file {file}.", "{n} 项与文件 {file} 不同。"),
    "reset": ("Reset to the file's values", "恢复文件中的数值"),
    "tab_money": ("City money and wages", "市级资金与工资"),
    "tab_programs": ("Standards and deadlines", "标准与期限"),
    "tab_sharing": ("Who pays and weights", "分担与权重"),
    "tab_districts": ("Districts", "区县"),
    "no_total_ceiling": ("No total ceiling over the plan", "规划期内不设总额上限"),
    "districts_help": ("Edit a cell, then apply. Money in yuan unless the column says 10k yuan.",
                       "编辑单元格后点击应用。金额单位为元（列名注明万元者除外）。"),
    "apply": ("Apply and run", "应用并运行"),
    "applied": ("Applied: {n} value(s) differ from the file. The results are updated.",
                "已应用：{n} 项与文件不同，结果已更新。"),
    "fix_problems": ("Not applied: fix these {n} problem(s). Your edits are kept.",
                     "未应用：请修正以下 {n} 个问题，您的修改已保留。"),
    "see_results": ("See the results", "查看结果"),
    "save_title": ("Save and download", "保存与下载"),
    "save_name": ("Name for this session", "本次会话中的名称"),
    "save_button": ("Save", "保存"),
    "saved": ("Saved as “{name}”: pick it on Compare.", "已保存为“{name}”，可在“比较”页选用。"),
    "save_name_empty": ("Give the scenario a name.", "请为情景命名。"),
    "download_zip": ("Download the scenario (zip)", "下载情景（zip）"),
    "download_toml": ("TOML file", "TOML 文件"),
    "download_csv": ("District CSV", "区县 CSV"),
    "problem_file": ("file", "文件"),
    "problem_where": ("where", "位置"),
    "problem_rule": ("rule", "规则"),
    "district_problem": ("{district}, column {column}: {rule}", "{district}，{column} 列：{rule}"),
    "year_of_horizon": ("The plan horizon ({first}–{last}) and the district list are fixed by the file; "
                        "upload a scenario to change them.",
                        "规划期（{first}–{last} 年）和区县名单由文件确定；如需修改请上传情景。"),
    # --- results page ---
    "results_of": ("Results: {title}", "结果：{title}"),
    "hard_targets": ("Hard targets", "硬性目标"),
    "all_met": ("All met", "全部达成"),
    "unmet": ("Unmet", "未达成"),
    "missing_money": ("Missing money", "资金缺口"),
    "transfers": ("City transfers", "市级转移支付"),
    "of_ceiling": ("{share} of the ceiling ({ceiling})", "占上限 {ceiling} 的 {share}"),
    "own_spending": ("District own spending", "区县自有资金"),
    "of_capacity": ("{share} of capacity ({capacity})", "占财力 {capacity} 的 {share}"),
    "value_of_million": ("+1 million yuan of ceiling in {year}", "{year} 年上限增加 100 万元"),
    "points": ("{value} points", "{value} 分"),
    "value_help": ("Soft points gained (committee-years at the service-room or operating standard, "
                   "member-years at the full subsidy; weighted) per extra million yuan of that year's "
                   "ceiling: the LP dual of the ceiling, a marginal value.",
                   "该年上限每增加 100 万元所增加的软目标得分（达标的居委会·年与成员·年，加权），"
                   "即上限约束的对偶价格（边际值）。"),
    "missing_cut_label": ("Missing money cut by +1M yuan in {year}", "{year} 年上限增 100 万元减少的缺口"),
    "missing_cut_help": ("How much less money the hard targets miss when that year's ceiling rises by one "
                         "million yuan: the LP dual of the ceiling in the first stage (a marginal value). While "
                         "hard targets are unmet this comes before the soft points.",
                         "该年上限增加 100 万元时硬性目标资金缺口减少的数额：第一阶段上限约束的对偶值（边际值）。"
                         "硬性目标未满足时，应先看此值，再看软目标得分。"),
    "targets_heading": ("Targets", "目标"),
    "target_line": ("target {target} by {year}", "目标：{year} 年达到 {target}"),
    "target_line_every": ("target {target} every year from {year}", "目标：自 {year} 年起每年 {target}"),
    "met": ("met", "达成"),
    "not_met": ("short by {pts} pts (worst {year})", "差 {pts} 个百分点（最差年份 {year}）"),
    "hard": ("hard", "硬性"),
    "soft": ("soft", "软性"),
    "money_by_year": ("Money by year", "分年资金"),
    "value_by_year": ("What one more million yuan of ceiling buys, by year", "上限每增加 100 万元的价值（分年）"),
    "missing_heading": ("Missing money for hard targets", "硬性目标资金缺口"),
    "missing_explained": ("The ceiling cannot pay for every hard target: this is how much money is "
                          "missing, by requirement, district and year.",
                          "在上限内无法满足全部硬性目标：以下为按要求、区县和年份列出的资金缺口。"),
    "since_previous": ("What changed since the previous run", "与上一次运行相比的变化"),
    "previous_run": ("Previous run: {label}", "上一次运行：{label}"),
    "first_run": ("This is the first run of this session: change an input on Scenario and apply to "
                  "see what changes.", "这是本次会话的第一次运行：在“情景”页修改输入并应用后即可查看变化。"),
    "same_as_previous": ("Same inputs as the previous run.", "与上一次运行的输入相同。"),
    "inputs_changed": ("Inputs changed", "已修改的输入"),
    "figures_changed": ("Headline figures", "主要指标"),
    "districts_changed": ("Transfers by district", "各区县转移支付"),
    "charts": ("Charts", "图表"),
    "chart_transfers": ("City transfers by district and program", "各区县、各项目的市级转移支付"),
    "chart_compliance": ("Compliance by year against the targets", "各年达标率与目标"),
    "chart_own_city": ("Own and city money by district", "各区县自有资金与市级资金"),
    "chart_money_year": ("Transfers against the ceiling, by year", "各年转移支付与上限"),
    "all_years": ("All years", "全部年份"),
    "year": ("Year", "年份"),
    "tables": ("Tables", "数据表"),
    "download_all_excel": ("Download all tables (Excel)", "下载全部数据表（Excel）"),
    "download_csv_table": ("CSV", "CSV"),
    "status_quo_note": ("“Without transfers” is the same model with every ceiling at zero.",
                        "“无转移支付”是将各年上限设为零后的同一模型。"),
    "provenance": ("Solved with {solver} in {seconds:.2f} s · scenario sha256 {sha}",
                   "求解器 {solver}，用时 {seconds:.2f} 秒 · 情景 sha256 {sha}"),
    "list_sep": (", ", "、"),
    "large_scenario": ("This scenario has {units} units (communities): the decision analysis solves its LP many "
                       "times and each solve takes tens of seconds here, so it can run for a long time and "
                       "this page waits meanwhile. It starts only when you ask.",
                       "本情景有 {units} 个单位（社区）：决策分析需要多次求解线性规划，每次求解需数十秒，"
                       "因此可能运行很长时间，期间本页需等待。只有在您要求时才开始。"),
    "fr_button": ("Compute the frontier", "计算预算前沿"),
    "dx_button": ("Diagnose the unmet hard targets", "诊断未满足的硬性目标"),
    # --- results: why hard targets fail, and what would fix it ---
    "dx_heading": ("Why, and what would fix it", "原因及解决办法"),
    "dx_step_frontier": ("Diagnosing the unmet hard targets: the budget frontier…",
                         "正在诊断未满足的硬性目标：计算预算前沿…"),
    "dx_step_diagnosis": ("Diagnosing the unmet hard targets: extra ceiling, conflicts, alternatives…",
                          "正在诊断未满足的硬性目标：所需追加上限、冲突与替代方案…"),
    "dx_extra_total": ("Least extra ceiling that meets them", "满足全部硬性目标所需的最少追加上限"),
    "dx_extra_help": ("The smallest top-up of the yearly ceilings, year by year, with which every hard target "
                      "is met (an LP that minimises the top-ups).",
                      "使全部硬性目标得到满足的各年上限最少追加额（以追加额最小为目标的线性规划）。"),
    "dx_uniform": ("Or today's ceiling scaled up to", "或将当前上限按比例提高至"),
    "dx_uniform_help": ("The smallest total ceiling, keeping today's year profile, that meets every hard "
                        "target (the budget frontier's first point without missing money).",
                        "保持当前各年比例、满足全部硬性目标的最小总上限（预算前沿上第一个无资金缺口的点）。"),
    "dx_residual": ("Even an unlimited ceiling leaves {missing} missing: co-financing shares or district "
                    "budgets bind. The top-up shown minimises what remains.",
                    "即使上限不受限制，仍有 {missing} 的缺口：最低自筹比例或区县财力受约束。所示追加额使剩余缺口最小。"),
    "dx_extra_by_year": ("Least extra ceiling by year", "分年最少追加上限"),
    "dx_col_today": ("ceiling today", "当前上限"),
    "dx_col_extra": ("extra", "追加"),
    "dx_col_needed": ("ceiling needed", "所需上限"),
    "dx_requirements": ("Unmet requirements", "未满足的要求"),
    "dx_col_alone": ("missing if only this is required", "仅要求此项时的缺口"),
    "dx_col_affordable": ("affordable alone", "单独可满足"),
    "dx_col_where": ("districts", "区县"),
    "dx_alone_help": ("“Affordable alone”: with today's ceiling, this requirement could be met if the other "
                      "hard requirements were allowed to go unmet.",
                      "“单独可满足”：在当前上限下，若允许其他硬性要求不满足，此项要求可以满足。"),
    "dx_conflict": ("{a} and {b} can each be met alone but not together.", "{a}与{b}可以分别满足，但不能同时满足。"),
    "dx_no_pair_conflict": ("{names}: each can be met alone and any two of them together; {together}",
                            "{names}：每一项都可单独满足，其中任意两项也可同时满足；{together}"),
    "dx_together_all": ("only all of them together cannot.", "只是全部同时满足不行。"),
    "dx_together_others": ("the money runs short with the requirement above.", "加上前述要求后资金不足。"),
    "dx_alone_one": ("{name} can be met alone, with the others left short.", "{name}可以单独满足（其他要求不满足时）。"),
    "dx_why": ("Why", "原因"),
    "dx_not_alone": ("{name} cannot be met with today's ceiling even if nothing else were required.",
                     "即使不要求其他任何目标，当前上限下也无法满足{name}。"),
    "dx_binding_ceiling": ("Money that runs out: the city ceiling in {years}.", "用尽的资金：{years} 年的市级上限。"),
    "dx_binding_budgets": ("District budgets that run out: {budgets}.", "用尽的区县财力：{budgets}。"),
    "dx_legal_minimum_wage": ("The minimum wage is not lowered: no member may be paid below it (law).",
                              "最低工资不予降低：成员补贴不得低于最低工资（法定）。"),
    "dx_legal_social_insurance": ("Insurance is not lowered: every member must be insured (law).",
                                  "社会保险不予降低：全部成员必须参保（法定）。"),
    "dx_alternatives": ("What would fix it, and at what cost", "解决办法及其代价"),
    "dx_col_option": ("option", "方案"),
    "dx_col_cost": ("cost", "代价"),
    "dx_col_missing_after": ("still missing after it", "实施后仍缺"),
    "dx_col_fixes": ("meets every hard target", "满足全部硬性目标"),
    "dx_alternatives_help": ("Each option alone, solved again: a deadline a year later, the least cut of an "
                             "adjustable standard that meets every hard target (found by bisection), a "
                             "district's least extra own budget, or the least extra city ceiling.",
                             "每个方案单独重新求解：期限推迟一年、可调整标准的最小降幅（二分法求得）、"
                             "某区县最少追加自有资金、或最少追加市级上限。"),
    "dx_col_change": ("change", "调整"),
    "alt_move_deadline": ("Move a deadline a year", "期限推迟一年"),
    "alt_lower_standard": ("Lower a standard", "降低标准"),
    "alt_raise_own_contribution": ("Raise a district's own budget", "增加区县自有资金"),
    "alt_raise_ceiling": ("Raise the city ceiling", "提高市级上限"),
    "alt_every_year": ("the yearly ceilings", "各年上限"),
    "alt_cost_deadline": ("{share} at standard in {year} instead of 100 %", "{year} 年达标率为 {share}，而非 100%"),
    "alt_cost_standard": ("standard lower by {cut} {unit}", "标准降低 {cut} {unit}"),
    "alt_cost_money": ("{total} more ({years})", "增加 {total}（{years}）"),
    # --- results: analysis ---
    "an_heading": ("Analysis: what a million buys, and what targets cost", "分析：100 万元能带来什么，目标的代价"),
    "an_intro": ("Shadow prices of each year's ceiling with the range where they hold, where one million "
                 "more or less would go (district and program), what each hard target and deadline costs "
                 "at the margin and what dropping or moving it would gain. It solves the model a few hundred "
                 "times: expect up to a minute on the city scenario.",
                 "各年上限的影子价格及其成立区间，增减 100 万元的去向（区县和项目），各硬性目标和期限的边际代价，"
                 "以及取消或推迟它们的收益。需要求解模型数百次：市级情景约需一分钟。"),
    "an_button": ("Compute the analysis", "计算分析"),
    "an_step_frontier": ("Analysis: the budget frontier (for money equivalents)…", "分析：计算预算前沿（用于折算资金）…"),
    "an_step_prices": ("Analysis: prices, their ranges, the next million, targets and deadlines…",
                       "分析：影子价格及其区间、增减 100 万元、目标与期限…"),
    "an_ceiling": ("Price of each year's ceiling, and where it holds", "各年上限的影子价格及其成立区间"),
    "an_col_price_points": ("points per +1M yuan", "每增加 100 万元得分"),
    "an_col_price_missing": ("missing money cut per +1M yuan", "每增加 100 万元减少的缺口"),
    "an_col_holds": ("price holds for ceilings", "价格成立的上限区间"),
    "an_no_limit": ("no limit", "无上限"),
    "an_cuts_only": ("today's ceiling is a breakpoint: the price holds for cuts only; see ±1M",
                     "当前上限恰为转折点：此价格只适用于减少，见 ±100 万元"),
    "an_rises_only": ("today's ceiling is a breakpoint: the price holds for increases only; see ±1M",
                      "当前上限恰为转折点：此价格只适用于增加，见 ±100 万元"),
    "an_col_plus": ("+1M yuan that year", "该年增加 100 万元"),
    "an_col_minus": ("−1M yuan that year", "该年减少 100 万元"),
    "an_missing_change": ("missing {change}", "缺口 {change}"),
    "an_ceiling_help": ("The price is the dual of the year's ceiling (HiGHS): soft points per extra yuan, "
                        "times a million. The range is found by solving again: the nearest breakpoints in that "
                        "year's ceiling. ±1M are solved again too; a cut stops at zero.",
                        "影子价格为该年上限约束的对偶值（HiGHS）：每增加一元的软目标得分，乘以一百万。"
                        "成立区间通过重新求解得到：该年上限最近的转折点。±100 万元也重新求解；减少时最低降至零。"),
    "an_ceiling_help_hard": ("Hard targets are unmet, so the price that comes first is the missing money one more "
                             "yuan removes (the stage-1 dual, times a million). The range is found by solving "
                             "again; ±1M are solved again too (a cut stops at zero).",
                             "硬性目标未满足，因此首先看每增加一元减少的资金缺口（第一阶段对偶值，乘以一百万）。"
                             "成立区间和 ±100 万元均通过重新求解得到（减少时最低降至零）。"),
    "an_where": ("Where the money goes", "资金去向"),
    "an_direction": ("Change", "变化"),
    "an_plus_direction": ("+1M yuan", "增加 100 万元"),
    "an_minus_direction": ("−1M yuan", "减少 100 万元"),
    "an_where_caption": ("Money closing gaps that changes when the {year} ceiling changes by {change}.",
                         "{year} 年上限变化 {change} 时，弥补缺口资金的变化。"),
    "an_nowhere": ("A change of the ceiling moves no money.", "上限变化不引起资金变化。"),
    "an_nowhere_year": ("A change of the {year} ceiling moves no money.", "{year} 年上限变化不引起资金变化。"),
    "an_col_closed": ("money closing gaps", "弥补缺口的资金"),
    "an_col_transfer": ("city transfers", "市级转移支付"),
    "an_where_help": ("Own and city money closing each district's gaps, over the whole plan, against today's "
                      "optimum (solved again). City transfers are attributed to programs in proportion to "
                      "the money they close. Changes under 0.05 10k yuan are left out here; the download "
                      "has every row.",
                      "与当前最优解相比（重新求解），各区县整个规划期内弥补缺口的自有和市级资金变化。市级转移支付按各项目"
                      "弥补的资金比例分摊。此处略去小于 0.05 万元的变化，下载文件包含全部行。"),
    "an_targets": ("What each hard target costs at the margin", "各硬性目标的边际代价"),
    "an_col_requirement_money": ("money it asks for", "所需资金"),
    "an_col_marginal_points": ("points lost per +1M yuan of target", "目标每增加 100 万元损失的得分"),
    "an_col_target_holds": ("holds for targets (share of today's)", "价格成立的目标范围（占当前比例）"),
    "an_col_drop_points": ("dropping it gains (points)", "取消此目标可增加得分"),
    "an_col_drop_money": ("worth in ceiling", "相当于追加上限"),
    "an_beyond_frontier": ("more than any ceiling buys", "超过任何上限所能带来的"),
    "an_col_marginal_missing": ("missing yuan per yuan of target", "目标每增加一元的缺口（元）"),
    "an_col_drop_missing": ("dropping it cuts missing money by", "取消此目标可减少缺口"),
    "an_targets_help": ("Marginal cost: the duals of the target's rows weighted by their amounts (points lost per "
                        "yuan more of target, times a million); the range is the share of today's target over "
                        "which it holds (re-solving). Dropping a target is solved again; its worth in ceiling is "
                        "the extra total ceiling, spread like today's, that buys the same points (the frontier).",
                        "边际代价：该目标约束的对偶值按金额加权（目标每增加一元损失的得分，乘以一百万）；"
                        "区间为该价格成立的目标比例范围（重新求解）。取消目标重新求解；其折算上限为按当前比例"
                        "追加、可带来相同得分的总上限（预算前沿）。"),
    "an_targets_help_hard": ("Hard targets are unmet: a target's marginal cost is the missing money one yuan more of "
                             "it adds; dropping it is solved again.",
                             "硬性目标未满足：目标的边际代价为其每增加一元所增加的缺口；取消目标重新求解。"),
    "an_deadlines": ("Moving a deadline a year", "期限推迟一年"),
    "an_col_deadline": ("deadline", "期限"),
    "an_col_move": ("year", "年份"),
    "an_col_gain": ("what it gains", "收益"),
    "an_col_given_up": ("what it gives up", "代价"),
    "an_last_year": ("already the last year of the plan", "已是规划期最后一年"),
    "an_worth": ("worth {money} of ceiling", "相当于 {money} 上限"),
    "an_nothing": ("nothing", "无"),
    "an_given_up": ("{pts} at standard in {year}", "{year} 年达标率 {pts}"),
    "an_method": ("Methods: prices are the LP's duals (HiGHS); ranges, ±1M, dropped targets and moved deadlines "
                  "are found by solving the model again; money equivalents come from the budget frontier.",
                  "方法：影子价格为线性规划对偶值（HiGHS）；区间、±100 万元、取消目标和推迟期限均通过重新求解模型得到；"
                  "资金折算来自预算前沿。"),
    # --- results: equity ---
    "eq_heading": ("Equity between districts", "区县间公平"),
    "eq_worst": ("Worst district coverage", "覆盖率最低的区县"),
    "eq_best": ("Best district coverage", "覆盖率最高的区县"),
    "eq_coverage": ("soft coverage", "软目标覆盖率"),
    "eq_coverage_help": ("Soft coverage: the share of the soft points a district could earn (every soft gap "
                         "closed from the first year) that it does earn.",
                         "软目标覆盖率：区县实际获得的软目标得分占其可能获得得分（自第一年起弥补全部软性缺口）的比例。"),
    "eq_per_committee": ("Money per committee", "每个居委会资金"),
    "eq_per_committee_help": ("Own and city money closing gaps over the plan, per committee, by district.",
                              "各区县规划期内弥补缺口的自有和市级资金，按居委会平均。"),
    "eq_range": ("lowest – highest district; coefficient of variation {cv}", "最低–最高区县；变异系数 {cv}"),
    "eq_gini": ("Gini of money per committee", "每会资金基尼系数"),
    "eq_gini_help": ("Between districts, weighted by committees: 0 is equal money per committee everywhere.",
                     "区县之间按居委会数加权：0 表示各地每会资金相等。"),
    "eq_transfer_gini": ("city transfers alone: {gini}", "仅市级转移支付：{gini}"),
    "eq_committees": ("committees", "居委会数"),
    "eq_chart_caption": ("Soft coverage by district, lowest first; hover for money per committee. Every district's "
                         "figures are in the equity table below.",
                         "各区县软目标覆盖率（由低到高）；悬停可见每会资金。各区县数据见下方公平表。"),
    # --- compare page ---
    "compare_intro": ("Choose 2 to 4 scenarios: shipped, saved in this session, uploaded, or the "
                      "current one.", "选择 2 至 4 个情景：内置、本次会话保存、上传或当前情景。"),
    "compare_choose": ("Scenarios", "情景"),
    "compare_reference": ("Reference", "参照情景"),
    "compare_need_two": ("Pick at least two scenarios, or one with the baselines.", "请至少选择两个情景，或选择一个情景并加入规则基准。"),
    "edited": ("{label} (edited)", "{label}（已修改）"),
    "side_by_side": ("Headline figures side by side", "主要指标对比"),
    "difference_vs": ("Columns marked Δ are the difference against the reference, {ref}.",
                      "标有 Δ 的列为与参照情景 {ref} 的差异。"),
    "winners_losers": ("Winners and losers by district (city transfers against {ref})",
                       "各区县得失（市级转移支付，与 {ref} 相比）"),
    "unchanged_districts": ("{n} district(s) receive the same transfers in every scenario: {names}.",
                            "{n} 个区县在各情景中获得的转移支付相同：{names}。"),
    "gains": ("gains", "增加"),
    "loses": ("loses", "减少"),
    "same": ("same", "不变"),
    "inputs_differ": ("Inputs that differ", "不同的输入"),
    "no_input_differences": ("These scenarios have the same inputs.", "这些情景的输入相同。"),
    "compare_failed": ("{label} cannot be compared:", "{label} 无法比较："),
    "compare_baselines": ("Add the rule-based baselines of the reference", "加入参照情景的规则基准"),
    "compare_baselines_help": ("What a bureau would get without the optimiser: the reference's ceiling split by "
                               "a rule (no transfers, equal per committee, pro rata to gap, per capita, the "
                               "equalisation formula), then spent by the districts by the same rules as the "
                               "optimum. One scenario is enough to compare with them.",
                               "不使用优化模型时的结果：按某一规则分配参照情景的上限（无转移支付、按居委会定额、按缺口比例、"
                               "按人口、均衡性转移支付公式），各区县再按与最优解相同的规则使用资金。选择一个情景即可与之比较。"),
    "compare_baselines_solving": ("Solving the five rule-based baselines of {label}…", "正在求解 {label} 的五个规则基准…"),
    "compare_baselines_note": ("Baselines split the ceiling of {label} by their rule; a rule fixes each district's "
                               "grant, so the value of one more million of ceiling is not defined for them "
                               "(shown as –).",
                               "规则基准按各自规则分配 {label} 的上限；规则固定了各区县的补助额，因此对它们而言"
                               "“上限每增加 100 万元的价值”没有定义（显示为 –）。"),
    "baseline_label": ("{label} · {rule}", "{label} · {rule}"),
    "cmp_programs": ("Change by district and program (against {ref})", "按区县和项目的变化（与 {ref} 相比）"),
    "cmp_programs_option": ("Option", "方案"),
    "cmp_programs_same": ("{option} closes the same gaps in every district and program.",
                          "{option} 在各区县、各项目弥补的缺口相同。"),
    "cmp_programs_caption": ("{option}: money closing gaps over the plan (own and city), change per district and "
                             "program; blue more, red less. Only districts and programs that change are shown.",
                             "{option}：整个规划期弥补缺口的资金（自有和市级）按区县和项目的变化；蓝色为增加，红色为减少。"
                             "只显示有变化的区县和项目。"),
    "cmp_programs_table": ("As a table ({n} rows)", "表格（{n} 行）"),
    "winners_table": ("As a table ({n} rows)", "表格（{n} 行）"),
    "cmp_col_closed_change": ("money closing gaps, change", "弥补缺口资金变化"),
    "cmp_col_transfers_change": ("city transfers, change", "市级转移支付变化"),
    "cmp_col_share_change": ("share at standard, change (last year)", "达标率变化（最后一年）"),
    "cmp_programs_help": ("City transfers are attributed to programs in proportion to the money they close in "
                          "each district and year; summed over programs they are the district's change above.",
                          "市级转移支付按各区县、各年份各项目弥补的资金比例分摊；各项目相加即上表中该区县的变化。"),
    # --- frontier page ---
    "fr_title": ("Budget frontier: {title}", "预算前沿：{title}"),
    "fr_intro": ("What each total ceiling over the plan would buy, from zero to the amount beyond which "
                 "more money buys nothing: every year's ceiling moves together, in today's proportions.",
                 "规划期内各种总上限能带来什么：从零到再增加资金也无法带来更多成效的数额，各年上限按当前比例同步变化。"),
    "fr_computing": ("Computing the budget frontier (exact breakpoints; this takes a few seconds)…",
                     "正在计算预算前沿（精确转折点，需要数秒）…"),
    "fr_today": ("Today's total ceiling", "当前总上限"),
    "fr_today_help": ("The sum of this scenario's yearly ceilings.", "本情景各年上限之和。"),
    "fr_feasible_from": ("Hard targets met from", "硬性目标自此满足"),
    "fr_feasible_help": ("The smallest total ceiling, in today's year profile, at which no money is missing "
                         "for hard targets.", "按当前各年比例，硬性目标不再有资金缺口的最小总上限。"),
    "fr_never": ("no ceiling", "任何上限都不能"),
    "fr_saturates": ("Nothing more to buy from", "饱和点"),
    "fr_saturates_help": ("Beyond this total every gap that city money can close is closed.",
                          "超过此总额后，市级资金能够弥补的缺口均已弥补。"),
    "fr_plus_million": ("+1M yuan of total ceiling buys", "总上限增加 100 万元可得"),
    "fr_plus_million_missing": ("Missing money cut by +1M of total ceiling", "总上限增 100 万元减少缺口"),
    "fr_step_help": ("Read off the frontier (exact: the curve is straight between breakpoints), with the "
                     "million spread over the years like today's ceiling. The Results page's value of one "
                     "more million is per year instead.",
                     "从前沿读取（转折点之间为直线，结果精确），这 100 万元按当前各年比例分配。“结果”页给出的是分年的边际值。"),
    "fr_minus_million": ("One million yuan less", "总上限减少 100 万元"),
    "fr_minus_to_zero": ("Down to a zero ceiling ({change})", "上限降至零（{change}）"),
    "fr_minus_points": ("{less}: {points} points.", "{less}：得分变化 {points}。"),
    "fr_minus_missing": ("{less}: hard targets short by {missing}.", "{less}：硬性目标资金缺口 {missing}。"),
    "fr_profile": ("Year profile of the ceiling: {shares}.", "上限的年度比例：{shares}。"),
    "fr_view": ("Show", "显示范围"),
    "fr_view_near": ("Around today's ceiling", "当前上限附近"),
    "fr_view_whole": ("The whole frontier", "整个前沿"),
    "fr_total": ("total ceiling", "总上限"),
    "fr_mark_today": ("today", "当前"),
    "fr_mark_feasible": ("hard targets met", "硬性目标满足"),
    "fr_mark_saturates": ("nothing more to buy", "不再有成效"),
    "fr_breakpoint": ("breakpoint", "转折点"),
    "fr_chart_points": ("Soft points (weighted committee- and member-years at standard)",
                        "软目标得分（加权的居委会·年、成员·年达标数）"),
    "fr_chart_missing": ("Money missing for hard targets", "硬性目标资金缺口"),
    "fr_chart_caption": ("Dots are the exact breakpoints (and today's ceiling, in red); between two dots the "
                         "curve is a straight line. Soft points count once no money is missing for hard targets.",
                         "圆点为精确的转折点（红点为当前上限）；两点之间为直线。硬性目标无资金缺口后才计软目标得分。"),
    "fr_compliance_heading": ("Compliance along the frontier", "沿前沿的达标率"),
    "fr_compliance_caption": ("Share at standard in {year}, city-wide, from the optimal allocation at each point. "
                              "Where the optimum has several allocations the one found is shown, so a share can "
                              "dip between points while the points themselves only rise.",
                              "{year} 年全市达标率，取自每一点的最优分配。最优解不唯一时显示求得的那一个，"
                              "因此某项达标率在两点之间可能下降，而总得分只增不减。"),
    "fr_share_last": ("share at standard, {year}", "{year} 年达标率"),
    "fr_table_heading": ("Breakpoints", "转折点"),
    "fr_col_rate": ("points per +1M yuan (to the next row)", "每增加 100 万元得分（至下一行）"),
    "fr_col_missing_rate": ("missing money cut per yuan (to the next row)", "每元减少的缺口（至下一行）"),
    "fr_col_kink": ("breakpoint", "转折点"),
    "fr_col_today": ("today", "当前"),
    "fr_download_csv": ("Download the frontier (CSV)", "下载预算前沿（CSV）"),
    "fr_units": ("Downloads are in model units: yuan, shares as fractions, points per million yuan.",
                 "下载文件使用模型单位：元、比例（小数）、每百万元得分。"),
    "fr_method_heading": ("How the frontier is computed", "预算前沿的计算方法"),
    "fr_method": (
        "Every year's ceiling is today's share of a total *T*, and *T* moves from zero up. Along that line the "
        "model's optimum is piecewise linear in *T*: the money missing for hard targets falls in straight "
        "segments until it reaches zero, then the soft points rise in straight segments until nothing more "
        "can be bought. The breakpoints are **found exactly, not sampled**: on each interval the lines "
        "touching the optimum at its two ends (their slopes are the LP's duals) are intersected; if the "
        "optimum at the intersection lies on both lines it is the only breakpoint, otherwise the interval is "
        "split there and each half is searched the same way. So the table holds every point where the "
        "marginal value changes, and **between two rows the missing money and the soft points are exactly "
        "on the straight line** joining them. Compliance shares are reported at the rows.",
        "各年上限等于总额 *T* 乘以当前各年比例，*T* 从零开始增加。沿这条线，模型的最优值是 *T* 的分段线性函数："
        "硬性目标的资金缺口分段线性下降直到为零，此后软目标得分分段线性上升，直到再也买不到更多成效。"
        "转折点是**精确求得的，而非抽样**：在每个区间上，取两端与最优值相切的直线（斜率为线性规划的对偶值）求交点；"
        "若交点处的最优值同时在两条直线上，它就是唯一的转折点，否则在交点处拆分区间并分别继续求解。"
        "因此表中包含边际值发生变化的每一个点，**相邻两行之间的资金缺口和软目标得分恰好位于连接两点的直线上**。"
        "达标率在各行处给出。"),
    # --- method page ---
    "method_title": ("Method", "方法"),
    "method_sources": ("Data sources and assumptions of {title}", "{title} 的数据来源与假设"),
    "sources_key": ("value", "数值"),
    "sources_text": ("source or assumption", "来源或假设"),
    "sources_kind": ("kind", "类型"),
    "kind_assumption": ("assumption", "假设"),
    "kind_source": ("source", "来源"),
    "uncited": ("Values without a source entry: {keys}", "没有来源说明的数值：{keys}"),
    "all_cited": ("Every value of this scenario has a source or is marked as an assumption.",
                  "本情景的每个数值都有来源或已标注为假设。"),
    "district_sources": ("Where each district's row comes from", "各区县数据的来源"),
    "overrides_heading": ("Values changed on top of the file", "在文件基础上修改的数值"),
    # --- table columns and metrics ---
    "col_district": ("district", "区县"),
    "col_program": ("program", "项目"),
    "col_year": ("year", "年份"),
    "col_key": ("input", "输入项"),
    "col_unit": ("unit", "单位"),
    "col_metric": ("figure", "指标"),
    "col_scenario": ("scenario", "情景"),
    "col_before": ("previous run", "上一次"),
    "col_after": ("this run", "本次"),
    "col_change": ("change", "变化"),
    "col_outcome": ("outcome", "结果"),
    "col_requirement": ("requirement", "要求"),
    "col_ceiling": ("ceiling", "上限"),
    "col_transfers": ("transfers", "转移支付"),
    "col_own": ("own spending", "自有资金"),
    "col_capacity": ("capacity", "财力"),
    "col_gap": ("gap", "缺口"),
    "col_closed": ("closed", "已弥补"),
    "col_left": ("left", "未弥补"),
    "col_missing": ("missing", "缺口资金"),
    "col_share": ("share at standard", "达标率"),
    "col_at_standard": ("at standard", "达标数"),
    "col_total": ("total", "总数"),
    "col_target": ("target", "目标"),
    "col_status_quo": ("without transfers", "无转移支付"),
    "col_money_kind": ("money", "资金"),
    "col_points_per_million": ("points per +1M yuan", "每增加 100 万元得分"),
    "col_missing_cut_per_million": ("missing money cut per +1M yuan (yuan)", "每增加 100 万元减少的缺口（元）"),
    "col_ceiling_used": ("ceiling used", "上限使用率"),
    "unit_wan": ("10k yuan", "万元"),
    "unit_yuan": ("yuan", "元"),
    "m_transfers_yuan": ("City transfers", "市级转移支付"),
    "m_ceiling_yuan": ("Ceiling (sum of years)", "上限（各年合计）"),
    "m_ceiling_used_share": ("Ceiling used", "上限使用率"),
    "m_own_yuan": ("District own spending", "区县自有资金"),
    "m_capacity_yuan": ("District capacity", "区县财力"),
    "m_missing_hard_yuan": ("Missing money for hard targets", "硬性目标资金缺口"),
    "m_targets_met": ("Targets met", "达成的目标数"),
    "m_targets": ("Targets", "目标数"),
    "m_soft_points": ("Soft points", "软目标得分"),
    "m_share": ("{program}, {year}", "{program}，{year} 年"),
    "m_points_per_million": ("Points per +1M yuan of ceiling, {year}", "{year} 年上限每增 100 万元得分"),
    "m_missing_cut_per_million": ("Missing money cut per +1M yuan of ceiling, {year} (yuan)",
                                  "{year} 年上限每增 100 万元减少的缺口（元）"),
    "table_allocation": ("Allocation by district, program and year", "按区县、项目、年份的分配"),
    "table_compliance": ("Compliance by district, program and year", "按区县、项目、年份的达标情况"),
    "table_money": ("Money by year", "分年资金"),
    "table_district_money": ("Money by district and year", "按区县、年份的资金"),
    "table_unmet_hard": ("Missing money for hard targets", "硬性目标资金缺口"),
    "table_status_quo_compliance": ("Compliance without transfers", "无转移支付时的达标情况"),
    "table_targets": ("Targets", "目标"),
    "table_headline": ("Headline figures (model units: yuan, shares)", "主要指标（模型单位：元、比例）"),
    "table_differences": ("Differences against the reference", "与参照情景的差异"),
    "table_districts": ("Transfers by district against the reference", "各区县转移支付与参照情景的差异"),
    "table_inputs": ("Inputs that differ", "不同的输入"),
    "table_programs": ("Change by district and program against the reference", "按区县和项目与参照情景的差异"),
    "table_equity_by_district": ("Equity by district", "各区县公平情况"),
    "table_sensitivity_ceiling": ("Ceiling prices and their ranges", "上限影子价格及其区间"),
    "table_sensitivity_next_million": ("Where ±1M yuan goes", "增减 100 万元的去向"),
    "table_sensitivity_targets": ("Hard targets at the margin", "硬性目标的边际代价"),
    "table_sensitivity_deadlines": ("Deadlines a year later", "期限推迟一年"),
    "money_kind_own": ("own", "自有"),
    "money_kind_city": ("city", "市级"),
    "city": ("City", "全市"),
}

PROGRAM_LABELS: dict[str, tuple[str, str]] = {
    "office_space": ("Office space", "办公用房"),
    "service_space": ("Service rooms", "服务用房"),
    "operating_funds": ("Operating funds", "工作经费"),
    "member_subsidy": ("Members' subsidies", "成员补贴"),
    "social_insurance": ("Social insurance", "社会保险"),
}

REQUIREMENT_LABELS: dict[str, tuple[str, str]] = {
    "office_space_deadline": ("Offices at standard by the deadline", "期限内办公用房达标"),
    "service_space_deadline": ("Service rooms at the target by the deadline", "期限内服务用房达到目标"),
    "operating_funds_standard": ("Operating funds at the standard", "工作经费达到标准"),
    "minimum_wage": ("No member below the minimum wage", "成员补贴不低于最低工资"),
    "social_insurance": ("Every member insured", "全部成员参加社会保险"),
}

GROUP_LABELS: dict[str, tuple[str, str]] = {
    "city": ("City money", "市级资金"),
    "wages": ("Wages", "工资"),
    "office_space": ("Office space", "办公用房"),
    "service_space": ("Service rooms", "服务用房"),
    "operating_funds": ("Operating funds", "工作经费"),
    "member_subsidy": ("Members' subsidies", "成员补贴"),
    "social_insurance": ("Social insurance", "社会保险"),
    "districts": ("District capacity", "区县财力"),
    "cost_sharing": ("Cost sharing", "费用分担"),
    "weights": ("Objective weights", "目标权重"),
    "solver": ("Solver", "求解器"),
}

#: Short labels of parameters (the schema's description is the help text in English).
PARAM_LABELS: dict[str, tuple[str, str]] = {
    "city.ceiling_yuan": ("Transfer ceiling", "转移支付上限"),
    "city.total_ceiling_yuan": ("Total ceiling over the plan", "规划期总额上限"),
    "city.budget_revenue_100m_yuan": ("City budget revenue", "市级一般预算收入"),
    "wages.average_wage_yuan": ("Average wage", "职工平均工资"),
    "wages.minimum_wage_city_yuan_month": ("Minimum wage, city tier", "最低工资（市区档）"),
    "wages.minimum_wage_county_yuan_month": ("Minimum wage, county tier", "最低工资（郊县档）"),
    "wages.minimum_wage_months_at_new_rate": ("Months at the new minimum wage", "按新最低工资计发的月数"),
    "office_space.standard_m2": ("Office standard", "办公用房标准"),
    "office_space.cost_yuan_per_m2": ("Cost per m²", "每平方米造价"),
    "office_space.cost_growth": ("Cost growth", "造价年增长率"),
    "office_space.deadline": ("Deadline", "达标期限"),
    "office_space.hard": ("Hard target", "硬性目标"),
    "service_space.standard_renovated_m2": ("Standard, renovated communities", "标准（改造社区）"),
    "service_space.standard_new_m2": ("Standard, new communities", "标准（新建社区）"),
    "service_space.cost_yuan_per_m2": ("Cost per m²", "每平方米造价"),
    "service_space.cost_growth": ("Cost growth", "造价年增长率"),
    "service_space.target_share": ("Target share at standard", "达标比例目标"),
    "service_space.deadline": ("Deadline", "达标期限"),
    "service_space.hard": ("Hard target", "硬性目标"),
    "operating_funds.old_standard_yuan": ("Old standard", "原标准"),
    "operating_funds.new_standard_yuan": ("New standard", "新标准"),
    "operating_funds.phase_in_years": ("Phase-in years", "过渡年数"),
    "operating_funds.growth": ("Growth with prices", "随物价增长率"),
    "operating_funds.hard": ("Hard target", "硬性目标"),
    "member_subsidy.standard_yuan_month": ("Subsidy standard", "补贴标准"),
    "member_subsidy.wage_indexation": ("Indexation to wage growth", "随工资增长比例"),
    "member_subsidy.minimum_wage_from": ("No one below the minimum wage from", "不低于最低工资的起始年"),
    "social_insurance.rates.pension": ("Pension rate", "养老保险费率"),
    "social_insurance.rates.medical": ("Medical rate", "医疗保险费率"),
    "social_insurance.rates.unemployment": ("Unemployment rate", "失业保险费率"),
    "social_insurance.rates.work_injury": ("Work-injury rate", "工伤保险费率"),
    "social_insurance.rates.maternity": ("Maternity rate", "生育保险费率"),
    "social_insurance.base_floor_share": ("Base floor", "缴费基数下限"),
    "social_insurance.base_ceiling_share": ("Base ceiling", "缴费基数上限"),
    "social_insurance.deadline": ("Everyone insured from", "全员参保起始年"),
    "districts.capacity_indexation": ("Capacity growth with revenue", "财力随收入增长比例"),
    "cost_sharing.min_own_share": ("Least own share", "区县最低自筹比例"),
    "weights.service_space": ("Service rooms", "服务用房"),
    "weights.operating_funds": ("Operating funds", "工作经费"),
    "weights.member_subsidy": ("Members' subsidies", "成员补贴"),
    "weights.equity": ("Equity (max–min)", "公平（最大最小）"),
    "solver.stage_tolerance": ("Stage tolerance", "分阶段容差"),
}

COLUMN_LABELS: dict[str, tuple[str, str]] = {
    "id": ("id", "编号"),
    "name_zh": ("name (Chinese)", "中文名"),
    "name_en": ("name (pinyin)", "拼音名"),
    "area_type": ("area", "区域类型"),
    "households_10k": ("households", "户数"),
    "residents": ("residents", "居民"),
    "committees": ("committees", "居委会"),
    "members_per_committee": ("members per committee", "每会成员"),
    "operating_funds_yuan": ("operating funds", "工作经费"),
    "office_below_standard": ("offices below standard", "办公用房未达标数"),
    "office_area_below_m2": ("their office area", "未达标办公面积"),
    "service_below_renovated": ("service rooms below, renovated", "服务用房未达标（改造）"),
    "service_below_new": ("service rooms below, new", "服务用房未达标（新建）"),
    "service_area_below_m2": ("their service area", "未达标服务面积"),
    "member_subsidy_yuan_month": ("member subsidy", "成员补贴"),
    "uninsured_members": ("uninsured members", "未参保成员"),
    "capacity_yuan": ("own capacity", "自有财力"),
    "min_wage_tier": ("minimum-wage tier", "最低工资档"),
    "need_weight": ("need weight", "需要权重"),
    "min_own_share": ("least own share", "最低自筹比例"),
    "source": ("source", "来源"),
}

UNIT_LABELS: dict[str, str] = {
    "yuan/year": "元/年", "yuan": "元", "100 million yuan/year": "亿元/年", "yuan/month": "元/月",
    "months": "月", "m2/committee": "平方米/会", "yuan/m2": "元/平方米", "1/year": "每年",
    "year": "年", "share of committees": "居委会比例", "yuan/committee/year": "元/会/年", "years": "年",
    "yuan/member/month": "元/人/月", "share": "比例", "share of base": "占基数比例",
    "share of average wage": "占平均工资比例", "points/committee-year": "分/会·年",
    "points/member-year": "分/人·年", "share of total points": "占总分比例", "relative": "相对值",
    "10k households": "万户", "persons": "人", "committees": "个", "members/committee": "人/会",
    "members": "人", "m2": "平方米", "10k yuan/year": "万元/年", "10k yuan": "万元", "-": "-",
}

RULE_LABELS: dict[str, tuple[str, str]] = {
    "status_quo": ("Status quo (no transfers)", "维持现状（无转移支付）"),
    "equal_per_committee": ("Equal per committee (定额)", "按居委会定额"),
    "pro_rata_gap": ("Pro rata to gap", "按缺口比例"),
    "per_capita": ("Per capita", "按人口"),
    "equalisation": ("Equalisation formula", "均衡性转移支付公式"),
}

def language() -> str:
    """The session's language code."""
    lang = st.session_state.get(LANG_KEY, DEFAULT_LANGUAGE)
    return lang if lang in LANGUAGES else DEFAULT_LANGUAGE


def _pick(pair: tuple[str, str]) -> str:
    return pair[1] if language() == "zh" else pair[0]


def t(key: str, **fields) -> str:
    """The label ``key`` in the session's language, with ``fields`` filled in."""
    text = _pick(TEXT[key])
    return text.format(**fields) if fields else text


def program_label(program: str) -> str:
    return _pick(PROGRAM_LABELS.get(program, (program, program)))


def requirement_label(requirement: str) -> str:
    return _pick(REQUIREMENT_LABELS.get(requirement, (requirement, requirement)))


def group_label(group: str) -> str:
    return _pick(GROUP_LABELS.get(group, (group, group)))


def param_label(key: str) -> str:
    return _pick(PARAM_LABELS.get(key, (key, key)))


def column_label(name: str) -> str:
    return _pick(COLUMN_LABELS.get(name, (name, name)))


def unit_label(unit: str) -> str:
    return UNIT_LABELS.get(unit, unit) if language() == "zh" else unit.replace("m2", "m²")


def rule_label(rule: str) -> str:
    return _pick(RULE_LABELS.get(rule, (rule, rule)))


# --- issue 13 (hardening): messages added on branch harden; merge into TEXT above ------
TEXT.update({
    "plausibility_warnings": ("Some values are unusually large; check them (the scenario still runs):",
                              "部分数值异常偏大，请核对（情景仍可运行）："),
})
