"""Writing results: tables in CSV, JSON Lines, Parquet and Excel, written atomically; batch reports (an HTML
page, a workbook, the scores and a run manifest in one folder, :func:`write_report`)."""

from .report import REPORT_FILES, ReportResult, write_report
from .tables import TABLE_FORMATS, atomic_write, neutralize_formulas, table_to_text, write_table

__all__ = ["REPORT_FILES", "ReportResult", "TABLE_FORMATS", "atomic_write", "neutralize_formulas", "table_to_text",
           "write_report", "write_table"]
