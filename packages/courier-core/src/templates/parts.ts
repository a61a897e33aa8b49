/**
 * The parts a template type is made of (e-mail subject, HTML body, plaintext body,
 * SMS body), and for each: where it is configured, which override files may hold it,
 * and whether its output is HTML-escaped.
 */
import type { MessageType } from '../message.js';

/** One independently resolved piece of a template type. */
export type TemplatePart = 'email.subject' | 'email.body.html' | 'email.body.plaintext' | 'sms.body.plaintext';

/** Which built-in source backs a part. */
export type BuiltinPartKey = 'subject' | 'html' | 'plaintext' | 'sms';

/** How one part is located and compiled. */
export interface TemplatePartSpec {
  readonly part: TemplatePart;
  /** Key path below `courier.templates.<kind>.<variant>`. */
  readonly configPath: readonly string[];
  /**
   * File names tried, in order, in the type's override directory. Courier's own `.hbs`
   * name comes first; Kratos's `.gotmpl` names are accepted so an existing Kratos
   * override folder works unchanged (within the Go-compat limits).
   */
  readonly overrideFiles: readonly string[];
  /** Only HTML output is escaped; subjects and plaintext must show `<` and `&` as typed. */
  readonly escapeHtml: boolean;
  readonly builtin: BuiltinPartKey;
}

/** Every part, keyed by name. */
export const TEMPLATE_PARTS: Readonly<Record<TemplatePart, TemplatePartSpec>> = Object.freeze({
  'email.subject': {
    part: 'email.subject',
    configPath: ['email', 'subject'],
    overrideFiles: ['email.subject.hbs', 'email.subject.gotmpl'],
    escapeHtml: false,
    builtin: 'subject',
  },
  'email.body.html': {
    part: 'email.body.html',
    configPath: ['email', 'body', 'html'],
    overrideFiles: ['email.body.html.hbs', 'email.body.gotmpl'],
    escapeHtml: true,
    builtin: 'html',
  },
  'email.body.plaintext': {
    part: 'email.body.plaintext',
    configPath: ['email', 'body', 'plaintext'],
    overrideFiles: ['email.body.plaintext.hbs', 'email.body.plaintext.gotmpl'],
    escapeHtml: false,
    builtin: 'plaintext',
  },
  'sms.body.plaintext': {
    part: 'sms.body.plaintext',
    configPath: ['sms', 'body', 'plaintext'],
    overrideFiles: ['sms.body.plaintext.hbs', 'sms.body.gotmpl', 'sms.body.plaintext.gotmpl'],
    escapeHtml: false,
    builtin: 'sms',
  },
});

/** The parts rendered for each message type, in the order they are rendered. */
export const PARTS_BY_MESSAGE_TYPE: Readonly<Record<MessageType, readonly TemplatePart[]>> = Object.freeze({
  email: ['email.subject', 'email.body.html', 'email.body.plaintext'],
  sms: ['sms.body.plaintext'],
});
