#!/bin/sh
# The PyTorch tests (make test-python): by default dcim.torch against dcim on the MNIST
# network (test_torch.py); SCRIPT names another, e.g. test_pointnet_torch.py (PointNet++).
# Usage: run_torch.sh DCIM [PYTHON] [SCRIPT]. With Debian's /usr/bin/python3 (the default), a
# missing torch or h5py is installed with apt-get (python3-torch, python3-h5py, as root);
# `make test` never installs them. Ends with "N passed, M failed".
DCIM=${1:?usage: run_torch.sh DCIM [PYTHON] [SCRIPT]}
PYTHON=${2:-/usr/bin/python3}
SCRIPT=${3:-test_torch.py}
fail() { echo "FAIL $1"; echo "0 passed, 1 failed"; exit 1; }
if ! "$PYTHON" -c 'import numpy, torch, h5py' 2>/dev/null; then
    [ "$PYTHON" = /usr/bin/python3 ] || fail "$PYTHON cannot import numpy and torch; install them for it"
    [ "$(id -u)" = 0 ] || fail "python3-torch or python3-h5py is missing; run as root or: sudo apt-get install python3-torch python3-numpy python3-h5py"
    echo "installing python3-torch with apt-get"
    export DEBIAN_FRONTEND=noninteractive
    apt-get -o DPkg::Lock::Timeout=600 update -qq &&
        apt-get -o DPkg::Lock::Timeout=600 install -y -qq --no-install-recommends python3-torch python3-numpy python3-h5py ||
        fail "apt-get could not install python3-torch"
    "$PYTHON" -c 'import numpy, torch, h5py' || fail "python3-torch and python3-h5py are installed but $PYTHON cannot import them"
fi
DCIM=$DCIM exec "$PYTHON" "$(dirname "$0")/$SCRIPT"
