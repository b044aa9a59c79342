// Request loggers made on first use. Fastify builds a pino child for every request (its bindings
// serialised, the redaction paths run over them), yet on the hot routes nothing logs through it: the access
// line has a logger of its own. The child is created when a line is first written, with the same bindings.
import type { FastifyBaseLogger } from 'fastify';
import type { Bindings, ChildLoggerOptions } from 'pino';

type Args = [obj: unknown, msg?: string, ...args: unknown[]];

// Methods on the prototype, not arrow properties: one small object per request, no closures.
class LazyChildLogger {
  #child: FastifyBaseLogger | undefined;

  constructor(
    private readonly parent: FastifyBaseLogger,
    private readonly bindings: Bindings,
    private readonly options: ChildLoggerOptions,
  ) {}

  get #real(): FastifyBaseLogger {
    return (this.#child ??= this.parent.child(this.bindings, this.options));
  }

  get level(): string {
    return this.#child?.level ?? this.options.level ?? this.parent.level;
  }

  set level(level: string) {
    this.#real.level = level;
  }

  fatal(...args: Args): void {
    this.#real.fatal(...args);
  }

  error(...args: Args): void {
    this.#real.error(...args);
  }

  warn(...args: Args): void {
    this.#real.warn(...args);
  }

  info(...args: Args): void {
    this.#real.info(...args);
  }

  debug(...args: Args): void {
    this.#real.debug(...args);
  }

  trace(...args: Args): void {
    this.#real.trace(...args);
  }

  silent(): void {}

  child(bindings: Bindings, options?: ChildLoggerOptions): FastifyBaseLogger {
    return this.#real.child(bindings, options);
  }
}

/** Fastify's `childLoggerFactory`: the per-request logger, created when first written to. */
export function lazyChildLogger(logger: FastifyBaseLogger, bindings: Bindings, options: ChildLoggerOptions): FastifyBaseLogger {
  return new LazyChildLogger(logger, bindings, options);
}
