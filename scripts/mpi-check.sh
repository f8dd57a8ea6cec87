#!/usr/bin/env bash
# Data-parallel training under MPI, end to end (run by .ci/run; about a
# minute on 2 cores). Installs Open MPI with apt when it is missing, and
# says SKIPPED (never silently) when that is impossible. Checks, with a tiny
# model on 512 built-in faces at 32 px, --batch 64:
#   1. one step: mpirun -np 2 gives the one-process checkpoint (weights and
#      Adam state) within 1e-5 relative;
#   2. 20 steps: one process with --reduce-split 2 (every sum over the
#      batch taken as two ranks take it, then the two parts added) and
#      mpirun -np 2 with the same flags give the same checkpoint (weights,
#      Adam state, BatchNorm statistics) within 1e-5 relative; they are in
#      fact equal bit for bit, and the largest difference is printed. The
#      plain runs' 20-step difference is printed for information only: GAN
#      training with Adam amplifies float rounding (a gradient that is ~0
#      becomes a full-size Adam update of either sign), so after 20 steps
#      two runs that sum in different orders no longer match to 1e-5;
#   3. 20 steps: one process with --reduce-split 4 and mpirun -np 4 with
#      the same flags give the same checkpoint bit for bit (with
#      --reduce-split N the ranks add their sums in rank order, as the one
#      process adds its N parts, not in MPI_Allreduce's order);
#   4. exact resume under MPI: 10 steps, then --resume to 20, equals 20
#      bit for bit;
#   5. Ctrl-C (SIGINT) to mpirun mid-run: the job ends within 60 s,
#      every rank stopped at the same step N, latest.safetensors is step
#      N's, and --resume from it to N+3 equals N+3 steps straight, bit for
#      bit; mpirun's exit status is printed (1: Open MPI's for a job it was
#      asked to abort, whatever the ranks return). With mpirun's
#      --mca odls_base_sigkill_timeout 5, as pipeline.mk runs it;
#   6. kill -9 of rank 1 mid-run: the job exits non-zero within 60 s with a
#      message naming rank 1, and latest.safetensors loads.
set -euo pipefail
cd "$(dirname "$0")/.."

need() { command -v mpirun >/dev/null 2>&1 && pkg-config --exists ompi 2>/dev/null && command -v gcc >/dev/null 2>&1; }
if ! need; then
  echo "mpi-check: installing Open MPI and gcc with apt"
  if ! { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq libopenmpi-dev openmpi-bin gcc pkg-config >/dev/null; } || ! need; then
    echo "mpi-check: SKIPPED: Open MPI (libopenmpi-dev, openmpi-bin) or gcc is missing and apt could not install them"
    exit 0
  fi
fi

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
go build -o "$tmp/prep" ./prep
CGO_ENABLED=0 go build -o "$tmp/train" ./train
go build -tags mpi -o "$tmp/train-mpi" ./train
go build -o "$tmp/ckptcmp" ./scripts/ckptcmp
"$tmp/prep" --out "$tmp/data" --builtin 512 --size 32 --holdout 0.1 --quiet

MPIRUN=(mpirun --oversubscribe --allow-run-as-root --bind-to none -np 2)
MPIRUN4=(mpirun --oversubscribe --allow-run-as-root --bind-to none -np 4)
F=(--data "$tmp/data" --recipe classic --batch 64 --ngf 8 --ndf 8 --nz 16 --seed 3 --sample-every 0 --quiet)
ck() { echo "$tmp/$1/ckpt/latest.safetensors"; }
# largest relative difference of two checkpoints (values under 0.01 count as 0.01)
reldiff() { "$tmp/ckptcmp" -report "$@" | sed -n 's/.*largest relative difference \([^ ]*\).*/\1/p'; }

echo "== 1 step: 2 ranks vs one process (weights and Adam state, 1e-5)"
"$tmp/train" "${F[@]}" --steps 1 --out "$tmp/one1"
"${MPIRUN[@]}" "$tmp/train-mpi" "${F[@]}" --steps 1 --out "$tmp/mpi1"
"$tmp/ckptcmp" -rtol 1e-5 "$(ck one1)" "$(ck mpi1)"

echo "== 20 steps: 2 ranks vs one process with --reduce-split 2 (1e-5; expected equal)"
"$tmp/train" "${F[@]}" --reduce-split 2 --steps 20 --out "$tmp/split20"
"${MPIRUN[@]}" "$tmp/train-mpi" "${F[@]}" --reduce-split 2 --steps 20 --out "$tmp/mpisplit20"
"$tmp/ckptcmp" -rtol 1e-5 "$(ck split20)" "$(ck mpisplit20)"
echo "mpi-check: bit for bit: $("$tmp/ckptcmp" -rtol 0 "$(ck split20)" "$(ck mpisplit20)" >/dev/null 2>&1 && echo yes || echo no)"

echo "== 20 steps: 4 ranks vs one process with --reduce-split 4 (bit for bit: the ranks add in rank order)"
"$tmp/train" "${F[@]}" --reduce-split 4 --steps 20 --out "$tmp/split4"
"${MPIRUN4[@]}" "$tmp/train-mpi" "${F[@]}" --reduce-split 4 --steps 20 --out "$tmp/mpisplit4"
"$tmp/ckptcmp" -rtol 0 "$(ck split4)" "$(ck mpisplit4)"
"$tmp/train" "${F[@]}" --steps 20 --out "$tmp/one20"
"${MPIRUN[@]}" "$tmp/train-mpi" "${F[@]}" --steps 20 --out "$tmp/mpi20"
echo "mpi-check: information: without --reduce-split, weights after 20 steps differ by $(reldiff -skip opt "$(ck one20)" "$(ck mpi20)") relative (summation order)"

echo "== exact resume under MPI: 10 steps, --resume to 20, equals 20 straight"
"${MPIRUN[@]}" "$tmp/train-mpi" "${F[@]}" --steps 10 --out "$tmp/part"
"${MPIRUN[@]}" "$tmp/train-mpi" "${F[@]}" --steps 20 --out "$tmp/part" --resume
"$tmp/ckptcmp" -rtol 0 "$(ck mpi20)" "$(ck part)"

echo "== Ctrl-C (SIGINT) to mpirun mid-run"
# the grace pipeline.mk gives: SIGTERM to the ranks 5 s after the SIGINT,
# SIGKILL 5 s later (Open MPI's default of 1 s is too short on a loaded machine)
"${MPIRUN[@]}" --mca odls_base_sigkill_timeout 5 "$tmp/train-mpi" "${F[@]}" --steps 1000000 --save-every 5 --out "$tmp/int" >"$tmp/int.log" 2>&1 &
job=$!
for _ in $(seq 600); do [ -e "$tmp/int/ckpt/step-000010.safetensors" ] && break; sleep 0.1; done
[ -e "$tmp/int/ckpt/step-000010.safetensors" ] || { echo "mpi-check: FAIL: no step-10 checkpoint within 60 s"; cat "$tmp/int.log"; kill "$job"; exit 1; }
t0=$SECONDS
kill -INT "$job"
for _ in $(seq 600); do kill -0 "$job" 2>/dev/null || break; sleep 0.1; done
if kill -0 "$job" 2>/dev/null; then echo "mpi-check: FAIL: the job still runs 60 s after SIGINT"; kill -9 "$job"; exit 1; fi
rc=0
wait "$job" || rc=$?
n=$(sed -n 's/.*interrupted at step \([0-9]*\); saved.*/\1/p' "$tmp/int.log" | sort -u)
echo "mpi-check: job ended $((SECONDS - t0)) s after SIGINT to mpirun, exit status $rc (Open MPI's for a job it was asked to abort); ranks saying 'interrupted at step $n': $(grep -c 'interrupted at step' "$tmp/int.log")"
[ "$(grep -c 'interrupted at step' "$tmp/int.log")" -eq 2 ] && [ -n "$n" ] && [ "$(echo "$n" | wc -l)" -eq 1 ] || { echo "mpi-check: FAIL: not every rank stopped at one step"; cat "$tmp/int.log"; exit 1; }
[ -e "$tmp/int/ckpt/step-$(printf %06d "$n").safetensors" ] || { echo "mpi-check: FAIL: no checkpoint of step $n"; ls "$tmp/int/ckpt"; exit 1; }
"$tmp/ckptcmp" -rtol 0 "$(ck int)" "$tmp/int/ckpt/step-$(printf %06d "$n").safetensors" >/dev/null || { echo "mpi-check: FAIL: latest.safetensors is not step $n's"; exit 1; }
"${MPIRUN[@]}" "$tmp/train-mpi" "${F[@]}" --steps $((n + 3)) --out "$tmp/int" --resume
"${MPIRUN[@]}" "$tmp/train-mpi" "${F[@]}" --steps $((n + 3)) --out "$tmp/straight"
echo "mpi-check: step $n's checkpoint, resumed to step $((n + 3)), against $((n + 3)) steps straight:"
"$tmp/ckptcmp" -rtol 0 "$(ck straight)" "$(ck int)"

echo "== kill -9 of rank 1 mid-run"
"${MPIRUN[@]}" "$tmp/train-mpi" "${F[@]}" --steps 1000000 --save-every 5 --out "$tmp/kill" >"$tmp/kill.log" 2>&1 &
job=$!
for _ in $(seq 600); do [ -e "$(ck kill)" ] && break; sleep 0.1; done
[ -e "$(ck kill)" ] || { echo "mpi-check: FAIL: no checkpoint within 60 s"; cat "$tmp/kill.log"; kill "$job"; exit 1; }
victim=""
for p in $(pgrep -P "$job"); do
  if tr '\0' '\n' <"/proc/$p/environ" 2>/dev/null | grep -qx 'OMPI_COMM_WORLD_RANK=1'; then victim=$p; fi
done
[ -n "$victim" ] || { echo "mpi-check: FAIL: rank 1's process not found among mpirun's children"; kill "$job"; exit 1; }
t0=$SECONDS
kill -9 "$victim"
rc=0
for _ in $(seq 600); do kill -0 "$job" 2>/dev/null || break; sleep 0.1; done
if kill -0 "$job" 2>/dev/null; then echo "mpi-check: FAIL: the job still runs 60 s after rank 1 was killed"; kill -9 "$job"; exit 1; fi
wait "$job" || rc=$?
echo "mpi-check: job ended $((SECONDS - t0)) s after kill -9 of rank 1, exit status $rc"
grep -i 'rank 1' "$tmp/kill.log" | head -3
[ "$rc" -ne 0 ] || { echo "mpi-check: FAIL: the job exited 0"; exit 1; }
grep -qi 'rank 1' "$tmp/kill.log" || { echo "mpi-check: FAIL: no message names rank 1"; cat "$tmp/kill.log"; exit 1; }
"$tmp/ckptcmp" "$(ck kill)" "$(ck kill)" >/dev/null || { echo "mpi-check: FAIL: latest.safetensors does not load"; exit 1; }
echo "mpi-check: ok"
