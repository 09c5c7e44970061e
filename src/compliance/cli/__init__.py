"""The command line: the edge where files are read, the engine is called, and reports are written."""
