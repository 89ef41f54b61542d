"""Account health (DESIGN.md "Health, coverage and the portfolio matrix"): ten components,
each scored 0–100 with one formula, a weighted mean the head can tune, a daily snapshot
per account (`AccountHealth`), and a backtest of whether the score predicts anything."""
