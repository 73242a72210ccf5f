// The package's version for `cpex --version`: read from the package.json above this file, which is two levels
// up from src/cli in the repository and three from dist/src/cli in the installed package.

import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

export function packageVersion(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 5; i++) {
    try {
      const pkg = JSON.parse(readFileSync(join(dir, "package.json"), "utf8")) as {
        name?: string;
        version?: string;
      };
      if (pkg.name === "cpex" && typeof pkg.version === "string") return pkg.version;
    } catch {
      // no package.json at this level: go up
    }
    dir = dirname(dir);
  }
  return "unknown";
}

/** The folder of the cpex package (where package.json, sdk/ and examples/ are). */
export function packageRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 5; i++) {
    try {
      const pkg = JSON.parse(readFileSync(join(dir, "package.json"), "utf8")) as { name?: string };
      if (pkg.name === "cpex") return dir;
    } catch {
      // go up
    }
    dir = dirname(dir);
  }
  throw new Error("cannot find the cpex package folder");
}
