"""Writing results: tables in CSV, JSON Lines, Parquet and Excel, written atomically."""

from .tables import TABLE_FORMATS, atomic_write, neutralize_formulas, table_to_text, write_table

__all__ = ["TABLE_FORMATS", "atomic_write", "neutralize_formulas", "table_to_text", "write_table"]
