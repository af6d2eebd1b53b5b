#!/usr/bin/env python
import gc
import sys


def main():
    from surveysite.boot import settings_or_exit

    settings_or_exit()
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)
    # The command is done: Python's shutdown would walk the whole heap in repeated
    # collections (0.2-0.3 s once pandas is loaded, bench/RESULTS.md). Frozen objects are
    # skipped; refcounts still free them, and every command closes its files itself.
    gc.freeze()


if __name__ == "__main__":
    main()
