#!/usr/bin/env node
// The `seedpay` command. Installed, it runs the build (dist/); in a checkout, the TypeScript sources
// through ts-node (type checks are `npm run lint`'s job), so a change needs no rebuild.
"use strict";
var fs = require("fs");
var path = require("path");

// Written for any Node.js, so an old one gets this message rather than a syntax error.
var major = Number(process.versions.node.split(".")[0]);
if (!(major === 20 || major >= 22)) {
  process.stderr.write(
    "error: seedpay needs Node.js 20, or 22 and later; this is Node.js " +
      process.versions.node +
      ": install a supported version (e.g. nvm install 20)\n",
  );
  process.exit(1);
}

var root = path.resolve(__dirname, "..");
if (fs.existsSync(path.join(root, "src", "cli", "main.ts"))) {
  if (!fs.existsSync(path.join(root, "typechain-types", "index.ts"))) {
    process.stderr.write(
      "error: the contract bindings are missing: compile first (cd " + root + " && npx hardhat compile)\n",
    );
    process.exit(1);
  }
  require("ts-node").register({ transpileOnly: true, project: path.join(root, "tsconfig.json") });
  require(path.join(root, "src", "cli", "main.ts")).main();
} else {
  var built = path.join(root, "dist", "src", "cli", "main.js");
  if (!fs.existsSync(built)) {
    process.stderr.write(
      "error: seedpay's build is missing (" + built + "): reinstall seedpay, or run npm run build in its checkout\n",
    );
    process.exit(1);
  }
  require(built).main();
}
