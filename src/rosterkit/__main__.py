"""python -m rosterkit"""

from .cli import main

main()
