/**
 * Built-in templates for security notices (`verifiable_address_changed`,
 * `authenticator_key_added`): tell the account owner what changed and when, and what
 * to do if it was not them. They carry no code or link.
 */
import { htmlDocument } from './layout.js';
import type { BuiltinTemplate } from './types.js';

/**
 * The account and time lines, each only when known (`index` reads the identity map without
 * failing on a missing key); in plain text followed by a blank line when any is printed.
 */
function details(whenLabel: string, whenField: string, html: boolean): string {
  const known = `(or (index .Identity "id") .${whenField})`;
  if (html) {
    const id = '{{ with index .Identity "id" }}Account: {{ . }}{{ end }}';
    const when = `{{ with .${whenField} }}${whenLabel}: {{ . }}{{ end }}`;
    return `{{ if ${known} }}<p>${id}{{ if and (index .Identity "id") .${whenField} }}<br>{{ end }}${when}</p>{{ end }}`;
  }
  return '{{ with index .Identity "id" }}Account: {{ . }}\n{{ end }}' + `{{ with .${whenField} }}${whenLabel}: {{ . }}\n{{ end }}{{ if ${known} }}\n{{ end }}`;
}

/** `verifiable_address_changed`: an e-mail address or phone number of the account was changed. */
export const verifiableAddressChanged: BuiltinTemplate = {
  subject: 'An address on your account was changed',
  html: htmlDocument('An address on your account was changed', [
    'Hi,',
    'an email address or phone number of your account has just been changed. If you did this, there is nothing else to do.',
    details('Changed', 'ChangedAt', true),
    'If you did not make this change, contact our support right away: someone else may have access to your account.',
  ]),
  plaintext: `Hi,

an email address or phone number of your account has just been changed. If you did this, there is nothing else to do.

${details('Changed', 'ChangedAt', false)}If you did not make this change, contact our support right away: someone else may have access to your account.
`,
  sms: 'An email address or phone number of your account was changed. Not you? Contact support right away.',
};

/** `authenticator_key_added`: a sign-in key (passkey, security key) was added to the account. */
export const authenticatorKeyAdded: BuiltinTemplate = {
  subject: 'A new sign-in key was added to your account',
  html: htmlDocument('A new sign-in key was added to your account', [
    'Hi,',
    'a new sign-in key (a passkey or security key) has just been added to your account. If you did this, there is nothing else to do.',
    details('Added', 'AddedAt', true),
    'If you did not add it, secure your account now and contact our support.',
  ]),
  plaintext: `Hi,

a new sign-in key (a passkey or security key) has just been added to your account. If you did this, there is nothing else to do.

${details('Added', 'AddedAt', false)}If you did not add it, secure your account now and contact our support.
`,
  sms: 'A new sign-in key was added to your account. Not you? Secure your account and contact support.',
};
