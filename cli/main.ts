#!/usr/bin/env node
// mednas CLI entry: each command lives in its own file and registers itself on a cac program;
// `data` is a program of its own (cli/data.ts) so that its actions have their own help pages.
// Commands that open the GPU run in a child process that filters Dawn's start-up noise from
// stderr (cli/quiet-dawn.ts).
import { cac, type CAC } from 'cac';
import { MEDNAS_VERSION } from '../src/version.ts';
import { registerInfo } from './info.ts';
import { dataProgram, registerData } from './data.ts';
import { registerProfile } from './profile.ts';
import { registerArch } from './arch.ts';
import { registerTrain } from './train.ts';
import { registerEval } from './eval.ts';
import { registerPredict } from './predict.ts';
import { registerExport } from './export.ts';
import { registerSearch } from './search.ts';
import { registerReplay } from './replay.ts';
import { registerReport } from './report.ts';
import { registerTruth } from './truth.ts';
import { registerCorrelate } from './correlate.ts';
import { registerReproduce } from './reproduce.ts';
import { registerWorker } from './worker.ts';
import { registerDemo } from './demo.ts';
import { fixNegatedDefaults, protectValues, unmarkValues } from './options.ts';
import { CLI_CHILD_ENV, followParent, runWithQuietDawn } from './quiet-dawn.ts';

/** Commands that open the GPU (and so get Dawn's warnings filtered): every action, or the ones listed. */
const GPU_COMMANDS: Record<string, true | readonly string[]> = { info: true, profile: true, arch: ['score'], train: true, eval: true, predict: true, search: true, replay: true, truth: ['build', 'score'], reproduce: ['run'], worker: true };

/** Whether `mednas <name> <action>` opens the GPU. */
function opensGpu(name: string, action: string | undefined): boolean {
  const actions = GPU_COMMANDS[name];
  return actions === true || (actions !== undefined && action !== undefined && actions.includes(action));
}

function mainProgram(): CAC {
  const cli = cac('mednas');
  registerInfo(cli);
  registerProfile(cli);
  registerData(cli);
  registerArch(cli);
  registerTrain(cli);
  registerEval(cli);
  registerPredict(cli);
  registerExport(cli);
  registerSearch(cli);
  registerReplay(cli);
  registerReport(cli);
  registerTruth(cli);
  registerCorrelate(cli);
  registerReproduce(cli);
  registerWorker(cli);
  registerDemo(cli);
  cli.help(fixNegatedDefaults);
  cli.version(MEDNAS_VERSION);
  return cli;
}

const commandNames = (cli: CAC) => cli.commands.map((c) => c.name);

/** Parses `argv` (without node and script) with `cli` and runs the matched command. */
async function runProgram(cli: CAC, argv: string[], what: string): Promise<number> {
  cli.parse(['node', 'mednas', ...protectValues(argv, cli)], { run: false });
  unmarkValues(cli.options);
  if (cli.options.help || cli.options.version) return 0; // cac printed the page
  if (!cli.matchedCommand) {
    const given = cli.args[0];
    if (given === undefined) {
      cli.outputHelp();
      return 1;
    }
    console.error(`mednas: unknown ${what} '${given}'. Known: ${commandNames(cli).join(', ')} (\`mednas ${what === 'command' ? '' : 'data '}--help\` lists them).`);
    return 1;
  }
  const code = await cli.runMatchedCommand();
  return typeof code === 'number' ? code : 0;
}

async function main(argv: string[]): Promise<number> {
  const cli = mainProgram();
  const index = argv.findIndex((a) => !a.startsWith('-'));
  const name = index < 0 ? undefined : argv[index];
  if (name === undefined) {
    if (argv.length === 0) {
      cli.outputHelp();
      return 0;
    }
    if (argv.some((a) => ['-h', '--help', '-v', '--version'].includes(a))) return runProgram(cli, argv, 'command');
    console.error(`mednas: unknown option '${argv[0]}' and no command. Commands: ${commandNames(cli).join(', ')} (\`mednas --help\` describes them).`);
    return 1;
  }
  if (name === 'help') {
    // `mednas help [command [action]]` is `mednas [command [action]] --help`.
    const rest = argv.slice(index + 1).filter((a) => !a.startsWith('-'));
    if (rest.length === 0) {
      cli.outputHelp();
      return 0;
    }
    return main([...rest, '--help']);
  }
  if (!commandNames(cli).includes(name)) {
    console.error(`mednas: unknown command '${name}'. Commands: ${commandNames(cli).join(', ')} (\`mednas --help\` describes them).`);
    return 1;
  }
  // --help and --print-config (search, train) print and exit without opening the GPU.
  const printsOnly = argv.includes('--help') || argv.includes('-h') || argv.includes('--print-config');
  const action = argv.slice(index + 1).find((a) => !a.startsWith('-'));
  if (opensGpu(name, action) && !printsOnly && !process.env[CLI_CHILD_ENV]) return runWithQuietDawn();
  followParent();
  if (name === 'data') return runProgram(dataProgram(), [...argv.slice(0, index), ...argv.slice(index + 1)], 'data action');
  return runProgram(cli, argv, 'command');
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    // Errors from the library and the option parser are typed and say what to do: print the
    // message, not a stack.
    const e = err as Error;
    console.error(`mednas: ${e?.message ?? String(err)}`);
    if (process.env.MEDNAS_DEBUG) console.error(e?.stack);
    process.exit(1);
  },
);
