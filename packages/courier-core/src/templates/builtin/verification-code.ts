/** Built-in templates for code-based address verification (`verification_code_valid`, `verification_code_invalid`). */
import { codeBlock, EXPIRY_HTML, EXPIRY_PLAIN, htmlDocument, linkBlock, NOT_SIGNED_UP_TEXT, NOT_YOU_TEXT, smsCode } from './layout.js';
import type { BuiltinTemplate } from './types.js';

/** `verification_code_valid`: send the verification code, and the link when there is one. */
export const verificationCodeValid: BuiltinTemplate = {
  subject: 'Your verification code: {{ .VerificationCode }}',
  html: htmlDocument('Please verify your email address', [
    'Hi,',
    'please verify your account by entering the following code:',
    codeBlock('VerificationCode'),
    '{{ if .VerificationURL }}<p>or by clicking the following link:</p>\n    ' + linkBlock('VerificationURL') + '{{ end }}',
    EXPIRY_HTML,
    NOT_SIGNED_UP_TEXT,
  ]),
  plaintext: `Hi,

please verify your account by entering the following code:

{{ .VerificationCode }}

{{ if .VerificationURL -}}
or by clicking the following link:

{{ .VerificationURL }}

{{ end -}}
${EXPIRY_PLAIN}${NOT_SIGNED_UP_TEXT}
`,
  sms: smsCode('verification code', 'VerificationCode'),
};

/** `verification_code_invalid`: someone tried to verify an address that has no account. */
export const verificationCodeInvalid: BuiltinTemplate = {
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
