/**
 * Wait for a condition instead of sleeping a fixed time.
 *
 * @example
 * await pollUntil(() => !isAlive(pid), { timeoutMs: 2000, what: "child exit" });
 */
export async function pollUntil<T>(
  fn: () => T | Promise<T>,
  { timeoutMs = 5000, intervalMs = 20, what = "condition" }: { timeoutMs?: number; intervalMs?: number; what?: string } = {},
): Promise<NonNullable<T>> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v as NonNullable<T>;
    if (Date.now() > end) throw new Error(`Timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}
