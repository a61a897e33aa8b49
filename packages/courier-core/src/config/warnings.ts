/**
 * What a configuration does that its author may not expect: settings Kratos
 * accepts silently and Courier follows, but says so at start-up (both apps log
 * these as warnings). Never echoes a value that could be a secret.
 */
import { parseSmtpConnectionUri } from './smtp-uri.js';
import { KRATOS_DEFAULT_FROM_ADDRESS, type CourierConfig } from './schema.js';

/** One warning per line, each naming the key path. */
export function configWarnings(config: CourierConfig): string[] {
  const warnings: string[] = [];
  const smtp = config.courier.smtp;
  if (smtp.connection_uri !== undefined) {
    for (const note of parseSmtpConnectionUri(smtp.connection_uri).notes) warnings.push(`courier.smtp.connection_uri: ${note}`);
  }
  if (config.courier.delivery_strategy === 'smtp' && smtp.connection_uri === undefined) {
    warnings.push('courier.smtp.connection_uri: not set, so every e-mail is abandoned (SMTP_NOT_CONFIGURED); SMS channels work');
  } else if (config.courier.delivery_strategy === 'smtp' && smtp.from_address === KRATOS_DEFAULT_FROM_ADDRESS) {
    warnings.push(`courier.smtp.from_address: not set, so e-mails are sent from ${KRATOS_DEFAULT_FROM_ADDRESS} (Kratos's default); set your own sender`);
  }
  if (config.log.leak_sensitive_values) {
    warnings.push('log.leak_sensitive_values: accepted, but Courier never logs message content, one-time codes or credentials');
  }
  return warnings;
}
