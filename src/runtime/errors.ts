/**
 * Errors thrown by cdlab. Every error has a stable `code` (Node's own where one
 * exists, e.g. `EADDRINUSE`, `EINVAL`, `EPIPE`), and a one-line message in
 * Brazilian Portuguese (the student reads it), in Deno's style: sentence case,
 * no trailing period, detail after a colon — what was wrong and what to do.
 * The `code` is stable; the message is for people and may change.
 *
 * docs/contributors/errors.md lists every code cdlab throws.
 *
 * @example
 * ```ts
 * import { CdlabError } from "cdlab";
 * import { udpRequest } from "cdlab/net";
 * try { await udpRequest("oi", { port: 70000 }); }
 * catch (e) { if (e instanceof CdlabError) console.log(e.code); } // ERR_INVALID_PORT
 * ```
 */
export class CdlabError extends Error {
  /** Stable, machine-readable code (`EINVAL`, `ERR_INVALID_PORT`…). */
  readonly code: string;

  /**
   * @param code stable error code
   * @param message one line, sentence case, no trailing period
   * @param options.cause the lower-level error this one explains
   */
  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "CdlabError";
    this.code = code;
  }
}

/**
 * Wrap a system error (`err.code` like `ECONNREFUSED`) into a one-line
 * {@link CdlabError} that keeps the code and says what failed.
 *
 * @param what what was being done, in pt-BR, e.g. `Não foi possível conectar a 127.0.0.1:7896`
 * @param err the original error
 * @returns a CdlabError with the original code (or `ERR_UNKNOWN`) and `cause`
 */
export function systemError(what: string, err: unknown): CdlabError {
  const e = err as NodeJS.ErrnoException;
  const code = typeof e?.code === "string" ? e.code : "ERR_UNKNOWN";
  const detail = describeErrno(code) ?? (e?.message ?? String(err));
  return new CdlabError(code, `${what}: ${detail}`, { cause: err });
}

const ERRNO_TEXT: Record<string, string> = {
  EADDRINUSE: "endereço já em uso (outro servidor já está ligado a esta porta)",
  EADDRNOTAVAIL: "endereço indisponível nesta máquina",
  EACCES: "permissão negada",
  ECONNREFUSED: "conexão recusada (o servidor está rodando?)",
  ECONNRESET: "conexão encerrada pelo outro lado",
  EEXIST: "já existe",
  EINVAL: "argumento inválido",
  EISDIR: "é um diretório",
  ENOENT: "arquivo ou diretório inexistente",
  ENOTDIR: "não é um diretório",
  ENOTFOUND: "host não encontrado",
  EAI_AGAIN: "falha temporária ao resolver o nome do host",
  EPIPE: "pipe quebrado (a ponta de leitura está fechada)",
  ESRCH: "processo inexistente",
  ETIMEDOUT: "tempo esgotado",
  EIDRM: "o objeto foi removido",
  ENOSPC: "sem espaço (um limite do sistema foi atingido)",
  EAGAIN: "recurso temporariamente indisponível",
};

/** Short pt-BR text for a system error code, or undefined when unknown. */
export function describeErrno(code: string): string | undefined {
  return ERRNO_TEXT[code];
}

/**
 * Validate a TCP/UDP port number given by a student or on a command line.
 *
 * @param value the port, as a number or a string such as `"6789"`
 * @param option the option's name, used in the message
 * @returns the port as an integer in 0..65535
 * @throws CdlabError `ERR_INVALID_PORT` when the value is not such an integer
 * @example
 * ```ts
 * validatePort("7896"); // 7896
 * ```
 */
export function validatePort(value: unknown, option = "port"): number {
  const n = typeof value === "string" && /^\s*\d+\s*$/.test(value) ? Number(value) : value;
  if (typeof n !== "number" || !Number.isInteger(n) || n < 0 || n > 65535) {
    throw new CdlabError(
      "ERR_INVALID_PORT",
      `Opção "${option}" inválida (${JSON.stringify(value)}): esperado um inteiro de 0 a 65535`,
    );
  }
  return n;
}

/**
 * Throw `ERR_INVALID_ARG` naming the option, in the project's message style:
 * `Opção "size" inválida (-1): deve ser um inteiro positivo`.
 *
 * @param expected what the option must be, in pt-BR, lower case (`deve ser…`, `esperado…`)
 * @example
 * ```ts
 * declare const size: number;
 * if (size <= 0) invalidArg("size", size, "deve ser um inteiro positivo");
 * ```
 */
export function invalidArg(option: string, value: unknown, expected: string): never {
  let shown: string;
  try {
    shown = JSON.stringify(value) ?? String(value);
  } catch {
    shown = String(value);
  }
  throw new CdlabError("ERR_INVALID_ARG", `Opção "${option}" inválida (${shown}): ${expected}`);
}
