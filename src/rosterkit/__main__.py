"""python -m rosterkit"""

from rosterkit.cli import main

main()
