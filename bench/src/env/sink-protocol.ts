/**
 * The messages a sink child process and the benchmark exchange over IPC. Kept in
 * one leaf module so both sides agree on the shapes.
 */

/** The kinds of sink a child can run. */
export type SinkKind = 'smtp' | 'http';

/** Parent -> child. */
export type SinkRequest =
  { readonly op: 'reset'; readonly seq: number; readonly trackPrefix?: string } | { readonly op: 'stats'; readonly seq: number } | { readonly op: 'tracked'; readonly seq: number };

/** What the sink has accepted since the last reset. */
export interface SinkStats {
  readonly count: number;
  readonly bytes: number;
  /** `Date.now()` of the first and last acceptance; 0 when none. */
  readonly firstAt: number;
  readonly lastAt: number;
  /** Acceptances whose recipient was seen more than once since the reset. */
  readonly duplicates: number;
}

/** Child -> parent. */
export type SinkReply =
  | { readonly op: 'ready'; readonly port: number; readonly impl: string }
  | { readonly op: 'stats'; readonly seq: number; readonly stats: SinkStats }
  | { readonly op: 'tracked'; readonly seq: number; readonly accepted: readonly (readonly [string, number])[] }
  | { readonly op: 'ok'; readonly seq: number };
