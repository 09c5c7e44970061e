"""Geometry: zones, projection to metres, and vectorized membership of events."""
