#!/usr/bin/env node
// Placeholder until the CLI lands.
process.stdout.write('taskstore: CLI not built yet\n');
