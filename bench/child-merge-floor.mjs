/**
 * The floor under any record-level merge of JSONL files, for scenario 6: read the three
 * files, split and JSON.parse every line, take the union of ours' and theirs' lines
 * (ours first, no duplicates), and replace <ours> the way the driver does (temp file,
 * fsync, rename, directory fsync). No three-way logic at all.
 *
 *   node child-merge-floor.mjs <base> <ours> <theirs>
 */
import { closeSync, fsyncSync, openSync, readFileSync, renameSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';

const [basePath, oursPath, theirsPath] = process.argv.slice(2);
const read = (p) => readFileSync(p, 'utf8').split('\n').filter((l) => l !== '');
const [base, ours, theirs] = [read(basePath), read(oursPath), read(theirsPath)];
let ids = 0;
for (const lines of [base, ours, theirs]) for (const line of lines) if (typeof JSON.parse(line).id === 'string') ids++;
const seen = new Set(ours);
const out = [...ours, ...theirs.filter((l) => !seen.has(l))];
const temp = `${oursPath}.floor.tmp`;
const fd = openSync(temp, 'w');
writeSync(fd, `${out.join('\n')}\n`);
fsyncSync(fd);
closeSync(fd);
renameSync(temp, oursPath);
const dfd = openSync(dirname(oursPath), 'r');
fsyncSync(dfd);
closeSync(dfd);
if (ids === 0) process.exitCode = 3;
