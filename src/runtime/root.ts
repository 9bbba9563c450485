/** Where the cdlab package lives, found from any file inside it (src/ or dist/). */
import fs from "node:fs";
import path from "node:path";

function findPackageRoot(start: string): string {
  for (let d = start; ; d = path.dirname(d)) {
    const pj = path.join(d, "package.json");
    if (fs.existsSync(pj) && JSON.parse(fs.readFileSync(pj, "utf8")).name === "cdlab") return d;
    if (path.dirname(d) === d) throw new Error(`Pacote cdlab não encontrado acima de ${start}: reinstale o cdlab (npm start)`);
  }
}

/** Root of the cdlab package (the folder holding its package.json). */
export const PACKAGE_ROOT = findPackageRoot(__dirname);
