import { readFileSync } from "node:fs";
import path from "node:path";
import { REPO } from "./shell";

/**
 * The README's library example: the first ```js block of its "Use it as a library" section, read
 * at test time so the README cannot drift from code that runs.
 */
export function readmeLibraryExample(): string {
  const readme = readFileSync(path.join(REPO, "README.md"), "utf8");
  const section = readme.split(/^## /m).find((s) => s.startsWith("Use it as a library\n"));
  if (!section) throw new Error('README.md has no "## Use it as a library" section');
  const block = /^```js\n([\s\S]*?)^```$/m.exec(section);
  if (!block) throw new Error('README.md\'s "Use it as a library" section has no ```js block');
  return block[1]!;
}
