#!/usr/bin/env bash
# What a hostile or clumsy user does to toongan, case by case (issue 16): each
# case is built from small generated files in a temporary folder and run
# under `timeout -s KILL` and an address-space limit (ulimit -v, 2,000,000
# KiB: what a normal small run needs with room to spare; the stages read the
# limit and refuse jobs that cannot fit it). Each case checks the exit code
# (0, 1, 2 or 130 as the README documents), that no Go panic or runtime fatal
# error was printed, that the process did not hang, that the message names
# the cause, and that files outside the tool's own output (the "victims") are
# unchanged (a checksum listing before and after). One line per case, then
# "N passed, M failed"; exit status 1 if any case failed.
#
# Uses bin/{prep,train,sample,eval} (built by `make -f pipeline.mk build` if
# missing; BIN=dir to use others). About a minute on 2 cores.
set -uo pipefail
cd "$(dirname "$0")/.."
BIN=${BIN:-bin}
LIMIT_KB=${HOSTILE_LIMIT_KB:-2000000}
TIMEOUT=${HOSTILE_TIMEOUT:-60}
for s in prep train sample eval; do
  [ -x "$BIN/$s" ] || { make -f pipeline.mk build >/dev/null || exit 1; break; }
done
BIN=$(cd "$BIN" && pwd)
T=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null; rm -rf "$T"' EXIT
go build -o "$T/hostiletool" ./scripts/hostiletool || exit 1
tool=$T/hostiletool
start=$SECONDS
pass=0
failed=0

# run CMD...: runs CMD under the limits; RC is its exit status, $T/out its
# combined output.
run() {
  (ulimit -v "$LIMIT_KB"; exec timeout -s KILL "$TIMEOUT" "$@") >"$T/out" 2>&1
  RC=$?
}

# snap PATH...: a listing of every path below the victims with its type,
# link target and content checksum.
snap() {
  local v
  for v in "$@"; do
    find "$v" -printf '%p %y %l\n' 2>/dev/null
    find "$v" -type f -exec sha256sum {} + 2>/dev/null
  done | sort
}

report() { # NAME WHY (empty: passed)
  if [ -z "$2" ]; then
    pass=$((pass + 1))
    echo "PASS  $1"
  else
    failed=$((failed + 1))
    echo "FAIL  $1:$2"
    sed 's/^/      | /' "$T/out" | head -8
  fi
}

# check NAME RC PATTERN [VICTIM...] -- CMD...: runs CMD and checks its exit
# status, its output (extended regexp PATTERN; empty: anything), no panic,
# and that the victims did not change. EXTRA (a shell condition), when set,
# must hold afterwards too.
check() {
  local name=$1 want=$2 pat=$3
  shift 3
  local victims=()
  while [ "$1" != "--" ]; do victims+=("$1"); shift; done
  shift
  local before after why=""
  before=$(snap "${victims[@]}")
  run "$@"
  after=$(snap "${victims[@]}")
  if [ "$RC" = 137 ]; then why="$why killed after ${TIMEOUT}s (hang, or out of memory);"
  elif [ "$RC" != "$want" ]; then why="$why exit $RC, want $want;"; fi
  if grep -qE '^(panic:|fatal error:)|goroutine [0-9]+ \[' "$T/out"; then why="$why Go panic or fatal error;"; fi
  if [ -n "$pat" ] && ! grep -qE -- "$pat" "$T/out"; then why="$why message lacks /$pat/;"; fi
  if [ "$before" != "$after" ]; then why="$why files outside its output changed;"; fi
  if [ -n "${EXTRA:-}" ] && ! eval "$EXTRA"; then why="$why afterwards: $EXTRA is false;"; fi
  EXTRA=
  report "$name" "$why"
}

# ---- fixtures ---------------------------------------------------------------
cd "$T"
mkdir -p fx
"$tool" pngs fx/raw 24 40 || exit 1
"$BIN/prep" --builtin 48 --size 32 --holdout 0.25 --out fx/data -q || exit 1
"$BIN/train" --data fx/data --out fx/run --steps 2 --ngf 8 --ndf 8 --nz 16 --batch 8 --log-every 1 -q || exit 1
CK=fx/run/ckpt/latest.safetensors
"$tool" poison "$CK" fx/nan.safetensors EMA.main.0.weight || exit 1
"$tool" setcfg "$CK" fx/wide.safetensors ngf=1024 ndf=1024 || exit 1
"$tool" setcfg "$CK" fx/nz0.safetensors nz=0 || exit 1
P=$BIN/prep TR=$BIN/train S=$BIN/sample E=$BIN/eval
TINY=(--ngf 8 --ndf 8 --nz 16 --batch 8)

echo "hostile: fixtures ready in $((SECONDS - start))s; limits: ulimit -v $LIMIT_KB KiB, timeout -s KILL ${TIMEOUT}s"

# ---- 1-4: data loss -----------------------------------------------------------
mkdir -p c1/x && echo '{"manifest_version":3}' >c1/x/manifest.json && echo keep >c1/x/background.js
check "prep refuses a folder whose manifest.json is not a toongan dataset's" 1 'not a toongan dataset' c1 -- \
  "$P" --builtin 20 --size 32 --out c1/x -q

mkdir -p c2/d && cp -r fx/raw c2/d/raw
check "prep refuses an output folder that contains its input" 1 'contains the input' c2 -- \
  "$P" -q --out c2/d c2/d/raw
check "prep refuses an output folder that is its input" 1 'is the input' c2 -- \
  "$P" -q --out c2/d/raw c2/d/raw

cp -r fx/data c3data
check "train refuses --out equal to --data" 1 'is the data folder' c3data -- \
  "$TR" --data c3data --out c3data --steps 1 "${TINY[@]}" -q
check "train refuses --out inside the data folder" 1 'inside the data folder' c3data -- \
  "$TR" --data c3data --out c3data/run --steps 1 "${TINY[@]}" -q
mkdir -p c3data/ckpt && cp "$CK" c3data/ckpt/
check "prep refuses to replace a dataset holding files it did not write" 1 'did not write' c3data -- \
  "$P" --builtin 20 --size 32 --out c3data -q

cp -r fx/data c4real && ln -s c4real c4link
EXTRA='[ -L c4link ] && [ "$(readlink c4link)" = c4real ] && grep -q "\"kept\": 20" c4real/manifest.json'
check "prep --out LINK renews the link's target and keeps the link" 0 '' fx -- \
  "$P" --builtin 20 --size 32 --out c4link -q

mkdir -p c5/app && echo '{"name":"app","version":"1.0"}' >c5/app/config.json && printf 'line 1\nline 2\n' >c5/app/log.jsonl
check "train refuses a folder with someone else's config.json" 1 'not a toongan run config' c5 -- \
  "$TR" --data fx/data --out c5/app --steps 1 "${TINY[@]}" -q

# Devices are never the real /dev/full itself: a broken build must not be
# able to damage the machine that runs this script.
mkdir -p c6 && ln -s /dev/full c6/full.png
EXTRA='[ -c /dev/full ] && [ -L c6/full.png ]'
check "sample refuses --out LINK to /dev/full (the device and the link stay)" 2 'lies in /dev' c6/full.png -- \
  "$S" --ckpt "$CK" -n 4 --out c6/full.png -q
if mknod c6/dev.png c 1 7 2>/dev/null; then
  EXTRA='[ -c c6/dev.png ]'
  check "sample refuses --out DEVICE (a device node stays a device)" 2 'is a device' c6/dev.png -- \
    "$S" --ckpt "$CK" -n 4 --out c6/dev.png -q
fi
echo old >c6/target.png && ln -s target.png c6/link.png
EXTRA='[ -L c6/link.png ] && head -c 4 c6/target.png | grep -q PNG'
check "sample --out LINK writes the link's target" 0 '' fx -- \
  "$S" --ckpt "$CK" -n 4 --out c6/link.png -q
check "sample refuses --save-latents /proc/self/fd/1" 2 '/proc' -- \
  "$S" --ckpt "$CK" -n 4 --save-latents /proc/self/fd/1 --out c6/x.png -q
mkfifo c6/fifo.png
check "sample refuses --out FIFO without blocking" 2 'FIFO' c6/fifo.png -- \
  "$S" --ckpt "$CK" -n 4 --out c6/fifo.png -q
mkdir -p c6/dir.png
check "sample refuses --out DIRECTORY" 2 'directory' c6/dir.png -- \
  "$S" --ckpt "$CK" -n 4 --out c6/dir.png -q
mkdir -p c6/onnx && ln -s /dev/full c6/onnx/full.onnx && mkfifo c6/onnx/fifo.onnx
EXTRA='[ -c /dev/full ] && [ -L c6/onnx/full.onnx ]'
check "sample refuses --export-onnx LINK to /dev/full" 2 'lies in /dev' c6/onnx -- \
  "$S" --ckpt "$CK" --export-onnx c6/onnx/full.onnx -q
check "sample refuses --export-onnx FIFO without blocking" 2 'FIFO' c6/onnx -- \
  "$S" --ckpt "$CK" --export-onnx c6/onnx/fifo.onnx -q
check "sample refuses --save-floats /proc/self/fd/1" 2 '/proc' -- \
  "$S" --ckpt "$CK" -n 4 --save-floats /proc/self/fd/1 --out c6/x.png -q

# ---- 4: locks -------------------------------------------------------------------
waitfor() { local i; for i in $(seq 100); do [ -s "$1" ] && return 0; sleep 0.1; done; return 1; }
( ulimit -v "$LIMIT_KB"; exec "$TR" --data fx/data --out c7run --minutes 2 --save-every 1000000 --sample-every 0 "${TINY[@]}" -q ) >c7a.out 2>&1 &
apid=$!
waitfor c7run/.lock
check "a second train on the same --out is refused, naming the pid" 1 "in use by another toongan process \\(pid $apid\\)" c7run/.lock -- \
  "$TR" --data fx/data --out c7run --steps 5 "${TINY[@]}" -q
kill -INT $apid; wait $apid; arc=$?
cp c7a.out "$T/out"
lines=$(wc -l <c7run/log.jsonl); uniq=$(cut -d, -f1 c7run/log.jsonl | sort -u | wc -l)
why=""; [ $arc = 130 ] || why=" first train exited $arc after SIGINT, want 130;"
[ "$lines" = "$uniq" ] || why="$why log.jsonl holds steps twice;"
grep -q "continue with: train" c7a.out || why="$why no resume hint;"
report "the first train stops on SIGINT with 130 and a resume hint, log steps unique" "$why"

( ulimit -v "$LIMIT_KB"; exec "$P" --builtin 200000 --size 32 --out c8/d ) >c8a.out 2>&1 &
apid=$!
waitfor c8/.d.lock
check "a second prep on the same --out is refused, naming the pid" 1 "in use by another toongan process \\(pid $apid\\)" -- \
  "$P" --builtin 20 --size 32 --out c8/d -q
sleep 0.5
kill -INT $apid; wait $apid; arc=$?
cp c8a.out "$T/out"
why=""; [ $arc = 130 ] || why=" exit $arc after SIGINT, want 130;"
grep -q 'record of' c8a.out && why="$why reports a downstream record error;"
grep -q 'interrupted' c8a.out || why="$why message lacks 'interrupted';"
[ -z "$(ls -A c8)" ] || why="$why left $(ls -A c8 | tr '\n' ' ');"
report "prep stops on SIGINT with 130, names the interruption, leaves nothing" "$why"

# ---- 5-7: hangs and signals ----------------------------------------------------------
check "eval refuses a checkpoint with NaN in the EMA generator, naming the tensor" 1 'EMA.main.0.weight holds NaN' fx -- \
  "$E" --ckpt fx/nan.safetensors --data fx/data --out c9 -n 16 -q
check "sample refuses a checkpoint with NaN, naming the tensor" 1 'EMA.main.0.weight holds NaN' fx -- \
  "$S" --ckpt fx/nan.safetensors -n 4 --out c9/g.png -q
mkdir -p c10 && cp -r fx/run c10/run && cp fx/nan.safetensors c10/run/ckpt/latest.safetensors
check "train --resume refuses a checkpoint with NaN" 1 'holds NaN' -- \
  "$TR" --data fx/data --out c10/run --resume --steps 5 -q

sigcase() { # NAME SIGNAL CMD...: the command gets SIGNAL once it has started its work (its first "generating" line, or after 1.5 s) and must exit 130 soon
  local name=$1 sig=$2
  shift 2
  (ulimit -v "$LIMIT_KB"; exec timeout -s KILL "$TIMEOUT" "$@") >"$T/out" 2>&1 &
  local pid=$! t0 i
  for i in $(seq 30); do grep -q generating "$T/out" && break; sleep 0.05; done
  t0=$SECONDS
  kill -"$sig" $pid
  wait $pid
  local rc=$? why=""
  [ $rc = 130 ] || why=" exit $rc, want 130;"
  [ $((SECONDS - t0)) -le 15 ] || why="$why took $((SECONDS - t0))s to stop;"
  grep -qE '^(panic:|fatal error:)' "$T/out" && why="$why Go panic;"
  grep -q 'interrupted' "$T/out" || why="$why message lacks 'interrupted';"
  report "$name" "$why"
}
sigcase "eval stops on SIGINT with 130" INT "$E" --ckpt "$CK" --data fx/data --out c11 -n 500 --holdout-cap 12 --nn-train 40
sigcase "eval stops on SIGTERM with 130" TERM "$E" --ckpt "$CK" --data fx/data --out c11 -n 500 --holdout-cap 12 --nn-train 40
[ ! -e c11/report.json ] || { RC=x; report "an interrupted eval leaves no report" " c11/report.json exists;"; }

mkdir -p c12 && mkfifo c12/in.tar
check "prep refuses a FIFO named like an archive without blocking" 1 'FIFO' c12 -- \
  "$P" -q --out c12/d c12/in.tar
cp -r fx/raw c12/raw && mkfifo c12/raw/trap.png
check "prep skips a FIFO inside its input folder" 0 '' c12/raw -- \
  "$P" --out c12/d2 --size 32 c12/raw
mkdir -p c12/fake && cp fx/raw/img-000*.png c12/fake/ && mkfifo c12/fake/trap.png
check "eval --fake-dir does not block on a FIFO named like an image" 0 '' c12/fake -- \
  "$E" --fake-dir c12/fake --data fx/data --out c12/ev -n 8 -q

mkdir -p c13 && tar -C fx/raw -czf c13/full.tar.gz . && head -c $(($(stat -c %s c13/full.tar.gz) / 2)) c13/full.tar.gz >c13/cut.tar.gz
EXTRA='! grep -q "record of" "$T/out"'
check "a truncated .tar.gz reports unexpected EOF, not a downstream record error" 1 'unexpected EOF' c13 -- \
  "$P" -q --out c13/d --size 32 c13/cut.tar.gz

# ---- 8: memory ------------------------------------------------------------------------
"$tool" bigtar c13/big.tar.gz 24 100
check "prep reads an archive of 24 members of 100 MiB with bounded memory" 1 'no usable images \(24 files, 24 skipped' c13 -- \
  "$P" -q --out c13/big --size 32 c13/big.tar.gz
check "sample refuses a checkpoint whose config claims ngf=ndf=1024 (before allocating)" 1 'has shape' fx -- \
  "$S" --ckpt fx/wide.safetensors -n 4 --out c14/g.png -q
check "eval refuses the same forged checkpoint" 1 'has shape' fx -- \
  "$E" --ckpt fx/wide.safetensors --data fx/data --out c14/ev -n 16 -q
mkdir -p c14 && cp -r fx/run c14/run && cp fx/wide.safetensors c14/run/ckpt/latest.safetensors
check "train --resume refuses the same forged checkpoint" 1 'has shape' -- \
  "$TR" --data fx/data --out c14/run --resume --steps 5 -q
check "sample -n 10000000 is a usage error" 2 '\-\-n 10000000 out of range' -- "$S" --ckpt "$CK" -n 10000000 --out c14/g.png
check "sample --interp 100000 is a usage error" 2 '\-\-interp 100000' -- "$S" --ckpt "$CK" --interp 100000 --out c14/i.gif
check "sample --keys 100000 is a usage error" 2 '\-\-keys 100000' -- "$S" --ckpt "$CK" --interp 8 --keys 100000 --out c14/i.gif
check "sample --scale 1000 is a usage error" 2 '\-\-scale 1000' -- "$S" --ckpt "$CK" --interp 8 --scale 1000 --out c14/i.gif
check "eval --log /dev/zero is refused before any work" 1 'not a regular file' -- \
  "$E" --ckpt "$CK" --data fx/data --out c14/ev2 --log /dev/zero -n 16 -q
check "sample --ckpt /dev/zero is refused" 1 'not a regular file' -- "$S" --ckpt /dev/zero --out c14/g.png
check "eval --ckpt /dev/zero is refused" 1 'not a regular file' -- "$E" --ckpt /dev/zero --data fx/data --out c14/ev3
mkdir -p c14/zd && cp fx/data/*.shard c14/zd/ && ln -s /dev/zero c14/zd/manifest.json
check "a manifest linked to /dev/zero is refused" 1 'not a regular file' -- \
  "$TR" --data c14/zd --out c14/zrun --steps 1 "${TINY[@]}" -q
check "prep --workers 100000 is a usage error" 2 '\-\-workers 100000 out of range' -- "$P" --builtin 20 --workers 100000 --out c14/p
check "prep --max-pixels 1e15 is a usage error" 2 '\-\-max-pixels 1e\+15 out of range' -- "$P" --builtin 20 --max-pixels 1e15 --out c14/p
check "train refuses a model that cannot fit in memory, with the estimate" 1 'needs about .* of memory' -- \
  "$TR" --data fx/data --out c14/big --steps 1 --ngf 1024 --ndf 1024 --batch 4096 -q
check "eval refuses a job that cannot fit, with the estimate, instead of crashing" 1 'needs about .* of memory' fx -- \
  "$E" --ckpt "$CK" --data fx/data --out c14/ev4 -n 20000 --holdout-cap 100000 -q
[ ! -e c14/p ] || report "usage errors create nothing" " c14/p exists;"

# ---- 9: zero values: what is recorded is what ran ---------------------------------------
check "train --beta2 0 is refused" 2 '\-\-beta2 0 out of range \(0, 1\)' -- "$TR" --data fx/data --out c15/b2 --beta2 0
EXTRA='grep -q "\"beta1\": 0," c15/b1/config.json'
check "train --beta1 0 runs with beta1 0 and records 0" 0 '' fx -- \
  "$TR" --data fx/data --out c15/b1 --steps 1 --beta1 0 "${TINY[@]}" -q
check "a checkpoint config with nz=0 is refused, not rebuilt with 100" 1 'nz 0 out of range' fx -- \
  "$S" --ckpt fx/nz0.safetensors -n 4 --out c15/g.png -q

# ---- 10: validation before work ------------------------------------------------------------
EXTRA='[ ! -e c16/inf ]'
check "train --minutes Inf is a usage error and creates nothing" 2 '\-\-minutes \+Inf out of range' -- "$TR" --data fx/data --out c16/inf --minutes Inf
for f in "lr 1" "ngf 2000" "batch 5000" "nz 5000"; do
  set -- $f
  check "train --$1 $2 is a usage error" 2 "\\-\\-$1 $2 out of range" -- "$TR" --data fx/data --out c16/x --"$1" "$2"
done
for f in "-n 0" "--truncation NaN" "--batch -1" "--interp -1" "--delay -5" "--scale -1"; do
  check "sample $f is a usage error" 2 "out of range|want 0" -- "$S" --ckpt "$CK" --out c16/g.png $f
done
for f in "-n 0" "--bins -1" "--grid -1" "--pairs -1" "--batch 0"; do
  check "eval $f is a usage error" 2 "out of range" -- "$E" --ckpt "$CK" --data fx/data --out c16/ev $f
done
check "sample --out x.jpg is a usage error (PNG only)" 2 '\.png' -- "$S" --ckpt "$CK" --out c16/x.jpg
mkdir -p c16 && echo keep >c16/file
check "eval --out FILE fails at once" 1 'not a folder' c16/file -- "$E" --ckpt "$CK" --data fx/data --out c16/file -n 16
mkdir -p c16/zsrc && cp fx/raw/img-000*.png c16/zsrc/ && "$tool" encrypted-zip c16/enc.zip c16/zsrc
check "an encrypted zip entry is reported as encrypted" 0 'secret.png.*encrypted' -- "$P" --out c16/zd --size 32 c16/enc.zip
for i in $(seq 10); do
  run "$TR" --data c16/none --out c16/none-run
  grep -q 'stopping after the current step' "$T/out" && break
done
why=""; [ "$RC" = 1 ] || why=" exit $RC;"
grep -q 'stopping after the current step' "$T/out" && why="$why an early error printed the Ctrl-C note;"
report "early train errors never print the Ctrl-C note (10 runs)" "$why"

# ---- 11: file names are quoted ------------------------------------------------------------
mkdir -p c17/in && cp fx/raw/img-000*.png c17/in/ && echo junk >"c17/in/evil"$'\n'"warning: all good.png" && printf 'junk' >"c17/in/esc-"$'\e'"[31mred.png"
EXTRA='! grep -q "^warning: all good" "$T/out" && ! grep -q $'"'"'\e'"'"' "$T/out"'
check "file names are quoted: no forged line, no escape sequence" 0 'evil\\nwarning: all good' c17/in -- \
  "$P" --out c17/d --size 32 c17/in

echo "hostile: $((pass + failed)) cases in $((SECONDS - start))s"
echo "$pass passed, $failed failed"
[ "$failed" = 0 ]
