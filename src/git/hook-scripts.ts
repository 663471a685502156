import { isAbsolute } from 'node:path';
import type { CommandPaths } from './command-paths.js';
import { BLOCK_END, BLOCK_START, originLine, type BlockOrigin, type HookName } from './hook-block.js';
import { shellQuote } from './shell-quote.js';

/**
 * The POSIX sh text of each hook's TaskStore block. Pure: a function of the hook name,
 * the command paths and the store's place in the work tree, so installing twice writes
 * the same bytes.
 *
 * Rules every block follows (they run under dash, inside other tools' hooks):
 * - never block git because TaskStore failed or is missing: warn on one line, carry on;
 *   the only refusals are pre-commit / pre-push finding conflict markers in the JSONL,
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
    'lines (checked on the STAGED content, in sh + grep so it works without node). Nothing else blocks.',
  ],
  'post-merge': ['Runs `taskstore refresh` (catch up; only rewritten logs are rebuilt) after a merge or pull. Never blocks: failures only warn.'],
  'post-rebase': [
    'Runs `taskstore refresh`. Git itself never runs a post-rebase hook (after a rebase it runs',
    'post-rewrite with argument "rebase", which TaskStore also installs); kept for tools that call it.',
  ],
  'post-rewrite': ['Runs `taskstore refresh` after `git rebase` (argument "rebase"; amends are ignored). Never blocks.'],
  'pre-push': [
    'Refuses the push when a pushed commit has a .taskstore/*.jsonl with git conflict marker lines',
    '(sh + git only); then runs `taskstore check` and only warns about anything it reports.',
  ],
  'post-checkout': ['Runs `taskstore refresh` after a checkout that changed files. Never blocks: failures only warn.'],
};

/** The complete block for `hook`, from start marker to end marker, ending in `\n`. */
export function renderHookBlock(hook: HookName, context: HookContext, origin: BlockOrigin): string {
  const lines = [
    BLOCK_START,
    originLine(origin),
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
];

function variables(hook: HookName, { commands, storeRelative }: HookContext): string[] {
  const prefix = `taskstore_prefix=${shellQuote(storeRelative === '' ? '' : `${storeRelative}/`)}`;
  if (hook === 'pre-commit') return [prefix];
  // `--store` takes a path relative to the work tree root; `./` keeps a leading `-` from looking like an option.
  const store = storeRelative === '' ? '.' : storeRelative.startsWith('-') ? `./${storeRelative}` : storeRelative;
  const run = [
    `taskstore_node=${shellQuote(commands.node)}`,
    `taskstore_cli=${shellQuote(commands.cli)}`,
    `taskstore_store=${shellQuote(store)}`,
  ];
  return hook === 'pre-push' ? [...run, prefix] : run;
}

function body(hook: HookName, context: HookContext): string[] {
  switch (hook) {
    case 'pre-commit':
      return preCommit();
    case 'pre-push':
      return prePush(context);
    case 'post-checkout':
      // $1 = previous HEAD, $2 = new HEAD, $3 = 1 for a branch checkout: same commit means no file changed.
      return catchUpBlock(hook, context, ` && { [ "\${1:-}" != "\${2:-}" ] || [ "\${3:-}" != 1 ]; }`);
    case 'post-rewrite':
      return catchUpBlock(hook, context, ` && [ "\${1:-}" = rebase ]`);
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
function runCli(hook: HookName, command: 'refresh' | 'check', { commands }: HookContext, indent: string, wording: Wording): string[] {
  const missing = ['[ ! -f "$taskstore_cli" ]', ...(isAbsolute(commands.node) ? ['[ ! -x "$taskstore_node" ]'] : [])].join(' || ');
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

function catchUpBlock(hook: HookName, context: HookContext, extraCondition: string): string[] {
  return [
    `if ${ENABLED} && [ -d "$taskstore_store" ]${extraCondition}; then`,
    ...runCli(hook, 'refresh', context, '  ', {
      skipped: 'so the cache was not caught up',
      next: 'git went ahead; run `taskstore refresh` to retry',
    }),
    'fi',
  ];
}

/** Prints one refusal line per offending file; `$1`-style inputs are the path and the `grep -n` hit. */
function reportMarker(pathExpr: string, where: string, indent: string): string[] {
  return [
    `${indent}taskstore_hit=$(${where} 2>/dev/null | tr -d '\\r' | grep -n -E ${MARKER_RE} | sed -n 1p)`,
    `${indent}if [ -n "$taskstore_hit" ]; then`,
    `${indent}  printf 'taskstore: %s line %s is a git conflict marker (%s): the file is an unresolved merge\\n' ${pathExpr} "\${taskstore_hit%%:*}" "\${taskstore_hit#*:}" >&2`,
    `${indent}  taskstore_blocked=1`,
    `${indent}fi`,
  ];
}

function preCommit(): string[] {
  return [
    `if ${ENABLED}; then`,
    '  taskstore_blocked=0',
    '  taskstore_files=$(git -c core.quotePath=false diff --cached --name-only --diff-filter=ACMRT 2>/dev/null) || taskstore_files=',
    '  while IFS= read -r taskstore_f; do',
    '    case $taskstore_f in',
    '      "$taskstore_prefix"*/*) continue ;;',
    '      "$taskstore_prefix"*.jsonl) ;;',
    '      *) continue ;;',
    '    esac',
    ...reportMarker('"$taskstore_f"', 'git show ":$taskstore_f"', '    '),
    '  done <<TASKSTORE_FILES',
    '$taskstore_files',
    'TASKSTORE_FILES',
    '  if [ "$taskstore_blocked" = 1 ]; then',
    "    echo 'taskstore: commit refused: resolve the conflict (keep the lines you want, delete the <<<<<<< ======= >>>>>>> lines), git add the file, then commit again' >&2",
    '    exit 1',
    '  fi',
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
    '  if [ -d "$taskstore_store" ]; then',
    ...runCli('pre-push', 'check', context, '    ', {
      skipped: 'so the store was not checked (the push goes ahead)',
      next: 'the push goes ahead; run `taskstore check` for details',
    }),
    '  fi',
    'fi',
  ];
}
