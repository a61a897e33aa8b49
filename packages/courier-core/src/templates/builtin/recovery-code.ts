/** Built-in templates for code-based account recovery (`recovery_code_valid`, `recovery_code_invalid`). */
import { codeBlock, EXPIRY_HTML, EXPIRY_PLAIN, htmlDocument, NOT_YOU_TEXT, smsCode } from './layout.js';
import type { BuiltinTemplate } from './types.js';

/** `recovery_code_valid`: an account exists; send the recovery code. */
export const recoveryCodeValid: BuiltinTemplate = {
  subject: 'Your recovery code: {{ .RecoveryCode }}',
  html: htmlDocument('Recover access to your account', [
    'Hi,',
    'please recover access to your account by entering the following code:',
    codeBlock('RecoveryCode'),
    EXPIRY_HTML,
    'If you did not ask to recover your account, you can safely ignore this email.',
  ]),
  plaintext: `Hi,

please recover access to your account by entering the following code:

{{ .RecoveryCode }}

${EXPIRY_PLAIN}If you did not ask to recover your account, you can safely ignore this email.
`,
  sms: smsCode('recovery code', 'RecoveryCode'),
};

/** `recovery_code_invalid`: someone tried to recover an account for an unknown address. */
export const recoveryCodeInvalid: BuiltinTemplate = {
  subject: 'Account access attempted',
  html: htmlDocument('Account access attempted', [
    'Hi,',
    'someone asked to recover access for this email address, but it is not linked to an account, so the attempt has failed.',
    'If this was you, check whether you signed up using a different address.',
    NOT_YOU_TEXT,
  ]),
  plaintext: `Hi,

someone asked to recover access for this email address, but it is not linked to an account, so the attempt has failed.

If this was you, check whether you signed up using a different address.

${NOT_YOU_TEXT}
`,
  sms: 'Someone asked to recover access with this number, but it is not linked to an account. If this was not you, ignore this message.',
};
