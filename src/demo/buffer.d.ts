// For src/demo/tsconfig.json only (the browser's types, not Node's): msgpackr's declarations say that
// pack() returns Node's Buffer, which in a browser is a Uint8Array. The project's tsconfig, which has
// Node's types, leaves this file out.
interface Buffer extends Uint8Array {}
