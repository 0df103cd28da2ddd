// --redis URL on the commands that can hand their work to `mednas worker`s (search, truth build, reproduce run),
// and how a coordinator's events are shown: warnings and Redis outages on stderr (JSON lines on
// stdout with --json), nothing per job (the command's own progress shows the results as they come).
import { QueueCoordinator, RedisUrlError, redisConnection, type CoordinatorEvent } from '../src/node/index.ts';
import { CliUsageError, stringValue } from './options.ts';

export const REDIS_HELP = 'Hand the GPU work to `mednas worker`s through this Redis (redis://[:PASSWORD@]HOST:PORT[/DB], rediss:// for TLS; docs/scale-out.md)';

/** The --redis value, checked (the password is never echoed). */
export function redisValue(value: unknown, flag = '--redis'): string {
  const url = stringValue(value, flag).trim();
  try {
    redisConnection(url);
  } catch (e) {
    if (e instanceof RedisUrlError) throw new CliUsageError(`${flag}: ${e.message}`);
    throw e;
  }
  return url;
}

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`;
}

/** How a coordinator's events are shown. */
export function coordinatorReporter(json: boolean): (e: CoordinatorEvent) => void {
  return (e) => {
    if (json) {
      console.log(JSON.stringify({ event: `queue-${e.type}`, ...e, type: undefined }));
      return;
    }
    const say = (line: string) => console.error(`mednas: queue: ${line}`);
    switch (e.type) {
      case 'connected':
        say(`${e.url}, queue '${e.queue}': the work goes to the workers there (\`mednas worker --redis URL\` on each GPU machine)`);
        for (const w of e.warnings) console.error(`mednas: warning: ${w}`);
        break;
      case 'enqueued':
        if (e.finished + e.retried + e.waiting > 0) {
          say(`${e.jobs} job(s): ${e.added} new, ${e.finished} finished already (their results are taken), ${e.waiting} queued or running already${e.retried ? `, ${e.retried} that had failed asked again` : ''}`);
        }
        break;
      case 'redis-down':
        say(`Redis does not answer (${e.message}); retrying`);
        break;
      case 'redis-up':
        say(`Redis answers again after ${seconds(e.downMs)}`);
        break;
      case 'requeued':
        say(`job ${e.id} (${e.what}) was no longer in Redis: queued again`);
        break;
      case 'no-workers':
        say(`${e.waiting} job(s) wait and no worker is connected: start \`mednas worker --redis URL\` on a GPU machine`);
        break;
    }
  };
}

/** Connects a coordinator for a command's --redis. */
export function openCoordinator(url: string, json: boolean): Promise<QueueCoordinator> {
  return QueueCoordinator.connect({ url, onEvent: coordinatorReporter(json) });
}
