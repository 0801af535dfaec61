"""Pickle analysis: a symbolic machine (vm), allowlist profiles and a grading policy."""
