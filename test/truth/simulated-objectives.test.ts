// The simulated objectives' labels: parsed back to what they name, and refused with the reason when
// eq. 1 is not given a pair, the cost term is named as a score, a proxy is unknown or named twice.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { TruthConfigError } from '../../src/truth/errors.ts';
import { DEFAULT_SIMULATED_OBJECTIVES, objectivesLabel, PAPER_ABLATION_PAIRS, parseObjectivesLabel } from '../../src/truth/simulated-objectives.ts';

test('labels round-trip; the defaults are the paper\'s six pairs and the rank sets', () => {
  assert.is(objectivesLabel(parseObjectivesLabel(' rank:naswot+zico ')), 'rank:naswot+zico');
  assert.equal(parseObjectivesLabel('jacob_cov+synflow'), { objectives: 'paper', proxies: ['jacob_cov', 'synflow'] });
  assert.is(PAPER_ABLATION_PAIRS.length, 6);
  assert.ok(DEFAULT_SIMULATED_OBJECTIVES.every((o) => parseObjectivesLabel(objectivesLabel(o)).proxies.join() === o.proxies.join()));
});

test('bad labels are refused with the reason', () => {
  assert.throws(() => parseObjectivesLabel('jacob_cov'), (e: Error) => e instanceof TruthConfigError && /exactly two/.test(e.message));
  assert.throws(() => parseObjectivesLabel('rank:flops'), /cost term/);
  assert.throws(() => parseObjectivesLabel('nope+synflow'), /nope/);
  assert.throws(() => parseObjectivesLabel('rank:'), /names no proxy/);
  assert.throws(() => parseObjectivesLabel('rank:zico+zico'), /twice/);
});

test.run();
