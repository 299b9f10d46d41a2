// Preloaded by scripts/mutation.js into SuMo's process (node -r). SuMo 1.2.1 calls
// `require("glob")` with the callback API (glob <= 8) without declaring glob as a dependency, so
// it gets this project's hoisted glob 10, which exports no function ("glob is not a function").
// Redirect SuMo's own `require("glob")` to the glob 8 its declared dependency `postinstall`
// brings; every other module keeps the glob it resolves to.
"use strict";

const Module = require("module");
const path = require("path");

const sumoDir = path.dirname(require.resolve("@morenabarboni/sumo/package.json"));
const legacyGlob = require.resolve("glob", { paths: [path.dirname(require.resolve("postinstall/package.json"))] });
const resolve = Module._resolveFilename;
Module._resolveFilename = function (request, parent, ...rest) {
  if (request === "glob" && parent && parent.filename && parent.filename.startsWith(sumoDir)) return legacyGlob;
  return resolve.call(this, request, parent, ...rest);
};
