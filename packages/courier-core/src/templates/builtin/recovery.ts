/** Built-in templates for link-based account recovery (`recovery_valid`, `recovery_invalid`). */
import { htmlDocument, LINK_EXPIRY_HTML, LINK_EXPIRY_PLAIN, linkBlock, NOT_YOU_TEXT } from './layout.js';
import type { BuiltinTemplate } from './types.js';

/** `recovery_valid`: an account exists; send the recovery link. */
export const recoveryValid: BuiltinTemplate = {
  subject: 'Recover access to your account',
  html: htmlDocument('Recover access to your account', [
    'Hi,',
    'please recover access to your account by clicking the following link:',
    linkBlock('RecoveryURL'),
    LINK_EXPIRY_HTML,
    'If you did not ask to recover your account, you can safely ignore this email.',
  ]),
  plaintext: `Hi,

please recover access to your account by clicking the following link:

{{ .RecoveryURL }}

${LINK_EXPIRY_PLAIN}If you did not ask to recover your account, you can safely ignore this email.
`,
  sms: 'Recover access to your account: {{ .RecoveryURL }}',
};

/** `recovery_invalid`: someone tried to recover an account for an unknown address. */
export const recoveryInvalid: BuiltinTemplate = {
  subject: 'Account access attempted',
  html: htmlDocument('Account access attempted', [
    'Hi,',
    'you (or someone else) entered this email address when trying to recover access to an account.',
    'However, this email address is not linked to an account, so the attempt has failed.',
    'If this was you, check whether you signed up using a different address.',
    NOT_YOU_TEXT,
  ]),
  plaintext: `Hi,

you (or someone else) entered this email address when trying to recover access to an account.

However, this email address is not linked to an account, so the attempt has failed.

If this was you, check whether you signed up using a different address.

${NOT_YOU_TEXT}
`,
  sms: 'Someone asked to recover access to an account with this number, but it is not linked to an account. If this was not you, ignore this message.',
};
