'use strict';
// `npm run bench [name…]`: runs bench/<name>.js (default: all but the shared helpers) one after another.
const { execFileSync } = require('child_process');
const fs = require('fs');
const path = require('path');
const names = process.argv.slice(2).length ? process.argv.slice(2) : fs.readdirSync(__dirname).filter((f) => f.endsWith('.js') && !['run.js', 'lib.js', 'lab-lib.js', 'lab-udx.js'].includes(f)).map((f) => f.replace(/\.js$/, ''));
for (const n of names) execFileSync(process.execPath, [path.join(__dirname, `${n}.js`)], { stdio: 'inherit' });
