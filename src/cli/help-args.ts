/**
 * Rewrites the two spellings of "help for a command" that commander does not read the
 * way git and most CLIs do, before commander parses the arguments:
 *
 * - `taskstore --help list` (or `-h list`) printed the program's help: commander takes
 *   `--help` wherever it sees it and looks no further. It becomes `list --help`.
 * - `taskstore help lsit` said "unknown command 'lsit'" without the "(Did you mean
 *   list?)" that `taskstore lsit` gets. So does `taskstore --help lsit`. Both become
 *   `lsit`, which commander reports as an unknown command, with its suggestion.
 *
 * Pure: the program's grammar comes in as data. Arguments are read the way commander's
 * root reads them: its own options anywhere, a value option taking the next argument
 * (`--store list` names a store called list, not a command), the first other argument is
 * the command. At `--`, or at an option the root does not know (from then on commander
 * passes everything to the command unread), nothing is rewritten.
 */

export interface RootGrammar {
  /** Every command name, `help` included. */
  commands: ReadonlySet<string>;
  /** Root options whose value is the next argument (`--store DIR`), every spelling. */
  valueOptions: ReadonlySet<string>;
  /** Root options without a value (`--json`). */
  flags: ReadonlySet<string>;
  /** The help option's spellings (`-h`, `--help`). */
  helpFlags: ReadonlySet<string>;
}

/** `argv` (without node and the script) with a help request written as `CMD --help`, or an unknown name alone. */
export function helpArguments(argv: readonly string[], grammar: RootGrammar): string[] {
  const first = nextOperand(argv, 0, grammar);
  if (first === undefined) return [...argv];
  const name = argv[first.at]!;
  if (first.helpAt.length > 0) {
    const before = argv.slice(0, first.at).filter((_, i) => !first.helpAt.includes(i));
    const after = argv.slice(first.at + 1);
    // A known command: its own help. Else drop the flag: commander reports the unknown name.
    return grammar.commands.has(name) ? [...before, name, argv[first.helpAt[0]!]!, ...after] : [...before, name, ...after];
  }
  if (name !== 'help') return [...argv];
  const second = nextOperand(argv, first.at + 1, grammar);
  if (second === undefined || second.helpAt.length > 0 || grammar.commands.has(argv[second.at]!)) return [...argv];
  return argv.filter((_, i) => i !== first.at);
}

/**
 * The index of the first operand at or after `from` (skipping root options and their
 * values), and those of the help flags before it; undefined at `--`, at an option the
 * root does not know, or when none is left.
 */
function nextOperand(argv: readonly string[], from: number, grammar: RootGrammar): { at: number; helpAt: number[] } | undefined {
  const helpAt: number[] = [];
  for (let i = from; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--') return undefined;
    if (grammar.helpFlags.has(arg)) helpAt.push(i);
    else if (grammar.valueOptions.has(arg)) i++;
    else if (grammar.flags.has(arg)) continue;
    else if (arg.startsWith('--') && arg.includes('=') && grammar.valueOptions.has(arg.slice(0, arg.indexOf('=')))) continue;
    else if (arg.startsWith('-') && arg !== '-') return undefined;
    else return { at: i, helpAt };
  }
  return undefined;
}
