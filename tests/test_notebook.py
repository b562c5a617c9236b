"""examples/analysis.ipynb runs top to bottom in a real kernel and shows the compliance frames and a plot."""

from __future__ import annotations

from pathlib import Path

import nbformat
from nbclient import NotebookClient

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"


def test_analysis_notebook_executes() -> None:
    nb = nbformat.read(EXAMPLES / "analysis.ipynb", as_version=4)
    NotebookClient(nb, timeout=300, kernel_name="python3", resources={"metadata": {"path": str(EXAMPLES)}}).execute()
    outputs = [o for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", [])]
    assert not [o for o in outputs if o.output_type == "error"]
    html = "".join(o.get("data", {}).get("text/html", "") for o in outputs)
    assert "compliance_rate" in html and "三年级" in html  # the frames are shown
    assert any("image/png" in o.get("data", {}) for o in outputs)  # the plot was drawn
