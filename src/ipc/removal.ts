/**
 * Removing a kernel IPC object's name (`shm_unlink`, `sem_unlink`,
 * `msgctl(IPC_RMID)`) at most once: asked for explicitly (errors are the
 * caller's to word), or by the owner's `close()`, where a name someone else
 * already removed is not an error.
 */
export class Removal {
  private done = false;

  /** @param remove the system call that removes the name */
  constructor(private readonly remove: () => void) {}

  /** Has the name been removed through this handle? */
  get removed(): boolean {
    return this.done;
  }

  /** Remove now, unless already done; the system call's error propagates (and it may be tried again). */
  now(): void {
    if (this.done) return;
    this.remove();
    this.done = true;
  }

  /** Remove unless already done, ignoring an error: the name is gone either way. */
  quietly(): void {
    if (this.done) return;
    this.done = true;
    try {
      this.remove();
    } catch {
      /* already removed by someone else */
    }
  }
}
