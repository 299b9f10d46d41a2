#!/usr/bin/env node
// The `seedpay` command: runs the TypeScript sources through ts-node (type checks are `npm run lint`'s job).
"use strict";
const fs = require("node:fs");
const path = require("node:path");

const root = path.resolve(__dirname, "..");
if (!fs.existsSync(path.join(root, "typechain-types", "index.ts"))) {
  process.stderr.write(`error: the contract bindings are missing: compile first (cd ${root} && npx hardhat compile)\n`);
  process.exit(1);
}
require("ts-node").register({ transpileOnly: true, project: path.join(root, "tsconfig.json") });
require(path.join(root, "src", "cli", "main.ts")).main();
