#!/usr/bin/env bash
# Builds a free-threaded CPython (PEP 703, ./configure --disable-gil) from Debian's source
# package of python3.13 and installs it into PREFIX (default /tmp/py313t).
#
#   bash tools/build_freethreaded_python.sh [PREFIX]
#
# The deb-src list is derived from the machine's own apt configuration: the URIs and keyring of
# the first "Types: deb" stanza in /etc/apt/sources.list.d/*.sources, with the suite that ships
# python3.13 (GLIA_FT_SUITE, default trixie). apt runs against a private state directory under
# a temporary work directory, so nothing is written to the system's apt lists or caches and
# nothing is kept after the run except PREFIX. Build: nice, at most 2 jobs (GLIA_FT_JOBS).
#
# GLIA_FT_CONFIGURE: more ./configure arguments (tools/tsan_python.sh: --with-thread-sanitizer,
# with CC=clang-14). With --with-thread-sanitizer, CPython's own TSan suppressions
# (Tools/tsan/*.txt of the same source) are installed into PREFIX/share/cpython-tsan.
# A PREFIX that already holds a complete free-threaded build configured with those arguments is
# reused.
set -euo pipefail
prefix=${1:-/tmp/py313t}
suite=${GLIA_FT_SUITE:-trixie}
jobs=${GLIA_FT_JOBS:-2}
read -r -a extra_configure <<< "${GLIA_FT_CONFIGURE:-}"
package=python3.13

if [ -x "$prefix/bin/python3.13t" ] && "$prefix/bin/python3.13t" - "${extra_configure[@]}" <<'PY'
import importlib.util, sys, sysconfig
args = sysconfig.get_config_var("CONFIG_ARGS") or ""
complete = importlib.util.find_spec("pip") is not None      # ensurepip: the install's last step
sys.exit(0 if sysconfig.get_config_var("Py_GIL_DISABLED") and complete
         and all(a in args for a in sys.argv[1:]) else 1)
PY
then
  echo "free-threaded python already in $prefix"
  exit 0
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# --- a deb-src list from the machine's own apt configuration -------------------------------
first_stanza_field() {   # first_stanza_field FIELD: the value of FIELD in the first deb stanza
  awk -v field="$1" '
    /^[[:space:]]*$/ { if (isdeb && value != "") exit; isdeb = 0; value = ""; next }
    /^Types:/ { isdeb = ($0 ~ /(^|[[:space:]])deb([[:space:]]|$)/) }
    $0 ~ "^" field ":" { sub("^[^:]*:[[:space:]]*", ""); value = $0 }
    END { if (isdeb && value != "") print value }
  ' /etc/apt/sources.list.d/*.sources
}
uri=$(first_stanza_field URIs | awk '{ print $1 }')
keyring=$(first_stanza_field Signed-By)
[ -n "$uri" ] || { echo "no 'Types: deb' stanza with URIs in /etc/apt/sources.list.d/*.sources" >&2; exit 1; }
mkdir -p "$work/apt/sources.list.d" "$work/apt/lists/partial" "$work/apt/cache/archives/partial" "$work/src"
{
  echo "Types: deb-src"
  echo "URIs: $uri"
  echo "Suites: $suite"
  echo "Components: main"
  [ -z "$keyring" ] || echo "Signed-By: $keyring"
} > "$work/apt/sources.list.d/deb-src.sources"
apt_private=(-o "Dir::Etc::SourceList=/dev/null" -o "Dir::Etc::SourceParts=$work/apt/sources.list.d"
             -o "Dir::State::Lists=$work/apt/lists" -o "Dir::Cache=$work/apt/cache"
             -o "Debug::NoLocking=1" -o "APT::Sandbox::User=root")
echo "+ deb-src $uri $suite main"
apt-get "${apt_private[@]}" -qq update
(cd "$work/src" && apt-get "${apt_private[@]}" -qq source --download-only "$package")

# --- unpack the upstream tarball, configure --disable-gil, build, install ------------------
orig=$(ls "$work/src/${package}_"*.orig.tar.* | head -n 1)
echo "+ $(basename "$orig")"
mkdir "$work/build"
tar -xf "$orig" -C "$work/build" --strip-components=1
cd "$work/build"
# --disable-test-modules: CPython's own test suite is neither installed nor byte-compiled
./configure -q --disable-gil --disable-test-modules --prefix="$prefix" --with-ensurepip=install \
  "${extra_configure[@]}" \
  > "$work/configure.log" 2>&1 || { tail -n 40 "$work/configure.log" >&2; exit 1; }
nice make -s -j "$jobs" > "$work/make.log" 2>&1 || { tail -n 60 "$work/make.log" >&2; exit 1; }
nice make -s install > "$work/install.log" 2>&1 || { tail -n 60 "$work/install.log" >&2; exit 1; }
if [[ " ${extra_configure[*]} " == *" --with-thread-sanitizer "* ]]; then
  mkdir -p "$prefix/share/cpython-tsan"
  cp Tools/tsan/*.txt "$prefix/share/cpython-tsan/"
fi
"$prefix/bin/python3.13t" -c 'import sys; print(sys.version, "GIL enabled:", sys._is_gil_enabled())'
