import { isAbsolute } from 'node:path';
import type { CommandPaths } from './command-paths.js';
import { BLOCK_END, BLOCK_START, formatLine, originLine, storeLine, type BlockOrigin, type HookName } from './hook-block.js';
import { shellQuote } from './shell-quote.js';

/**
 * The POSIX sh text of each hook's TaskStore block. Pure: a function of the hook name,
 * the command paths and the store's place in the work tree, so installing twice writes
 * the same bytes.
 *
 * Rules every block follows (they run under dash, inside other tools' hooks):
 * - never block git because TaskStore failed or is missing: warn on one line, carry on;
 *   the only refusals are pre-commit / pre-applypatch / pre-push finding conflict markers
 *   (or, before a commit, a damaged log) in the JSONL,
 *   checked with sh + git + grep alone so they work without node;
 * - never `exit` except to refuse, so the rest of the hook file still runs;
 * - never consume the hook's stdin (pre-push hands it back), never touch `$@`;
 * - every fallible command sits in a condition, so `#!/bin/sh -e` hooks survive;
 * - variables are prefixed `taskstore_` and unset at the end;
 * - the store path is relative to the work tree root, where git runs hooks, because
 *   linked worktrees share these hooks but each has its own `.taskstore/`;
 * - `TASKSTORE_SKIP_HOOKS=1` turns every block off.
 */

export interface HookContext {
  commands: CommandPaths;
  /** Store directory relative to the work tree root, `/`-separated (`.taskstore`). */
  storeRelative: string;
}

/** Extended regex for conflict marker lines; mirrors `isConflictMarker` in src/jsonl/line-codec.ts. */
const MARKER_RE = `'^(<{7}( |$)|={7}$|>{7}( |$)|[|]{7}( |$))'`;

const ENABLED = `[ "\${TASKSTORE_SKIP_HOOKS:-}" != 1 ]`;

/** What each hook's block is for, written as the block's explanatory comment. */
const PURPOSE: Record<HookName, string[]> = {
  'pre-commit': [
    'Refuses the commit when a staged .taskstore/*.jsonl still contains git conflict marker',
    'lines, NUL bytes or an incomplete last line (a write clobbered while another program was',
    'writing the file), checked on the STAGED content in sh + grep so it works without node.',
    'Lines that do not look like JSON objects only get a warning. Nothing else blocks.',
  ],
  'pre-applypatch': [
    'The same refusal as pre-commit, for the commits `git am` makes (also `git am --continue`',
    'after a conflict, which runs no pre-commit hook): checks the STAGED .taskstore/*.jsonl.',
  ],
  'post-merge': ['Runs `taskstore refresh` (catch up; only rewritten logs are rebuilt) after a merge or pull. Never blocks: failures only warn.'],
  'post-rebase': [
    'Runs `taskstore refresh`. Git itself never runs a post-rebase hook (after a rebase it runs',
    'post-rewrite with argument "rebase", which TaskStore also installs); kept for tools that call it.',
  ],
  'post-rewrite': [
    'Runs `taskstore refresh` after `git rebase` (argument "rebase"; amends are ignored). Git runs no',
    'pre-commit hook for `git rebase --continue`, so it also warns when the rebase committed a',
    '.taskstore/*.jsonl with conflict marker lines (sh + git only). Never blocks.',
  ],
  'pre-push': [
    'Refuses the push when a pushed commit has a .taskstore/*.jsonl with git conflict marker lines',
    '(sh + git only); then runs `taskstore check` and only warns about anything it reports.',
  ],
  'post-checkout': ['Runs `taskstore refresh` after a checkout that changed files. Never blocks: failures only warn.'],
};

/**
 * The format of the blocks this version writes, in each block's `# taskstore-hooks-format:`
 * line. Bump it whenever {@link renderHookBlock}'s text changes (the same inputs giving
 * other bytes); test/git/hook-format.test.ts fails until it is. A number, not the package
 * version: only it tells `check` and `install-hooks` whether an installed block is older
 * than this version's (`hooks_outdated`, rewritten) or newer (`hooks_newer`: an older
 * TaskStore must not write its block over it unless forced), while a release that leaves
 * the blocks as they were does not make every installed block look out of date.
 * Blocks without the line (written before it existed) are format 1.
 */
export const HOOK_BLOCK_FORMAT = 2;

/** The complete block for `hook`, from start marker to end marker, ending in `\n`. */
export function renderHookBlock(hook: HookName, context: HookContext, origin: BlockOrigin): string {
  const lines = [
    BLOCK_START,
    originLine(origin),
    storeLine(context.storeRelative),
    formatLine(HOOK_BLOCK_FORMAT),
    '# Added by `taskstore install-hooks`; `taskstore uninstall-hooks` removes this block.',
    ...PURPOSE[hook].map((text) => `# ${text}`),
    ...variables(hook, context),
    ...body(hook, context),
    `unset ${VARIABLES.join(' ')}`,
    BLOCK_END,
  ];
  return `${lines.join('\n')}\n`;
}

const VARIABLES = [
  'taskstore_node',
  'taskstore_cli',
  'taskstore_store',
  'taskstore_prefix',
  'taskstore_out',
  'taskstore_rc',
  'taskstore_files',
  'taskstore_f',
  'taskstore_hit',
  'taskstore_blocked',
  'taskstore_refs',
  'taskstore_lref',
  'taskstore_lsha',
  'taskstore_rest',
  'taskstore_names',
  'taskstore_n',
  'taskstore_nul',
  'taskstore_last',
  'taskstore_bad',
  'taskstore_damaged',
  'taskstore_tmp',
];

function variables(hook: HookName, { commands, storeRelative }: HookContext): string[] {
  const prefix = `taskstore_prefix=${shellQuote(storeRelative === '' ? '' : `${storeRelative}/`)}`;
  if (hook === 'pre-commit' || hook === 'pre-applypatch') return [prefix];
  // `--store` takes a path relative to the work tree root; `./` keeps a leading `-` from looking like an option.
  const store = storeRelative === '' ? '.' : storeRelative.startsWith('-') ? `./${storeRelative}` : storeRelative;
  const run = [
    `taskstore_node=${shellQuote(commands.node)}`,
    `taskstore_cli=${shellQuote(commands.cli)}`,
    `taskstore_store=${shellQuote(store)}`,
  ];
  return hook === 'pre-push' || hook === 'post-rewrite' ? [...run, prefix] : run;
}

function body(hook: HookName, context: HookContext): string[] {
  switch (hook) {
    case 'pre-commit':
      return [...refuseStagedDamage('commit refused', 'then commit again', 'then commit'), ...refuseUnmergedMergeSide()];
    case 'pre-applypatch':
      return refuseStagedDamage('patch not committed', 'then run git am --continue', 'then run git am --continue');
    case 'pre-push':
      return prePush(context);
    case 'post-checkout':
      // $1 = previous HEAD, $2 = new HEAD, $3 = 1 for a branch checkout: same commit means no file changed.
      return catchUpBlock(hook, context, ` && { [ "\${1:-}" != "\${2:-}" ] || [ "\${3:-}" != 1 ]; }`);
    case 'post-rewrite':
      return [...catchUpBlock(hook, context, ` && [ "\${1:-}" = rebase ]`), ...rebaseCommittedMarkers(context)];
    case 'post-merge':
    case 'post-rebase':
      return catchUpBlock(hook, context, '');
  }
}

/** What a hook says when TaskStore cannot do its job: what was skipped, and what to run. */
interface Wording {
  /** After "cannot run taskstore (...)": e.g. "so the cache was not caught up". */
  skipped: string;
  /** After the CLI's first error line: e.g. "git went ahead; run `taskstore refresh` to retry". */
  next: string;
}

/**
 * Runs `taskstore <command>` quietly and turns any failure (the CLI failing, node or the
 * CLI missing) into a one-line warning on stderr. Indented by `indent`.
 */
/** A sh condition true when the node or the CLI the hooks (and the merge driver) were installed with is gone. */
function cliMissing({ commands }: HookContext): string {
  return ['[ ! -f "$taskstore_cli" ]', ...(isAbsolute(commands.node) ? ['[ ! -x "$taskstore_node" ]'] : [])].join(' || ');
}

function runCli(hook: HookName, command: 'refresh' | 'check', context: HookContext, indent: string, wording: Wording): string[] {
  const missing = cliMissing(context);
  const cannotRun = `taskstore: warning: ${hook}: cannot run taskstore (%s or %s is missing), ${wording.skipped}; run \`taskstore install-hooks\` to repair the hooks\\n`;
  const failed = `taskstore: warning: ${hook}: \`taskstore ${command}\` failed (exit %s): %s; ${wording.next}\\n`;
  return [
    `if ${missing}; then`,
    `  printf ${shellQuote(cannotRun)} "$taskstore_cli" "$taskstore_node" >&2`,
    `elif taskstore_out=$("$taskstore_node" "$taskstore_cli" --store "$taskstore_store" ${command} 2>&1 </dev/null); then`,
    '  :',
    'else',
    '  taskstore_rc=$?',
    `  printf ${shellQuote(failed)} "$taskstore_rc" "$(printf '%s\\n' "$taskstore_out" | sed -n '/[^[:space:]]/{p;q;}')" >&2`,
    'fi',
  ].map((line) => indent + line);
}

/**
 * The store is in the checked-out commit: its `.version` (committed; every store has one).
 * Not the directory: switching to a branch from before the store leaves it behind, holding
 * the ignored cache files, and every such checkout warned that `refresh` failed.
 */
const STORE_CHECKED_OUT = '[ -f "$taskstore_store/.version" ]';

function catchUpBlock(hook: HookName, context: HookContext, extraCondition: string): string[] {
  return [
    `if ${ENABLED} && ${STORE_CHECKED_OUT}${extraCondition}; then`,
    ...runCli(hook, 'refresh', context, '  ', {
      skipped: 'so the cache was not caught up',
      next: 'git went ahead; run `taskstore refresh` to retry',
    }),
    'fi',
  ];
}

/**
 * Prints one refusal line per offending file; `$1`-style inputs are the path and the `grep -n` hit.
 * Every grep here reads the log with its NUL bytes removed (`tr -d '\000…'`): GNU grep takes
 * input holding a NUL for binary, prints "binary file matches" instead of the hit, and a
 * conflict marker in a log that also holds a NUL went unreported (reportDamage counts the NULs).
 */
function reportMarker(pathExpr: string, where: string, indent: string): string[] {
  return [
    `${indent}taskstore_hit=$(${where} 2>/dev/null | tr -d '\\000\\r' | grep -n -E ${MARKER_RE} | sed -n 1p)`,
    `${indent}if [ -n "$taskstore_hit" ]; then`,
    `${indent}  printf 'taskstore: %s line %s is a git conflict marker (%s): the file is an unresolved merge\\n' ${pathExpr} "\${taskstore_hit%%:*}" "\${taskstore_hit#*:}" >&2`,
    `${indent}  taskstore_blocked=1`,
    `${indent}fi`,
  ];
}

/**
 * Refuses NUL bytes and an incomplete last line (bytes of two writers interleaved: never
 * something TaskStore writes) and warns about lines that do not look like JSON objects.
 */
function reportDamage(pathExpr: string, where: string, indent: string): string[] {
  return [
    `${indent}taskstore_nul=$(${where} 2>/dev/null | tr -cd '\\000' | wc -c | tr -d ' ')`,
    `${indent}if [ "\${taskstore_nul:-0}" != 0 ]; then`,
    `${indent}  printf 'taskstore: %s contains %s NUL byte(s): a write was clobbered while another program was writing the file\\n' ${pathExpr} "$taskstore_nul" >&2`,
    `${indent}  taskstore_damaged=1`,
    `${indent}fi`,
    `${indent}taskstore_last=$(${where} 2>/dev/null | tail -c 1 | tr -d '\\n')`,
    `${indent}if [ -n "$taskstore_last" ]; then`,
    `${indent}  printf 'taskstore: %s ends with an incomplete line (no newline at the end)\\n' ${pathExpr} >&2`,
    `${indent}  taskstore_damaged=1`,
    `${indent}fi`,
    `${indent}taskstore_bad=$(${where} 2>/dev/null | tr -d '\\000\\r' | grep -n -v -E '^[{].*[}]$' | grep -v -E ${MARKER_RE.replace("'^", "'^[0-9]+:")} | sed -n 1p)`,
    `${indent}if [ -n "$taskstore_bad" ]; then`,
    `${indent}  printf 'taskstore: warning: %s line %s is not a JSON object line; run taskstore check\\n' ${pathExpr} "\${taskstore_bad%%:*}" >&2`,
    `${indent}fi`,
  ];
}

/**
 * `git diff` options that list only the store directory's files, by their names inside it
 * (`prds.jsonl`): git quotes a listed path holding `"`, `\`, a tab or a newline even with
 * core.quotePath=false, and the store's own prefix then matched none of them (a store in
 * `my"data/` had its conflict markers committed unchecked). Collection names need no quoting.
 */
const IN_STORE = '${taskstore_prefix:+"--relative=$taskstore_prefix"}';

/** The path of the log `$taskstore_f` names, relative to the work tree root. */
const LOG_PATH = '$taskstore_prefix$taskstore_f';

/**
 * Runs `body` (lines indented for the loop) once per store log among the names
 * `listCommand` prints (relative to the store directory, see {@link IN_STORE}), one per
 * line, with the name in `$taskstore_f`: the store directory's own `*.jsonl` files, not
 * those of its subdirectories. A failing command lists nothing.
 */
function forEachStoreLog(listCommand: string, body: string[]): string[] {
  return [
    `  taskstore_files=$(${listCommand} 2>/dev/null) || taskstore_files=`,
    '  while IFS= read -r taskstore_f; do',
    '    case $taskstore_f in',
    '      */*) continue ;;',
    '      *.jsonl) ;;',
    '      *) continue ;;',
    '    esac',
    ...body,
    '  done <<TASKSTORE_FILES',
    '$taskstore_files',
    'TASKSTORE_FILES',
  ];
}

/**
 * pre-commit and pre-applypatch: refuses the commit when a staged store log has conflict
 * marker lines or is damaged. `refused` opens each refusal line; `againAfterResolve` /
 * `againAfterRestore` close the conflict and the damage advice.
 */
function refuseStagedDamage(refused: string, againAfterResolve: string, againAfterRestore: string): string[] {
  const conflict = `taskstore: ${refused}: resolve the conflict (keep the lines you want, delete the <<<<<<< ======= >>>>>>> lines), git add the file, ${againAfterResolve}`;
  const damaged = `taskstore: ${refused}: the staged log is damaged; restore the file (git diff shows what changed), let the writers finish, run taskstore check, git add it again, ${againAfterRestore}`;
  return [
    `if ${ENABLED}; then`,
    '  taskstore_blocked=0',
    '  taskstore_damaged=0',
    ...forEachStoreLog(`git -c core.quotePath=false diff --cached --name-only --diff-filter=ACMRT ${IN_STORE}`, [
      ...reportMarker(`"${LOG_PATH}"`, `git show ":${LOG_PATH}"`, '    '),
      ...reportDamage(`"${LOG_PATH}"`, `git show ":${LOG_PATH}"`, '    '),
    ]),
    '  if [ "$taskstore_blocked" = 1 ]; then',
    `    echo ${shellQuote(conflict)} >&2`,
    '    exit 1',
    '  fi',
    '  if [ "$taskstore_damaged" = 1 ]; then',
    `    echo ${shellQuote(damaged)} >&2`,
    '    exit 1',
    '  fi',
    'fi',
  ];
}

/**
 * A filter printing the id of each record line read on stdin, one a line: where TaskStore
 * writes it, first on the line (`{"id":"…"`); a line with its id elsewhere prints nothing.
 */
const RECORD_IDS = `tr -d '\\000\\r' | sed -n 's/^{"id":"\\([^"\\\\]*\\)".*/\\1/p'`;

/**
 * pre-commit of a merge (MERGE_HEAD) or a cherry-pick (CHERRY_PICK_HEAD): refuses a store
 * log staged exactly as HEAD has it while records of the other side's version are missing
 * from it. That is what a merge
 * driver that did not run leaves (node or taskstore moved: git prints "not found" and
 * CONFLICT, and the file holds this branch's side, with no marker to resolve); `git add`
 * and commit then dropped the other branch's records, pre-commit saying nothing. The
 * record merge never gives that result: every record of either side is in its output.
 * Records, not lines: a conflict resolved by keeping this branch's version of a record is
 * this branch's log too, without the other version's line. Ids are read where TaskStore
 * writes them, first on the line; a line with its id elsewhere is not looked at.
 */
function refuseUnmergedMergeSide(): string[] {
  const dropped =
    'taskstore: %s is staged exactly as this branch has it, without %s record(s) of the side being merged (%s): ' +
    "the record merge did not run on it (did the merge driver fail? see git's messages)\\n";
  const advice =
    'taskstore: commit refused: run taskstore install-hooks (repairs the driver), then for each file: ' +
    'git update-index --unresolve <file> && git checkout -m -- <file> (merges it again), git add it and commit; ' +
    "to drop the other branch's records on purpose, commit with --no-verify";
  return [
    // `git cherry-pick --continue` runs pre-commit too, and the driver merges the pick.
    `if ${ENABLED} && for taskstore_lref in MERGE_HEAD CHERRY_PICK_HEAD; do git rev-parse -q --verify "$taskstore_lref" >/dev/null 2>&1 && break; taskstore_lref=; done && [ -n "$taskstore_lref" ]; then`,
    '  taskstore_blocked=0',
    ...forEachStoreLog(`git -c core.quotePath=false diff --name-only ${IN_STORE} HEAD "$taskstore_lref"`, [
      `    taskstore_out=$(git rev-parse -q --verify ":${LOG_PATH}" 2>/dev/null) || continue`,
      `    [ "$taskstore_out" = "$(git rev-parse -q --verify "HEAD:${LOG_PATH}" 2>/dev/null)" ] || continue`,
      '    taskstore_tmp=$(mktemp 2>/dev/null) || continue',
      `    git cat-file blob "$taskstore_out" 2>/dev/null | ${RECORD_IDS} > "$taskstore_tmp" || :`,
      `    taskstore_n=$(git cat-file blob "$taskstore_lref:${LOG_PATH}" 2>/dev/null | ${RECORD_IDS} | grep -v -x -F -f "$taskstore_tmp" | sort -u | grep -c .) || taskstore_n=0`,
      '    rm -f "$taskstore_tmp"',
      '    if [ "${taskstore_n:-0}" != 0 ]; then',
      `      printf ${shellQuote(dropped)} "${LOG_PATH}" "$taskstore_n" "$taskstore_lref" >&2`,
      '      taskstore_blocked=1',
      '    fi',
    ]),
    '  if [ "$taskstore_blocked" = 1 ]; then',
    `    echo ${shellQuote(advice)} >&2`,
    '    exit 1',
    '  fi',
    'fi',
  ];
}

/**
 * After a rebase: warns about each store log that the rebase changed and whose committed
 * version (HEAD) holds a conflict marker line. `git rebase --continue` (and `git pull
 * --rebase`) commit what was staged without running pre-commit, so a log staged with
 * its conflict unresolved gets committed; the commit is made, so this can only warn.
 * Only the logs that differ from the branch before the rebase (ORIG_HEAD) are read.
 */
function rebaseCommittedMarkers(context: HookContext): string[] {
  const lost =
    'taskstore: warning: post-rewrite: %s lacks %s record(s) the branch had before the rebase (ORIG_HEAD): the record merge did not run on it ' +
    '(did the merge driver fail?); run taskstore install-hooks, then git reset --keep ORIG_HEAD and rebase again\\n';
  const warning =
    'taskstore: warning: post-rewrite: %s line %s is a git conflict marker (%s): the rebase committed an unresolved merge; ' +
    'resolve the file (keep the lines you want, delete the <<<<<<< ======= >>>>>>> lines) and commit it\\n';
  return [
    `if ${ENABLED} && [ "\${1:-}" = rebase ]; then`,
    ...forEachStoreLog(`git -c core.quotePath=false diff --name-only ${IN_STORE} ORIG_HEAD HEAD`, [
      `    taskstore_hit=$(git cat-file blob "HEAD:${LOG_PATH}" 2>/dev/null | tr -d '\\000\\r' | grep -n -E ${MARKER_RE} | sed -n 1p)`,
      '    if [ -n "$taskstore_hit" ]; then',
      `      printf ${shellQuote(warning)} "${LOG_PATH}" "\${taskstore_hit%%:*}" "\${taskstore_hit#*:}" >&2`,
      '    fi',
      // A replayed commit the driver could not merge: git left the upstream's side, and
      // `git add` + `rebase --continue` (no pre-commit there) dropped the branch's records.
      // Only when the node or CLI the driver was installed with is gone: reading both whole
      // versions of each changed log costs seconds on a big store (~3.7 s at 300,000
      // lines), on every rebase, for a driver that ran.
      `    if ${cliMissing(context)}; then :; else continue; fi`,
      '    taskstore_tmp=$(mktemp 2>/dev/null) || continue',
      `    git cat-file blob "HEAD:${LOG_PATH}" 2>/dev/null | ${RECORD_IDS} > "$taskstore_tmp" || :`,
      `    taskstore_n=$(git cat-file blob "ORIG_HEAD:${LOG_PATH}" 2>/dev/null | ${RECORD_IDS} | grep -v -x -F -f "$taskstore_tmp" | sort -u | grep -c .) || taskstore_n=0`,
      '    rm -f "$taskstore_tmp"',
      '    if [ "${taskstore_n:-0}" != 0 ]; then',
      `      printf ${shellQuote(lost)} "${LOG_PATH}" "$taskstore_n" >&2`,
      '    fi',
    ]),
    'fi',
  ];
}

function prePush(context: HookContext): string[] {
  return [
    `if ${ENABLED}; then`,
    '  # stdin holds "<local ref> <local sha> <remote ref> <remote sha>" lines. Read them, then',
    '  # hand them back so the rest of this hook (git-lfs, pre-commit, ...) still sees them.',
    '  taskstore_refs=$(cat)',
    '  taskstore_blocked=0',
    '  while read -r taskstore_lref taskstore_lsha taskstore_rest; do',
    '    case $taskstore_lsha in *[!0]*) ;; *) continue ;; esac  # empty or all zeros: a deletion',
    '    taskstore_names=$(git ls-tree --name-only "$taskstore_lsha:$taskstore_prefix" 2>/dev/null) || continue',
    '    while IFS= read -r taskstore_n; do',
    '      case $taskstore_n in *.jsonl) ;; *) continue ;; esac',
    ...reportMarker(
      '"$taskstore_prefix$taskstore_n ($taskstore_lref)"',
      'git cat-file blob "$taskstore_lsha:$taskstore_prefix$taskstore_n"',
      '      ',
    ),
    '    done <<TASKSTORE_NAMES',
    '$taskstore_names',
    'TASKSTORE_NAMES',
    '  done <<TASKSTORE_REFS',
    '$taskstore_refs',
    'TASKSTORE_REFS',
    '  if [ -n "$taskstore_refs" ]; then',
    '    exec <<TASKSTORE_STDIN',
    '$taskstore_refs',
    'TASKSTORE_STDIN',
    '  else',
    '    exec </dev/null',
    '  fi',
    '  if [ "$taskstore_blocked" = 1 ]; then',
    "    echo 'taskstore: push refused: resolve the conflict in a new commit (keep the lines you want, delete the <<<<<<< ======= >>>>>>> lines), then push again' >&2",
    '    exit 1',
    '  fi',
    `  if ${STORE_CHECKED_OUT}; then`,
    ...runCli('pre-push', 'check', context, '    ', {
      skipped: 'so the store was not checked (the push goes ahead)',
      next: 'the push goes ahead; run `taskstore check` for details',
    }),
    '  fi',
    'fi',
  ];
}
