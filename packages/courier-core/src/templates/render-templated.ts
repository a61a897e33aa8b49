/**
 * Rendering a templated message as the worker sends it: Kratos's `to` filled
 * with the recipient unless the data has one, then the registry's render. One
 * function for the worker's render step and `courier templates preview`, so a
 * preview shows exactly what goes out.
 */
import type { MessageType, TemplateData, TemplateType } from '../message.js';
import type { RenderedContent, TemplateRegistry } from './registry/types.js';

/** What a templated render needs from a message. */
export interface TemplatedMessage {
  readonly type: MessageType;
  readonly recipient: string;
  readonly template_type: TemplateType;
  readonly template_data?: TemplateData | undefined;
}

/**
 * Render a templated message.
 *
 * @returns The data the templates saw (with `to`) and the rendered content.
 * @throws TemplateError when the template fails (see `TemplateRegistry.render`).
 */
export async function renderTemplated(templates: TemplateRegistry, message: TemplatedMessage): Promise<{ data: TemplateData; content: RenderedContent }> {
  // Kratos fills `to` with the recipient; templates may rely on it.
  const data: TemplateData = { to: message.recipient, ...message.template_data };
  const content = await templates.render(message.type, message.template_type, data);
  return { data, content };
}
