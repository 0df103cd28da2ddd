#!/usr/bin/env bash
# Runs the benchmarks on a lent GPU machine from the kit scripts/gpu-kit/build.sh made, writing
# $OUT/bench.jsonl and $OUT/log. Usage (one device call): bash scripts/gpu-kit/run.sh [WORD...]
# (default words: the cases issue 15 asks for on a GPU). Never run by the tests: built for the
# device, checked here only on lavapipe.
set -uo pipefail
cd "$(dirname "$0")/../.."
kit=.gpu-kit
out="${OUT:-$kit/out}"
mkdir -p "$out"
exec > >(tee "$out/log") 2>&1
say() { printf '[gpu-kit] %s\n' "$*"; }
[ -f "$kit/node.xz" ] || { say "no $kit: build it with scripts/gpu-kit/build.sh and name it in carry"; exit 1; }
unxz() { if command -v xz >/dev/null; then xz -dc "$1" > "$2"; else python3 -c "import lzma,sys,shutil; shutil.copyfileobj(lzma.open(sys.argv[1]), open(sys.argv[2],'wb'))" "$1" "$2"; fi; }
bin=$(mktemp -d)
unxz "$kit/node.xz" "$bin/node" && chmod +x "$bin/node"
[ -f "$kit/node_modules/webgpu/dist/linux-x64/dawn.node" ] || unxz "$kit/node_modules/webgpu/dist/linux-x64/dawn.node.xz" "$kit/node_modules/webgpu/dist/linux-x64/dawn.node"
export PATH="$bin:$PATH"
if ! ldconfig -p 2>/dev/null | grep -q 'libvulkan.so.1' && ls "$kit"/gl/*.deb >/dev/null 2>&1; then
  say "no Vulkan loader here: unpacking the kit's Debian packages into / (as root)"
  for f in "$kit"/gl/*.deb; do dpkg -x "$f" /; done
  ldconfig
fi
nvidia-smi -L 2>/dev/null || say "nvidia-smi: none"
icd=/usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json
if [ -z "${VK_DRIVER_FILES:-}" ] && [ -f "$icd" ]; then
  export VK_DRIVER_FILES="$icd" __EGL_VENDOR_LIBRARY_FILENAMES=/usr/local/nvidia/share/glvnd/egl_vendor.d/10_nvidia.json
  say "VK_DRIVER_FILES=$icd (the driver's own manifest, outside the loader's search path)"
fi
probe="node $kit/probe-adapter.mjs"
adapter="$($probe 2>&1)"
say "adapter: $adapter"
if echo "$adapter" | grep -qiE 'llvmpipe|lavapipe|no WebGPU adapter|no device'; then
  MEDNAS_PROBE="$probe" bash scripts/nvidia-icd.sh && say "adapter now: $($probe 2>&1)"
fi
words=("$@")
[ ${#words[@]} -gt 0 ] || words=(engine.matmul.1024.auto engine.matmul.4096.auto engine.matmul.1024.tiled conv. train.darts8 space.train host. proxies.paper)
say "cases: ${words[*]}"
node "$kit/bench.mjs" "$out/bench.jsonl" "${words[@]}"
