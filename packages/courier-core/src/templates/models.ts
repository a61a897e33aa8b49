/**
 * The data a Go template sees: Kratos's model of the template type, with Kratos's Go
 * field names (`To`, `RecoveryCode`, `ExpiresInMinutes`, ...) and Go zero values for
 * the fields the message does not carry, built from the message's snake_case
 * `template_data`.
 */
import { GoStruct } from '@courier/go-template';
import type { MessageType, TemplateData, TemplateType } from '../message.js';
import { isOfKind, legacyFieldName, MODEL_FIELDS, zeroOf } from './model-fields.js';

/** Kratos's Go type name of a model, as Go prints it in errors, e.g. `*email.RecoveryCodeValidModel`. */
function modelTypeName(type: TemplateType, messageType: MessageType): string {
  return `*${messageType}.${legacyFieldName(type)}Model`;
}

/**
 * Build the model of a template type from template data, as a Go struct pointer (so a
 * field the model does not have is Go's `can't evaluate field X in type *email.…Model`):
 * every model field (zero value when absent: `""`, an empty map, `0`), `RequestURLDomain`
 * from `request_url_domain` or else the host name of `request_url`, `Traits` from
 * `traits` or else `identity.traits`, then every other template-data key as a field
 * under its Go name (`magic_link` -> `MagicLink`).
 */
export function buildModel(type: TemplateType, messageType: MessageType, data: TemplateData): GoStruct {
  const fields: Record<string, unknown> = Object.create(null) as Record<string, unknown>;
  for (const field of MODEL_FIELDS[type]) {
    const value = data[field.key];
    if (field.zero === 'ptr') fields[field.goName] = isOfKind(value, 'ptr') ? oauth2LoginRequest(value as Record<string, unknown>) : null;
    else fields[field.goName] = isOfKind(value, field.zero) ? value : zeroOf(field.zero, field.goName, data);
  }
  for (const [key, value] of Object.entries(data)) {
    const name = legacyFieldName(key);
    if (value === undefined || name === '' || Object.hasOwn(fields, name)) continue;
    fields[name] = value;
  }
  return new GoStruct(modelTypeName(type, messageType), fields);
}

/**
 * Kratos's `*template.OAuth2LoginRequest` (the OAuth2 client that started the flow, for
 * per-client branding) from its JSON form: `{ challenge, client: { client_id, client_name,
 * client_uri, logo_uri, metadata } }`, absent strings as `""`, absent metadata as nil.
 */
function oauth2LoginRequest(value: Readonly<Record<string, unknown>>): GoStruct {
  const client = isOfKind(value['client'], 'map') ? (value['client'] as Record<string, unknown>) : {};
  const str = (v: unknown): string => (typeof v === 'string' ? v : '');
  return new GoStruct('*template.OAuth2LoginRequest', {
    Challenge: str(value['challenge']),
    Client: new GoStruct('template.OAuth2Client', {
      ClientID: str(client['client_id']),
      ClientName: str(client['client_name']),
      ClientURI: str(client['client_uri']),
      LogoURI: str(client['logo_uri']),
      Metadata: client['metadata'] ?? null,
    }),
  });
}
