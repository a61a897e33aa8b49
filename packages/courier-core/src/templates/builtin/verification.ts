/** Built-in templates for link-based address verification (`verification_valid`, `verification_invalid`). */
import { htmlDocument, LINK_EXPIRY_HTML, LINK_EXPIRY_PLAIN, linkBlock, NOT_SIGNED_UP_TEXT, NOT_YOU_TEXT } from './layout.js';
import type { BuiltinTemplate } from './types.js';

/** `verification_valid`: send the verification link. */
export const verificationValid: BuiltinTemplate = {
  subject: 'Please verify your email address',
  html: htmlDocument('Please verify your email address', [
    'Hi,',
    'please verify your account by clicking the following link:',
    linkBlock('VerificationURL'),
    LINK_EXPIRY_HTML,
    NOT_SIGNED_UP_TEXT,
  ]),
  plaintext: `Hi,

please verify your account by clicking the following link:

{{ .VerificationURL }}

${LINK_EXPIRY_PLAIN}${NOT_SIGNED_UP_TEXT}
`,
  sms: 'Verify your account: {{ .VerificationURL }}',
};

/** `verification_invalid`: someone tried to verify an address that has no account. */
export const verificationInvalid: BuiltinTemplate = {
  subject: 'Someone tried to verify this email address',
  html: htmlDocument('Someone tried to verify this email address', [
    'Hi,',
    'someone asked to verify this email address, but we were unable to find an account for this address.',
    'If this was you, check whether you signed up using a different address.',
    NOT_YOU_TEXT,
  ]),
  plaintext: `Hi,

someone asked to verify this email address, but we were unable to find an account for this address.

If this was you, check whether you signed up using a different address.

${NOT_YOU_TEXT}
`,
  sms: 'Someone asked to verify this number, but it is not linked to an account. If this was not you, ignore this message.',
};
