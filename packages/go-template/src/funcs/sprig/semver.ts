/**
 * sprig's `semver` / `semverCompare` on a port of Masterminds/semver v3.2.0 (`NewVersion`, `NewConstraint`, `Check`).
 * `semver` returns a `*semver.Version`: it prints as `String()` does and its methods (`Major`, `Minor`, `Patch`,
 * `Prerelease`, `Metadata`, `Original`, `IncMajor`..., `SetPrerelease`, `Compare`, `LessThan`...) are reachable as
 * in Go templates.
 * @module
 */
import { GoNum, GoObject } from '../../value.js';
import { FuncError, gf, type FuncMap } from '../types.js';

interface Ver {
  major: bigint;
  minor: bigint;
  patch: bigint;
  pre: string;
  metadata: string;
  original: string;
}

const CV = String.raw`v?([0-9]+)(\.[0-9]+)?(\.[0-9]+)?(-([0-9A-Za-z\-]+(\.[0-9A-Za-z\-]+)*))?(\+([0-9A-Za-z\-]+(\.[0-9A-Za-z\-]+)*))?`;
const VERSION_RE = new RegExp('^' + CV + '$');
const U64 = 2n ** 64n;

function parseSegment(s: string): bigint {
  const n = BigInt(s);
  if (n >= U64) throw new FuncError(`Error parsing version segment: strconv.ParseUint: parsing "${s}": value out of range`);
  return n;
}
// Code units suffice: every allowed character is ASCII, so any other unit fails the check either way.
const containsOnly = (s: string, set: string) => Array.from({ length: s.length }, (_, i) => s.charAt(i)).every((c) => set.includes(c));
const NUM = '0123456789';
const ALLOWED = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ-' + NUM;
function validatePrerelease(p: string): void {
  for (const part of p.split('.')) {
    if (containsOnly(part, NUM)) {
      if (part.length > 1 && part[0] === '0') throw new FuncError('Version segment starts with 0');
    } else if (!containsOnly(part, ALLOWED)) throw new FuncError('Invalid Prerelease string');
  }
}
function validateMetadata(m: string): void {
  for (const part of m.split('.')) if (!containsOnly(part, ALLOWED)) throw new FuncError('Invalid Metadata string');
}

/** semver.NewVersion. */
function newVersion(v: string): Ver {
  const m = VERSION_RE.exec(v);
  if (!m) throw new FuncError('Invalid Semantic Version');
  const sv: Ver = { major: parseSegment(m[1]!), minor: 0n, patch: 0n, pre: m[5] ?? '', metadata: m[8] ?? '', original: v };
  if (m[2]) sv.minor = parseSegment(m[2].slice(1));
  if (m[3]) sv.patch = parseSegment(m[3].slice(1));
  if (sv.pre !== '') validatePrerelease(sv.pre);
  if (sv.metadata !== '') validateMetadata(sv.metadata);
  return sv;
}

function verString(v: Ver): string {
  return `${v.major}.${v.minor}.${v.patch}` + (v.pre ? '-' + v.pre : '') + (v.metadata ? '+' + v.metadata : '');
}

const cmpN = (a: bigint, b: bigint) => (a < b ? -1 : a > b ? 1 : 0);
const parseU = (s: string) => (/^[0-9]+$/.test(s) && BigInt(s) < U64 ? BigInt(s) : null);
function comparePrePart(s: string, o: string): number {
  if (s === o) return 0;
  if (s === '') return -1;
  if (o === '') return 1;
  const oi = parseU(o);
  const si = parseU(s);
  if (oi === null && si === null) return s > o ? 1 : -1;
  if (oi === null) return -1;
  if (si === null) return 1;
  return si > oi ? 1 : -1;
}
function comparePrerelease(v: string, o: string): number {
  const sp = v.split('.');
  const op = o.split('.');
  for (let i = 0; i < Math.max(sp.length, op.length); i++) {
    const d = comparePrePart(sp[i] ?? '', op[i] ?? '');
    if (d !== 0) return d;
  }
  return 0;
}
function compare(v: Ver, o: Ver): number {
  const d = cmpN(v.major, o.major) || cmpN(v.minor, o.minor) || cmpN(v.patch, o.patch);
  if (d !== 0) return d;
  if (v.pre === '' && o.pre === '') return 0;
  if (v.pre === '') return 1;
  if (o.pre === '') return -1;
  return comparePrerelease(v.pre, o.pre);
}

// ---- constraints ----
const OPS = String.raw`=||!=|>|<|>=|=>|<=|=<|~|~>|\^`;
const CV_X = String.raw`v?([0-9|x|X|\*]+)(\.[0-9|x|X|\*]+)?(\.[0-9|x|X|\*]+)?(-([0-9A-Za-z\-]+(\.[0-9A-Za-z\-]+)*))?(\+([0-9A-Za-z\-]+(\.[0-9A-Za-z\-]+)*))?`;
const S = '[\\t\\n\\f\\r ]'; // Go's \s
const CONSTRAINT_RE = new RegExp(`^${S}*(${OPS})${S}*(${CV_X})${S}*$`);
const RANGE_RE = new RegExp(`${S}*(${CV_X})${S}+-${S}+(${CV_X})${S}*`, 'g');
const FIND_RE = new RegExp(`(${OPS})${S}*(${CV_X})`, 'g');
const VALID_RE = new RegExp(`^(${S}*(${OPS})${S}*(${CV_X})${S}*)((?:${S}+|,${S}*)(${OPS})${S}*(${CV_X})${S}*)*$`);

interface Con {
  con: Ver;
  op: string;
  minorDirty: boolean;
  dirty: boolean;
  patchDirty: boolean;
}
const isX = (x: string) => x === 'x' || x === '*' || x === 'X';

function parseConstraint(c: string): Con {
  const m = CONSTRAINT_RE.exec(c);
  if (!m) throw new FuncError(`improper constraint: ${c}`);
  let ver = m[2]!;
  let minorDirty = false;
  let patchDirty = false;
  let dirty = false;
  const [m3, m4 = '', m5 = '', m6 = ''] = [m[3]!, m[4], m[5], m[6]];
  if (isX(m3)) {
    ver = `0.0.0${m6}`;
    dirty = true;
  } else if (isX(m4.replace(/^\./, '')) || m4 === '') {
    minorDirty = true;
    dirty = true;
    ver = `${m3}.0.0${m6}`;
  } else if (isX(m5.replace(/^\./, '')) || m5 === '') {
    dirty = true;
    patchDirty = true;
    ver = `${m3}${m4}.0${m6}`;
  }
  let con: Ver;
  try {
    con = newVersion(ver);
  } catch {
    throw new FuncError('constraint Parser Error');
  }
  return { con, op: m[1]!, minorDirty, dirty, patchDirty };
}

function rewriteRange(i: string): string {
  let o = i;
  for (const m of i.matchAll(RANGE_RE)) o = o.replace(m[0], () => `>= ${m[1]}, <= ${m[11]}`);
  return o;
}

/** semver.NewConstraint. */
function newConstraint(c: string): Con[][] {
  return rewriteRange(c)
    .split('||')
    .map((v) => {
      if (!VALID_RE.test(v)) throw new FuncError(`improper constraint: ${v}`);
      const cs = [...v.matchAll(FIND_RE)].map((m) => m[0]);
      if (cs.length === 0) cs.push(v);
      return cs.map(parseConstraint);
    });
}

function tilde(v: Ver, c: Con): boolean {
  if (v.pre !== '' && c.con.pre === '') return false;
  if (compare(v, c.con) < 0) return false;
  if (c.con.major === 0n && c.con.minor === 0n && c.con.patch === 0n && !c.minorDirty && !c.patchDirty) return true;
  if (v.major !== c.con.major) return false;
  if (v.minor !== c.con.minor && !c.minorDirty) return false;
  return true;
}

/** The constraint functions (only their boolean results matter to Check). */
function check(v: Ver, c: Con): boolean {
  const preBlocked = v.pre !== '' && c.con.pre === '';
  switch (c.op) {
    case '':
    case '=':
      if (preBlocked) return false;
      if (c.dirty) return tilde(v, c);
      return compare(v, c.con) === 0;
    case '!=':
      if (c.dirty) {
        if (preBlocked) return false;
        if (c.con.major !== v.major) return true;
        if (c.con.minor !== v.minor && !c.minorDirty) return true;
        else if (c.minorDirty) return false;
        else if (c.con.patch !== v.patch && !c.patchDirty) return true;
        else if (c.patchDirty) {
          if (v.pre !== '' || c.con.pre !== '') return comparePrerelease(v.pre, c.con.pre) !== 0;
          return false;
        }
      }
      return compare(v, c.con) !== 0;
    case '>':
      if (preBlocked) return false;
      if (!c.dirty) return compare(v, c.con) === 1;
      if (v.major > c.con.major) return true;
      if (v.major < c.con.major) return false;
      if (c.minorDirty) return false;
      if (c.patchDirty) return v.minor > c.con.minor;
      return compare(v, c.con) === 1;
    case '<':
      return !preBlocked && compare(v, c.con) < 0;
    case '>=':
    case '=>':
      return !preBlocked && compare(v, c.con) >= 0;
    case '<=':
    case '=<':
      if (preBlocked) return false;
      if (!c.dirty) return compare(v, c.con) <= 0;
      if (v.major > c.con.major) return false;
      if (v.major === c.con.major && v.minor > c.con.minor && !c.minorDirty) return false;
      return true;
    case '~':
    case '~>':
      return tilde(v, c);
    case '^':
      if (preBlocked) return false;
      if (compare(v, c.con) < 0) return false;
      if (c.con.major > 0n || c.minorDirty) return v.major === c.con.major;
      if (c.con.major === 0n && v.major > 0n) return false;
      if (c.con.minor > 0n || c.patchDirty) return v.minor === c.con.minor;
      if (c.con.minor === 0n && v.minor > 0n) return false;
      return c.con.patch === v.patch;
  }
  return false;
}

function originalVPrefix(v: Ver): string {
  return v.original !== '' && v.original[0] === 'v' ? 'v' : '';
}
function withOriginal(prev: Ver, next: Ver): Ver {
  next.original = originalVPrefix(prev) + verString(next);
  return next;
}

/** A `*semver.Version` (pointer: the full method set) or a `semver.Version` (value: value-receiver methods only). */
function versionObject(v: Ver, pointer: boolean): GoObject {
  const u64 = (n: bigint) => new GoNum('uint64', Number(n));
  const ptr = '*semver.Version';
  const valueMethods = {
    String: gf([], () => verString(v)),
    Major: gf([], () => u64(v.major)),
    Minor: gf([], () => u64(v.minor)),
    Patch: gf([], () => u64(v.patch)),
    Prerelease: gf([], () => v.pre),
    Metadata: gf([], () => v.metadata),
    IncPatch: gf([], () => versionObject(withOriginal(v, v.pre !== '' ? { ...v, metadata: '', pre: '' } : { ...v, metadata: '', pre: '', patch: v.patch + 1n }), false)),
    IncMinor: gf([], () => versionObject(withOriginal(v, { ...v, metadata: '', pre: '', patch: 0n, minor: v.minor + 1n }), false)),
    IncMajor: gf([], () => versionObject(withOriginal(v, { ...v, metadata: '', pre: '', patch: 0n, minor: 0n, major: v.major + 1n }), false)),
    SetPrerelease: gf(['string'], (p: string) => {
      if (p.length > 0) validatePrerelease(p);
      return versionObject(withOriginal(v, { ...v, pre: p }), false);
    }),
    SetMetadata: gf(['string'], (m: string) => {
      if (m.length > 0) validateMetadata(m);
      return versionObject(withOriginal(v, { ...v, metadata: m }), false);
    }),
  };
  const other = (o: GoObject) => VERSIONS.get(o)!;
  const pointerMethods = {
    Original: gf([], () => v.original),
    LessThan: gf([ptr], (o: GoObject) => compare(v, other(o)) < 0),
    GreaterThan: gf([ptr], (o: GoObject) => compare(v, other(o)) > 0),
    Equal: gf([ptr], (o: GoObject) => compare(v, other(o)) === 0),
    Compare: gf([ptr], (o: GoObject) => compare(v, other(o))),
  };
  const fieldsKey = JSON.stringify([String(v.major), String(v.minor), String(v.patch), v.pre, v.metadata, v.original]);
  // a pointer is == only to itself; a Version value is == to an equal value; DeepEqual compares the fields
  const obj = new GoObject(
    pointer ? ptr : 'semver.Version',
    () => verString(v),
    pointer ? { ...valueMethods, ...pointerMethods } : valueMethods,
    () => JSON.stringify(verString(v)),
    { eq: pointer ? undefined : fieldsKey, deep: fieldsKey },
  );
  VERSIONS.set(obj, v);
  return obj;
}
const VERSIONS = new WeakMap<GoObject, Ver>();

/** Functions. */
export function semverFuncs(): FuncMap {
  return {
    semver: gf(['string'], (s: string) => versionObject(newVersion(s), true)),
    semverCompare: gf(['string', 'string'], (constraint: string, version: string) => {
      const cs = newConstraint(constraint);
      const v = newVersion(version);
      return cs.some((and) => and.every((c) => check(v, c)));
    }),
  };
}
