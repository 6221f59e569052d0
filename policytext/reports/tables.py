"""Tables to files: moved to :mod:`policytext.io` (a low module that ``policytext score`` can import without the
report machinery); the names stay importable from here."""

from __future__ import annotations

from ..io import (STALE_SECONDS, TABLE_FORMATS, atomic_write, check_output_folder, neutralize_formulas,
                  publish_mode, remove_stale_temps, replace_folder, replacing_folder, reproducible_zip,
                  table_to_text, temp_folder_beside, write_table)

__all__ = ["STALE_SECONDS", "TABLE_FORMATS", "atomic_write", "check_output_folder", "neutralize_formulas",
           "publish_mode", "remove_stale_temps", "replace_folder", "replacing_folder", "reproducible_zip",
           "table_to_text", "temp_folder_beside", "write_table"]
