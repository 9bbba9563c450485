/**
 * Debian's Chromium for the browser tests, driven by playwright-core. Never a
 * browser downloaded by a test tool: when /usr/bin/chromium is missing it is
 * installed with apt-get (the tests run as root in CI); when that is not
 * possible, {@link ensureChromium} says why and the suite skips itself.
 *
 * @example
 * const why = await ensureChromium();
 * if (why) this.skip();
 * const browser = await launchChromium();
 * const page = await browser.context.newPage();
 * await browser.close();
 */
import { spawn } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { chromium, type BrowserContext } from "playwright-core";

/** Where Debian's chromium package puts the browser. */
export const CHROMIUM = "/usr/bin/chromium";

/** Flags for a quiet headless browser that talks to nobody but the test server. */
export const CHROMIUM_FLAGS = [
  "--no-sandbox",
  "--disable-gpu",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--no-first-run",
];

function run(cmd: string, args: string[], timeoutMs: number): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { env: { ...process.env, DEBIAN_FRONTEND: "noninteractive" }, stdio: ["ignore", "pipe", "pipe"] });
    let output = "";
    child.stdout.on("data", (d: Buffer) => (output += d));
    child.stderr.on("data", (d: Buffer) => (output += d));
    const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
    child.once("error", (e) => {
      clearTimeout(timer);
      resolve({ code: -1, output: e.message });
    });
    child.once("exit", (code) => {
      clearTimeout(timer);
      resolve({ code, output });
    });
  });
}

let ensured: Promise<string | undefined> | undefined;

/**
 * Make sure Debian's Chromium is installed, installing it with
 * `apt-get update && apt-get install -y chromium` when missing.
 *
 * @param log where to say what is happening @default console.log
 * @returns `undefined` when the browser is ready, else why it is not (the caller skips)
 */
export function ensureChromium(log: (line: string) => void = console.log): Promise<string | undefined> {
  return (ensured ??= (async () => {
    if (fs.existsSync(CHROMIUM)) return undefined;
    if (process.getuid?.() !== 0) return `${CHROMIUM} is missing and installing it needs root: run apt-get install chromium`;
    log(`      [browser] ${CHROMIUM} is missing: installing Debian's chromium with apt-get (a few minutes, once)…`);
    const update = await run("apt-get", ["update"], 300_000);
    if (update.code !== 0) return `apt-get update failed: ${update.output.trim().split("\n").pop()}`;
    const install = await run("apt-get", ["install", "-y", "chromium"], 600_000);
    if (install.code !== 0 || !fs.existsSync(CHROMIUM)) return `apt-get install chromium failed: ${install.output.trim().split("\n").pop()}`;
    log(`      [browser] chromium installed`);
    return undefined;
  })());
}

/** A running headless Chromium with a fresh, empty profile. */
export interface TestBrowser {
  context: BrowserContext;
  /** The fresh profile folder (--user-data-dir), deleted by close(). */
  profile: string;
  /** Close the browser and delete its profile. */
  close(): Promise<void>;
}

/** Launch {@link CHROMIUM} headless with {@link CHROMIUM_FLAGS} and a fresh `--user-data-dir`. */
export async function launchChromium(): Promise<TestBrowser> {
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), "cdlab-chromium-"));
  // launchPersistentContext passes the folder as --user-data-dir.
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: CHROMIUM_FLAGS,
    viewport: { width: 1280, height: 900 },
  });
  return {
    context,
    profile,
    async close() {
      await context.close().catch(() => undefined);
      fs.rmSync(profile, { recursive: true, force: true });
    },
  };
}
