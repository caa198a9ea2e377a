"""Screening of partner organisations against the UN Security Council Consolidated List (issue 21, item 3)."""
