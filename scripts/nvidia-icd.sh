#!/usr/bin/env bash
# NVIDIA containers often mount the driver (nvidia-smi works, libGLX_nvidia.so.0 is there) but not
# the Vulkan ICD manifest (nvidia_icd.json), so Dawn sees only lavapipe or nothing. Called by
# setup.sh when the probe found no adapter or only a software one: where NVIDIA's Vulkan library is
# present and no manifest names it, write one and probe again, and say what happened either way.
# Exit 0 when the probe then finds a hardware adapter, 1 otherwise (setup.sh carries on with what it
# has), 2 when there is no NVIDIA driver to speak of (nothing done).
# Overridable for tests and unusual layouts:
#   MEDNAS_NVIDIA_LIB_DIRS  where to look for libGLX_nvidia.so.0 / libEGL_nvidia.so.0 (':'-separated)
#   MEDNAS_VULKAN_ICD_DIRS  where the Vulkan loader looks for manifests (':'-separated)
#   MEDNAS_ICD_WRITE_DIR    where to write ours (default: /etc/vulkan/icd.d as root, else
#                           $XDG_DATA_HOME/vulkan/icd.d, both on the loader's search path)
#   MEDNAS_PROBE            the probe command (default: node scripts/probe-adapter.mjs)
set -uo pipefail
cd "$(dirname "$0")/.."
say() { printf '[setup] %s\n' "$*" >&2; }
probe() { timeout 120 ${MEDNAS_PROBE:-node scripts/probe-adapter.mjs} 2>/dev/null; }
is_software() { grep -qiE 'llvmpipe|lavapipe|swiftshader|softpipe'; }

lib_dirs="${MEDNAS_NVIDIA_LIB_DIRS:-/usr/lib/x86_64-linux-gnu:/usr/lib/aarch64-linux-gnu:/usr/lib64:/usr/lib:/usr/local/nvidia/lib64:/usr/local/nvidia/lib}"
icd_dirs="${MEDNAS_VULKAN_ICD_DIRS:-/etc/vulkan/icd.d:/usr/share/vulkan/icd.d:/usr/local/share/vulkan/icd.d:${XDG_DATA_HOME:-$HOME/.local/share}/vulkan/icd.d}"
if [ -n "${MEDNAS_ICD_WRITE_DIR:-}" ]; then write_dir="$MEDNAS_ICD_WRITE_DIR"
elif [ "$(id -u)" = "0" ]; then write_dir=/etc/vulkan/icd.d
else write_dir="${XDG_DATA_HOME:-$HOME/.local/share}/vulkan/icd.d"; fi

lib=""
IFS=: read -r -a dirs <<< "$lib_dirs"
for d in "${dirs[@]}"; do
  for name in libGLX_nvidia.so.0 libEGL_nvidia.so.0; do
    if [ -z "$lib" ] && [ -e "$d/$name" ]; then lib="$d/$name"; fi
  done
done
if [ -z "$lib" ]; then
  if command -v nvidia-smi >/dev/null 2>&1 && nvidia-smi -L >/dev/null 2>&1; then
    say "nvidia-smi sees a GPU, but the driver's Vulkan library (libGLX_nvidia.so.0 or libEGL_nvidia.so.0) is"
    say "not in ${lib_dirs//:/, }: the container lacks the 'graphics' driver capability. Start it with"
    say "NVIDIA_DRIVER_CAPABILITIES=all (or compute,utility,graphics) so that Vulkan can reach the GPU."
    exit 1
  fi
  exit 2
fi

IFS=: read -r -a manifests <<< "$icd_dirs"
for d in "${manifests[@]}"; do
  for f in "$d"/*.json; do
    [ -e "$f" ] || continue
    if grep -q 'nvidia' "$f" 2>/dev/null; then
      say "a Vulkan manifest for NVIDIA exists ($f), yet Dawn found no NVIDIA adapter; see 'vulkaninfo --summary'"
      say "(the driver's Vulkan part may not match the kernel module, or /dev/nvidia* may not be mounted)"
      exit 1
    fi
  done
done

manifest="$write_dir/nvidia_icd.json"
if ! mkdir -p "$write_dir" 2>/dev/null; then
  say "NVIDIA's Vulkan library is at $lib but no manifest names it, and $write_dir is not writable: write"
  say "$manifest with {\"file_format_version\": \"1.0.0\", \"ICD\": {\"library_path\": \"$lib\", \"api_version\": \"1.3.0\"}}"
  exit 1
fi
tmp="$manifest.tmp.$$"
printf '{\n  "file_format_version": "1.0.0",\n  "ICD": { "library_path": "%s", "api_version": "1.3.0" }\n}\n' "$lib" > "$tmp" && mv "$tmp" "$manifest"
say "the NVIDIA driver's Vulkan library is mounted ($lib) but its ICD manifest is not: wrote $manifest"
found="$(probe || true)"
if [ -n "$found" ] && ! printf '%s' "$found" | is_software; then
  say "WebGPU adapter: $found"
  exit 0
fi
say "Dawn still finds ${found:-no adapter} after writing the manifest. Likely causes: /dev/nvidia* not mounted"
say "in the container, a driver whose Vulkan part does not match the kernel module, or a missing"
say "libnvidia-glvkspirv.so next to $lib. 'vulkaninfo --summary' (package vulkan-tools) shows what the"
say "loader sees; the engine still runs correctly on ${found:-whatever adapter it gets}, only slower."
exit 1
