#!/usr/bin/env node
// mednas CLI entry: each command lives in its own file and registers itself on the cac instance.
import { cac } from 'cac';
import { registerInfo } from './info.ts';
import { registerData } from './data.ts';
import { registerProfile } from './profile.ts';
import { registerArch } from './arch.ts';

const cli = cac('mednas');
registerInfo(cli);
registerData(cli);
registerProfile(cli);
registerArch(cli);
cli.help();
cli.version('0.1.0');

async function main(): Promise<number> {
  cli.parse(process.argv, { run: false });
  if (!cli.matchedCommand) {
    if (cli.options.help || cli.options.version) return 0;
    cli.outputHelp();
    return cli.args.length ? 1 : 0;
  }
  const code = await cli.runMatchedCommand();
  return typeof code === 'number' ? code : 0;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    // Errors from the library are typed and say what to do: print the message, not a stack.
    const e = err as Error;
    console.error(`mednas: ${e?.message ?? String(err)}`);
    if (process.env.MEDNAS_DEBUG) console.error(e?.stack);
    process.exit(1);
  },
);
