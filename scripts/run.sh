#!/usr/bin/env bash
# The main job: sets up, builds, starts banen-ledgerd on a local data
# directory, generates and imports the national demo data set 2013-2025 on
# first start (banen-demo-data; calibrated to DOMAIN.md §7), prints the 2024
# table in the shape of the ministers' letter and the national monitor table
# of 2022 next to seed 001's figures, and keeps serving until Ctrl-C.
#
#   scripts/run.sh [--listen=127.0.0.1:50051] [--data-dir=data/ledger]
#                  [--demo-scale=1]   markt volume of the data set (1: national)
set -euo pipefail
cd "$(dirname "$0")/.."

listen=127.0.0.1:50051
data_dir=data/ledger
demo_scale=1
for arg in "$@"; do
  case $arg in
    --listen=*) listen=${arg#*=} ;;
    --data-dir=*) data_dir=${arg#*=} ;;
    --demo-scale=*) demo_scale=${arg#*=} ;;
    *) echo "usage: scripts/run.sh [--listen=HOST:PORT] [--data-dir=DIR] [--demo-scale=S]" >&2; exit 2 ;;
  esac
done

scripts/setup.sh
cmake --preset release >/dev/null
cmake --build build -j2 --target banen-ledgerd banenctl banen-demo-data

mkdir -p "$(dirname "$data_dir")"
build/services/banen-ledgerd --listen="$listen" --data-dir="$data_dir" &
server=$!
# Ctrl-C signals the whole process group, server included; the trap also
# forwards a SIGINT or SIGTERM sent to this script alone. Either way the server
# finishes the batches in flight and closes the store.
trap 'kill -TERM "$server" 2>/dev/null || true' INT TERM

banenctl() { build/tools/banenctl --server="$listen" "$@"; }
until banenctl --timeout-seconds=1 head >/dev/null 2>&1; do
  kill -0 "$server" 2>/dev/null || { wait "$server"; exit 1; }
  sleep 0.2
done

# First start (or an import cut short): generate the data set once and import
# it; the import is idempotent, so a re-run stores only what is missing. Its
# retractions name seqs, so it is generated to follow the log's head.
demo_file="$data_dir.demo-national-$demo_scale.ndjson"
if [[ ! -s "$demo_file.imported" ]]; then
  if [[ ! -s "$demo_file" ]]; then
    head_seq=$(banenctl head | awk '$1 == "seq" { print $2 }')
    echo "Generating the national demo data set 2013-2025 (scale $demo_scale)..."
    build/tools/banen-demo-data --scale="$demo_scale" --first-seq=$((head_seq + 1)) \
      --out="$demo_file.tmp"
    mv "$demo_file.tmp" "$demo_file"
  fi
  banenctl import "$demo_file"
  date -u +%FT%TZ >"$demo_file.imported"
fi
echo
banenctl report --quarter=2024Q4 --format=letter
echo
# The 2024 quota of the government sectors (Wfsv §4a): liable employers,
# quota, realised banen, shortfall and levy per sector.
banenctl report quota --year=2024 --sectors=OVERHEID
echo
# The SZW letters' national monitor of 2022 (with 2021 for the change), and
# what seed 001 says, to compare line by line.
banenctl report --quarter=2021Q4 --to-quarter=2022Q4 --view=monitor --format=letter
cat <<'SEED'

Seed 001 (Kamerbrief SZW), end 2022:
                             MARKT  OVERHEID  NATIONAAL
extra formal                70,388     8,874     79,262
extra inleen                   724     1,130      1,855
extra                       71,113    10,004     81,117
change vs 2021Q4           +10,146  (formal +10,461, inleen -314)
inleen of all hirers 38,061 keyed 25.8% overheid; baseline 36,206 keyed 24.0%
SEED
echo
echo "banen-ledgerd serves on $listen (data in $data_dir); Ctrl-C stops it."
echo "Try: build/tools/banenctl --server=$listen report --quarter=2021Q1 --to-quarter=2024Q4 --format=html --out=report.html"
echo "     build/tools/banenctl --server=$listen report --quarter=2024Q4 --sectors=RIJK --employers"
echo "     build/tools/banenctl --server=$listen verify"

# `wait` returns when the trap fires; wait again for the clean shutdown.
wait "$server" || true
wait "$server" 2>/dev/null || true
