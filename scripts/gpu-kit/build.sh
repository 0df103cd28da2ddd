#!/usr/bin/env bash
# Builds .gpu-kit/ (git-ignored): what `npm run bench` needs on a lent GPU machine, which has no
# Node.js and reaches no network (see the device tool's README): this machine's node binary, the
# `webgpu` package with its Linux x64 Dawn binary, the benchmarks bundled into one file, and the
# Vulkan loader's Debian packages. Binaries are xz-compressed to keep what travels under the 64 MiB
# that a device call carries (~40 MiB in all). Then, in one device call:
#   run: command "bash scripts/gpu-kit/run.sh", carry [".gpu-kit"]
# Needs: npm's set-up done here (node_modules), xz, apt-get (Debian's packages reachable), x86-64.
set -euo pipefail
cd "$(dirname "$0")/../.."
say() { printf '[gpu-kit] %s\n' "$*" >&2; }
[ "$(uname -m)" = x86_64 ] || { say "the GPU machines are x86-64 and this one is $(uname -m): build the kit on x86-64"; exit 1; }
[ -d node_modules/webgpu ] || { say "no node_modules: run 'npm run setup' first"; exit 1; }
kit=.gpu-kit
rm -rf "$kit"
mkdir -p "$kit/node_modules/webgpu/dist/linux-x64" "$kit/gl"

xz -T0 -6 -c "$(command -v node)" > "$kit/node.xz"
cp node_modules/webgpu/package.json node_modules/webgpu/index.js "$kit/node_modules/webgpu/"
xz -T0 -6 -c node_modules/webgpu/dist/linux-x64/dawn.node > "$kit/node_modules/webgpu/dist/linux-x64/dawn.node.xz"
cp scripts/probe-adapter.mjs "$kit/"
# One file, shaders inlined as text (as tsup builds dist/); webgpu stays a package beside it.
node_modules/.bin/esbuild scripts/gpu-kit/entry.ts --bundle --platform=node --format=esm --target=es2022 \
  --loader:.wgsl=text --external:webgpu --outfile="$kit/bench.mjs" --log-level=warning

# The Vulkan loader and GL dispatch libraries, as the device README says to bring them.
lists=$(mktemp -d)
mkdir -p "$lists/partial"
o=(-oAPT::Architecture=amd64 -oAPT::Architectures=amd64 -oDir::State::Lists="$lists")
if apt-get "${o[@]}" update >/dev/null 2>&1 && (cd "$kit/gl" && apt-get "${o[@]}" download libvulkan1 libegl1 libglvnd0 libopengl0 libgl1 libglx0 libgles2 >/dev/null 2>&1); then
  say "Vulkan loader packages: $(ls "$kit/gl" | tr '\n' ' ')"
else
  say "could not download the Vulkan loader packages (Debian's mirrors unreachable?): the kit goes without; run.sh uses the machine's own loader if it has one"
fi
rm -rf "$lists"
say "built $kit: $(du -sh "$kit" | cut -f1)"
