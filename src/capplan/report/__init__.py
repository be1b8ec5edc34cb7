"""Reports a planner can show: one self-contained HTML page with charts, and Excel.

``write_report(["outputs/base"])`` writes ``outputs/base/report.html`` and
``outputs/base/charts/*.png``; ``write_xlsx("outputs/base")`` writes
``outputs/base/base.xlsx``.  Both read the run folder, never a live solve.
"""

from capplan.report.rundata import RunData, read_run
from capplan.report.write import Report, write_report
from capplan.report.xlsx import write_xlsx

__all__ = ["Report", "RunData", "read_run", "write_report", "write_xlsx"]
