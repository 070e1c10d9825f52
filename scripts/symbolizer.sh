#!/usr/bin/env bash
# Prints the program sanitizer reports name their frames with:
# llvm-symbolizer where LLVM's tools are installed, else binutils' addr2line
# (setup.sh installs clang-16 without them; CI's reports were bare addresses).
command -v llvm-symbolizer-16 || command -v llvm-symbolizer || command -v addr2line
