"""Reading users' files: YAML with positions, located problems, and the files of a project."""
