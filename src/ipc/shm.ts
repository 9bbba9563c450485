/**
 * POSIX shared memory (`shm_open`, `ftruncate`, `mmap`, `shm_unlink`): the same
 * bytes mapped into several processes, exposed as a Buffer. Whatever one process
 * writes, the others read at once, with no copy through the kernel; keeping
 * readers and writers in step is the programmer's job (semaphores, ./semaphore.ts).
 *
 * Ownership: the handle that CREATED the segment owns it and unlinks its name
 * (`shm_unlink`) on close; other handles only unmap. On close the Buffer is
 * detached (its length becomes 0) before the memory is unmapped, so a Buffer
 * kept after close reads nothing instead of crashing the kernel.
 *
 * @example
 * ```ts
 * const shm = await openSharedMemory("/cdlab-demo", { size: 4096 });
 * shm.buffer.write("olá"); // visible to every process that maps "/cdlab-demo"
 * await shm.close();
 * ```
 */
import fs from "node:fs";
import { constants as bufferConstants } from "node:buffer";
import { CdlabError, invalidArg, systemError } from "../runtime/errors";
import { HandleBase } from "../runtime/handle";
import { backendOption, BackendName, createOrOpen, getBackend, IpcBackend, modeOption } from "./native";
import { Removal } from "./removal";

const MAX_LENGTH = bufferConstants.MAX_LENGTH;

/** Options of {@link openSharedMemory}. */
export interface SharedMemoryOptions {
  /** Size in bytes; required when creating; opening an existing smaller segment grows it. */
  size?: number;
  /** Create the segment when it does not exist. @default true */
  create?: boolean;
  /** Fail with EEXIST when it exists. @default false */
  exclusive?: boolean;
  /** Permission bits. @default 0o600 */
  mode?: number;
  /** Implementation. @default ipcBackend() */
  backend?: BackendName;
}

/**
 * Validate a POSIX IPC object name: "/" then up to 250 characters, no other "/".
 *
 * @param option the option's name for the message
 * @param name the value given
 * @returns the name
 */
export function validateIpcName(option: string, name: unknown): string {
  if (typeof name !== "string" || !/^\/[^/\0]{1,250}$/.test(name))
    invalidArg(option, name, 'deve começar com "/" e não ter outra "/" (por exemplo "/cdlab-demo")');
  return name;
}

/**
 * Refuse to grow a segment beyond the free space of /dev/shm: the pages of a
 * tmpfs file are allocated when first touched, and touching one that does not
 * fit kills the process with SIGBUS (the kernel would die, not throw).
 */
function checkRoom(b: IpcBackend, grow: number): void {
  if (b.name !== "native") return;
  let free: number;
  try {
    const st = fs.statfsSync("/dev/shm");
    free = st.bavail * st.bsize;
  } catch {
    return;
  }
  if (grow > free)
    throw new CdlabError("ENOSPC", `Não foi possível aumentar a memória compartilhada em ${grow} bytes: /dev/shm tem ${free} bytes livres`);
}

/** A mapped shared memory segment. Create it with {@link openSharedMemory}. */
export class SharedMemory extends HandleBase {
  /** The POSIX name (a file in /dev/shm on Linux). */
  readonly name: string;
  /** Mapped size in bytes. */
  readonly size: number;
  /** True when this handle created the segment (and unlinks it on close). */
  readonly owner: boolean;
  /** The implementation in use. */
  readonly backend: BackendName;
  private readonly b: IpcBackend;
  private readonly memory: ArrayBuffer | SharedArrayBuffer;
  private readonly view: Buffer;
  private readonly removal: Removal;

  /** @internal use {@link openSharedMemory} */
  constructor(b: IpcBackend, name: string, memory: ArrayBuffer | SharedArrayBuffer, owner: boolean) {
    super({ kind: "shared-memory", label: `${name} (${memory.byteLength} bytes)` });
    this.b = b;
    this.name = name;
    this.memory = memory;
    this.size = memory.byteLength;
    this.owner = owner;
    this.backend = b.name;
    this.view = Buffer.from(memory, 0, this.size);
    this.removal = new Removal(() => b.shmUnlink(name));
  }

  /**
   * The mapped bytes. Reading it after close throws `ERR_CLOSED`.
   *
   * @example
   * ```ts
   * import { openSharedMemory } from "cdlab/ipc";
   * const shm = await openSharedMemory("/cdlab-demo", { size: 4096 });
   * shm.buffer.writeInt32LE(42, 0);
   * ```
   */
  get buffer(): Buffer {
    if (this.closed) throw new CdlabError("ERR_CLOSED", `Não foi possível usar a memória compartilhada "${this.name}": ela está fechada`);
    return this.view;
  }

  /**
   * Remove the name now (`shm_unlink`), owner or not. Mappings stay valid until closed.
   *
   * @returns when unlinked
   */
  async unlink(): Promise<void> {
    try {
      this.removal.now();
    } catch (err) {
      throw systemError(`Não foi possível remover o nome da memória compartilhada "${this.name}"`, err);
    }
  }

  /** Unmap (the Buffer becomes empty); the owner unlinks the name. Runs once, from `close()`. */
  protected release(): void {
    this.b.shmUnmap(this.memory);
    if (this.owner) this.removal.quietly();
  }
}

/**
 * Open (by default: create) a POSIX shared memory segment and map it
 * (`shm_open` + `ftruncate` + `mmap(MAP_SHARED)`).
 *
 * @param name "/" and a name, e.g. "/cdlab-demo" (appears as /dev/shm/cdlab-demo)
 * @param options size, create, exclusive, mode, backend
 * @returns the mapped segment
 * @throws CdlabError `ERR_INVALID_ARG` (bad name, size ≤ 0), `EEXIST`, `ENOENT`
 * @example
 * ```ts
 * const shm = await openSharedMemory("/cdlab-demo", { size: 1 << 20 });
 * ```
 */
export async function openSharedMemory(name: string, options: SharedMemoryOptions = {}): Promise<SharedMemory> {
  validateIpcName("name", name);
  const { size, create = true, exclusive = false, mode = 0o600 } = options;
  if (size !== undefined && (typeof size !== "number" || !Number.isSafeInteger(size) || size <= 0 || size > MAX_LENGTH))
    invalidArg("size", size, `esperado um número inteiro positivo de bytes, no máximo ${MAX_LENGTH}`);
  modeOption(mode);
  const b = getBackend(backendOption(options.backend));
  const what = `Não foi possível abrir a memória compartilhada "${name}"`;
  let fd: number;
  let owner: boolean;
  try {
    ({ value: fd, owner } = createOrOpen(create, exclusive, (c, x) => b.shmOpen(name, c, x, mode)));
  } catch (err) {
    throw systemError(what, err);
  }
  try {
    const current = b.shmSize(fd);
    const want = size ?? current;
    if (want <= 0) invalidArg("size", size, "obrigatória: o segmento é novo ou está vazio");
    if (current < want) {
      checkRoom(b, want - current);
      b.shmResize(fd, want);
    }
    return new SharedMemory(b, name, b.shmMap(fd, want), owner);
  } catch (err) {
    if (owner) {
      try {
        b.shmUnlink(name);
      } catch {
        /* best effort */
      }
    }
    throw err instanceof CdlabError ? err : systemError(what, err);
  } finally {
    b.shmCloseFd(fd);
  }
}
