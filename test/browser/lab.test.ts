// Longer than 300 lines: one JupyterLab and one Chromium for all the UI tests; each file would start its own.
/**
 * JupyterLab in a real browser: Debian's Chromium (playwright-core) against
 * JupyterLab started by the test harness, on a COPY of notebooks/ in a temp
 * folder (outputs stripped, so every output seen here was produced now).
 *
 * - the lab opens a lecture notebook with the cdlab kernel selected
 * - Run → Run All Cells runs every cell, the expected outputs appear, no cell errs
 * - the stop button interrupts a busy cell (a hung await; `while (true) {}` once the
 *   kernel can stop running JavaScript) and the kernel comes back idle, keeping its state
 * - Kernel → Restart Kernel… gives a fresh kernel
 * - prompt() and input({ password }) ask in the input box under the cell; a progress bar updates in place
 *
 * Screenshots go to test-artifacts/browser/. Skipped, with a message, only
 * where Chromium cannot be installed.
 */
import { expect } from "chai";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import type { Page } from "playwright-core";
import { ensureChromium, launchChromium, type TestBrowser } from "../support/chromium";
import { startServer, type JupyterServer } from "../support/jupyter";
import { pollUntil } from "../support/poll";
import { descendants, isAlive } from "../../src/proc/tree";
import {
  KERNEL_DISPLAY_NAME,
  codeCells,
  menu,
  openNotebook,
  outputText,
  prompts,
  save,
  selectCell,
  toolbarButton,
  toolbarKernelName,
  waitAllExecuted,
  waitForKernel,
} from "./lab-page";

const REPO = path.resolve(__dirname, "..", "..");
const ARTIFACTS = path.join(REPO, "test-artifacts", "browser");

interface NbCell {
  cell_type: string;
  source: string | string[];
  outputs?: { output_type: string; ename?: string; evalue?: string; data?: Record<string, unknown> }[];
  execution_count?: number | null;
}

function readNotebook(file: string): { cells: NbCell[]; metadata: Record<string, unknown> } {
  return JSON.parse(fs.readFileSync(file, "utf8"));
}

/** Copy notebooks/ into `dir` with every output and execution count removed. */
function copyStripped(dir: string): void {
  fs.cpSync(path.join(REPO, "notebooks"), dir, { recursive: true });
  for (const f of fs.readdirSync(dir).filter((f) => f.endsWith(".ipynb"))) {
    const nb = readNotebook(path.join(dir, f));
    for (const c of nb.cells) if (c.cell_type === "code") Object.assign(c, { outputs: [], execution_count: null });
    fs.writeFileSync(path.join(dir, f), JSON.stringify(nb, null, 1));
  }
}

/** PIDs of processes whose command line names `profile` (our Chromium's). */
function browserProcesses(profile: string): number[] {
  const pids: number[] = [];
  for (const e of fs.readdirSync("/proc")) {
    if (!/^\d+$/.test(e)) continue;
    try {
      if (fs.readFileSync(`/proc/${e}/cmdline`, "utf8").includes(profile)) pids.push(Number(e));
    } catch {
      /* gone */
    }
  }
  return pids;
}

/** A scratch notebook on the cdlab kernel. */
function writeScratch(file: string, sources: string[]): void {
  const cells = sources.map((source) => ({ cell_type: "code", execution_count: null, metadata: {}, outputs: [], source }));
  const metadata = { kernelspec: { name: "cdlab", display_name: KERNEL_DISPLAY_NAME, language: "typescript" }, language_info: { name: "typescript" } };
  fs.writeFileSync(file, JSON.stringify({ cells, metadata, nbformat: 4, nbformat_minor: 5 }, null, 1));
}

/**
 * Lab settings for the test: offline and quiet (no "fetch Jupyter news?" toast),
 * and every cell attached to the DOM (no windowing), so outputs can be read.
 */
function writeLabSettings(dir: string): void {
  const settings: [string, string, object][] = [
    ["apputils-extension", "notification", { fetchNews: "false", checkForUpdates: false }],
    ["notebook-extension", "tracker", { windowingMode: "none" }],
  ];
  for (const [pkg, plugin, value] of settings) {
    const f = path.join(dir, "@jupyterlab", pkg, `${plugin}.jupyterlab-settings`);
    fs.mkdirSync(path.dirname(f), { recursive: true });
    fs.writeFileSync(f, JSON.stringify(value));
  }
}

/**
 * The lecture notebooks this suite runs, and what must appear in the browser.
 * A notebook not written yet is reported as pending.
 */
const LECTURES: { file: string; timeoutMs: number; check(page: Page, sources: string[]): Promise<void> }[] = [
  {
    file: "00-bem-vindo.ipynb",
    timeoutMs: 30_000,
    async check(page) {
      // The first cell's value (execute_result) is shown under it.
      expect(await outputText(page, 0)).to.contain("COMPUTAÇÃO DISTRIBUÍDA");
      expect(await outputText(page, 1)).to.match(/Olá, Computação Distribuída! Node\.js v\d+/);
    },
  },
  {
    file: "03-sockets-udp.ipynb",
    timeoutMs: 120_000, // compiles and starts the lecture's Java programs, and makes two virtual hosts
    async check(page, sources) {
      // The first cell that sends a datagram to the echo server shows the echo: "Reply: <what it sent>".
      const i = sources.findIndex((src) => /udpRequest\("[^"]+"/.test(src));
      expect(i, "a cell calling udpRequest(\"…\")").to.be.at.least(0);
      const sent = /udpRequest\("([^"]+)"/.exec(sources[i])![1];
      expect(await outputText(page, i)).to.contain(`Reply: ${sent}`);
    },
  },
  {
    file: "01-sistemas-distribuidos.ipynb",
    timeoutMs: 180_000, // speed-up and parallel runs sized to the machine, best of 3
    async check(page) {
      // Plots from src/plot.ts: JupyterLab shows image/svg+xml as an <img>; naturalWidth > 0
      // means the browser parsed the SVG.
      const plots = codeCells(page).locator('.jp-OutputArea-output[data-mime-type="image/svg+xml"] img');
      expect(await plots.count(), "SVG plots shown").to.be.greaterThan(0);
      const widths = await plots.evaluateAll((imgs) => imgs.map((i) => (i as unknown as { naturalWidth: number }).naturalWidth));
      expect(widths.every((w) => w > 50), `every plot decoded (natural widths ${widths})`).to.equal(true);
    },
  },
];

describe("JupyterLab in Chromium", function () {
  this.timeout(120_000);
  let tmp = "";
  let server: JupyterServer | undefined;
  let browser: TestBrowser | undefined;
  let page: Page;
  let serverTree: number[] = [];
  let profile = "";

  before(async function () {
    this.timeout(20 * 60_000); // installing chromium with apt-get can take minutes, once
    const why = await ensureChromium();
    if (why) {
      console.log(`      [browser] SKIPPED: Chromium is not available: ${why}`);
      this.skip();
    }
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), "cdlab-browser-"));
    const root = path.join(tmp, "notebooks");
    copyStripped(root);
    const settings = path.join(tmp, "lab-settings");
    writeLabSettings(settings);
    server = await startServer(root, {
      app: "lab",
      env: {
        JUPYTERLAB_SETTINGS_DIR: settings,
        JUPYTERLAB_WORKSPACES_DIR: path.join(tmp, "lab-workspaces"),
        JUPYTER_CONFIG_DIR: path.join(tmp, "config"),
        JUPYTER_DATA_DIR: path.join(tmp, "data"),
        JUPYTER_RUNTIME_DIR: path.join(tmp, "runtime"),
      },
    });
    browser = await launchChromium();
    profile = browser.profile;
    page = await browser.context.newPage();
    fs.rmSync(ARTIFACTS, { recursive: true, force: true }); // only this run's screenshots
    fs.mkdirSync(ARTIFACTS, { recursive: true });
  });

  afterEach(async function () {
    if (!page || !this.currentTest) return;
    const name = this.currentTest.title.replace(/[^\w.-]+/g, "_").slice(0, 80);
    await page.screenshot({ path: path.join(ARTIFACTS, `${name}.png`), fullPage: false }).catch(() => undefined);
  });

  after(async function () {
    this.timeout(30_000);
    if (server) serverTree = descendants(server.process.pid!);
    await browser?.close();
    await server?.stop();
    if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
  });

  it("serves lab with cdlab's no-delay server extension loaded", function () {
    expect(server!.log()).to.contain("cdlab_jupyter: TCP_NODELAY on kernel websockets");
  });

  for (const lecture of LECTURES) {
    it(`${lecture.file}: opens on the cdlab kernel, runs all cells, shows its outputs, no errors`, async function () {
      const file = path.join(tmp, "notebooks", lecture.file);
      if (!fs.existsSync(file)) {
        console.log(`      [browser] ${lecture.file} is not written yet`);
        this.skip();
      }
      this.timeout(lecture.timeoutMs + 30_000);
      await openNotebook(page, server!.url, server!.token, lecture.file);
      expect(await toolbarKernelName(page)).to.equal(KERNEL_DISPLAY_NAME);
      expect(await prompts(page)).to.satisfy((p: string[]) => p.every((x) => !/\d/.test(x)), "outputs were stripped");

      await menu(page, "Run", "Run All Cells");
      await waitAllExecuted(page, lecture.timeoutMs);
      const sources = readNotebook(file).cells.filter((c) => c.cell_type === "code").map((c) => [c.source].flat().join(""));
      await lecture.check(page, sources);

      // What the UI holds, saved to the temp copy: no error output, every cell ran once, in order.
      await save(page);
      const cells = readNotebook(file).cells.filter((c) => c.cell_type === "code" && [c.source].flat().join("").trim());
      const errors = cells.flatMap((c, i) => (c.outputs ?? []).filter((o) => o.output_type === "error").map((o) => `cell ${i + 1}: ${o.ename}: ${o.evalue}`));
      expect(errors, "error outputs").to.deep.equal([]);
      expect(cells.map((c) => c.execution_count)).to.deep.equal(cells.map((_, i) => i + 1));
    });
  }

  /** Run `busy` between a variable and its use, press stop, and see the kernel come back with its state. */
  async function interruptWithStopButton(file: string, busy: string): Promise<void> {
    writeScratch(path.join(tmp, "notebooks", file), ["const before = 41;", busy, "before + 1"]);
    await openNotebook(page, server!.url, server!.token, file);
    await selectCell(page, 0);
    await page.keyboard.press("Shift+Enter"); // runs cell 1, selects cell 2
    await page.keyboard.press("Shift+Enter"); // runs the busy cell, selects cell 3
    await waitForKernel(page, "busy", 15_000);
    await pollUntil(async () => (await prompts(page))[1] === "[*]:", { what: "the busy cell running", timeoutMs: 10_000 });

    await toolbarButton(page, "notebook:interrupt-kernel");
    await waitForKernel(page, "idle", 45_000); // a CI machine at load 24 once took more than 20 s
    expect((await prompts(page))[1]).to.match(/\[\d+\]/);
    expect(await outputText(page, 1), "the interrupted cell says so").to.match(/interrupt/i);

    await page.keyboard.press("Shift+Enter"); // cell 3: the state from before the interrupt survived
    await pollUntil(async () => (await outputText(page, 2)).includes("42"), { what: "cell 3's output 42", timeoutMs: 15_000 });
  }

  it("the stop button interrupts a cell stuck in an await; the kernel comes back idle with its state", async function () {
    await interruptWithStopButton("interrupt-await.ipynb", "await new Promise(() => {});");
  });

  it("the stop button interrupts `while (true) {}`; the kernel comes back idle with its state", async function () {
    await interruptWithStopButton("interrupt-loop.ipynb", "while (true) {}");
  });

  it("prompt() shows an input box under the cell; the answer typed there is what prompt returns; input({ password }) hides it", async function () {
    writeScratch(path.join(tmp, "notebooks", "stdin.ipynb"), [
      'const nome = prompt("Seu nome?");\n`olá, ${nome}`',
      'import { input } from "cdlab";\n(await input("Senha:", { password: true })).length',
    ]);
    await openNotebook(page, server!.url, server!.token, "stdin.ipynb");
    await selectCell(page, 0);
    await page.keyboard.press("Shift+Enter");
    const box = codeCells(page).nth(0).locator(".jp-Stdin-input");
    await box.waitFor({ timeout: 20_000 });
    expect(await codeCells(page).nth(0).locator(".jp-Stdin-prompt").textContent()).to.contain("Seu nome?");
    await box.fill("Ana");
    await box.press("Enter");
    await pollUntil(async () => (await outputText(page, 0)).includes("olá, Ana"), { what: "cell 1 showing the answer", timeoutMs: 15_000 });

    await selectCell(page, 1);
    await page.keyboard.press("Shift+Enter");
    const secret = codeCells(page).nth(1).locator(".jp-Stdin-input");
    await secret.waitFor({ timeout: 20_000 });
    expect(await secret.getAttribute("type")).to.equal("password");
    await secret.fill("segredo");
    await secret.press("Enter");
    await pollUntil(async () => /\b7\b/.test(await outputText(page, 1)), { what: "cell 2 showing the password's length", timeoutMs: 15_000 });
    expect(await outputText(page, 1), "the password itself is not echoed").not.to.contain("segredo");
  });

  it("a progress bar updates in place under its cell and ends done", async function () {
    writeScratch(path.join(tmp, "notebooks", "progress.ipynb"), [
      'import { progress } from "cdlab";\nconst barra = progress({ total: 30, label: "passos" });\nfor (let i = 0; i < 30; i++) { await new Promise((r) => setTimeout(r, 100)); barra.tick(); }\nbarra.done();',
    ]);
    await openNotebook(page, server!.url, server!.token, "progress.ipynb");
    await selectCell(page, 0);
    await page.keyboard.press("Shift+Enter");
    const bar = codeCells(page).nth(0).locator(".cdlab-progress");
    const states = new Set<string>();
    await pollUntil(
      async () => {
        if ((await bar.count()) === 0) return false;
        states.add(`${await bar.getAttribute("data-state")} ${await bar.textContent()}`);
        return (await bar.getAttribute("data-state")) === "done";
      },
      { what: "the bar to reach the done state", timeoutMs: 30_000, intervalMs: 100 },
    );
    const running = [...states].filter((s) => s.startsWith("running"));
    expect(running.length, `distinct running states seen: ${[...states].join(" | ")}`).to.be.at.least(2);
    expect(await bar.count(), "one bar, redrawn in place").to.equal(1);
    expect(await bar.textContent()).to.contain("concluído");
  });

  it("Kernel → Restart Kernel… gives a fresh kernel that runs cells", async function () {
    writeScratch(path.join(tmp, "notebooks", "restart.ipynb"), ["const fresh = 1;", "fresh + 1"]);
    await openNotebook(page, server!.url, server!.token, "restart.ipynb");
    await selectCell(page, 0);
    await page.keyboard.press("Shift+Enter");
    await pollUntil(async () => (await prompts(page))[0] === "[1]:", { what: 'cell 1 showing "[1]:"', timeoutMs: 20_000 });
    await page.keyboard.press("Shift+Enter");
    await pollUntil(async () => (await prompts(page))[1] === "[2]:", { what: 'cell 2 showing "[2]:"', timeoutMs: 20_000 });

    await menu(page, "Kernel", /^Restart Kernel…$/);
    await page.locator(".jp-Dialog .jp-mod-accept").click();
    await waitForKernel(page, "idle", 30_000);
    // A fresh kernel counts executions from 1 again, and `const fresh` can be declared again.
    await selectCell(page, 0);
    await page.keyboard.press("Shift+Enter");
    await pollUntil(async () => (await prompts(page))[0] === "[1]:", { what: 'cell 1 showing "[1]:" after the restart', timeoutMs: 20_000 });
    await waitForKernel(page, "idle", 10_000);
    expect(await outputText(page, 0), "no redeclaration error: the old kernel's variables are gone").not.to.match(/error|erro/i);
  });

  after("leaves no process behind: lab server, kernels, browser", async function () {
    for (const pid of serverTree) await pollUntil(() => !isAlive(pid), { what: `process ${pid} of the lab server to exit`, timeoutMs: 10_000 });
    if (profile) await pollUntil(() => browserProcesses(profile).length === 0, { what: "the browser's processes to exit", timeoutMs: 10_000 });
  });
});
