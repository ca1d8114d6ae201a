"""Runs Hypercorn's command line on argv[1:]: it parses the arguments and loads the config file; nothing is served."""

import sys

import hypercorn.__main__ as cli

sys.path[0] = ""  # the folder of the check, not programs/: modules the file under test names are found there
sys.argv[0] = "hypercorn"
cli.run = lambda config: 0
sys.exit(cli.main(sys.argv[1:]))
