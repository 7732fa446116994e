"""Data files the tests read."""

from pathlib import Path

WALES_ORDS = Path(__file__).parent / "ords" / "OpenRepairData_v0.3_RepairCafeWales_202507.csv"
