/**
 * The `ceres` command line: one table of commands (synth, diff, schema; add yours to COMMANDS),
 * generic options every command has (--help, --env, --json, --no-color), strict option parsing
 * (unknown options are errors), colour only on a terminal, a status line for long steps, and one
 * way to report problems: located, without stack traces, as text or JSON.
 *
 * Run it through the launcher (`npx ceres <command>`, `npm run synth`): bin/ceres.js type-checks
 * and compiles apps/, lib/ and imports/ first (cached), then calls {@link runCli}.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { InputError, InputIssue, SynthError } from '../lib/core/errors';
import { suggest } from '../lib/core/input/schema';
import { GitError, PLAIN, Style } from '../lib/review';
import { platform } from './platform/platform';
import { PROJECT_ROOT } from './synthesize';

/** Exit codes of every command. */
export const EXIT = {
  ok: 0,
  /** Problems in the input or the code, a stale dist/ (--check), git could not answer. */
  problems: 1,
  /** The command line is wrong (unknown command or option, missing value). */
  usage: 2,
  /** Destructive changes that nothing approved. */
  destructive: 3,
} as const;

/** Where a command writes. Lines, without trailing newlines. */
export interface Io {
  readonly out: (line: string) => void;
  readonly err: (line: string) => void;
  /** Colour on stdout / stderr. @default false */
  readonly color?: boolean;
  readonly errColor?: boolean;
  /** Shows (or with undefined, clears) a transient status line; a no-op unless stderr is a terminal. */
  readonly status?: (text: string | undefined) => void;
}

export interface OptionSpec {
  /** `--base` */
  readonly name: string;
  /** Placeholder of its value (`REF`); flags have none. */
  readonly value?: string;
  readonly help: string;
}

export interface CommandContext {
  /** Command options given: name → value (`true` for flags). */
  readonly options: ReadonlyMap<string, string | true>;
  /** `--env NAME`: the environment to work on; undefined for all. */
  readonly env?: string;
  /** `--json`: print one JSON document on stdout and nothing else there. */
  readonly json: boolean;
  readonly io: Io;
  /** Styles for stdout and stderr (plain when colour is off). */
  readonly style: Style;
  readonly errStyle: Style;
  /** Names the step that starts (a status line on a terminal). */
  readonly step: (text: string) => void;
  /** Prints the JSON document of a --json run. */
  readonly printJson: (value: unknown) => void;
  readonly root: string;
}

export interface Command {
  readonly name: string;
  /** One line for the command list. */
  readonly summary: string;
  /** `ceres <name> [options]` lines. */
  readonly usage: readonly string[];
  /** Paragraphs of help text. */
  readonly description: readonly string[];
  readonly options: readonly OptionSpec[];
  readonly examples?: readonly string[];
  readonly run: (ctx: CommandContext) => number;
}

/** Options of every command. */
export const GENERIC_OPTIONS: readonly OptionSpec[] = [
  { name: '--env', value: 'NAME', help: `work on one environment (${platform.environments.map((e) => e.name).join(', ')}) and its Terraform stacks` },
  { name: '--json', help: 'machine-readable output: one JSON document on stdout (problems, summaries)' },
  { name: '--no-color', help: 'no colour (also: NO_COLOR=1; colour is only ever used on a terminal, never in CI)' },
  { name: '--help', help: 'this help' },
];

export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

function ansi(open: number, close: number): (s: string) => string {
  return (s) => `\u001b[${open}m${s}\u001b[${close}m`;
}

const COLOR: Style = { bold: ansi(1, 22), dim: ansi(2, 22), red: ansi(31, 39), green: ansi(32, 39), yellow: ansi(33, 39), cyan: ansi(36, 39) };

/** Whether to colour a stream: never with --no-color, NO_COLOR or in CI; FORCE_COLOR forces; else only on a terminal. */
export function wantsColor(isTty: boolean | undefined, env: NodeJS.ProcessEnv = process.env, noColorFlag = false): boolean {
  if (noColorFlag || (env.NO_COLOR !== undefined && env.NO_COLOR !== '')) return false;
  if (env.FORCE_COLOR !== undefined && env.FORCE_COLOR !== '0' && env.FORCE_COLOR !== 'false') return true;
  if (env.CI || env.TERM === 'dumb') return false;
  return !!isTty;
}

/** The Io of a real process: stdout / stderr, colour and the status line only on terminals. */
export function processIo(): Io {
  const errTty = !!process.stderr.isTTY && !process.env.CI && process.env.TERM !== 'dumb';
  let shown = false;
  // The status line shares the terminal with stdout and stderr: cleared before either writes.
  const clear = () => {
    if (shown) process.stderr.write('\r\u001b[K');
    shown = false;
  };
  return {
    out: (l) => {
      clear();
      process.stdout.write(`${l}\n`);
    },
    err: (l) => {
      clear();
      process.stderr.write(`${l}\n`);
    },
    color: wantsColor(process.stdout.isTTY),
    errColor: wantsColor(process.stderr.isTTY),
    status: (text) => {
      if (!errTty) return;
      if (text === undefined) return clear();
      const width = (process.stderr.columns ?? 80) - 1;
      process.stderr.write(`\r\u001b[K${text.length > width ? text.slice(0, width) : text}`);
      shown = true;
    },
  };
}

interface Parsed {
  readonly command?: Command;
  readonly options: Map<string, string | true>;
  readonly help: boolean;
}

function parseArgs(argv: readonly string[], commands: readonly Command[]): Parsed {
  const options = new Map<string, string | true>();
  let help = false;
  let command: Command | undefined;
  const rest = [...argv];
  if (rest.length && !rest[0].startsWith('-')) {
    const name = rest.shift()!;
    if (name === 'help') {
      help = true;
      if (rest.length && !rest[0].startsWith('-')) {
        const target = rest.shift()!;
        command = commands.find((c) => c.name === target);
        if (!command) throw unknownCommand(target, commands);
      }
    } else {
      command = commands.find((c) => c.name === name);
      if (!command) throw unknownCommand(name, commands);
    }
  }
  const specs = [...GENERIC_OPTIONS, ...(command?.options ?? [])];
  while (rest.length) {
    const arg = rest.shift()!;
    if (arg === '-h' || arg === '--help') {
      help = true;
      continue;
    }
    if (!arg.startsWith('--'))
      throw new UsageError(`unexpected argument ${JSON.stringify(arg)}${command ? '' : `; start with a command: ${commands.map((c) => c.name).join(', ')}`}`);
    const eq = arg.indexOf('=');
    const name = eq < 0 ? arg : arg.slice(0, eq);
    const spec = specs.find((s) => s.name === name);
    if (!spec) {
      const hint = suggest(
        name,
        specs.map((s) => s.name),
      );
      throw new UsageError(
        `unknown option ${name}${hint ? ` (did you mean ${hint}?)` : ''}; ${command ? `\`ceres ${command.name} --help\`` : '`ceres --help`'} lists the options`,
      );
    }
    if (spec.value) {
      const v = eq >= 0 ? arg.slice(eq + 1) : rest.shift();
      if (v === undefined || v === '' || (eq < 0 && v.startsWith('--'))) throw new UsageError(`${name} needs a value (${name} ${spec.value})`);
      options.set(name, v);
    } else {
      if (eq >= 0) throw new UsageError(`${name} takes no value`);
      options.set(name, true);
    }
  }
  return { command, options, help };
}

function unknownCommand(name: string, commands: readonly Command[]): UsageError {
  const hint = suggest(
    name,
    commands.map((c) => c.name),
  );
  return new UsageError(
    `unknown command ${JSON.stringify(name)}${hint ? ` (did you mean ${hint}?)` : ''}; commands: ${commands.map((c) => c.name).join(', ')}`,
  );
}

function optionLines(specs: readonly OptionSpec[]): string[] {
  const label = (s: OptionSpec) => (s.value ? `${s.name} ${s.value}` : s.name);
  const width = Math.max(...specs.map((s) => label(s).length));
  return specs.map((s) => `  ${label(s).padEnd(width)}  ${s.help}`);
}

/** `ceres --help` or `ceres <command> --help`. */
export function helpText(commands: readonly Command[], command?: Command, style: Style = PLAIN): string[] {
  if (!command) {
    const width = Math.max(...commands.map((c) => c.name.length));
    return [
      `${style.bold('ceres')}: synthesize, review and check the CERES platform (Kubernetes YAML in dist/<env>/, Terraform JSON in dist/terraform/).`,
      '',
      style.bold('Usage'),
      '  npx ceres <command> [options]      (or npm run <command> -- [options])',
      '  npx ceres <command> --help',
      '',
      style.bold('Commands'),
      ...commands.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
      '',
      style.bold('Options of every command'),
      ...optionLines(GENERIC_OPTIONS),
      '',
      style.bold('Exit codes'),
      '  0 done; 1 problems (input, code, stale dist/, git); 2 wrong command line; 3 destructive changes not approved',
      '',
      'The first run after a change to apps/, lib/ or imports/ type-checks and compiles them (cached in node_modules/.cache/ceres/).',
    ];
  }
  return [
    `${style.bold(`ceres ${command.name}`)}: ${command.summary}`,
    '',
    style.bold('Usage'),
    ...command.usage.map((u) => `  ${u}`),
    '',
    ...command.description.flatMap((p) => [p, '']),
    ...(command.options.length ? [style.bold('Options'), ...optionLines(command.options), ''] : []),
    style.bold('Options of every command'),
    ...optionLines(GENERIC_OPTIONS),
    ...(command.examples?.length ? ['', style.bold('Examples'), ...command.examples.map((e) => `  ${e}`)] : []),
  ];
}

/** JSON form of a problem. */
export function problemJson(issue: InputIssue | string) {
  if (typeof issue === 'string') return { message: issue };
  const { excerpt: _excerpt, ...rest } = issue;
  return rest;
}

/** Prints an error the way every command does (text on stderr, or the JSON document); returns the exit code. */
function report(err: unknown, ctx: { json: boolean; io: Io; errStyle: Style; command?: string; printJson: (v: unknown) => void }): number {
  const s = ctx.errStyle;
  if (err instanceof UsageError) {
    if (ctx.json) ctx.printJson({ ok: false, command: ctx.command, error: 'usage', message: err.message });
    else ctx.io.err(`${s.red('error:')} ${err.message}`);
    return EXIT.usage;
  }
  if (err instanceof InputError) {
    if (ctx.json) ctx.printJson({ ok: false, command: ctx.command, error: 'input', problems: err.issues.map(problemJson) });
    else ctx.io.err(`${s.red(s.bold(`${ctx.command ?? 'ceres'} failed`))}; nothing was written.\n${err.message}`);
    return EXIT.problems;
  }
  if (err instanceof SynthError) {
    if (ctx.json) ctx.printJson({ ok: false, command: ctx.command, error: 'render', problems: err.problems.map(problemJson) });
    else ctx.io.err(`${s.red(s.bold(`${ctx.command ?? 'ceres'} failed`))}; nothing was written.\n${err.message}`);
    return EXIT.problems;
  }
  if (err instanceof GitError) {
    if (ctx.json) ctx.printJson({ ok: false, command: ctx.command, error: 'git', message: err.message });
    else ctx.io.err(`${s.red('error:')} ${err.message}`);
    return EXIT.problems;
  }
  // A bug: say so in one paragraph; the stack only on request.
  const e = err instanceof Error ? err : new Error(String(err));
  const detail = process.env.CERES_DEBUG ? `\n${e.stack}` : '\n(this is a bug in the synthesizer; CERES_DEBUG=1 prints the stack trace)';
  if (ctx.json) ctx.printJson({ ok: false, command: ctx.command, error: 'internal', message: e.message });
  else ctx.io.err(`${s.red('internal error:')} ${e.message}${detail}`);
  return EXIT.problems;
}

export function packageVersion(root = PROJECT_ROOT): string {
  try {
    return JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).version;
  } catch {
    return 'unknown';
  }
}

/** Runs `ceres <argv>`; returns the exit code. Never throws for user mistakes, never prints a stack trace. */
export function runCli(argv: readonly string[], io: Io = processIo(), commands: readonly Command[] = COMMANDS()): number {
  const json = argv.includes('--json');
  const noColor = argv.includes('--no-color');
  const style = io.color && !noColor ? COLOR : PLAIN;
  const errStyle = io.errColor && !noColor ? COLOR : PLAIN;
  const printJson = (v: unknown) => io.out(JSON.stringify(v, null, 2));
  let commandName: string | undefined;
  try {
    if (argv.length === 1 && argv[0] === '--version') {
      io.out(packageVersion());
      return EXIT.ok;
    }
    const parsed = parseArgs(argv, commands);
    commandName = parsed.command?.name;
    if (parsed.help || !parsed.command) {
      const lines = helpText(commands, parsed.command, style);
      if (json) printJson({ ok: true, help: lines.join('\n') });
      else for (const l of lines) io.out(l);
      return parsed.help ? EXIT.ok : EXIT.usage;
    }
    const env = parsed.options.get('--env');
    if (env !== undefined) {
      const names: string[] = platform.environments.map((e) => e.name);
      if (!names.includes(env as string)) throw new UsageError(`--env ${env}: no such environment; the platform has ${names.join(', ')}`);
    }
    const options = new Map(parsed.options);
    for (const g of GENERIC_OPTIONS) options.delete(g.name);
    const ctx: CommandContext = {
      options,
      env: env as string | undefined,
      json,
      io,
      style,
      errStyle,
      step: (text) => io.status?.(errStyle.dim(`${parsed.command!.name}: ${text}…`)),
      printJson,
      root: PROJECT_ROOT,
    };
    try {
      return parsed.command.run(ctx);
    } finally {
      io.status?.(undefined);
    }
  } catch (err) {
    return report(err, { json, io, errStyle, command: commandName, printJson });
  }
}

/** The command table. A function, so that commands load only when the CLI runs. */
export function COMMANDS(): Command[] {
  const { synthCommand } = require('./synth') as typeof import('./synth');
  const { diffCommand } = require('./diff') as typeof import('./diff');
  const { schemaCommand } = require('./schema') as typeof import('./schema');
  const { verifyCommand } = require('./verify') as typeof import('./verify');
  return [synthCommand, diffCommand, verifyCommand, schemaCommand];
}

if (require.main === module) {
  process.exitCode = runCli(process.argv.slice(2));
}
