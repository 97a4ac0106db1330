"""Klyngeøkonomi: administration of Danish GP-cluster and health-cluster funds."""

__version__ = "0.1.0"
