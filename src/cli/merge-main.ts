#!/usr/bin/env node
process.stderr.write('taskstore-merge: not built yet\n');
process.exit(2);
