// The runtime entry of @pinhole/compliance. Node resolves a package's "main" against the
// symlink in node_modules, so it cannot point at ../dist directly; a require from this file
// is resolved from its real place, test/compliance/. test/tsconfig.json compiles index.ts.
module.exports = require('../dist/compliance/index.js');
