/**
 * The kernel's startup snapshot (kernel/snapshot.ts, snapshot-build.ts,
 * main.ts): a file is served from it only when it is the very file the
 * compiler asks for; the launcher uses a blob only when this Node binary built
 * it from this snapshot.js; and a kernel started from a real blob reports the
 * first cell's type errors, takes its declaration files from the snapshot, and
 * loads @types/node modules.
 */
import { expect } from "chai";
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import ts from "typescript";
import { collectImports, loadHookedTypescript, ResolutionMemo, resolutionOptionsKey, SNAPSHOT_KEY, SourceFileCache, type Resolutions } from "../../kernel/snapshot";
import { unwatchedSnapshotFiles } from "../../kernel/tslab";
import { binaryId, DISABLE_ENV, entryHash, SNAPSHOT_V8_FLAGS, snapshotArgv, snapshotFiles, snapshotProblem, type BlobInfo, type SnapshotFiles } from "../../src/jupyter/kernel-snapshot";
import { KernelClient } from "../../src/jupyter/kernel-client";
import { PACKAGE_ROOT } from "../../src/runtime/root";

const DIST = path.join(PACKAGE_ROOT, "dist", "kernel");
const parse = (name: string, text: string, o: ts.CreateSourceFileOptions = { languageVersion: ts.ScriptTarget.ES2022 }) => ts.createSourceFile(name, text, o);

describe("kernel startup snapshot", function () {
  describe("SourceFileCache", function () {
    const text = "declare const answer: number;\n";
    const opts = { languageVersion: ts.ScriptTarget.ES2022, jsDocParsingMode: ts.JSDocParsingMode.ParseAll };

    it("serves the file with the same text, name and parse options, once", function () {
      const cache = new SourceFileCache();
      const sf = parse("/snap/node_modules/@types/node/globals.d.ts", text, opts);
      cache.add(sf);
      cache.enabled = true;
      expect(cache.take("/notebooks/node_modules/@types/node/globals.d.ts", text, opts)).to.equal(sf);
      expect(cache.take("/notebooks/node_modules/@types/node/globals.d.ts", text, opts)).to.equal(undefined);
      expect(cache.served).to.equal(1);
    });

    it("parses anew (undefined) a changed text, another file name, other parse options, or when the compiler options differ", function () {
      const cache = new SourceFileCache();
      cache.add(parse("/snap/a.d.ts", text, opts));
      expect(cache.take("/x/a.d.ts", text, opts), "not enabled: the cells' compiler options differ").to.equal(undefined);
      cache.enabled = true;
      expect(cache.take("/x/a.d.ts", text + " ", opts)).to.equal(undefined);
      expect(cache.take("/x/b.d.ts", text, opts)).to.equal(undefined);
      expect(cache.take("/x/a.d.ts", text, { ...opts, languageVersion: ts.ScriptTarget.ES2020 })).to.equal(undefined);
      expect(cache.take("/x/a.d.ts", text, { ...opts, jsDocParsingMode: ts.JSDocParsingMode.ParseNone })).to.equal(undefined);
      expect(cache.take("/x/a.d.ts", text, { ...opts, impliedNodeFormat: ts.ModuleKind.ESNext })).to.equal(undefined);
      expect(cache.served).to.equal(0);
    });

    it("serves a module (bound with its path in its symbol's name) only under the name it was parsed with", function () {
      const cache = new SourceFileCache();
      const mod = "export declare const a: number;\n";
      const sf = parse("/snap/node_modules/undici-types/m.d.ts", mod, opts);
      cache.add(sf);
      cache.enabled = true;
      expect(cache.take("/notebooks/node_modules/undici-types/m.d.ts", mod, opts)).to.equal(undefined);
      expect(cache.take("/snap/node_modules/undici-types/m.d.ts", mod, opts)).to.equal(sf);
    });

    it("gives a served file's version from the manifest only to a host that hashes as the manifest's did", function () {
      const cache = new SourceFileCache();
      const sf = parse("/snap/a.d.ts", text, opts);
      cache.add(sf);
      cache.versions.set(sf, "v-from-manifest");
      cache.versionProbe = "hash:cdlab";
      expect(cache.versionOf(sf, { createHash: (d) => `hash:${d}` })).to.equal("v-from-manifest");
      expect(cache.versionOf(sf, { createHash: (d) => `other:${d}` }), "another hash").to.equal(undefined);
      expect(cache.versionOf(sf, {}), "no createHash (djb2)").to.equal(undefined);
      expect(cache.versionOf(parse("/snap/b.d.ts", text, opts), { createHash: (d) => `hash:${d}` }), "a file without one").to.equal(undefined);
    });

    describe("takeUnchanged (served without reading the file)", function () {
      let dir: string;
      let file: string;
      const parsedNow = () => {
        const s = fs.statSync(file);
        return { path: file, size: s.size, mtimeMs: s.mtimeMs, ctimeMs: s.ctimeMs, ino: s.ino };
      };
      beforeEach(function () {
        dir = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), "cdlab-snapshot-unread-")));
        file = path.join(dir, "globals.d.ts");
        fs.writeFileSync(file, text);
      });
      afterEach(function () {
        fs.rmSync(dir, { recursive: true, force: true });
      });

      it("serves the file at the same real path, with the size and modification time it had when parsed, once", function () {
        const cache = new SourceFileCache();
        const sf = parse(file, text, opts);
        cache.add(sf, parsedNow());
        cache.enabled = true;
        const virtual = "/notebooks/node_modules/@types/node/globals.d.ts";
        const realpath = (p: string) => (p === virtual ? file : p);
        expect(cache.takeUnchanged(virtual, opts, realpath)).to.equal(sf);
        expect(cache.takeUnchanged(virtual, opts, realpath)).to.equal(undefined);
        expect(cache.take(virtual, text, opts), "taken: gone for the text lookup too").to.equal(undefined);
        expect([cache.served, cache.servedUnread, cache.size]).to.deep.equal([1, 1, 1]);
        expect([...cache.unreadNames], "the name the compiler asked by (tslab.ts does not watch it)").to.deep.equal([virtual]);
      });

      it("leaves (undefined) a file whose size or modification time changed, another path, other parse options, a cache not enabled", function () {
        const cache = new SourceFileCache();
        const sf = parse(file, text, opts);
        cache.add(sf, parsedNow());
        const same = (p: string) => p;
        expect(cache.takeUnchanged(file, opts, same), "not enabled").to.equal(undefined);
        cache.enabled = true;
        expect(cache.takeUnchanged(path.join(dir, "other.d.ts"), opts, same)).to.equal(undefined);
        expect(cache.takeUnchanged(file, { ...opts, languageVersion: ts.ScriptTarget.ES2020 }, same)).to.equal(undefined);
        const { mtime } = fs.statSync(file);
        fs.utimesSync(file, mtime, new Date(mtime.getTime() + 2000));
        expect(cache.takeUnchanged(file, opts, same), "touched").to.equal(undefined);
        fs.writeFileSync(file, text + "declare const more: number;\n");
        expect(cache.takeUnchanged(file, opts, same), "rewritten").to.equal(undefined);
        expect(cache.take(file, text, opts), "the text lookup still serves the old text, if read").to.equal(sf);
        expect(cache.servedUnread).to.equal(0);
      });

      it("leaves a same-size edit whose modification time was restored (cp -p, rsync -a, tar -x, touch -r)", function () {
        const when = new Date(Math.floor(Date.now() / 1000) * 1000 - 60_000);
        fs.utimesSync(file, when, when);
        const cache = new SourceFileCache();
        const sf = parse(file, text, opts);
        const parsed = parsedNow();
        cache.add(sf, parsed);
        cache.enabled = true;
        fs.writeFileSync(file, text.replace(/\w/, "X")); // same size, other text
        fs.utimesSync(file, when, when);
        expect([fs.statSync(file).size, fs.statSync(file).mtimeMs], "size and mtime as when parsed").to.deep.equal([parsed.size, parsed.mtimeMs]);
        expect(cache.takeUnchanged(file, opts, (p) => p), "edited in place").to.equal(undefined);
        fs.copyFileSync(file, file + ".tmp");
        fs.renameSync(file + ".tmp", file);
        fs.utimesSync(file, when, when);
        expect(cache.takeUnchanged(file, opts, (p) => p), "replaced by a rename").to.equal(undefined);
      });

      it("parses anew a file held without a stamp (it changed while the snapshot read it)", function () {
        const cache = new SourceFileCache();
        cache.add(parse(file, text, opts));
        cache.enabled = true;
        expect(cache.takeUnchanged(file, opts, (p) => p)).to.equal(undefined);
      });
    });
  });

  describe("collectImports", function () {
    it("records a declaration file's imports, augmentations and ambient modules (a program then skips collecting them); not a cell's", function () {
      this.timeout(30_000);
      const hooked = loadHookedTypescript(require.resolve("typescript"));
      const o = { languageVersion: hooked.ScriptTarget.ES2022 };
      const d = hooked.createSourceFile("/t/globals.d.ts", 'declare module "fs" { import { Buffer } from "node:buffer"; }\ndeclare var x: import("node:url").URL;\n', o);
      const cell = hooked.createSourceFile("/t/__tslab__.ts", 'import "node:fs";\n', o);
      collectImports(hooked, [d, cell]);
      const r = d as unknown as { imports?: { text: string }[]; ambientModuleNames?: string[] };
      expect(r.imports?.map((i) => i.text)).to.deep.equal(["node:buffer", "node:url"]);
      expect(r.ambientModuleNames).to.deep.equal(["fs"]);
      expect((cell as unknown as { imports?: unknown }).imports).to.equal(undefined);
    });
  });

  describe("unwatchedSnapshotFiles (tslab.ts)", function () {
    afterEach(function () {
      delete (globalThis as Record<symbol, unknown>)[SNAPSHOT_KEY];
    });

    it("the compiler's host watches the files it did not take from the snapshot, and only those", function () {
      (globalThis as Record<symbol, unknown>)[SNAPSHOT_KEY] = { holds: (f: string) => f === "/ts/lib.es5.d.ts" };
      const watched: string[] = [];
      const host = { watchFile: (f: string) => (watched.push(f), { close: () => undefined }) } as unknown as Parameters<typeof unwatchedSnapshotFiles>[0];
      unwatchedSnapshotFiles(host);
      host.watchFile!("/ts/lib.es5.d.ts", () => undefined).close();
      host.watchFile!("/notebooks/helper.ts", () => undefined).close();
      expect(watched).to.deep.equal(["/notebooks/helper.ts"]);
    });
  });

  describe("ResolutionMemo (module resolutions made from the declaration files)", function () {
    let dir: string, nm: string, from: string, target: string, root: string;
    const options = { moduleResolution: ts.ModuleResolutionKind.Node10, typeRoots: [] as string[] };
    const memoOf = (): Resolutions => ({
      optionsKey: resolutionOptionsKey(ts, options),
      typeRoots: ["/build/node_modules/@types"],
      stamps: [(({ size, mtimeMs, ctimeMs, ino }) => ({ path: nm, size, mtimeMs, ctimeMs, ino }))(fs.statSync(nm))],
      missing: [path.join(dir, "node_modules")],
      entries: [
        [from, "events", "", { failedLookupLocations: [path.join(nm, "events.d.ts"), "\0/events.d.ts", "\0/events/index.d.ts"] }],
        [from, "./b", "", { resolvedModule: { resolvedFileName: target, extension: ".d.ts" } }],
      ],
    });
    const unread = () => new Set([from]);

    beforeEach(function () {
      dir = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), "cdlab-snapshot-resolutions-")));
      nm = path.join(dir, "pkg", "node_modules");
      from = path.join(nm, "@types", "a", "index.d.ts");
      target = path.join(nm, "@types", "a", "b.d.ts");
      root = path.join(dir, "notebooks", "node_modules", "@types");
      fs.mkdirSync(path.dirname(from), { recursive: true });
      fs.writeFileSync(from, 'import "./b";\n');
      fs.writeFileSync(target, "export {};\n");
      const past = new Date(Date.now() - 60_000); // a package added later changes the folder's mtime, even within the same clock tick
      fs.utimesSync(nm, past, past);
      options.typeRoots = [root];
    });
    afterEach(function () {
      fs.rmSync(dir, { recursive: true, force: true });
    });

    it("serves a resolution from a file served unread; the type roots' lookups are the notebook folder's, those in node_modules are not watched", function () {
      const memo = new ResolutionMemo(memoOf(), ts);
      expect(memo.resolve("events", from, options, undefined, unread())).to.deep.equal({ resolvedModule: undefined, failedLookupLocations: [`${root}/events.d.ts`, `${root}/events/index.d.ts`], affectingLocations: undefined });
      expect(memo.resolve("./b", from, options, undefined, unread())?.resolvedModule).to.deep.equal({ resolvedFileName: target, extension: ".d.ts" });
      expect(memo.served).to.equal(2);
    });

    it("resolves anew (undefined): another file, name or mode, a file not served unread, other resolution options", function () {
      const memo = new ResolutionMemo(memoOf(), ts);
      expect(memo.resolve("events", target, options, undefined, new Set([target]))).to.equal(undefined);
      expect(memo.resolve("stream", from, options, undefined, unread())).to.equal(undefined);
      expect(memo.resolve("events", from, options, ts.ModuleKind.ESNext, unread())).to.equal(undefined);
      expect(memo.resolve("events", from, options, undefined, new Set())).to.equal(undefined);
      expect(memo.resolve("events", from, { ...options, moduleResolution: ts.ModuleResolutionKind.Bundler } as typeof options, undefined, unread())).to.equal(undefined);
      expect(memo.served).to.equal(0);
    });

    it("resolves anew when a package was added to a node_modules searched, a missing node_modules appeared, or the file resolved to is gone", function () {
      const added = memoOf();
      fs.mkdirSync(path.join(nm, "events"));
      expect(new ResolutionMemo(added, ts).resolve("events", from, options, undefined, unread()), "package added").to.equal(undefined);
      const appeared = memoOf();
      fs.mkdirSync(path.join(dir, "node_modules"));
      expect(new ResolutionMemo(appeared, ts).resolve("events", from, options, undefined, unread()), "node_modules appeared").to.equal(undefined);
      fs.rmdirSync(path.join(dir, "node_modules"));
      const gone = memoOf();
      fs.rmSync(target);
      const memo = new ResolutionMemo(gone, ts);
      expect(memo.resolve("./b", from, options, undefined, unread()), "target gone").to.equal(undefined);
      expect(memo.resolve("events", from, options, undefined, unread()), "the rest still served").to.not.equal(undefined);
    });

    it("resolves anew a name the notebook folder's type roots have (node_modules/@types/events there)", function () {
      fs.mkdirSync(path.join(root, "events"), { recursive: true });
      expect(new ResolutionMemo(memoOf(), ts).resolve("events", from, options, undefined, unread())).to.equal(undefined);
      fs.rmSync(path.join(root, "events"), { recursive: true });
      fs.writeFileSync(path.join(root, "events.d.ts"), "");
      expect(new ResolutionMemo(memoOf(), ts).resolve("events", from, options, undefined, unread())).to.equal(undefined);
    });
  });

  describe("snapshotProblem (does main.ts use the blob?)", function () {
    let dir: string;
    let files: SnapshotFiles;
    let blob: string, info: string, entry: string;
    const describe_ = (d: Partial<BlobInfo>) => fs.writeFileSync(info, JSON.stringify({ node: process.version, nodeBinary: { path: process.execPath, id: binaryId(process.execPath) }, entry: entryHash(entry), kernelDir: files.kernelDir, inputs: [], ...d }));
    const problem = (env: NodeJS.ProcessEnv = {}) => snapshotProblem(files, [], env); // not this process's NODE_OPTIONS

    beforeEach(function () {
      dir = fs.mkdtempSync(path.join(os.tmpdir(), "cdlab-snapshot-test-"));
      files = snapshotFiles(dir);
      ({ blob, info, entry } = files);
      fs.writeFileSync(blob, "blob");
      fs.writeFileSync(entry, "// snapshot.js\n");
    });
    afterEach(function () {
      fs.rmSync(dir, { recursive: true, force: true });
    });

    it("accepts a blob this Node built from this snapshot.js", function () {
      describe_({});
      expect(problem()).to.equal(undefined);
    });

    it("refuses a missing blob, another Node's, one from another snapshot.js, and CDLAB_KERNEL_SNAPSHOT=0", function () {
      expect(problem()).to.equal("no snapshot built");
      describe_({});
      fs.rmSync(blob);
      expect(problem()).to.equal("no snapshot built");
      fs.writeFileSync(blob, "blob");
      describe_({ nodeBinary: { path: process.execPath, id: "1:2" } });
      expect(problem()).to.equal(`built by another Node (${process.execPath} 1:2)`);
      describe_({ nodeBinary: undefined });
      expect(problem(), "a description from before nodeBinary").to.match(/^built by another Node/);
      describe_({});
      fs.appendFileSync(entry, "// changed\n");
      expect(problem()).to.equal("older than the kernel's build");
      describe_({});
      expect(problem({ [DISABLE_ENV]: "0" })).to.equal(`${DISABLE_ENV}=0`);
    });

    it("snapshotArgv puts the blob on the kernel's command line only when it can be used", function () {
      describe_({});
      const main = path.join(dir, "main.js");
      const argv = [process.execPath, "--no-force-async-hooks-checks", main, "--connection-file", "c.json"];
      expect(snapshotArgv(argv, {})).to.deep.equal([process.execPath, "--snapshot-blob", blob, "--no-force-async-hooks-checks", "--", main, "--connection-file", "c.json"]);
      describe_({ v8Flags: ["--interrupt-budget=5", "--stack-size=900"] });
      expect(snapshotArgv(argv, {}), "the flags the blob was built with").to.deep.equal([process.execPath, "--snapshot-blob", blob, "--interrupt-budget=5", "--stack-size=900", "--no-force-async-hooks-checks", "--", main, "--connection-file", "c.json"]);
      describe_({});
      expect(snapshotArgv([process.execPath, "--max-old-space-size=64", main], {}), "a V8 flag").to.equal(undefined);
      expect(snapshotArgv(argv, { NODE_OPTIONS: "--stack-size=100" }), "a V8 flag in NODE_OPTIONS").to.equal(undefined);
      expect(snapshotArgv(argv, { [DISABLE_ENV]: "0" })).to.equal(undefined);
      expect(snapshotArgv([process.execPath, path.join(dir, "other.js")], {}), "not the kernel").to.equal(undefined);
      expect(snapshotArgv([process.execPath, path.join(os.tmpdir(), "main.js")], {}), "another folder, no blob").to.equal(undefined);
    });
  });

  describe("a kernel started from a real snapshot", function () {
    this.timeout(240_000);
    let dir: string;
    let kernel: KernelClient | undefined;

    before(function () {
      dir = fs.mkdtempSync(path.join(os.tmpdir(), "cdlab-snapshot-blob-"));
      const script = `require(${JSON.stringify(path.join(DIST, "snapshot-build.js"))}).buildSnapshot(process.argv[1], process.argv[2]).then((n) => console.log(n), (e) => { console.error(e.message); process.exit(1); })`;
      const r = spawnSync(process.execPath, ["-e", script, path.join(dir, "kernel.blob"), path.join(dir, "kernel.blob.json")], { encoding: "utf8" });
      expect(r.status, r.stderr).to.equal(0);
      expect(Number(r.stdout)).to.be.greaterThan(50);
      expect((JSON.parse(fs.readFileSync(path.join(dir, "kernel.blob.json"), "utf8")) as BlobInfo).v8Flags, "its description names the V8 flags it was built with").to.deep.equal([...SNAPSHOT_V8_FLAGS]);
    });
    after(async function () {
      await kernel?.close();
      fs.rmSync(dir, { recursive: true, force: true });
    });

    it("reports the first cell's type error, then serves the declaration files from the snapshot and loads Node's modules", async function () {
      const argv = [process.execPath, "--snapshot-blob", path.join(dir, "kernel.blob"), ...SNAPSHOT_V8_FLAGS, "--no-force-async-hooks-checks", "--", path.join(DIST, "main.js"), "--connection-file", "{connection_file}"];
      kernel = await KernelClient.start({ argv, startTimeoutMs: 120_000 });
      const first = await kernel.execute('let n: number = "cinco";', { timeoutMs: 120_000 });
      expect(first.status).to.equal("error");
      expect(first.ename).to.equal("TS2322");
      const cwd = await kernel.execute('import { realpathSync } from "node:fs";\nconst snap = (globalThis as any)[Symbol.for("cdlab.kernelSnapshot")];\n[realpathSync.native("."), process.cwd(), snap.ts.sys.getCurrentDirectory()].join(" ")');
      const here = String((cwd.outputs[0] as { data: Record<string, string> }).data["text/plain"]).slice(1, -1).split(" ");
      expect(here[1], "process.cwd() is the kernel's folder, not the snapshot build's").to.equal(here[0]);
      expect(here[2], "TypeScript's working directory too").to.equal(here[0]);
      const served = await kernel.execute('const s = (globalThis as any)[Symbol.for("cdlab.kernelSnapshot")]; [s.served, s.size, s.served === s.size, s.servedUnread, s.resolutionsServed]');
      expect(served.status, served.evalue).to.equal("ok");
      const [n, size, all, unread, resolutions] = JSON.parse(String((served.outputs[0] as { data: Record<string, string> }).data["text/plain"]).replace(/\s+/g, "").replace(/'/g, '"'));
      expect(n).to.be.greaterThan(50);
      expect(size).to.equal(n);
      expect(all).to.equal(true);
      expect(unread, "unchanged files are served without being read").to.equal(n);
      expect(resolutions, "the module resolutions made from @types/node and undici-types come from the snapshot").to.be.greaterThan(100);
      const held = await kernel.execute('s.holds(require("node:path").join(require("node:path").dirname(s.ts.getDefaultLibFilePath({})), "lib.es5.d.ts"))');
      expect(held.status, held.evalue).to.equal("ok");
      expect((held.outputs[0] as { data: Record<string, string> }).data["text/plain"], "the compiler took lib.es5.d.ts from the snapshot under its real path").to.equal("true");
      const node = await kernel.execute('import { createHash } from "node:crypto";\ncreateHash("sha256").update("a").digest("hex").slice(0, 8)');
      expect(node.status, node.evalue).to.equal("ok");
      expect((node.outputs[0] as { data: Record<string, string> }).data["text/plain"]).to.equal("'ca978112'");
      const wrong = await kernel.execute('import { readFileSync } from "node:fs";\nconst x: number = readFileSync("/etc/hostname", "utf8");');
      expect(wrong.ename).to.equal("TS2322");
    });
  });
});
