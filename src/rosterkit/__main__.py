"""python -m rosterkit"""

from rosterkit.cli import main

if __name__ == "__main__":  # a process started from a forkserver imports this module again: it must not run
    main()
