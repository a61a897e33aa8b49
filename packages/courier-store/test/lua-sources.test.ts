/**
 * The Lua scripts live in src/lua/*.lua; the build (tsc) ships them as
 * src/lua/sources.generated.ts, which this test keeps in step with the files.
 * After editing a .lua file, regenerate it:
 *
 *   COURIER_UPDATE_LUA=1 pnpm vitest run packages/courier-store/test/lua-sources.test.ts
 */
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const LUA_DIR = fileURLToPath(new URL('../src/lua/', import.meta.url));
const GENERATED = join(LUA_DIR, 'sources.generated.ts');

/** Every .lua file under src/lua, by base name (`-` as `_`), sorted. */
function luaFiles(): [string, string][] {
  const files = readdirSync(LUA_DIR, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.lua'));
  return files.map((f): [string, string] => [basename(f, '.lua').replaceAll('-', '_'), readFileSync(join(LUA_DIR, f), 'utf8')]).sort(([a], [b]) => (a < b ? -1 : 1));
}

function generate(): string {
  const entries = luaFiles().map(([name, text]) => `  ${name}: ${JSON.stringify(text)},`);
  return [
    '// Generated from the .lua files beside it by packages/courier-store/test/lua-sources.test.ts; do not edit.',
    '// Regenerate: COURIER_UPDATE_LUA=1 pnpm vitest run packages/courier-store/test/lua-sources.test.ts',
    '',
    '/** The text of each .lua file of src/lua (includes/ too), by base name with `-` as `_`. */',
    'export const LUA_SOURCES = {',
    ...entries,
    '} as const;',
    '',
  ].join('\n');
}

describe('Lua sources', () => {
  it('sources.generated.ts holds the .lua files as they are', () => {
    const expected = generate();
    if (process.env['COURIER_UPDATE_LUA'] === '1') writeFileSync(GENERATED, expected);
    expect(readFileSync(GENERATED, 'utf8')).toBe(expected);
  });

  it('every script and include has a header comment', () => {
    for (const [name, text] of luaFiles()) expect(text.startsWith('--[[\n'), name).toBe(true);
  });
});
