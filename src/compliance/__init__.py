"""compliance: ceasefire agreements as checkable rules, and which party breached which clause, and why."""

__version__ = "0.1.0"
