"""policytext.io.excel_cells keeps dates, times, durations and decimals as they are (openpyxl writes them as such),
with decimal imported only when a cell needs it."""

import datetime
import decimal

from policytext.io import excel_cells


def test_dates_times_durations_and_decimals_are_kept_and_other_objects_become_text():
    values = [datetime.date(2025, 1, 2), datetime.time(3, 4), datetime.timedelta(days=1), decimal.Decimal("1.50"),
              [1, 2], {"a": 1}, None, "x", 3, float("inf"), float("nan")]
    cells = excel_cells(values)
    assert cells[:4] == values[:4] and all(a is b for a, b in zip(cells[:4], values[:4]))
    assert cells[4:] == ["[1, 2]", "{'a': 1}", None, "x", 3, "inf", None]
