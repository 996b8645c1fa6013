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
    # --- compare page ---
    "compare_intro": ("Choose 2 to 4 scenarios: shipped, saved in this session, uploaded, or the "
                      "current one.", "选择 2 至 4 个情景：内置、本次会话保存、上传或当前情景。"),
    "compare_choose": ("Scenarios", "情景"),
    "compare_reference": ("Reference", "参照情景"),
    "compare_need_two": ("Pick at least two scenarios.", "请至少选择两个情景。"),
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

AREA_LABELS: dict[str, tuple[str, str]] = {
    "central": ("central", "中心城区"), "coastal": ("coastal", "滨海"),
    "suburban": ("suburban", "环城"), "outer": ("outer", "远郊"),
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


def area_label(area: str) -> str:
    return _pick(AREA_LABELS.get(area, (area, area)))
