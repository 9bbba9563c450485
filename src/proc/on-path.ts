/**
 * Finding a program the way a shell does: the first executable file of that name in the folders of PATH.
 *
 * @example
 * ```ts
 * import { onPath } from "./on-path";
 * const cc = onPath("cc"); // "/usr/bin/cc", or undefined when there is none
 * ```
 */
import fs from "node:fs";
import path from "node:path";

/**
 * The first executable file named `name` in the folders of `searchPath`, or undefined.
 *
 * @param searchPath a PATH value @default process.env.PATH (none: no folder)
 */
export function onPath(name: string, searchPath = process.env.PATH ?? ""): string | undefined {
  for (const dir of searchPath.split(path.delimiter)) {
    const p = path.join(dir || ".", name);
    try {
      fs.accessSync(p, fs.constants.X_OK);
      if (fs.statSync(p).isFile()) return p;
    } catch {
      /* not here */
    }
  }
  return undefined;
}
