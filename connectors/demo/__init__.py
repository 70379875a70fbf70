"""The built-in demo practice, "Riverside Family Clinic", kept in the project's own database."""

from connectors.demo.connector import DemoConnector
from connectors.demo.models import metadata
from connectors.demo.schedule import WorkingHours
from connectors.demo.seed import PRACTICE_NAME, SeedReport, seed_demo
from connectors.phones import normalize_phone

__all__ = [
    "PRACTICE_NAME",
    "DemoConnector",
    "SeedReport",
    "WorkingHours",
    "metadata",
    "normalize_phone",
    "seed_demo",
]
