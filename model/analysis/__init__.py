"""Decision analysis on top of solves: rule-based baselines, the budget frontier,
sensitivity, the diagnosis of unmet targets, comparisons of options.
May import: ``model.pipeline`` and everything below it (results, solve, formulation, scenario).
"""
