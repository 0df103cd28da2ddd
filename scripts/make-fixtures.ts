// Writes fixtures/state-v2-tiny.mednas: the state of a tiny seeded network in the current state
// format (version 2, in the file envelope). fixtures/state-v1-tiny.msgpack is the same network in
// format version 1, written by an earlier build; nothing writes version 1 any more, so keep it; and
// fixtures/state-v2-envelope1-tiny.mednas, version 2 in the envelope written before issue 23.
// test/nn/state-fixture.test.ts reads both back, so a change to the state format, to PyTorch-style
// naming or to seeded initialisation fails a test instead of silently breaking saved models.
// Run only when such a change is intended: node --import ./scripts/register-wgsl.mjs --import tsx scripts/make-fixtures.ts
import { resolve } from 'node:path';
import { encodeState } from '../src/nn/state.ts';
import { initNode, writeFileAtomic } from '../src/node/index.ts';
import { tinyFixtureNet } from '../fixtures/tiny-net.ts';

const rt = await initNode();
const net = tinyFixtureNet(rt);
const path = resolve(import.meta.dirname, '..', 'fixtures', 'state-v2-tiny.mednas');
await writeFileAtomic(path, await encodeState(net));
console.log(`wrote ${path}`);
process.exit(0);
