#!/bin/sh
# The numpy-only tests of the Python package (python/dcim): part of `make test`. Usage:
# run_numpy.sh DCIM [PYTHON]. PYTHON defaults to Debian's /usr/bin/python3 (numpy from the
# package python3-numpy, which scripts/deps.sh installs); without numpy the tier fails.
# Ends with "N passed, M failed".
DCIM=${1:?usage: run_numpy.sh DCIM [PYTHON]}
PYTHON=${2:-/usr/bin/python3}
if ! "$PYTHON" -c 'import numpy' 2>/dev/null; then
    echo "FAIL $PYTHON cannot import numpy: install the Debian package python3-numpy (scripts/deps.sh does, as root)"
    echo "0 passed, 1 failed"
    exit 1
fi
DCIM=$DCIM exec "$PYTHON" "$(dirname "$0")/test_numpy.py"
