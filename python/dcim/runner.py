"""dcim.run: calls the dcim binary (`dcim run RUN.yaml --json`) and returns its summary
parsed. A thin wrapper: every number comes from the binary; nothing is computed here."""

import json
import os
import shutil
import subprocess
import tempfile

# the release build of `make`: in this checkout when the package runs from it (PYTHONPATH=python)
_REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
_CHECKOUT_DCIM = os.path.join(_REPO, "build", "rel", "dcim")
_LOCAL_DCIM = os.path.join("build", "rel", "dcim")


class DcimError(RuntimeError):
    """dcim failed: .returncode, .stderr (its messages, file:line:col: error: ...), .cmd."""

    def __init__(self, message, returncode=None, stderr="", cmd=()):
        super().__init__(message)
        self.returncode = returncode
        self.stderr = stderr
        self.cmd = list(cmd)


class Stats(dict):
    """The parsed stats.json of one run (docs: `dcim run --json`), with .layers_df: the
    per-layer rows as a pandas DataFrame when pandas is importable, else None."""

    layers_df = None


def binary(dcim=None):
    """The dcim binary: the argument, else $DCIM, else build/rel/dcim of the checkout this
    package runs from, else ./build/rel/dcim, else `dcim` on PATH."""
    if dcim or os.environ.get("DCIM"):
        return os.fspath(dcim or os.environ["DCIM"])
    for path in (_CHECKOUT_DCIM, _LOCAL_DCIM):
        if os.path.isfile(path):
            return path
    return shutil.which("dcim") or _LOCAL_DCIM


def _value(v):
    if isinstance(v, bool):
        return "true" if v else "false"
    return "" if v is None else str(v)


def override_args(overrides):
    """--set items from keyword overrides: chip__array__rows=128 and {"chip.array.rows": 128}
    both give --set chip.array.rows=128; True/False give true/false."""
    args = []
    for k, v in overrides.items():
        args += ["--set", f"{k.replace('__', '.')}={_value(v)}"]
    return args


def _layers_df(layers):
    try:
        import pandas
    except ImportError:
        return None
    rows = []
    for l in layers:
        row = {k: v for k, v in l.items() if k != "per_image"}
        per = l.get("per_image") or {}
        for k in ("cycles", "instructions"):
            if k in per:
                row[f"{k}_per_image"] = per[k]
        for k, v in (per.get("energy_pj") or {}).items():
            row[f"energy_{k}_pj_per_image"] = v
        rows.append(row)
    return pandas.DataFrame(rows)


def run(run_yaml, weights=None, images=None, dcim=None, *, out=None, fidelity=None,
        pruned_filters=None, prune=None, network=None, timeout=None, **overrides):
    """Runs `dcim run run_yaml --json` and returns its summary as a Stats dict.

    weights: a safetensors path, or a model / state dict (exported to a temporary file with
    dcim.export); "" runs random weights. images: how many. out: results folder (default:
    the run file's). fidelity: "fast" | "program" | "cycle". pruned_filters: "reference" |
    "skip". prune: False adds --no-prune. network: a network file (e.g. from network_yaml).
    Any other keyword is a --set override (chip__array__rows=128, or **{"chip.array.rows": 128}).
    Raises DcimError (with dcim's stderr) when dcim fails; a run that stops early (trap,
    Ctrl-C) returns its partial stats with stats["status"] == "aborted"."""
    with tempfile.TemporaryDirectory(prefix="dcim_run_") as tmp:
        if weights is not None and not isinstance(weights, (str, bytes, os.PathLike)):
            from dcim import export
            path = os.path.join(tmp, "weights.safetensors")
            export(weights, path)
            weights = path
        cmd = [binary(dcim), "run", os.fspath(run_yaml), "--json", "--quiet"]
        opts = {"--weights": weights, "--images": images, "--out": out, "--fidelity": fidelity,
                "--pruned-filters": pruned_filters}
        for opt, v in opts.items():
            if v is not None:
                cmd += [opt, _value(os.fspath(v) if isinstance(v, os.PathLike) else v)]
        if prune is False:
            cmd.append("--no-prune")
        elif prune is True:
            cmd += ["--set", "run.prune.enabled=true"]
        if network is not None:
            cmd += ["--set", f"run.network={os.fspath(network)}"]
        cmd += override_args(overrides)
        try:
            p = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
        except FileNotFoundError as e:
            raise DcimError(f"cannot run {cmd[0]}: {e.strerror}; build it with `make` or point $DCIM "
                            "(or dcim=) at the binary", None, "", cmd) from None
    if p.returncode not in (0, 3):
        msg = p.stderr.strip() or f"dcim exited with status {p.returncode}"
        raise DcimError(f"dcim run failed (exit {p.returncode}):\n{msg}", p.returncode, p.stderr, cmd)
    try:
        stats = Stats(json.loads(p.stdout))
    except ValueError:
        raise DcimError(f"dcim run (exit {p.returncode}) printed no JSON summary:\n{p.stderr.strip()}",
                        p.returncode, p.stderr, cmd) from None
    stats.layers_df = _layers_df(stats.get("layers", []))
    return stats
