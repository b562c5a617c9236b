"""Write examples/analysis.ipynb (unexecuted): the analyst's tour of the example school as DataFrames.

Run: python scripts/make_notebook.py. tests/test_notebook.py executes it.
"""

from __future__ import annotations

from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

CELLS = [
    new_markdown_cell(
        "# rosterkit for analysts: the example school as DataFrames\n\n"
        "Everything the command line shows is a pandas DataFrame here. The example school is "
        "城关镇中心小学: seven expected classes, six returned ledgers (`inbox/`), judged on 2026-11-23."),
    new_code_cell(
        "import datetime as dt\n\nimport matplotlib.pyplot as plt\n"
        "import rosterkit\nfrom rosterkit.cadence.inputs import follow_up\n\nAS_OF = dt.date(2026, 11, 23)"),
    new_markdown_cell("## 1. Check: every problem of every returned workbook, one row each"),
    new_code_cell(
        "report = rosterkit.check('inbox', as_of=AS_OF, write=False)\n"
        "issues = report.issues_frame()\nissues[['file', 'sheet', 'cell', 'code']]"),
    new_code_cell("issues.groupby('code').size().sort_values(ascending=False)"),
    new_markdown_cell("## 2. Merge: the school roster, submissions, rows left out"),
    new_code_cell(
        "merged = rosterkit.merge(report, school_info='学校信息.xlsx')\n"
        "assert len(merged.roster) + len(merged.left_out) == merged.rows_read\n"
        "merged.submissions[['label', 'head_teacher', 'status', 'file']]"),
    new_code_cell("merged.roster.explode('categories').groupby(['grade', 'class', 'categories']).size()"
                  ".unstack(fill_value=0)"),
    new_markdown_cell("## 3. Cadence: compliance with the 帮扶制度 per class, teacher and student"),
    new_code_cell(
        "cad = follow_up(merged, as_of=AS_OF)\n"
        "cad.classes[['grade', 'class', 'students', 'periods_owed', 'periods_met', 'compliance_rate']]"),
    new_code_cell("cad.teachers.sort_values('compliance_rate')[['mentor', 'students', 'compliance_rate', "
                  "'students_overdue']]"),
    new_code_cell("cad.overdue[['mentor', 'grade', 'class', 'name', 'rule', 'missing', 'days_overdue']].head(10)"),
    new_markdown_cell("## 4. A plot: share of closed weekly talk periods met, week by week"),
    new_code_cell(
        "closed = cad.periods[cad.periods['outcome'].isin(['达标', '未达标'])]\n"
        "weekly = closed[closed['rule'].isin(['贫困谈心', '亲情电话'])]\n"
        "rate = weekly.assign(met=weekly['outcome'] == '达标').groupby('period_start')['met'].mean()\n"
        "ax = rate.plot(marker='o', ylim=(0, 1.05), title='Weekly rules: share of periods met')\n"
        "ax.set_xlabel('week starting'); ax.set_ylabel('share met')\n"
        "plt.show()"),
    new_code_cell("rate.round(2)"),
]


def main() -> None:
    nb = new_notebook(cells=CELLS, metadata={"kernelspec": {"name": "python3", "display_name": "Python 3",
                                                            "language": "python"}})
    path = Path(__file__).resolve().parents[1] / "examples" / "analysis.ipynb"
    nbformat.write(nb, path)
    print(path)


if __name__ == "__main__":
    main()
