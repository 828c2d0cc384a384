#!/usr/bin/env bash
# The GPU measurements of docs/gpu.md on a machine with an NVIDIA GPU and no npm registry, from what
# `npm run pack:device` put in .device/: the backend-parity report on the real GPU, then bench:gpu
# (medium preset, batch 64; webgpu against PyTorch eager on CUDA). Run from the repository root:
#
#   bash scripts/device-run.sh            results in $OUT (the device tool's folder), else /tmp/lmx-out
#
# LMX_DEVICE_SWIFTSHADER=1 runs the same on SwiftShader instead of a GPU: a check of the pack on a
# machine without one (nothing is timed then).
set -uo pipefail

out="${OUT:-/tmp/lmx-out}"
mkdir -p "$out"
[ -f .device/lmx.tar.gz ] || { echo "device-run: .device/lmx.tar.gz is missing: run npm run pack:device and carry .device" >&2; exit 2; }

# The Vulkan loader: the machine's own, else the one packed (unpacked over /, as the device README says).
if ! ldconfig -p | grep -q 'libvulkan\.so\.1'; then
  for deb in .device/gl/*.deb; do [ -f "$deb" ] && dpkg -x "$deb" /; done
  ldconfig
fi
# NVIDIA's Vulkan driver, named explicitly so that the loader does not settle on a software one.
for icd in /usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json /usr/share/vulkan/icd.d/nvidia_icd.json \
           /etc/vulkan/icd.d/nvidia_icd.json; do
  if [ -f "$icd" ]; then export VK_DRIVER_FILES="$icd"; break; fi
done
export XDG_RUNTIME_DIR="${XDG_RUNTIME_DIR:-$(mktemp -d)}"

lmx=$(mktemp -d)
tar -xzf .device/lmx.tar.gz -C "$lmx"
node="$lmx/lmx/node"
swiftshader=()
[ "${LMX_DEVICE_SWIFTSHADER:-}" = 1 ] && swiftshader=(--swiftshader)

{
  echo "== machine"
  nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader 2>/dev/null || echo "no nvidia-smi"
  echo "Node $("$node" --version); Vulkan driver file: ${VK_DRIVER_FILES:-(loader default)}"
  python3 -c 'import torch; print("torch", torch.__version__, "cuda", torch.version.cuda, torch.cuda.is_available())' 2>/dev/null || echo "no torch"
} 2>&1 | tee "$out/machine.txt"

echo "== backend parity (webgpu against cpu)"
"$node" "$lmx/lmx/parity-report.js" "${swiftshader[@]}" --json "$out/parity.json" 2>&1 | tee "$out/parity.txt"
parity=${PIPESTATUS[0]}

echo "== bench:gpu"
"$node" scripts/bench-gpu.mjs --runner "$lmx/lmx/bench-gpu-run.js" --backends webgpu \
  --corpus "$lmx/lmx/tinyshakespeare.txt" --json "$out/bench-gpu.json" "$@" 2>&1 | tee "$out/bench-gpu.txt"
bench=${PIPESTATUS[0]}

rm -rf "$lmx"
echo "device-run: parity exit $parity, bench exit $bench; results in $out"
[ "$parity" = 0 ] && [ "$bench" = 0 ]
