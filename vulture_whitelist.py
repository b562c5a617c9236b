"""Names vulture (`make lint`) reports as unused that are used, each with the reason. Run: vulture src vulture_whitelist.py"""
# ruff: noqa
# mypy: ignore-errors
_ = object()

# Python calls these: the package's lazy names (PEP 562), HTMLParser's callbacks, click's ParamType.convert.
__getattr__, __dir__
_.handle_starttag, _.handle_endtag, _.handle_data
_.convert
# click registers the CLI's commands by their decorators.
check_cmd, merge_cmd, init_cmd, distribute_cmd, cadence_cmd, report_cmd, changes_cmd, dossier_cmd, rollover_cmd, review_cmd, serve_cmd
# xlsxwriter reads a Workbook subclass's worksheet_class.
worksheet_class
# openpyxl reads the attributes we set on its cells, sheets, views and print settings when it saves.
_.alignment, _.hyperlink, _.number_format, _.orientation, _.paperSize, _.fitToHeight, _.fitToWidth, _.fitToPage
_.fullCalcOnLoad, _.tabSelected, _.active, _.firstSheet
# The public API for analysts (README, examples/analysis.ipynb) and for the generators under scripts/ and
# benchmarks/; CODES is the catalogue the JSON Schemas and tests/test_json_schema.py check against.
_.flatten, _.issues_frame
make_id
CODES
# Fields read from 学校信息 (ExpectedClass.phone, SchoolInfo.contact), public through rosterkit.read_school_info; no
# output shows them yet (the chase list of classes not returned could give the 班主任's phone).
phone, contact
# The printed text size of a page-setup plan: what tests/test_pagesetup.py holds at ≥ 8 pt.
_.text_pt
# Distribution.paths: the files distribute wrote, for notebooks and scripts (the CLI prints the ledgers).
_.paths
# Store.outcomes (and its sibling tables): the store as DataFrames for notebooks (docs/store.md); the commands use SQL.
_.outcomes
# tempfile reads tempfile.tempdir: `rosterkit serve` spools uploads in its own folder, not in the shared /tmp.
_.tempdir
