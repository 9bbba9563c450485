#!/usr/bin/env node
"use strict";
// Entry point of the `cdlab` CLI. The code lives in dist/ (built by `npm run setup`).
const path = require("path");
const fs = require("fs");
const main = path.join(__dirname, "..", "dist", "src", "cli", "main.js");
if (!fs.existsSync(main)) {
  process.stderr.write("cdlab is not built yet: run `npm run setup` in " + path.dirname(__dirname) + "\n");
  process.exit(1);
}
require(main).main(process.argv.slice(2)).then(
  (code) => { process.exitCode = code; },
  (err) => { process.stderr.write(`cdlab: ${err && err.message ? err.message : err}\n`); process.exitCode = 1; },
);
