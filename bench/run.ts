/**
 * `npm run bench`: every benchmark section, each figure next to its reference
 * measured in the same run, printed as a table and written as JSON under
 * bench/results/.
 *
 *   node dist/bench/run.js [--quick] [--only kernel,net,...] [--list]
 *
 * Sections from other areas are loaded only if their module was built:
 * bench/net.ts → runNetBench(), bench/pipe.ts → runPipeBench(),
 * bench/ipc.ts → runIpcBench(), bench/grade.ts → runGradeBench().
 * Each receives `{ quick }` and may return `BenchRow[]` (bench/report.ts).
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import { ROOT } from "../src/cli/kernelspec";
import { runKernelBench } from "./kernel";
import { runNotebookBench } from "./notebooks";
import { formatTable, normalizeRows, verdict, type BenchRow } from "./report";

interface Section {
  name: string;
  run(quick: boolean, log: (line: string) => void): Promise<{ rows: BenchRow[]; raw: unknown }>;
}

/** A section whose module another area writes: skipped until it is built. */
function external(name: string, file: string, fn: string): Section | undefined {
  const modulePath = path.join(__dirname, `${file}.js`);
  if (!fs.existsSync(modulePath)) return undefined;
  return {
    name,
    async run(quick) {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const mod = require(modulePath) as Record<string, unknown>;
      const f = mod[fn];
      if (typeof f !== "function") throw new Error(`bench/${file}.ts does not export ${fn}()`);
      const raw: unknown = await (f as (o: { quick: boolean }) => unknown)({ quick });
      return { rows: normalizeRows(name, raw), raw };
    },
  };
}

function sections(): { available: Section[]; missing: string[] } {
  const builtin: Section[] = [
    { name: "kernel", run: (quick, log) => runKernelBench({ runs: quick ? 50 : 200, warmup: quick ? 5 : 20, starts: quick ? 1 : 3, log }) },
  ];
  const ext: [string, string, string][] = [
    ["net", "net", "runNetBench"],
    ["pipe", "pipe", "runPipeBench"],
    ["ipc", "ipc", "runIpcBench"],
    ["grade", "grade", "runGradeBench"],
    ["hub", "hub", "runHubBench"],
  ];
  const missing: string[] = [];
  for (const [name, file, fn] of ext) {
    const s = external(name, file, fn);
    if (s) builtin.push(s);
    else missing.push(name);
  }
  builtin.push({ name: "notebooks", run: (_quick, log) => runNotebookBench({ log }) });
  return { available: builtin, missing };
}

/**
 * The targets, for rows that a section returned without one:
 * shared memory ≥ 2 × the pipe; helper echo RTT ≤ 1.2 × raw; throughput ≥ 0.9 × raw.
 */
function applyTargets(row: BenchRow): BenchRow {
  if (row.target || row.reference == null) return row;
  const ref = (row.referenceName ?? "").toLowerCase();
  const name = row.name.toLowerCase();
  if (row.section === "ipc" && name.startsWith("shared memory") && ref === "pipe") return { ...row, target: { min: 2 } };
  if (row.section === "net" && ref.includes("raw")) {
    if (/rtt|round.?trip|latency/.test(name)) return { ...row, target: { max: 1.2 } };
    if (/throughput|mib\/s|mb\/s/.test(name + row.unit.toLowerCase())) return { ...row, target: { min: 0.9 } };
  }
  return row;
}

const usage = `Usage: node dist/bench/run.js [--quick] [--only NAME[,NAME...]] [--list]

  --quick     fewer repetitions (50 round trips instead of 200)
  --only      run only these sections (kernel, net, pipe, ipc, grade, notebooks)
  --list      list the sections and exit`;

async function main(): Promise<number> {
  console.debug = () => undefined; // @jupyterlab/services logs every websocket start at debug level
  let values;
  try {
    ({ values } = parseArgs({
      options: { quick: { type: "boolean" }, only: { type: "string", multiple: true }, list: { type: "boolean" }, help: { type: "boolean", short: "h" } },
      strict: true,
    }));
  } catch (e) {
    console.error(`${(e as Error).message}\n\n${usage}`);
    return 2;
  }
  if (values.help) return void console.log(usage), 0;
  const { available, missing } = sections();
  if (values.list) {
    for (const s of available) console.log(s.name);
    for (const m of missing) console.log(`${m} (not built yet)`);
    return 0;
  }
  const only = values.only?.flatMap((o) => o.split(",")).map((o) => o.trim()).filter(Boolean);
  const known = new Set([...available.map((s) => s.name), ...missing]);
  const unknown = only?.filter((o) => !known.has(o)) ?? [];
  if (unknown.length) {
    console.error(`Unknown section: ${unknown.join(", ")} (sections: ${[...known].join(", ")})`);
    return 2;
  }
  const chosen = available.filter((s) => !only || only.includes(s.name));
  const quick = Boolean(values.quick);
  const log = (line: string) => process.stderr.write(`[bench] ${line}\n`);
  for (const m of missing) if (!only || only.includes(m)) log(`${m}: skipped (bench/${m}.ts not built yet)`);

  const started = Date.now();
  const rows: BenchRow[] = [];
  const raw: Record<string, unknown> = {};
  const failures: Record<string, string> = {};
  for (const s of chosen) {
    const t0 = Date.now();
    log(`${s.name}: start`);
    try {
      const r = await s.run(quick, log);
      rows.push(...r.rows.map(applyTargets));
      raw[s.name] = r.raw;
      log(`${s.name}: done in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    } catch (e) {
      failures[s.name] = (e as Error).message;
      log(`${s.name}: FAILED: ${(e as Error).message}`);
    }
  }

  console.log(`\ncdlab benchmarks (${quick ? "quick" : "full"}), ${os.cpus().length} CPUs, Node ${process.version}, ${new Date().toISOString()}\n`);
  console.log(formatTable(rows));
  const missed = rows.filter((r) => verdict(r) === "MISSED");
  console.log(`\n${rows.length} figures, ${missed.length} target(s) missed, ${Object.keys(failures).length} section(s) failed, ${((Date.now() - started) / 1000).toFixed(0)} s`);

  const dir = path.join(ROOT, "bench", "results");
  fs.mkdirSync(dir, { recursive: true });
  const stamp = new Date().toISOString().replace(/[:.]/g, "-");
  const json = JSON.stringify({ date: new Date().toISOString(), quick, cpus: os.cpus().length, node: process.version, rows, failures, raw }, null, 2);
  const file = path.join(dir, `bench-${stamp}.json`);
  fs.writeFileSync(file, json);
  fs.writeFileSync(path.join(dir, "latest.json"), json);
  console.log(`JSON: ${path.relative(process.cwd(), file)}`);
  return Object.keys(failures).length ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  (e) => {
    console.error((e as Error).message);
    process.exit(1);
  },
);
