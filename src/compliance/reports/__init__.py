"""Reports: one findings model, and small renderers of it (table, Markdown, JSON, CSV, HTML)."""
