#!/bin/sh
# Every command's main path under the sanitizers (the asan variant of dcim, ASan + UBSan with
# -fno-sanitize-recover: any report ends the process non-zero): run, compare, train one batch,
# check (a run file: the run-file load UBSan once caught, issue 15), asm and disasm, margin,
# config-doc. Each on a tiny input, so the tier costs seconds. Usage: run_asan_cli.sh ASAN_DCIM
DCIM=${1:?usage: run_asan_cli.sh ASAN_DCIM}
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
. "$(dirname "$0")/checks.sh"
export ASAN_OPTIONS=detect_leaks=1
R=configs/runs/mnist_bnn.yaml
checkre "run"          0 "^accuracy "           "$DCIM" run $R --quiet --images 3 --out "$tmp/run"
checkre "run program"  0 "^accuracy "           "$DCIM" run $R --quiet --images 1 --fidelity program --out "$tmp/prog"
checkre "compare"      0 "^results "            "$DCIM" compare $R --quiet --images 2 --out "$tmp/cmp"
checkre "train, one batch" 0 "epoch 1"          "$DCIM" train $R --quiet --epochs 1 --images 8 --eval-images 4 \
    --set run.train.batch_size=8 --out "$tmp/train"
check   "check a run file" 0 "ok: $R"           "$DCIM" check $R
check   "check a chip file" 0 "ok: configs/chip/default.yaml" "$DCIM" check configs/chip/default.yaml
printf 'li r2, 3\ntop: addi r1, r1, 1\nblt r1, r2, top\nhalt\n' >"$tmp/p.s"
checkre "asm"          0 ""                     "$DCIM" asm "$tmp/p.s" -o "$tmp/p.bin"
checkre "disasm"       0 "blt r1, r2, "         "$DCIM" disasm "$tmp/p.bin"
checkre "margin"       0 "xor"                  "$DCIM" margin configs/chip/default.yaml --samples 2000 --quiet
checkre "config-doc"   0 "^\| .*rows"           "$DCIM" config-doc chip
echo "$pass passed, $fail failed"
[ $fail -eq 0 ]
