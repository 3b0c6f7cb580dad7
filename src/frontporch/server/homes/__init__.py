"""Homes: a coarse H3 cell per home, household members by invitation."""
