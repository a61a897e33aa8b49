/**
 * Request loggers made on first use. Fastify gives every request a child of the
 * app's logger (bound to its request id); with redaction configured pino takes a
 * few microseconds per child, a few percent of a `POST /messages`, and at level
 * warn (or with request logging off) most requests never log anything. A
 * {@link LazyRequestLogger} creates the real child only when a message at an
 * enabled level is logged, so logged lines are exactly what they were.
 */
import type { FastifyBaseLogger } from 'fastify';

type Bindings = Parameters<FastifyBaseLogger['child']>[0];
type ChildLoggerOptions = NonNullable<Parameters<FastifyBaseLogger['child']>[1]>;
type Level = FastifyBaseLogger['level'];

/** A Fastify logger that can say whether a level would be written (pino's loggers can). */
type LevelAwareLogger = FastifyBaseLogger & { isLevelEnabled(level: string): boolean };

/** A request's logger: the parent's child with `bindings`, made when first needed. */
export class LazyRequestLogger implements FastifyBaseLogger {
  #child: FastifyBaseLogger | undefined;

  constructor(
    private readonly parent: LevelAwareLogger,
    private readonly bindings: Bindings,
  ) {}

  #real(): FastifyBaseLogger {
    return (this.#child ??= this.parent.child(this.bindings));
  }

  get level(): Level {
    return this.#child?.level ?? this.parent.level;
  }

  set level(level: Level) {
    this.#real().level = level;
  }

  child(bindings: Bindings, options?: ChildLoggerOptions): FastifyBaseLogger {
    return this.#real().child(bindings, options);
  }

  fatal(...args: unknown[]): void {
    this.#log('fatal', args);
  }

  error(...args: unknown[]): void {
    this.#log('error', args);
  }

  warn(...args: unknown[]): void {
    this.#log('warn', args);
  }

  info(...args: unknown[]): void {
    this.#log('info', args);
  }

  debug(...args: unknown[]): void {
    this.#log('debug', args);
  }

  trace(...args: unknown[]): void {
    this.#log('trace', args);
  }

  silent(): void {}

  #log(level: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace', args: unknown[]): void {
    // Once made (it may have been given its own level), the child decides.
    if (this.#child === undefined && !this.parent.isLevelEnabled(level)) return;
    // eslint-disable-next-line @typescript-eslint/no-unnecessary-type-assertion -- widens the overloaded log method so the rest arguments spread.
    (this.#real()[level] as (...a: unknown[]) => void)(...args);
  }
}

/**
 * Fastify's `childLoggerFactory`: lazy request loggers for a pino parent and
 * plain options; an eager child otherwise (a route's own level or serializers).
 */
export function lazyChildLoggerFactory(logger: FastifyBaseLogger, bindings: Bindings, options: ChildLoggerOptions): FastifyBaseLogger {
  const levelAware = typeof (logger as Partial<LevelAwareLogger>).isLevelEnabled === 'function';
  if (!levelAware || Object.keys(options).length > 0) return logger.child(bindings, options);
  return new LazyRequestLogger(logger as LevelAwareLogger, bindings);
}
