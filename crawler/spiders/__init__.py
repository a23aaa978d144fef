"""Spiders: one driven by a site profile, one for given URLs."""
