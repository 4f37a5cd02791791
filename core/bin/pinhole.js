#!/usr/bin/env node
// Committed shim so the bin link works before the first build (dist/ is generated).
require('../dist/stdio.js').guardStdio();
require('../dist/cli/main.js')
  .main(process.argv.slice(2))
  .then((code) => { process.exitCode = code; }, (err) => { process.stderr.write(`pinhole: ${err && err.stack || err}\n`); process.exitCode = 1; });
