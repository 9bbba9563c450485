/**
 * tslab's converter requires the whole `semver` package (about 40 files: ~45 ms
 * CPU alone, more on a loaded machine) for one call, `semver.major(process.version)`.
 * While the kernel loads tslab, `semver` resolves to a stand-in that answers
 * `major` itself and hands anything else to the real package; the stand-in
 * leaves `require.cache` as soon as tslab is loaded, so a cell that requires
 * `semver` gets the real one.
 */
import Module from "node:module";
import path from "node:path";

/** `semver.major` for the versions tslab asks about (`v20.20.2` → 20). */
export function major(version: string): number {
  const m = /^\s*[v=]?\s*(\d+)\.\d+\.\d+/.exec(version);
  if (!m) throw new TypeError(`Invalid Version: ${version}`);
  return Number(m[1]);
}

/** Run `load` (which requires tslab) with the `semver` tslab resolves replaced by the stand-in. */
export function withSemverMajor<T>(load: () => T): T {
  let file: string;
  try {
    file = require.resolve("semver", { paths: [path.dirname(require.resolve("tslab/dist/converter"))] });
  } catch {
    return load();
  }
  if (require.cache[file]) return load();
  const stand = new Module(file);
  stand.filename = file;
  stand.loaded = true;
  const real = () => {
    if (require.cache[file] === stand) delete require.cache[file];
    return require(file) as Record<string | symbol, unknown>;
  };
  // `__esModule` (asked by TypeScript's __importDefault) and symbols are the stand-in's own: undefined.
  const own = (k: string | symbol) => k === "major" || k === "__esModule" || typeof k === "symbol";
  stand.exports = new Proxy({ major } as Record<string | symbol, unknown>, { get: (t, k) => (own(k) ? t[k] : real()[k]) });
  require.cache[file] = stand;
  try {
    return load();
  } finally {
    if (require.cache[file] === stand) delete require.cache[file];
  }
}
