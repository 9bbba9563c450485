/**
 * Makes `import … from "cdlab"` and Node's own types work in any notebook
 * folder, with no `node_modules` there and no relative paths.
 *
 * - Type checking: tslab's converter reads files through the TypeScript
 *   compiler's `ts.sys`. We add three virtual folders under the notebook's
 *   directory: `node_modules/cdlab` (this package), `node_modules/@types/node`
 *   (the @types/node this package ships) and `node_modules/@types/cdlab-cell`
 *   (kernel/cell-types: the globals the kernel adds to cells). A real folder of the same name wins.
 * - Run time: `require("cdlab")` resolves to this package from anywhere.
 *
 * Call {@link installResolution} once, before tslab's converter is created.
 */
import fs from "node:fs";
import Module from "node:module";
import path from "node:path";
import { PACKAGE_ROOT } from "../src/runtime/root";

export { PACKAGE_ROOT };


interface TsSys {
  fileExists(p: string): boolean;
  directoryExists(p: string): boolean;
  readFile(p: string, enc?: string): string | undefined;
  getDirectories(p: string): string[];
  readDirectory(p: string, ...rest: unknown[]): string[];
  realpath?(p: string): string;
}

/** A virtual path prefix and the real folder behind it. */
export interface Mapping {
  virtual: string;
  real: string;
}

/** The folders cdlab adds under `cwd/node_modules`. */
export function mappingsFor(cwd: string): Mapping[] {
  const typesNode = path.dirname(require.resolve("@types/node/package.json", { paths: [PACKAGE_ROOT] }));
  return [
    { virtual: path.join(cwd, "node_modules", "cdlab"), real: PACKAGE_ROOT },
    { virtual: path.join(cwd, "node_modules", "@types", "node"), real: typesNode },
    // prompt, confirm and alert, the globals kernel/engine.ts adds to cells.
    { virtual: path.join(cwd, "node_modules", "@types", "cdlab-cell"), real: path.join(PACKAGE_ROOT, "kernel", "cell-types") },
  ];
}

/**
 * Map a path under a virtual folder to the real file, unless the virtual path
 * really exists on disk.
 */
export function toReal(p: string, maps: Mapping[]): string {
  for (const m of maps) {
    if (p === m.virtual || p.startsWith(m.virtual + "/")) {
      if (fs.existsSync(p)) return p;
      return m.real + p.slice(m.virtual.length);
    }
  }
  return p;
}

/**
 * Patch the TypeScript `sys` used by tslab and Node's module resolution.
 *
 * @param ts tslab's TypeScript module (`loadTypescript()` of tslab.ts)
 * @param cwd the kernel's working directory (the notebook's folder)
 */
export function installResolution(ts: { sys: TsSys }, cwd: string): void {
  const maps = mappingsFor(cwd);
  const sys = ts.sys;
  const parents = new Set<string>();
  for (const m of maps) {
    for (let d = path.dirname(m.virtual); d.startsWith(cwd) && d !== cwd; d = path.dirname(d)) parents.add(d);
  }
  const orig = {
    fileExists: sys.fileExists.bind(sys),
    directoryExists: sys.directoryExists.bind(sys),
    readFile: sys.readFile.bind(sys),
    getDirectories: sys.getDirectories.bind(sys),
    readDirectory: sys.readDirectory.bind(sys),
    realpath: sys.realpath?.bind(sys),
  };
  sys.fileExists = (p) => orig.fileExists(toReal(p, maps));
  sys.directoryExists = (p) => parents.has(p) || orig.directoryExists(toReal(p, maps));
  sys.readFile = (p, enc) => orig.readFile(toReal(p, maps), enc);
  sys.readDirectory = (p, ...rest) => orig.readDirectory(toReal(p, maps), ...rest);
  sys.getDirectories = (p) => {
    const real = orig.directoryExists(p) ? orig.getDirectories(p) : [];
    const extra = maps.filter((m) => path.dirname(m.virtual) === p).map((m) => path.basename(m.virtual));
    return [...new Set([...real, ...extra])];
  };
  if (orig.realpath) {
    const rp = orig.realpath;
    sys.realpath = (p) => rp(toReal(p, maps));
  }
  installRuntimeResolution();
}

/** Make `require("cdlab")` (and `cdlab/…`) resolve to this package everywhere. */
export function installRuntimeResolution(): void {
  const M = Module as unknown as {
    _resolveFilename: (request: string, ...rest: unknown[]) => string;
    __cdlabPatched?: boolean;
  };
  if (M.__cdlabPatched) return;
  M.__cdlabPatched = true;
  const orig = M._resolveFilename;
  M._resolveFilename = function (request: string, ...rest: unknown[]) {
    const target = request === "cdlab" || request.startsWith("cdlab/") ? exportTarget(request.slice("cdlab".length)) : undefined;
    return orig.call(this, target ?? request, ...rest);
  };
}

/**
 * The file an import of `cdlab` or `cdlab/<subpath>` loads, from the package's own `exports` map (so the
 * kernel and Node agree on the entry points); undefined for a subpath the package does not export.
 *
 * @param subpath `""` for the root, `"/net"`, `"/lectures/02-redes"`…
 */
export function exportTarget(subpath: string): string | undefined {
  const exportsMap = (require(path.join(PACKAGE_ROOT, "package.json")) as { exports: Record<string, unknown> }).exports;
  const entry = exportsMap["." + subpath];
  const file = typeof entry === "string" ? entry : (entry as { default?: string } | undefined)?.default;
  return file === undefined ? undefined : path.join(PACKAGE_ROOT, file);
}
