"""The runtime a generated checker module needs, and nothing else."""
