"""The course model and its rules. Standard library only: no I/O, no third-party imports."""
