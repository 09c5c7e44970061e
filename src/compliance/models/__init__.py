"""Pydantic models of every file kind users write: parties, agreements, zones, events, profiles, rule tests."""
