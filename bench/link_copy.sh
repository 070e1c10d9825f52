# shellcheck shell=bash
# Sourced by bench/scale_run.sh and bench/server_rounds.sh.
#
# link_copy SRC DST: a copy at DST (which must not exist) of the ledger
# store SRC that shares its table files: RocksDB never changes a table file,
# so hard links leave SRC as it is, while every other file (the WAL, the
# MANIFEST, ...) is copied. A store of 50 M events is copied in a second.
link_copy() {
  cp -al "$1" "$2"
  find "$2" -type f ! -name '*.sst' -exec sh -c \
    'for f; do cp --remove-destination "$f" "$f.copy" && mv "$f.copy" "$f"; done' \
    sh {} +
}
