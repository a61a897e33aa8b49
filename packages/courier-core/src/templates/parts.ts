/**
 * The parts a template type is made of (e-mail subject, HTML body, plaintext body,
 * SMS body), and for each: where it is configured, which override files may hold it,
 * and whether its output is HTML-escaped.
 */
import type { MessageType } from '../message.js';

/** One independently resolved piece of a template type. */
export type TemplatePart = 'email.subject' | 'email.body.html' | 'email.body.plaintext' | 'sms.body.plaintext';

/** Which built-in source backs a part. */
type BuiltinPartKey = 'subject' | 'html' | 'plaintext' | 'sms';

/** How one part is located and compiled. */
export interface TemplatePartSpec {
  readonly part: TemplatePart;
  /** Key path below `courier.templates.<kind>.<variant>`. */
  readonly configPath: readonly string[];
  /**
   * Entry file names tried, in order, in the type's override directory: Kratos's
   * `.gotmpl` names first (so a Kratos override folder works unchanged), then Courier's
   * Handlebars `.hbs` name.
   */
  readonly overrideFiles: readonly string[];
  /**
   * Kratos's glob prefix: a Go entry is parsed together with every (non-`.hbs`) file of the
   * directory whose name starts with it, e.g. `email.body` (Kratos's `email.body*`).
   */
  readonly overridePrefix: string;
  /** Only HTML output is escaped; subjects and plaintext must show `<` and `&` as typed. */
  readonly escapeHtml: boolean;
  readonly builtin: BuiltinPartKey;
}

/** Every part, keyed by name. */
export const TEMPLATE_PARTS: Readonly<Record<TemplatePart, TemplatePartSpec>> = Object.freeze({
  'email.subject': {
    part: 'email.subject',
    configPath: ['email', 'subject'],
    overrideFiles: ['email.subject.gotmpl', 'email.subject.hbs'],
    overridePrefix: 'email.subject',
    escapeHtml: false,
    builtin: 'subject',
  },
  'email.body.html': {
    part: 'email.body.html',
    configPath: ['email', 'body', 'html'],
    overrideFiles: ['email.body.gotmpl', 'email.body.html.hbs'],
    overridePrefix: 'email.body',
    escapeHtml: true,
    builtin: 'html',
  },
  'email.body.plaintext': {
    part: 'email.body.plaintext',
    configPath: ['email', 'body', 'plaintext'],
    overrideFiles: ['email.body.plaintext.gotmpl', 'email.body.plaintext.hbs'],
    overridePrefix: 'email.body.plaintext',
    escapeHtml: false,
    builtin: 'plaintext',
  },
  'sms.body.plaintext': {
    part: 'sms.body.plaintext',
    configPath: ['sms', 'body', 'plaintext'],
    overrideFiles: ['sms.body.gotmpl', 'sms.body.plaintext.gotmpl', 'sms.body.plaintext.hbs'],
    overridePrefix: 'sms.body',
    escapeHtml: false,
    builtin: 'sms',
  },
});

/** The parts rendered for each message type, in the order they are rendered. */
export const PARTS_BY_MESSAGE_TYPE: Readonly<Record<MessageType, readonly TemplatePart[]>> = Object.freeze({
  email: ['email.subject', 'email.body.html', 'email.body.plaintext'],
  sms: ['sms.body.plaintext'],
});
