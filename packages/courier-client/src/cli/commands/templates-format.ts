/** The `--format text|json` option of the `templates` commands. */
import { UsageError, stringOption, type OptionValues } from '../args.js';

/** The output format asked for; `text` by default. */
export function formatOption(values: OptionValues): 'text' | 'json' {
  const format = stringOption(values, 'format') ?? 'text';
  if (format !== 'text' && format !== 'json') throw new UsageError('--format must be text or json');
  return format;
}
