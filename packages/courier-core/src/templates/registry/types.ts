/**
 * The template registry's contract (`TemplateRegistry`, its options, what it
 * renders) and what its units share: a compiled part, and the registry's context.
 */
import type { TemplatesConfig } from '../../config/schema.js';
import type { TemplateErrorCode } from '../../errors/codes.js';
import type { MessageType, TemplateData, TemplateType } from '../../message.js';
import type { CachedSource } from '../../uri/cached-source.js';
import type { CompiledTemplate } from '../compile.js';
import type { TemplatePart } from '../parts.js';
import type { TemplateSource } from './sources.js';

/** The rendered content of a message. */
export interface RenderedContent {
  /** E-mail subject, on one line. Absent for SMS. */
  subject?: string;
  /** Plaintext body: the e-mail's text part, or the SMS text (trimmed). */
  body: string;
  /** E-mail HTML body. Absent for SMS. */
  html_body?: string;
}

/** Renders templated messages. */
export interface TemplateRegistry {
  /** Render a template for an e-mail (subject, plaintext body, html body) or an SMS (plaintext body). */
  render(type: MessageType, templateType: TemplateType, data: TemplateData): Promise<RenderedContent>;
  /**
   * Load and compile every template that config or the override dir names, so bad templates fail at start-up.
   * Throws TemplateError naming the template type, part and source (all failures, when there are several).
   */
  preload(): Promise<void>;
  /** The same pass as `preload`, reported part by part: where each comes from, and every failure with its position. */
  check(): Promise<TemplateCheckReport>;
}

/** Where one part of one template type comes from. */
export interface TemplateSourceSummary {
  readonly template_type: TemplateType;
  readonly part: TemplatePart;
  readonly source: 'config' | 'override' | 'builtin';
  /** The file path, or the config key and URI (without credentials or query) for other URIs. */
  readonly where: string;
}

/** A template that failed to load or compile. */
export interface TemplateProblem {
  /** Absent when the problem is the override directory itself. */
  readonly template_type?: TemplateType;
  readonly part?: TemplatePart;
  readonly code: TemplateErrorCode;
  /** The file at fault, or the config key and URI description of a non-file source. */
  readonly file: string | undefined;
  /** Line and column (from 1), when the compiler reported them. */
  readonly line?: number;
  readonly column?: number;
  /** The full error, as the worker would log it at start-up. */
  readonly message: string;
}

/** The outcome of `TemplateRegistry.check`. */
export interface TemplateCheckReport {
  readonly parts: readonly TemplateSourceSummary[];
  readonly problems: readonly TemplateProblem[];
}

/** Options of `createTemplateRegistry`. */
export interface TemplateRegistryOptions {
  /** `courier.templates` from the parsed config. */
  templates: TemplatesConfig;
  /** `courier.template_override_path`; relative paths are resolved against the working directory. */
  overridePath?: string | undefined;
  /** Timeout of each `http(s)://` template fetch. Default 10 000 ms. */
  httpTimeoutMs?: number;
  /** Minimum time between two change checks of one file-backed part. Default 1 000 ms; 0 checks on every render. */
  reloadCheckIntervalMs?: number;
  /** `clients.http.disallow_private_ip_ranges`: refuse `http(s)://` templates on non-public addresses. */
  disallowPrivateIpRanges?: boolean | undefined;
  /** `clients.http.private_ip_exception_urls`: template URLs the guard lets through. */
  privateIpExceptionUrls?: readonly string[] | undefined;
}

/** A compiled part and what it was compiled from. */
export interface CompiledPart {
  readonly source: TemplateSource;
  /** Identifies the source location, so a switch (e.g. an override file appearing) forces a reload. */
  readonly identity: string;
  readonly version: string | undefined;
  /** True when the source can never change while the process runs: no need to check again. */
  readonly stable: boolean;
  readonly template: CompiledTemplate;
}

/** What the registry's units share: its options, resolved, and the sources it has opened. */
export interface RegistryContext {
  readonly templates: TemplatesConfig;
  /** The override directory, absolute. */
  readonly overrideDir: string | undefined;
  /** `reloadCheckIntervalMs`, defaulted. */
  readonly checkIntervalMs: number;
  /** The cached source of one URI for one part (see `load.ts`). */
  sourceOf(slot: string, uri: string): CachedSource;
}
