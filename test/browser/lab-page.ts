/**
 * What the browser tests do with a JupyterLab page, the way a student would:
 * open a notebook, use the menus and the toolbar, read prompts and outputs.
 * Every wait is on a DOM state (kernel status, prompts), never a fixed sleep.
 */
import type { Locator, Page } from "playwright-core";

/**
 * The few DOM calls the functions passed to `page.waitForFunction` make: they
 * run in the browser, and the tests compile without the DOM lib.
 */
interface PageElement {
  getAttribute(name: string): string | null;
  textContent: string | null;
  querySelector(selector: string): PageElement | null;
  querySelectorAll(selector: string): Iterable<PageElement>;
}
declare const document: { querySelector(selector: string): PageElement | null };

/** The kernel's display name, shown in the notebook toolbar. */
export const KERNEL_DISPLAY_NAME = "Computação Distribuída (TypeScript)";

/** The open notebook panel (the one in the current tab). */
export function panel(page: Page): Locator {
  return page.locator(".jp-NotebookPanel:not(.lm-mod-hidden)");
}

/** The kernel status the notebook toolbar shows: idle, busy, starting, restarting… */
export async function kernelStatus(page: Page): Promise<string | null> {
  return panel(page).locator(".jp-Notebook-ExecutionIndicator").getAttribute("data-status");
}

/** Wait until the toolbar's kernel indicator says `status`. */
export async function waitForKernel(page: Page, status: string, timeoutMs = 60_000): Promise<void> {
  await panel(page).locator(`.jp-Notebook-ExecutionIndicator[data-status="${status}"]`).waitFor({ timeout: timeoutMs });
}

/**
 * Open `file` (relative to the server root) in JupyterLab and wait until its
 * kernel is connected (the toolbar names a kernel, not "No Kernel") and idle.
 */
export async function openNotebook(page: Page, baseUrl: string, token: string, file: string): Promise<void> {
  // ?reset: a fresh workspace, so only this notebook is open and current.
  await page.goto(`${baseUrl}lab/tree/${encodeURI(file)}?reset&token=${token}`);
  await panel(page).locator(".jp-Notebook .jp-Cell").first().waitFor({ timeout: 60_000 });
  await page.waitForFunction(
    () => {
      const p = document.querySelector(".jp-NotebookPanel:not(.lm-mod-hidden)");
      const name = p?.querySelector(".jp-Toolbar-kernelName")?.getAttribute("aria-label");
      const status = p?.querySelector(".jp-Notebook-ExecutionIndicator")?.getAttribute("data-status");
      return Boolean(name) && name !== "No Kernel" && status === "idle";
    },
    undefined,
    { timeout: 60_000, polling: 100 },
  );
}

/** The kernel name the toolbar shows. */
export async function toolbarKernelName(page: Page): Promise<string> {
  const label = await panel(page).locator(".jp-Toolbar-kernelName").getAttribute("aria-label");
  return label ?? (await panel(page).locator(".jp-KernelName").innerText()).trim();
}

/** Click a main-menu entry, e.g. `menu(page, "Run", "Run All Cells")`. */
export async function menu(page: Page, top: string, item: string | RegExp): Promise<void> {
  // Menu commands act on the current notebook: make sure ours has the focus.
  await panel(page).locator(".jp-Notebook").first().focus();
  await page.locator(".lm-MenuBar-itemLabel", { hasText: new RegExp(`^${top}$`) }).click();
  await page.locator(".lm-Menu-content .lm-Menu-itemLabel", { hasText: item }).first().click();
}

/** The code cells of the open notebook. */
export function codeCells(page: Page): Locator {
  return panel(page).locator(".jp-Notebook .jp-CodeCell");
}

/** Each code cell's prompt text: "[3]:", "[*]:" (running or queued), "[ ]:" (never run). */
export async function prompts(page: Page): Promise<string[]> {
  return (await codeCells(page).locator(".jp-InputArea-prompt").allTextContents()).map((t) => t.trim());
}

/** Wait until every code cell has a number in its prompt and the kernel is idle. */
export async function waitAllExecuted(page: Page, timeoutMs: number): Promise<void> {
  await page.waitForFunction(
    () => {
      const p = document.querySelector(".jp-NotebookPanel:not(.lm-mod-hidden)");
      if (!p) return false;
      const idle = p.querySelector('.jp-Notebook-ExecutionIndicator[data-status="idle"]');
      const cells = [...p.querySelectorAll(".jp-Notebook .jp-CodeCell .jp-InputArea-prompt")];
      return Boolean(idle) && cells.length > 0 && cells.every((c) => /\[\d+\]/.test(c.textContent ?? ""));
    },
    undefined,
    { timeout: timeoutMs, polling: 200 },
  );
}

/** The text of the outputs of code cell `i` (0-based). */
export async function outputText(page: Page, i: number): Promise<string> {
  // textContent, not innerText: off-screen cells may be skipped by the renderer.
  return (await codeCells(page).nth(i).locator(".jp-OutputArea-output").allTextContents()).join("\n");
}

/** Select code cell `i` in command mode (click its prompt), ready for Shift+Enter. */
export async function selectCell(page: Page, i: number): Promise<void> {
  await codeCells(page).nth(i).locator(".jp-InputPrompt").click();
}

/** Click the toolbar button that runs `command`, e.g. "notebook:interrupt-kernel". */
export async function toolbarButton(page: Page, command: string): Promise<void> {
  await panel(page).locator(`.jp-NotebookPanel-toolbar [data-command="${command}"]`).click();
}

/** Save with the toolbar's save button and wait until the document is clean. */
export async function save(page: Page): Promise<void> {
  await toolbarButton(page, "docmanager:save");
  await page.locator(".jp-DocumentWidget-tab, .lm-TabBar-tab.jp-mod-current:not(.jp-mod-dirty)").first().waitFor();
  await page.waitForFunction(() => !document.querySelector(".lm-TabBar-tab.jp-mod-current.jp-mod-dirty"), undefined, { timeout: 15_000 });
}
