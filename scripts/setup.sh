#!/usr/bin/env bash
# One idempotent set-up for a fresh machine; both README commands run it first.
#  1. npm dependencies (installed when missing or when package-lock.json changed since the last install)
#  2. the build (dist/), when any source is newer than it; redis-server where missing (root on Debian/Ubuntu)
#  3. a WebGPU adapter: probed through Dawn; where it finds none or only a software one on an NVIDIA
#     machine whose Vulkan ICD manifest is missing, write it (scripts/nvidia-icd.sh); when none is
#     found and we are root on Debian/Ubuntu, install libvulkan1 + Mesa's Vulkan drivers (lavapipe,
#     Mesa >= 24: bookworm-backports on bookworm)
# Quiet when there is nothing to do. MEDNAS_SKIP_GPU_SETUP=1 skips step 3.
set -euo pipefail
cd "$(dirname "$0")/.."
say() { printf '[setup] %s\n' "$*" >&2; }

# --- 1. npm dependencies -------------------------------------------------------------------------
stamp=node_modules/.mednas-install-stamp
if [ ! -f "$stamp" ] || [ package-lock.json -nt "$stamp" ] || [ package.json -nt "$stamp" ]; then
  say "installing npm dependencies"
  npm ci --no-audit --no-fund --loglevel=error >&2
  touch "$stamp"
fi

# --- 2. build ------------------------------------------------------------------------------------
if [ ! -f dist/cli.js ] || [ -n "$(find src cli shaders tsup.config.ts package.json -newer dist/cli.js -print -quit 2>/dev/null)" ]; then
  say "building dist/"
  npx --no-install tsup --silent >&2
fi

# npx looks for a project's own binary in node_modules/.bin, where npm never links it: link it, so
# that `npx mednas ...` works in this checkout once set-up has run.
if [ ! -e node_modules/.bin/mednas ]; then
  mkdir -p node_modules/.bin
  ln -s ../../dist/cli.js node_modules/.bin/mednas
fi
chmod +x dist/cli.js

# --- 2b. redis-server ----------------------------------------------------------------------------
# The queue (docs/scale-out.md: `mednas worker`, --redis) runs on Redis; its tests start their own
# redis-server. Installed where missing when we are root on Debian/Ubuntu, as Mesa is below;
# elsewhere the queue tests skip, saying so. MEDNAS_SKIP_REDIS_SETUP=1 skips this step.
if [ "${MEDNAS_SKIP_REDIS_SETUP:-0}" != "1" ] && ! command -v redis-server >/dev/null 2>&1 && [ "$(id -u)" = "0" ] \
  && command -v apt-get >/dev/null 2>&1 && [ -r /etc/os-release ] && grep -qiE '^(ID|ID_LIKE)=.*(debian|ubuntu)' /etc/os-release; then
  say "installing redis-server (one time; the queue's tests use it)"
  if ! { DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends redis-server >&2 \
    || { apt-get update -qq >&2 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends redis-server >&2; }; }; then
    say "could not install redis-server: the queue's tests will skip"
  fi
fi

# --- 3. WebGPU adapter ---------------------------------------------------------------------------
[ "${MEDNAS_SKIP_GPU_SETUP:-0}" = "1" ] && exit 0
probe() { timeout 120 node scripts/probe-adapter.mjs 2>/dev/null; }
found="$(probe || true)"
if [ -n "$found" ] && ! printf '%s' "$found" | grep -qiE 'llvmpipe|lavapipe|swiftshader|softpipe'; then exit 0; fi
# No adapter, or only a software one: on an NVIDIA machine the driver's Vulkan ICD manifest may be
# missing (scripts/nvidia-icd.sh writes it and probes again; it says nothing where there is no NVIDIA
# driver). A software adapter is good enough otherwise.
if bash scripts/nvidia-icd.sh; then exit 0; fi
if [ -n "$found" ]; then exit 0; fi

say "no WebGPU adapter found"
if [ ! -r /etc/os-release ] || ! grep -qiE '^(ID|ID_LIKE)=.*(debian|ubuntu)' /etc/os-release; then
  say "install a Vulkan driver for your GPU (or Mesa >= 24 with lavapipe for a CPU-only machine) and run again"
  exit 1
fi
. /etc/os-release
if [ "$(id -u)" != "0" ]; then
  say "not root: ask your administrator to install the packages libvulkan1 and mesa-vulkan-drivers (Mesa >= 24;"
  say "on Debian bookworm from bookworm-backports: apt-get install -t bookworm-backports mesa-vulkan-drivers)"
  exit 1
fi

export DEBIAN_FRONTEND=noninteractive
target=()
if [ "${VERSION_CODENAME:-}" = "bookworm" ]; then
  # Mesa 22 (bookworm) lavapipe lacks features Dawn requires; backports carries Mesa >= 24.
  # Add the suite to the existing Debian entry instead of writing a new source with a host name.
  if ! grep -rqs 'bookworm-backports' /etc/apt/sources.list /etc/apt/sources.list.d/; then
    if [ -f /etc/apt/sources.list.d/debian.sources ] && grep -q '^Suites:.*bookworm-updates' /etc/apt/sources.list.d/debian.sources; then
      say "adding bookworm-backports to /etc/apt/sources.list.d/debian.sources"
      sed -i '/^Suites:.*bookworm-updates/ s/$/ bookworm-backports/' /etc/apt/sources.list.d/debian.sources
    elif [ -f /etc/apt/sources.list ] && grep -qE '^deb .* bookworm main' /etc/apt/sources.list; then
      say "adding bookworm-backports to /etc/apt/sources.list"
      grep -E '^deb .* bookworm main' /etc/apt/sources.list | head -1 | sed 's/ bookworm main/ bookworm-backports main/' >> /etc/apt/sources.list
    else
      say "could not find the Debian bookworm entry in the apt sources to add bookworm-backports to"
      exit 1
    fi
  fi
  target=(-t bookworm-backports)
fi
say "installing libvulkan1 and mesa-vulkan-drivers ${target[*]:-} (one time)"
apt-get update -qq >&2
apt-get install -y -qq --no-install-recommends "${target[@]}" libvulkan1 mesa-vulkan-drivers >&2

if probe >/dev/null; then say "WebGPU adapter: $(probe)"; exit 0; fi
say "still no WebGPU adapter after installing Mesa's Vulkan drivers; run 'node scripts/probe-adapter.mjs' to see Dawn's message"
exit 1
