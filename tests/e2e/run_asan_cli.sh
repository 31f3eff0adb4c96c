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
# a sweep (the points run by the sanitized dcim too): one fails, a sample, a shard merged
checkre "sweep"        11 "^points          2 here: 2 run now, 0 already complete, 1 not ok" \
    "$DCIM" sweep --run $R --quiet --set run.data.images=2 --grid chip.array.rows=8,64 --lhs 2 --choices chip.macros=8,16 \
    --shard 1/2 --out "$tmp/sweep" --jobs 2
checkre "sweep merge"  13 "^merged          1 shards into " "$DCIM" sweep merge "$tmp/merged" "$tmp/sweep"
checkre "check a sweep file" 0 "^sweep: 24 points over 4 keys" "$DCIM" check configs/sweeps/mnist_arch.yaml
echo "$pass passed, $fail failed"
[ $fail -eq 0 ]
