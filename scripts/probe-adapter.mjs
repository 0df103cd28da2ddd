// Prints the adapter Dawn finds (vendor, architecture, description) and exits 0, or exits 1 when none.
// Plain JS so the set-up script can run it before anything is built.
import { create, globals } from 'webgpu';

Object.assign(globalThis, globals);
const flags = [];
if (process.env.MEDNAS_BACKEND) flags.push(`backend=${process.env.MEDNAS_BACKEND}`);
if (process.env.MEDNAS_ADAPTER) flags.push(`adapter=${process.env.MEDNAS_ADAPTER}`);
const gpu = create(flags); // held in a binding: Dawn frees a collected instance under live objects
// The engine asks for 'high-performance' (a discrete GPU over lavapipe): probe what it will get.
const adapter = await gpu.requestAdapter({ powerPreference: 'high-performance' });
if (!adapter) {
  console.error('no WebGPU adapter');
  process.exit(1);
}
// Dawn may return an adapter it cannot open a device on (old lavapipe): check that too.
try {
  const device = await adapter.requestDevice();
  device.destroy();
} catch (e) {
  console.error(`adapter found but no device: ${e.message}`);
  process.exit(1);
}
const { vendor, architecture, description } = adapter.info;
console.log([vendor, architecture, description].filter(Boolean).join(' / '));
process.exit(0);
