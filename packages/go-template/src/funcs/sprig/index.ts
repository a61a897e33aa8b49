/**
 * sprig's hermetic function map (what Kratos registers: `HermeticTxtFuncMap()` / `HermeticHtmlFuncMap()`).
 * Functions not implemented here are not registered, so templates using them fail to parse with
 * `function "x" not defined`, as Go reports unknown functions.
 * @module
 */
import type { FuncMap } from '../types.js';
import { collectionFuncs } from './collections.js';
import { defaultFuncs } from './defaults.js';
import { extraFuncs } from './extra.js';
import { numericFuncs } from './numeric.js';
import { stringFuncs } from './strings.js';
import { moreFuncs } from './more.js';
import { urlFuncs } from './url.js';
import { semverFuncs } from './semver.js';
import { dateFuncs } from './date.js';
import { cryptoFuncs } from './crypto.js';
import { bcryptFuncs } from './bcrypt.js';

/** sprig functions that sprig's hermetic maps remove (never available). */
export const NON_HERMETIC = [
  'date',
  'date_in_zone',
  'date_modify',
  'now',
  'htmlDate',
  'htmlDateInZone',
  'dateInZone',
  'dateModify',
  'randAlphaNum',
  'randAlpha',
  'randAscii',
  'randNumeric',
  'randBytes',
  'uuidv4',
  'env',
  'expandenv',
  'getHostByName',
] as const;

let cache: FuncMap | null = null;

/** The implemented part of sprig's hermetic function map (same for text and html). */
export function sprigFuncs(_html: boolean): FuncMap {
  cache ??= {
    ...stringFuncs(),
    ...numericFuncs(),
    ...collectionFuncs(),
    ...defaultFuncs(),
    ...extraFuncs(),
    ...moreFuncs(),
    ...urlFuncs(),
    ...semverFuncs(),
    ...dateFuncs(),
    ...cryptoFuncs(),
    ...bcryptFuncs(),
  };
  return cache;
}

/** Names of the sprig functions implemented. */
export function supportedSprigFunctions(): string[] {
  return Object.keys(sprigFuncs(false)).sort();
}
