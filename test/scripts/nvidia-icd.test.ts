// scripts/nvidia-icd.sh on fake directory layouts (no GPU needed): an NVIDIA container whose driver
// library is mounted but whose Vulkan ICD manifest is not gets one written and probed; the other
// cases say what is wrong and write nothing. The probe and nvidia-smi are stand-in scripts.
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';

const script = resolve(import.meta.dirname, '../../scripts/nvidia-icd.sh');

interface Layout {
  /** Put a fake libGLX_nvidia.so.0 in the library directory. */
  lib: boolean;
  /** A manifest naming NVIDIA already in one of the loader's directories. */
  manifest?: boolean;
  /** What `nvidia-smi -L` does: succeed, fail, or not exist. */
  smi: 'ok' | 'fails' | 'absent';
  /** The probe reports a hardware adapter once our manifest exists (else lavapipe always). */
  probeSeesManifest: boolean;
}

function run(layout: Layout) {
  const root = mkdtempSync(join(tmpdir(), 'mednas-icd-'));
  const libDir = join(root, 'lib');
  const icdDir = join(root, 'share/vulkan/icd.d');
  const writeDir = join(root, 'etc/vulkan/icd.d');
  const bin = join(root, 'bin');
  for (const d of [libDir, icdDir, bin]) mkdirSync(d, { recursive: true });
  if (layout.lib) writeFileSync(join(libDir, 'libGLX_nvidia.so.0'), '');
  if (layout.manifest) writeFileSync(join(icdDir, 'nvidia_icd.json'), '{"ICD": {"library_path": "libGLX_nvidia.so.0"}}');
  if (layout.smi !== 'absent') {
    writeFileSync(join(bin, 'nvidia-smi'), `#!/bin/sh\nexit ${layout.smi === 'ok' ? 0 : 1}\n`);
    chmodSync(join(bin, 'nvidia-smi'), 0o755);
  }
  const probe = join(bin, 'probe');
  const sees = layout.probeSeesManifest ? `[ -e '${join(writeDir, 'nvidia_icd.json')}' ] && echo 'NVIDIA / hopper / NVIDIA H200' && exit 0\n` : '';
  writeFileSync(probe, `#!/bin/sh\n${sees}echo 'llvmpipe (LLVM 15.0.6, 256 bits)'\n`);
  chmodSync(probe, 0o755);
  const r = spawnSync('bash', [script], {
    encoding: 'utf8',
    env: {
      ...process.env,
      PATH: `${bin}:${layout.smi === 'absent' ? '/usr/bin:/bin' : process.env.PATH}`,
      MEDNAS_NVIDIA_LIB_DIRS: libDir,
      MEDNAS_VULKAN_ICD_DIRS: `${icdDir}:${writeDir}`,
      MEDNAS_ICD_WRITE_DIR: writeDir,
      MEDNAS_PROBE: probe,
    },
  });
  const manifestPath = join(writeDir, 'nvidia_icd.json');
  const written = existsSync(manifestPath) ? readFileSync(manifestPath, 'utf8') : null;
  rmSync(root, { recursive: true, force: true });
  return { status: r.status, stderr: r.stderr, written, lib: join(libDir, 'libGLX_nvidia.so.0') };
}

test('driver library mounted, manifest missing: writes one naming the library, probes again, reports the GPU', () => {
  const r = run({ lib: true, smi: 'ok', probeSeesManifest: true });
  assert.is(r.status, 0, r.stderr);
  assert.ok(r.written, 'manifest written');
  const json = JSON.parse(r.written!) as { file_format_version: string; ICD: { library_path: string } };
  assert.is(json.ICD.library_path, r.lib);
  assert.is(json.file_format_version, '1.0.0');
  assert.match(r.stderr, /its ICD manifest is not: wrote .*nvidia_icd\.json/);
  assert.match(r.stderr, /WebGPU adapter: NVIDIA \/ hopper \/ NVIDIA H200/);
});

test('manifest written but Dawn still sees only lavapipe: says so, the likely causes, and that lavapipe still works', () => {
  const r = run({ lib: true, smi: 'ok', probeSeesManifest: false });
  assert.is(r.status, 1);
  assert.ok(r.written, 'manifest written');
  assert.match(r.stderr, /still finds llvmpipe/);
  assert.match(r.stderr, /\/dev\/nvidia\* not mounted/);
  assert.match(r.stderr, /vulkaninfo --summary/);
});

test('a manifest for NVIDIA already exists: nothing written, says where to look', () => {
  const r = run({ lib: true, manifest: true, smi: 'ok', probeSeesManifest: true });
  assert.is(r.status, 1);
  assert.is(r.written, null);
  assert.match(r.stderr, /a Vulkan manifest for NVIDIA exists/);
});

test('nvidia-smi works but the Vulkan library is not mounted: names the missing capability', () => {
  const r = run({ lib: false, smi: 'ok', probeSeesManifest: true });
  assert.is(r.status, 1);
  assert.is(r.written, null);
  assert.match(r.stderr, /NVIDIA_DRIVER_CAPABILITIES=all/);
});

test('no NVIDIA driver at all: silent, nothing written (exit 2, set-up carries on)', () => {
  for (const smi of ['fails', 'absent'] as const) {
    const r = run({ lib: false, smi, probeSeesManifest: true });
    assert.is(r.status, 2, `nvidia-smi ${smi}`);
    assert.is(r.stderr, '');
    assert.is(r.written, null);
  }
});

test.run();
