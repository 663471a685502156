/**
 * The definition of the `taskstore` program: every command, its arguments, options,
 * help text and the module that runs it. Imports only commander: each command's module
 * is loaded with a dynamic `import()` when that command runs (a separate chunk in the
 * build), so start-up stays small. Building the program has no side effects; `main.ts`
 * parses and runs it.
 */
import type { EventEmitter } from 'node:events';
import { statSync } from 'node:fs';
import * as commander from 'commander';
import type * as Commander from '@commander-js/extra-typings';
import pkg from '../../package.json' with { type: 'json' };
import type { CliContext } from './context.js';
import { MAX_LEASE_MS } from '../shared/lease-limits.js';
import { MAX_SYNC_RETRIES } from '../shared/sync-limits.js';
import { CliError } from '../shared/errors.js';
import { helpArguments, type RootGrammar } from './help-args.js';
import { stopSignal } from './stop-signal.js';

// commander is CommonJS. The build bundles it into the CLI's entry (tsup `noExternal`), so
// a start loads no CommonJS files for it: loaded from node_modules it cost six files
// resolved, read and wrapped, about 3 ms of every CLI start (git hooks start the CLI on
// every checkout and merge).
//
// Its types come from @commander-js/extra-typings (the same classes, typed): each option
// and argument declared below types the values the action receives (`--limit <n>` with
// a number parser is `limit?: number`, `--force` is `force?: true`), so options are
// declared once and never re-cast. That package's runtime only re-exports commander's
// classes, so loading commander itself is the same thing.
const { Command, InvalidArgumentError, Option } = commander as unknown as typeof Commander;
type AnyCommand = Commander.CommandUnknownOpts;

/** What every command module exports. */
interface CommandModule<I> {
  run(ctx: CliContext, input: I): Promise<number>;
}

type Loader<I> = () => Promise<CommandModule<I>>;

// ---- option parsers (commander turns their InvalidArgumentError into a usage error) ----

function nonNegativeInt(value: string): number {
  return integerText(value, 'a non-negative integer');
}

function positiveInt(value: string): number {
  // The same words for `abc` as for `0`: "non-negative" would invite a 0 that is refused next.
  const n = integerText(value, 'a positive integer');
  if (n === 0) throw new InvalidArgumentError('must be a positive integer.');
  return n;
}

/** `--lease-ms`: a positive integer of at most 24 hours, refused here in the option's own words. */
function leaseMsText(value: string): number {
  const n = positiveInt(value);
  if (n > MAX_LEASE_MS) throw new InvalidArgumentError(`must be at most ${MAX_LEASE_MS} (24 hours); take a shorter lease and renew it while you work.`);
  return n;
}

/** `git-sync --retries`: at most the library's limit, refused here as a usage error like `--lease-ms`. */
function retriesText(value: string): number {
  const n = nonNegativeInt(value);
  if (n > MAX_SYNC_RETRIES) throw new InvalidArgumentError(`must be at most ${MAX_SYNC_RETRIES}.`);
  return n;
}

/** Digits only, as a safe integer (commander passes a parser the previous value too: not a second parameter of these). */
function integerText(value: string, what: string): number {
  if (!/^\d+$/.test(value)) throw new InvalidArgumentError(`must be ${what}.`);
  // "must be a non-negative integer" for 99999999999999999999 would be wrong: it is one.
  if (!Number.isSafeInteger(Number(value))) throw new InvalidArgumentError(`must be ${what} of at most ${Number.MAX_SAFE_INTEGER} (2^53 - 1).`);
  return Number(value);
}

/**
 * `--store ""` (a script's `--store "$DIR"` with DIR unset) is refused: taken as unset, the
 * command ran on whatever store discovery found instead of the one the script named.
 */
function storeDirText(value: string): string {
  if (value === '') throw new InvalidArgumentError('must name the store directory, not be empty.');
  return value;
}

/**
 * A name the command needs (`--as`, `ui --host`, git-sync's `--remote`, `--branch`,
 * `--message`, `init --branch`; the title, phase name, worktree and branch a new record
 * gets), given as blank text (`--as "$LOOP"` with LOOP unset): a usage error (exit 2)
 * like every other malformed value, rather than a record created with an empty title. Left to the library it was
 * a validation failure (exit 1), and `ui --host ""` even listened on every address.
 * Control characters cannot name anything either (they would forge lines of messages);
 * a commit message may span lines.
 */
function nameText(what: string, { multiLine = false } = {}) {
  return (value: string): string => {
    if (value.trim() === '') throw new InvalidArgumentError(`must ${what}, not be empty.`);
    if (!multiLine && /\p{Cc}/u.test(value)) throw new InvalidArgumentError(`must ${what}, without control characters.`);
    return value;
  };
}

/**
 * An id or id prefix (an argument or `--prd-id` …): empty text (`show "$ID"` with ID unset)
 * is a usage error, not a lookup that fails. Any other text is looked up as it is: ids
 * another tool wrote may hold spaces or control characters.
 */
function idText(value: string): string {
  if (value === '') throw new InvalidArgumentError('must be an id or a unique prefix of one, not empty.');
  return value;
}

/** `--depends-on`: repeatable, each value an id as for {@link idText}. */
function collectIds(value: string, previous: string[] = []): string[] {
  return [...previous, idText(value)];
}

/** The parser of every option meant to repeat (`--where a --where b`): each value is kept, in order. */
function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

/**
 * Makes a value option given twice (`--limit 5 --limit 10`) a usage error on `cmd` and
 * every command below it, instead of commander's silent "last one wins": the user meant
 * one of the two and we cannot know which. Options that take no value (`--json`) may
 * repeat (nothing is lost), and so may options meant to repeat (parsed by `collect`, or
 * variadic). Runs while commander reads the arguments, before any command's action, so
 * a refused command line changes nothing.
 */
function refuseRepeatedValueOptions(cmd: AnyCommand): void {
  for (const option of cmd.options) {
    const takesValue = option.required || option.optional;
    if (!takesValue || option.variadic || option.parseArg === (collect as unknown) || option.parseArg === (collectIds as unknown)) continue;
    const key = option.attributeName();
    // Commander stores each value from an `option:<name>` listener of its own; this one runs
    // first, while the value source still says whether the option was already given.
    (cmd as unknown as EventEmitter).prependListener(`option:${option.name()}`, () => {
      if (cmd.getOptionValueSource(key) === 'cli') {
        cmd.error(`option '${option.flags}' was given more than once; it takes one value, so give it once`, { code: 'commander.repeatedOption', exitCode: 2 });
      }
    });
  }
  for (const sub of cmd.commands) refuseRepeatedValueOptions(sub);
}

/**
 * The working directory, which every command resolves paths against. A shell can sit in
 * a directory that was deleted since (`rm -rf` of a scratch repo from another terminal):
 * Node's `process.cwd()` then throws `ENOENT … uv_cwd`, which was reported as a bug.
 */
function currentDirectory(exitCode: number, mustBeNamed: boolean): string {
  let cwd: string;
  try {
    cwd = process.cwd();
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    throw new CliError('the current directory no longer exists (it was deleted or moved after the shell entered it)', {
      hint: 'cd into an existing directory and run the command again',
      cause: err,
      exitCode,
    });
  }
  // Node decodes the path as UTF-8, replacing bytes that are not with U+FFFD: the string
  // then names another directory, which `init` created (parents included) and put the
  // store in, far from the one the user stood in.
  if (mustBeNamed && cwd.includes('\uFFFD') && !namesCurrentDirectory(cwd)) {
    throw new CliError(`the path of the current directory is not valid UTF-8, so TaskStore cannot name it (it reads as ${cwd})`, {
      hint: 'rename the directory (or the one above it) to a UTF-8 name, or run the command from another directory, naming the store with --store',
      exitCode,
    });
  }
  return cwd;
}

function namesCurrentDirectory(path: string): boolean {
  try {
    const named = statSync(path);
    const current = statSync('.');
    return named.dev === current.dev && named.ino === current.ino;
  } catch {
    return false;
  }
}

function example(...lines: string[]): string {
  return `\nExample${lines.length > 1 ? 's' : ''}:\n${lines.map((l) => `  $ ${l}`).join('\n')}\n`;
}

/**
 * Builds the program. `setExitCode` receives the exit code of the command that ran.
 * @example await buildProgram((code) => (exitCode = code)).parseAsync(process.argv.slice(2), { from: 'user' });
 */
const HELP_FLAGS = ['-h', '--help'];

/** The program with its global options: their types are every command's `GlobalOptions`. */
function createRoot() {
  return new Command('taskstore')
    .description('Git-native state store: JSONL records committed to git, queried through a SQLite cache.')
    .version(pkg.version, '-V, --version', 'print the version')
    .helpOption(HELP_FLAGS.join(', '), 'show help for a command')
    .option('--store <dir>', 'the store directory (default: $TASKSTORE_DIR, else the store branch from git config, else the nearest .taskstore/ above the current directory, else ./.taskstore)', storeDirText)
    .option('--json', 'print one JSON document (for scripts)')
    .option('--debug', 'show stack traces and debug messages')
    .option('--max-record-bytes <n>', 'largest record accepted, as serialized JSON (default: $TASKSTORE_MAX_RECORD_BYTES, else 10485760)', positiveInt);
}

/**
 * `argv` as `program` should parse it: `--help CMD` as `CMD --help`, and `help` (or
 * `--help`) before an unknown name as the name alone, so it gets commander's "Did you
 * mean …?" (see help-args.ts). The version option is left out of the grammar: an
 * argument list holding it is left as it is.
 */
export function programArguments(program: AnyCommand, argv: string[]): string[] {
  const options = program.options.filter((o) => o.long !== '--version');
  const spellings = (o: (typeof options)[number]) => [o.long, o.short].filter((f): f is string => f !== undefined);
  const grammar: RootGrammar = {
    commands: new Set(program.commands.map((c) => c.name())),
    valueOptions: new Set(options.filter((o) => o.required || o.optional).flatMap(spellings)),
    flags: new Set(options.filter((o) => !(o.required || o.optional)).flatMap(spellings)),
    helpFlags: new Set(HELP_FLAGS),
  };
  return helpArguments(argv, grammar);
}

type GlobalOptions = ReturnType<ReturnType<typeof createRoot>['opts']>;

export function buildProgram(setExitCode: (code: number) => void): AnyCommand {
  const program = createRoot();
  program
    .configureOutput({ outputError: () => {} })
    // A command's help lists --json, --store … too: they work after the command name, and
    // `taskstore show --help` said nothing of them.
    .configureHelp({ showGlobalOptions: true })
    .exitOverride()
    .showSuggestionAfterError(true)
    .addHelpText(
      'after',
      `\nIds can be shortened to any unique prefix (like git's short hashes).\nExit codes: 0 ok, 1 failure or not found, 2 usage error.\n${example('taskstore init --hooks', 'taskstore create-prd "Search" --content-file search.md', 'taskstore list-prds --status draft')}`,
    );

  /**
   * The action of a command: load the module, map commander's arguments to its input, run
   * it. `args` and `opts` are typed by the command's declarations (the action's parameter
   * types flow back into `input`); commander passes them as `(...args, opts, command)`.
   */
  const act = <A extends unknown[], O extends Commander.OptionValues, I>(load: Loader<I>, input: (args: A, opts: O) => I) =>
    async (...params: [...A, O, Commander.Command<A, O, GlobalOptions>]): Promise<void> => {
      const cmd = params[params.length - 1] as Commander.Command<A, O, GlobalOptions>;
      const opts = params[params.length - 2] as O;
      const args = params.slice(0, -2) as A;
      const global: GlobalOptions = cmd.optsWithGlobals();
      const ctx: CliContext = {
        // `merge` follows git's merge-driver convention, where 1 would mean "conflicts remain".
        // It opens no store and reads git's relative file names as they are: a directory
        // whose path Node cannot name (see currentDirectory) does not get in its way.
        cwd: cmd.name() === 'merge' ? currentDirectory(2, false) : currentDirectory(1, true),
        env: process.env,
        storeFlag: global.store,
        json: global.json === true,
        debug: global.debug === true,
        maxRecordBytes: global.maxRecordBytes,
        stdout: process.stdout,
        stderr: process.stderr,
        stopSignal,
      };
      const mod = await load();
      setExitCode(await mod.run(ctx, input(args, opts)));
    };

  program
    .command('init')
    .description('create the store (in a git work tree without the merge driver configured, suggest install-hooks)')
    .option('--hooks', 'also install the git merge driver, .gitattributes line and hooks')
    .option('--branch <name>', 'keep the store on this branch, in a worktree inside the git directory, used by every worktree (recommended for orchestrators); joins the remote\'s branch of that name if there is one', nameText('name a branch'))
    .option('--force', "with --hooks or --branch: write this version's hook blocks even over blocks a newer taskstore wrote (as install-hooks --force)")
    .addHelpText('after', example('taskstore init', 'taskstore init --hooks', 'taskstore init --branch taskstore'))
    .action(
      act(
        () => import('./commands/init.js'),
        (_a, o) => ({ hooks: o.hooks === true, ...(o.branch === undefined ? {} : { branch: o.branch }), ...(o.force === true ? { force: true } : {}) }),
      ),
    );

  program
    .command('list-prds')
    .description('list PRDs, oldest first')
    .option('--status <status>', 'only PRDs with this status (draft, ready, active, in_progress, complete, failed, cancelled)')
    .addHelpText('after', example('taskstore list-prds --status ready'))
    .action(act(() => import('./commands/list-prds.js'), (_a, o) => ({ status: o.status })));

  program
    .command('list-task-specs')
    .description('list task specs, oldest first')
    .option('--prd-id <id>', 'only task specs of this PRD (id or unique prefix)', idText)
    .option('--status <status>', 'only task specs with this status (pending, blocked, running, complete, failed)')
    .option('--ready', 'only pending task specs whose dependencies are all complete')
    .addHelpText('after', example('taskstore list-task-specs --prd-id 0192f3a4 --ready'))
    .action(
      act(
        () => import('./commands/list-task-specs.js'),
        (_a, o) => ({ prdId: o.prdId, status: o.status, ready: o.ready === true }),
      ),
    );

  program
    .command('list-executions')
    .description('list executions, by start time, one page at a time')
    .option('--status <status>', 'only executions with this status (running, paused, complete, failed, stopped)')
    .option('--limit <n>', 'at most this many (default 100)', nonNegativeInt)
    .option('--offset <n>', 'skip this many first (default 0)', nonNegativeInt)
    .addHelpText('after', example('taskstore list-executions --status running --limit 20 --offset 40'))
    .action(
      act(
        () => import('./commands/list-executions.js'),
        (_a, o) => ({ status: o.status, limit: o.limit, offset: o.offset }),
      ),
    );

  program
    .command('list-dependencies')
    .description('list dependencies between executions, oldest first')
    .option('--exec-id <id>', 'only dependencies from or to this execution (id or unique prefix)', idText)
    .option('--unresolved', 'only dependencies not resolved yet')
    .addHelpText('after', example('taskstore list-dependencies --exec-id 0192f3b1 --unresolved'))
    .action(
      act(
        () => import('./commands/list-dependencies.js'),
        (_a, o) => ({ execId: o.execId, unresolved: o.unresolved === true }),
      ),
    );

  program
    .command('list-workflows')
    .description('list workflow templates, by name')
    .addHelpText('after', example('taskstore list-workflows --json'))
    .action(act(() => import('./commands/list-workflows.js'), () => undefined));

  program
    .command('list')
    .description('list the records of any collection')
    .argument('<collection>', 'collection name (e.g. notes, prds)')
    .option(
      '--where <condition>',
      "only records matching: field=value, field!=value, field>n (>=, <, <=), field~like-pattern, 'field in a,b'; dotted paths (meta.owner=ana) reach nested fields (repeatable; all must hold)",
      collect,
    )
    .option('--limit <n>', 'at most this many', nonNegativeInt)
    .option('--offset <n>', 'skip this many first', nonNegativeInt)
    .addHelpText(
      'after',
      example(
        'taskstore list notes --where status=open --where meta.owner=ana --limit 20',
        "taskstore list prds --where 'updated_at>=2025-01-31' --where 'status in draft,ready'",
        "taskstore list notes --where 'title~%checkout%'",
      ),
    )
    .action(
      act(
        () => import('./commands/list.js'),
        (a, o) => ({
          collection: a[0],
          where: o.where ?? [],
          limit: o.limit,
          offset: o.offset,
        }),
      ),
    );

  program
    .command('show')
    .description('show one record (the collection is found from the id)')
    .argument('<id>', 'record id or unique prefix', idText)
    .option('--collection <name>', 'look for the id in this collection only (for an id several collections have)')
    .addHelpText('after', example('taskstore show 0192f3a4', 'taskstore show config --collection settings'))
    .action(act(() => import('./commands/show.js'), (a, o) => ({ id: a[0], collection: o.collection })));

  program
    .command('describe')
    .description("render a record's markdown content for the terminal")
    .argument('<id>', 'record id or unique prefix', idText)
    .option('--collection <name>', 'look for the id in this collection only (for an id several collections have)')
    .addHelpText('after', example('taskstore describe 0192f3a4'))
    .action(act(() => import('./commands/describe.js'), (a, o) => ({ id: a[0], collection: o.collection })));

  program
    .command('history')
    .description('every version of a record with the fields that changed (old → new); deletions included')
    .argument('<id>', 'record id or unique prefix (the full id for a deleted record)', idText)
    .option('--collection <name>', 'look for the id in this collection only (for an id several collections have)')
    .addHelpText('after', example('taskstore history 0192f3a4'))
    .action(act(() => import('./commands/history.js'), (a, o) => ({ id: a[0], collection: o.collection })));

  program
    .command('create-prd')
    .description('create a PRD and print its id')
    .argument('<title>', 'the title', nameText('give the title', { multiLine: true }))
    .option('--description <text>', 'a short description')
    .option('--status <status>', 'initial status (default draft)')
    .option('--content-file <file>', 'markdown file for the content (- reads stdin)')
    .addHelpText('after', example('taskstore create-prd "Search" --status ready --content-file docs/search.md'))
    .action(
      act(
        () => import('./commands/create-prd.js'),
        (a, o) => ({
          title: a[0],
          description: o.description,
          status: o.status,
          contentFile: o.contentFile,
        }),
      ),
    );

  program
    .command('create-task-spec')
    .description('create a task spec under a PRD and print its id')
    .argument('<phase_name>', 'the phase name', nameText('name the phase', { multiLine: true }))
    .requiredOption('--prd-id <id>', 'the PRD (id or unique prefix)', idText)
    .option('--description <text>', 'a short description')
    .option('--workflow <name>', 'workflow name')
    .option('--depends-on <id>', 'a task spec this one waits for (repeatable)', collectIds)
    .addHelpText('after', example('taskstore create-task-spec --prd-id 0192f3a4 api --workflow tdd --depends-on 0192f3b1'))
    .action(
      act(
        () => import('./commands/create-task-spec.js'),
        (a, o) => ({
          phaseName: a[0],
          prdId: o.prdId,
          description: o.description,
          workflow: o.workflow,
          dependsOn: o.dependsOn ?? [],
        }),
      ),
    );

  program
    .command('create-execution')
    .description('create an execution of a task spec and print its id')
    .requiredOption('--ts-id <id>', 'the task spec (id or unique prefix)', idText)
    .requiredOption('--worktree <path>', 'the worktree path', nameText('name the worktree path', { multiLine: true }))
    .requiredOption('--branch <name>', 'the branch name', nameText('name the branch', { multiLine: true }))
    .addHelpText('after', example('taskstore create-execution --ts-id 0192f3b1 --worktree ../wt/api --branch ts/api'))
    .action(
      act(
        () => import('./commands/create-execution.js'),
        (_a, o) => ({ tsId: o.tsId, worktree: o.worktree, branch: o.branch }),
      ),
    );

  program
    .command('update')
    .description("patch a record's fields (values are converted to the field's type for the built-in record types)")
    .argument('<id>', 'record id or unique prefix', idText)
    .requiredOption('--set <field=value>', 'a field to change (repeatable)', collect)
    .option('--if-updated-at <n>', "write only if the record's current updated_at is n (else exit 1, nothing written)", nonNegativeInt)
    .option('--collection <name>', 'look for the id in this collection only (for an id several collections have)')
    .addHelpText('after', example('taskstore update 0192f3a4 --set status=ready --set review_passes=3', 'taskstore update 0192f3a4 --set status=active --if-updated-at 1733000000123'))
    .action(
      act(
        () => import('./commands/update.js'),
        (a, o) => ({ id: a[0], set: o.set ?? [], ifUpdatedAt: o.ifUpdatedAt, collection: o.collection }),
      ),
    );

  program
    .command('ready')
    .description('list the task specs ready to start (pending, every dependency complete), oldest first')
    .option('--prd-id <id>', 'only task specs of this PRD (id or unique prefix)', idText)
    .option('--explain', 'also list every pending task spec that is not ready, with the ids and statuses of what blocks it')
    .addHelpText('after', example('taskstore ready --explain', 'taskstore ready --prd-id 0192f3a4 --json'))
    .action(act(() => import('./commands/ready.js'), (_a, o) => ({ prdId: o.prdId, explain: o.explain === true })));

  program
    .command('claim')
    .description('claim a task spec (running, assigned to you, under a lease); without an id, the next claimable one (exit 1 when none)')
    .argument('[id]', 'task spec id or unique prefix', idText)
    .requiredOption('--as <name>', 'who claims (the claimant)', nameText('name the claimant'))
    .option('--lease-ms <n>', 'lease length in milliseconds (default 300000, at most 86400000 = 24 hours)', leaseMsText)
    .addHelpText('after', example('taskstore claim --as loop-7', 'taskstore claim 0192f3b1 --as loop-7 --lease-ms 60000'))
    .action(
      act(
        () => import('./commands/claim.js'),
        (a, o) => ({ ...(a[0] === undefined ? {} : { id: a[0] }), as: o.as, leaseMs: o.leaseMs }),
      ),
    );

  program
    .command('renew')
    .description("extend the lease of a claim you hold (the claimant's heartbeat)")
    .argument('<id>', 'task spec id or unique prefix', idText)
    .requiredOption('--as <name>', 'the claimant holding it', nameText('name the claimant'))
    .option('--lease-ms <n>', 'new lease length from now in milliseconds (default 300000, at most 86400000 = 24 hours)', leaseMsText)
    .addHelpText('after', example('taskstore renew 0192f3b1 --as loop-7'))
    .action(act(() => import('./commands/renew.js'), (a, o) => ({ id: a[0], as: o.as, leaseMs: o.leaseMs })));

  program
    .command('release')
    .description('give a claim back: the task spec gets --status (default pending), its claimant and lease are cleared')
    .argument('<id>', 'task spec id or unique prefix', idText)
    .requiredOption('--as <name>', 'the claimant holding it', nameText('name the claimant'))
    .option('--status <status>', 'status after the release (pending, blocked, complete, failed; default pending)')
    .addHelpText('after', example('taskstore release 0192f3b1 --as loop-7 --status failed'))
    .action(act(() => import('./commands/release.js'), (a, o) => ({ id: a[0], as: o.as, status: o.status })));

  program
    .command('complete-execution')
    .description('mark an execution complete (its task spec too, and the PRD when all its task specs are complete)')
    .argument('<id>', 'execution id or unique prefix', idText)
    .option('--as <name>', 'complete only if this claimant holds its task spec (exit 1, CLAIMED, when another took it over)', nameText('name the claimant'))
    .addHelpText('after', example('taskstore complete-execution 0192f3c7', 'taskstore complete-execution 0192f3c7 --as loop-7'))
    .action(act(() => import('./commands/complete-execution.js'), (a, o) => ({ id: a[0], ...(o.as === undefined ? {} : { as: o.as }) })));

  program
    .command('delete')
    .description('delete a record (appends a tombstone; history keeps every version)')
    .argument('<id>', 'record id or unique prefix', idText)
    .option('--force', 'delete even while live records reference it (they are left dangling)')
    .option('--collection <name>', 'look for the id in this collection only (for an id several collections have)')
    .addHelpText('after', example('taskstore delete 0192f3a4'))
    .action(act(() => import('./commands/delete.js'), (a, o) => ({ id: a[0], force: o.force === true, collection: o.collection })));

  program
    .command('sync')
    .description('rebuild the cache from the JSONL files (malformed lines are skipped with a warning; exit 0)')
    .addHelpText('after', example('taskstore sync'))
    .action(act(() => import('./commands/sync.js'), () => undefined));

  program
    .command('refresh')
    .description('catch the cache up with the JSONL files: apply appended lines, rebuild only rewritten files (what the git hooks run)')
    .addHelpText('after', example('taskstore refresh'))
    .action(act(() => import('./commands/refresh.js'), () => undefined));

  program
    .command('compact')
    .description('rewrite JSONL files keeping the current version of each record (and every tombstone and malformed line)')
    .argument('[collection]', 'only this collection (default: all)')
    .option('--keep-days <n>', 'also keep superseded versions stamped within the last N days', nonNegativeInt)
    .addHelpText('after', example('taskstore compact executions --keep-days 30'))
    .action(act(() => import('./commands/compact.js'), (a, o) => ({ collection: a[0], keepDays: o.keepDays })));

  program
    .command('rescue')
    .description('re-apply acknowledged versions that git or another tool made vanish (kept in <collection>.jsonl.rescued; see check)')
    .argument('[collection]', 'only this collection (default: all)')
    .addHelpText('after', example('taskstore rescue notes'))
    .action(act(() => import('./commands/rescue.js'), (a) => ({ collection: a[0] })));

  program
    .command('check')
    .description('report malformed lines, conflict markers, torn lines, dangling references, cycles, cache drift, git setup; exit 1 if any')
    .addHelpText('after', example('taskstore check --json'))
    .action(act(() => import('./commands/check.js'), () => undefined));

  program
    .command('metrics')
    .description('record counts, file sizes, write latency, last sync time')
    .addHelpText('after', example('taskstore metrics'))
    .action(act(() => import('./commands/metrics.js'), () => undefined));

  program
    .command('backup')
    .description('copy the JSONL files and .version into a new or empty directory (durably)')
    .argument('<dest>', 'destination directory')
    .addHelpText('after', example('taskstore backup ../taskstore-backup-2025-01-31'))
    .action(act(() => import('./commands/backup.js'), (a) => ({ dest: a[0] })));

  program
    .command('export')
    .description('print all current records (jsonl: one {"collection","record"} per line; json: {"<collection>": [records]})')
    .addOption(new Option('--format <format>', 'output format (default: jsonl, or json with --json)').choices(['jsonl', 'json']))
    .option('--strict', 'exit 3 when the logs hold malformed lines the export had to leave out (they are always named on stderr)')
    .addHelpText('after', example('taskstore export > backup.jsonl', 'taskstore export --format json > backup.json', 'taskstore export --strict > backup.jsonl'))
    .action(act(() => import('./commands/export.js'), (_a, o) => ({ format: o.format, strict: o.strict === true })));

  program
    .command('import')
    .description('import records from an export (either format), keeping ids, in one transaction')
    .argument('<file>', 'the export file (- reads stdin)')
    .addHelpText('after', example('taskstore --store ../copy/.taskstore import backup.jsonl'))
    .action(act(() => import('./commands/import.js'), (a) => ({ file: a[0] })));

  program
    .command('install-hooks')
    .description('install the git merge driver, the .gitattributes line and the hooks (idempotent)')
    .option('--force', "write this version's hook blocks even over blocks a newer taskstore wrote (refused without it)")
    .addHelpText('after', example('taskstore install-hooks', 'taskstore install-hooks --force'))
    .action(act(() => import('./commands/install-hooks.js'), (_a, o) => ({ force: o.force === true })));

  program
    .command('uninstall-hooks')
    .description('remove exactly what install-hooks added')
    .addHelpText('after', example('taskstore uninstall-hooks'))
    .action(act(() => import('./commands/uninstall-hooks.js'), () => undefined));

  program
    .command('git-sync')
    .description("commit the store's changes (nothing else), fetch, merge with the merge driver, push; retry when another clone pushed first")
    .option('--remote <name>', 'the remote (default: the upstream of the branch, else origin, else the only remote)', nameText('name a remote'))
    .option('--branch <name>', 'the remote branch (default: the upstream branch, else the same name)', nameText('name a branch'))
    .option('--message <text>', 'message of the commit recording the store changes', nameText('be a commit message', { multiLine: true }))
    .option('--retries <n>', `retries after a rejected push (default 10, at most ${MAX_SYNC_RETRIES})`, retriesText)
    .addHelpText('after', example('taskstore git-sync', 'taskstore git-sync --remote origin --json'))
    .action(
      act(
        () => import('./commands/git-sync.js'),
        (_a, o) => ({
          remote: o.remote,
          branch: o.branch,
          message: o.message,
          retries: o.retries,
        }),
      ),
    );

  program
    .command('status')
    .description('uncommitted store changes per collection, ahead/behind the remote, merge driver and hooks, last git-sync')
    .addHelpText('after', example('taskstore status', 'taskstore status --json'))
    .action(act(() => import('./commands/status.js'), () => undefined));

  program
    .command('merge')
    .description('the git merge driver for .taskstore/*.jsonl: merge into <ours>; exit 0 clean, 1 conflicts, 2 error')
    .argument('<base>', 'the common ancestor (%O)')
    .argument('<ours>', 'our version; the result is written here (%A)')
    .argument('<theirs>', 'their version (%B)')
    .argument('[path]', 'the path in the repository, for messages (%P)')
    // git's %P is a repository path, which may start with "-" (a store under "-data/"): an operand, not an option.
    .allowUnknownOption()
    .addHelpText('after', example('git config merge.taskstore.driver "taskstore merge %O %A %B %P"'))
    .action(
      act(
        () => import('./commands/merge.js'),
        (a) => ({ base: a[0], ours: a[1], theirs: a[2], ...(a[3] === undefined ? {} : { path: a[3] }) }),
      ),
    );

  program
    .command('mcp')
    .description('serve the store to coding agents as a Model Context Protocol server on stdio (until the client disconnects)')
    .addHelpText('after', `\nRegister it with an MCP client as the command \`taskstore\` with arguments ["mcp"] (add --store DIR to pin a store).\n${example('taskstore --store ~/proj/.taskstore mcp')}`)
    .action(act(() => import('./commands/mcp.js'), () => undefined));

  // `help` works like git's: `taskstore help` and `taskstore help <command>` print help on
  // stdout and exit 0; `taskstore help bogus` is an unknown command (exit 2), which
  // programArguments turns into `taskstore bogus` for commander's "Did you mean …?"; the
  // error below is for what it leaves as it is (`help -- bogus`).
  program.helpCommand(false);
  program
    .command('help')
    .description('show help for the program or for a command (same as --help)')
    .argument('[command]', 'the command')
    .addHelpText('after', example('taskstore help list'))
    .action((name: string | undefined) => {
      const cmd = name === undefined ? program : program.commands.find((c) => c.name() === name);
      if (cmd === undefined) program.error(`unknown command '${name}'`, { code: 'commander.unknownCommand', exitCode: 2 });
      else cmd.outputHelp();
      setExitCode(0);
    });

  program
    .command('watch')
    .description('print one line per change to the records until interrupted (NDJSON with --json)')
    .option('--collection <name>', 'only this collection (repeatable)', collect)
    .option('--since <ms>', 'first replay the current version of every record updated at or after this Unix time in ms', nonNegativeInt)
    .addHelpText('after', example('taskstore watch', 'taskstore watch --collection task_specs --collection executions --json', 'taskstore watch --since 1735689600000'))
    .action(
      act(
        () => import('./commands/watch.js'),
        (_a, o) => ({ collections: o.collection ?? [], since: o.since }),
      ),
    );

  program
    .command('ui')
    .description('serve a live, read-only web dashboard of the store (PRDs, boards, dependency graph, executions, history)')
    .option('--port <n>', 'port to listen on (default 4711, or the next free one)', nonNegativeInt)
    .option('--host <host>', 'address to listen on (default 127.0.0.1; anything else exposes the store to that network)', nameText('name an address'))
    .option('--open', 'open the page in the default browser')
    .addHelpText('after', example('taskstore ui', 'taskstore ui --port 8080 --open'))
    .action(
      act(
        () => import('./commands/ui.js'),
        (_a, o) => ({ port: o.port, host: o.host, open: o.open === true }),
      ),
    );

  // Last, so it covers every option of every command declared above (and global ones).
  refuseRepeatedValueOptions(program);
  // Usage errors name the command they happened in, so the hint can point at its --help
  // (and, for a command that takes arguments, at `--` for one that starts with -).
  for (const cmd of program.commands) {
    cmd.exitOverride((err) => {
      throw Object.assign(err, { commandName: cmd.name(), takesArguments: cmd.registeredArguments.length > 0 });
    });
  }
  return program;
}
