/** Built-in templates for code-based account recovery (`recovery_code_valid`, `recovery_code_invalid`). */
import { codeBlock, EXPIRY_HTML, EXPIRY_PLAIN, htmlDocument, NOT_YOU_TEXT } from './layout.js';
import type { BuiltinTemplate } from './types.js';

/** `recovery_code_valid`: an account exists; send the recovery code. */
export const recoveryCodeValid: BuiltinTemplate = {
  subject: 'Recover access to your account',
  html: htmlDocument('Recover access to your account', [
    'Hi,',
    'please recover access to your account by entering the following code:',
    codeBlock('recovery_code'),
    EXPIRY_HTML,
    'If you did not ask to recover your account, you can safely ignore this email.',
  ]),
  plaintext: `Hi,

please recover access to your account by entering the following code:

{{recovery_code}}

${EXPIRY_PLAIN}If you did not ask to recover your account, you can safely ignore this email.
`,
  sms: 'Your recovery code is: {{recovery_code}}{{#if expires_in_minutes}} (valid for {{expires_in_minutes}} minutes){{/if}}',
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
