"""Synthetic data at a state's size, for measuring (scripts/seed-state, scripts/bench --state)."""
