#!/bin/sh
# The PyTorch tests of the Python package (make test-python): dcim.torch against dcim on the
# MNIST network. Usage: run_torch.sh DCIM [PYTHON]. With Debian's /usr/bin/python3 (the
# default), a missing torch is installed with apt-get (python3-torch, as root); `make test`
# never installs it. Ends with "N passed, M failed".
DCIM=${1:?usage: run_torch.sh DCIM [PYTHON]}
PYTHON=${2:-/usr/bin/python3}
fail() { echo "FAIL $1"; echo "0 passed, 1 failed"; exit 1; }
if ! "$PYTHON" -c 'import numpy, torch' 2>/dev/null; then
    [ "$PYTHON" = /usr/bin/python3 ] || fail "$PYTHON cannot import numpy and torch; install them for it"
    [ "$(id -u)" = 0 ] || fail "python3-torch is missing; run as root or: sudo apt-get install python3-torch python3-numpy"
    echo "installing python3-torch with apt-get"
    export DEBIAN_FRONTEND=noninteractive
    apt-get -o DPkg::Lock::Timeout=600 update -qq &&
        apt-get -o DPkg::Lock::Timeout=600 install -y -qq --no-install-recommends python3-torch python3-numpy ||
        fail "apt-get could not install python3-torch"
    "$PYTHON" -c 'import numpy, torch' || fail "python3-torch is installed but $PYTHON cannot import torch"
fi
DCIM=$DCIM exec "$PYTHON" "$(dirname "$0")/test_torch.py"
