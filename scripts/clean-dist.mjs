// `npm pack` runs this before the build (prepack): a file left in dist/ by an earlier build of a module since
// deleted or renamed would otherwise ship in the tarball.
import { rmSync } from "node:fs";

rmSync(new URL("../dist", import.meta.url), { recursive: true, force: true });
