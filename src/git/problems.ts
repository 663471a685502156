import type { GitIntegrationStatus } from './status.js';
import { gitLockAdvice } from './lock-advice.js';
import { HOOK_BLOCK_FORMAT } from './hook-scripts.js';

type GitIntegrationProblemKind =
  | 'git_integration_missing'
  | 'merge_driver_missing'
  | 'merge_driver_broken'
  | 'merge_attribute_missing'
  | 'hooks_missing'
  | 'hooks_not_runnable'
  | 'hooks_outdated'
  | 'hooks_newer'
  | 'logs_ignored'
  | 'git_lock_left';

/** One problem with the git integration; shaped to drop into `CheckReport.problems`. */
interface GitIntegrationProblem {
  kind: GitIntegrationProblemKind;
  message: string;
}

const FIX = 'run `taskstore install-hooks`';

/**
 * Turns a {@link GitIntegrationStatus} into problems for `taskstore check` (every
 * message of a missing piece ends by telling the user to run `taskstore install-hooks`;
 * `logs_ignored` says how to stop git ignoring the logs). A store outside git has none. The dangerous one is `merge_driver_missing`: `.gitattributes` names the
 * driver but this clone has no driver config (every fresh clone), so git silently falls
 * back to a line merge of the JSONL files.
 *
 * @example
 * const problems = gitIntegrationProblems(gitIntegrationStatus({ storeDir }));
 * // [{ kind: 'merge_driver_missing', message: '... run `taskstore install-hooks`' }]
 */
export function gitIntegrationProblems(status: GitIntegrationStatus): GitIntegrationProblem[] {
  if (!status.inGitRepo) return [];
  // Whatever is installed: git-sync cannot commit the store until the lock is gone.
  const locks: GitIntegrationProblem[] = status.leftGitLocks.map((lock) => ({
    kind: 'git_lock_left',
    message:
      `git's lock file ${lock.path} is in the store branch's worktree, so git-sync cannot commit the store ` +
      `(writes to the store go on); ${gitLockAdvice(lock, status.workTree ?? 'the worktree', 'run `taskstore git-sync`')}`,
  }));
  // Whatever is installed: a log git ignores never reaches a commit made by hand.
  const ignored: GitIntegrationProblem[] =
    status.ignoredLogs.length === 0
      ? []
      : [
          {
            kind: 'logs_ignored',
            message:
              `git ignores ${status.ignoredLogs.join(', ')} (a .gitignore or exclude line matches): \`git add -A\` and \`git commit -a\` leave ${status.ignoredLogs.length === 1 ? 'it' : 'them'} out without a word, ` +
              `so ${status.ignoredLogs.length === 1 ? 'its' : 'their'} records reach no commit and no other clone; ` +
              `\`git check-ignore -v ${status.ignoredLogs[0]}\` names the line: remove it or add an exception (\`!*.jsonl\`), or commit with \`taskstore git-sync\`, which does not go by ignore rules`,
          },
        ];
  if (!status.attributesLine && !status.driverConfigured && status.hooksInstalled.length === 0) {
    return [
      {
        kind: 'git_integration_missing',
        message: `the store is in a git work tree but TaskStore's git integration is not installed: git would merge the JSONL files line by line and duplicate or lose records; ${FIX}`,
      },
      ...ignored,
      ...locks,
    ];
  }
  const problems: GitIntegrationProblem[] = [];
  if (status.attributesLine && !status.driverConfigured) {
    problems.push({
      kind: 'merge_driver_missing',
      message: `.gitattributes sends the store's JSONL files to the taskstore merge driver, but this clone has no merge.taskstore.driver config (a fresh clone never has it): git silently falls back to a line merge; ${FIX}`,
    });
  }
  if (status.driverConfigured && status.driverCommandWorks === false) {
    problems.push({
      kind: 'merge_driver_broken',
      message: `the configured merge driver does not run (${status.driverCommand ?? 'merge.taskstore.driver'}): node or taskstore moved or was removed, so merges of the store would fail; ${FIX}`,
    });
  }
  if (!status.attributesLine) {
    problems.push({
      kind: 'merge_attribute_missing',
      // install-hooks refuses to add a line git would override: "run install-hooks" sent the user round in a circle.
      message:
        status.mergeOverride === undefined
          ? `no gitattributes line sends the store's JSONL files to the taskstore merge driver, so git merges them line by line; ${FIX}`
          : `git gives the store's JSONL files the merge attribute ${JSON.stringify(status.mergeOverride)}, not "taskstore": a gitattributes line outranks the store's ` +
            `(a later line of the root .gitattributes, a .gitattributes in the store directory or a directory above it, or .git/info/attributes), so git does not merge them with the taskstore driver; ` +
            `remove that line (\`git check-attr merge -- <store>/prds.jsonl\` shows the result), then ${FIX}`,
    });
  }
  // install-hooks refuses a hook git cannot start: "run install-hooks" would not fix those.
  const missing = status.hooksMissing.filter((hook) => !status.hooksNotRunnable.includes(hook));
  if (missing.length > 0) {
    problems.push({
      kind: 'hooks_missing',
      message: `git hooks not installed in ${status.hooksDir ?? 'the hooks directory'}: ${missing.join(', ')} (they keep the cache in sync and refuse commits with conflict markers); ${FIX}`,
    });
  }
  if (status.hooksNotRunnable.length > 0) {
    const one = status.hooksNotRunnable.length === 1;
    problems.push({
      kind: 'hooks_not_runnable',
      message:
        `git cannot run the ${status.hooksNotRunnable.join(', ')} hook${one ? '' : 's'} in ${status.hooksDir ?? 'the hooks directory'}: ${one ? 'its' : 'their'} #! line ends in a carriage return ` +
        `(CRLF line endings), so the system finds no interpreter and nothing in ${one ? 'it' : 'them'} runs; convert ${one ? 'it' : 'them'} to LF line endings ` +
        `(\`sed -i 's/\\r$//' <hook>\` or \`dos2unix <hook>\`), then ${FIX}`,
    });
  }
  if (status.hooksOutdated.length > 0) {
    const one = status.hooksOutdated.length === 1;
    problems.push({
      kind: 'hooks_outdated',
      message:
        `the TaskStore block in the ${status.hooksOutdated.join(', ')} hook${one ? '' : 's'} in ${status.hooksDir ?? 'the hooks directory'} is not what this version of taskstore installs ` +
        `(an older version wrote it, or it was edited): fixes to the hooks reach ${one ? 'it' : 'them'} only when the block is written again; ${FIX}`,
    });
  }
  if (status.hooksNewer.length > 0) {
    const one = status.hooksNewer.length === 1;
    problems.push({
      kind: 'hooks_newer',
      message:
        `the TaskStore block in the ${status.hooksNewer.join(', ')} hook${one ? '' : 's'} in ${status.hooksDir ?? 'the hooks directory'} was written by a newer version of taskstore ` +
        `(its taskstore-hooks-format line gives a higher format than the ${HOOK_BLOCK_FORMAT} this version writes): this version's \`taskstore install-hooks\` refuses to replace ${one ? 'it' : 'them'} with its older block; ` +
        `upgrade this taskstore (or run the newer one's \`install-hooks\`), or run \`taskstore install-hooks --force\` to go back to this version's hooks on purpose`,
    });
  }
  problems.push(...ignored, ...locks);
  return problems;
}
