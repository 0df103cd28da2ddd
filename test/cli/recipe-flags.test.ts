// The recipe flags shared by train, truth build and reproduce run: each sets its config field, in a
// fixed order, and a bad value is refused naming the flag.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { CliUsageError } from '../../cli/options.ts';
import { recipeFromFlags, recipeOverrides } from '../../cli/recipe-flags.ts';

test('each recipe flag sets its field; flags not given set nothing', () => {
  assert.equal(recipeOverrides({}), []);
  assert.equal(recipeOverrides({ maxImages: '64', epochs: '3', lr: '0.1', batch: '16', initChannels: '12' }), [
    { flag: '--epochs', field: 'epochs', value: 3 },
    { flag: '--init-channels', field: 'initChannels', value: 12 },
    { flag: '--batch', field: 'batchSize', value: 16 },
    { flag: '--lr', field: 'lr', value: 0.1 },
    { flag: '--max-images', field: 'maxImages', value: 64 },
  ]);
  assert.equal(recipeFromFlags({ epochs: 5, batch: 8 }), { epochs: 5, batchSize: 8 });
});

test('a bad value is refused naming its flag and what is allowed', () => {
  const message = (flags: Parameters<typeof recipeOverrides>[0]) => {
    try {
      recipeOverrides(flags);
    } catch (e) {
      assert.instance(e, CliUsageError);
      return (e as Error).message;
    }
    throw new Error('not refused');
  };
  assert.match(message({ initChannels: '10' }), /--init-channels: got 10; allowed: a multiple of 4/);
  assert.match(message({ epochs: '0' }), /--epochs/);
  assert.match(message({ batch: '1' }), /--batch/);
  assert.match(message({ lr: 'fast' }), /--lr/);
  assert.match(message({ maxImages: '1' }), /--max-images/);
});

test.run();
