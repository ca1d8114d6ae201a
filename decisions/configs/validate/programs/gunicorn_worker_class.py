"""Loads Gunicorn's worker_class (argv[1]) as Gunicorn would; exits with why it cannot."""

import sys

from gunicorn.util import load_class

sys.path[0] = ""  # the folder of the check, not programs/: modules the file under test names are found there

try:
    load_class(sys.argv[1])
except Exception as error:
    lines = [line.strip() for line in str(error).splitlines() if line.strip() not in ("", "]")]
    reason = " ".join(dict.fromkeys([lines[0], lines[-1]]))
    sys.exit(f"worker_class {sys.argv[1]!r} cannot be loaded here: {reason}")
