"""A minimal test runner for the Python tiers: runs every test_* function of a module in
definition order (a function taking one argument gets a fresh temporary directory), prints
"ok NAME" or "FAIL NAME" with the traceback, and ends with "N passed, M failed"."""

import inspect
import os
import shutil
import sys
import tempfile
import time
import traceback

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
DCIM = os.environ.get("DCIM") or os.path.join(REPO, "build", "rel", "dcim")


def main(namespace):
    tests = [(n, f) for n, f in namespace.items() if n.startswith("test_") and inspect.isfunction(f)]
    passed = failed = 0
    for name, fn in tests:
        tmp = tempfile.mkdtemp(prefix="dcim_pytest_")
        t0 = time.time()
        try:
            fn(tmp) if inspect.signature(fn).parameters else fn()
            passed += 1
            print(f"ok   {name} ({time.time() - t0:.1f} s)", flush=True)
        except Exception:
            failed += 1
            print(f"FAIL {name}", flush=True)
            print("".join("     | " + l + "\n" for l in traceback.format_exc().splitlines()), end="", flush=True)
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
    if not tests:
        failed = 1
        print("FAIL no test_* function found")
    print(f"{passed} passed, {failed} failed")
    sys.exit(1 if failed else 0)


def raises(exc, fn, *args, contains=(), **kwargs):
    """Calls fn and checks it raises exc whose message holds every string in contains."""
    try:
        fn(*args, **kwargs)
    except exc as e:
        msg = str(e)
        for c in ([contains] if isinstance(contains, str) else contains):
            assert c in msg, f"message lacks {c!r}:\n{msg}"
        return e
    raise AssertionError(f"{getattr(fn, '__name__', fn)} did not raise {exc.__name__}")
