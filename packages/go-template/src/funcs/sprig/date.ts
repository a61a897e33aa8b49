/**
 * sprig's hermetic date functions: `toDate`, `mustToDate`, `unixEpoch`, `mustDateModify` / `must_date_modify`,
 * `duration`, `durationRound`, `ago` (which sprig keeps in its hermetic map although it reads the clock), on a
 * port of Go 1.19's `time.ParseInLocation` (layouts such as "2006-01-02 15:04:05 -0700 MST"), `Time.Format`,
 * `time.ParseDuration` and `Time.String()`.
 *
 * `toDate` parses in `time.Local`, i.e. the process time zone, as in Go: with TZ unset or UTC (the tested case) a
 * time without zone prints `+0000 UTC`. In another process time zone the offset comes from the JS engine's zone data
 * and the abbreviation from `Intl`, which may name a zone differently from Go's tzdata (e.g. `GMT+1` for `CET`).
 * @module
 */
import { GoNum, GoObject } from '../../value.js';
import { FuncError, gf, type FuncMap } from '../types.js';

/** A time zone: a fixed one (Go's FixedZone / UTC) or the process's Local. */
type Zone = { name: string; offset: number } | 'Local';
/** A Go time.Time: seconds since the Unix epoch, nanoseconds, and location. */
interface GoTime {
  sec: number;
  nsec: number;
  zone: Zone;
}
const UTC = { name: 'UTC', offset: 0 };
const ZERO: GoTime = { sec: -62135596800, nsec: 0, zone: UTC };

let utcFor: { tz: string | undefined; utc: boolean } | null = null;
/** Whether the process time zone (Go's time.Local) is UTC; recomputed when TZ changes. */
function localIsUTC(): boolean {
  const tz = process.env.TZ;
  if (utcFor?.tz !== tz || utcFor === null) {
    const utc =
      tz === '' ||
      tz === 'UTC' ||
      tz === 'Etc/UTC' ||
      (new Date(0).getTimezoneOffset() === 0 &&
        new Date(15552000000).getTimezoneOffset() === 0 &&
        /^(UTC|Etc\/UTC|Etc\/GMT|GMT)$/.test(Intl.DateTimeFormat().resolvedOptions().timeZone));
    utcFor = { tz, utc };
  }
  return utcFor.utc;
}
/** Name and offset of a zone at an instant. */
function zoneAt(z: Zone, sec: number): { name: string; offset: number } {
  if (z !== 'Local') return z;
  if (localIsUTC()) return { name: 'UTC', offset: 0 };
  const d = new Date(sec * 1000);
  const offset = -d.getTimezoneOffset() * 60;
  return { name: zoneAbbrev(d, offset), offset };
}

/**
 * The local zone's abbreviation at an instant, as close to tzdata's as Intl gets: en-US names (EST, PDT), else en-GB
 * names (CET, BST), en-IN/en-AU names in India/Australia (IST, AEST), else tzdata's numeric form (+03, +0530).
 */
function zoneAbbrev(d: Date, offset: number): string {
  const zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
  const locales = ['en-US', 'en-GB', ...(/^Asia\/(Kolkata|Calcutta)$/.test(zone) ? ['en-IN'] : /^Australia\//.test(zone) ? ['en-AU'] : [])];
  for (const locale of locales) {
    const name = new Intl.DateTimeFormat(locale, { timeZoneName: 'short' }).formatToParts(d).find((p) => p.type === 'timeZoneName')?.value ?? '';
    if (/^[A-Z]{3,5}$/.test(name) && (name !== 'GMT' || offset === 0)) return name;
  }
  const m = Math.abs(offset) / 60;
  return (offset < 0 ? '-' : '+') + String(Math.floor(m / 60)).padStart(2, '0') + (m % 60 ? String(m % 60).padStart(2, '0') : '');
}

// ---- calendar ----
function daysFromCivil(y: number, m: number, d: number): number {
  y -= m <= 2 ? 1 : 0;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const doy = Math.floor((153 * (m + (m > 2 ? -3 : 9)) + 2) / 5) + d - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146097 + doe - 719468;
}
function civilFromDays(z: number): [number, number, number] {
  z += 719468;
  const era = Math.floor(z / 146097);
  const doe = z - era * 146097;
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36524) - Math.floor(doe / 146096)) / 365);
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const d = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const m = mp + (mp < 10 ? 3 : -9);
  return [yoe + era * 400 + (m <= 2 ? 1 : 0), m, d];
}
const isLeap = (y: number) => y % 4 === 0 && (y % 100 !== 0 || y % 400 === 0);
const DAYS_BEFORE = [0, 31, 59, 90, 120, 151, 181, 212, 243, 273, 304, 334, 365];
function daysIn(m: number, y: number): number {
  if (m === 2 && isLeap(y)) return 29;
  return DAYS_BEFORE[m]! - DAYS_BEFORE[m - 1]!;
}
const LONG_MONTHS = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];
const LONG_DAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];
const SHORT = (a: string[]) => a.map((s) => s.slice(0, 3));

/** Wall-clock fields of a time in its zone. */
function fields(t: GoTime) {
  const z = zoneAt(t.zone, t.sec);
  const local = t.sec + z.offset;
  const days = Math.floor(local / 86400);
  const secOfDay = local - days * 86400;
  const [year, month, day] = civilFromDays(days);
  return {
    year,
    month,
    day,
    yday: daysFromCivil(year, month, day) - daysFromCivil(year, 1, 1) + 1,
    hour: Math.floor(secOfDay / 3600),
    min: Math.floor((secOfDay % 3600) / 60),
    sec: secOfDay % 60,
    weekday: (((days + 4) % 7) + 7) % 7,
    zone: z,
  };
}

// ---- layouts ----
/** Go's nextStdChunk: [prefix, std, suffix]; std '' at the end. Fraction stds are `.0`/`,9` + digit count. */
function nextStdChunk(layout: string): [string, string, string] {
  const at = (i: number, s: string) => layout.startsWith(s, i);
  const lowerAt = (i: number) => i < layout.length && layout[i]! >= 'a' && layout[i]! <= 'z';
  for (let i = 0; i < layout.length; i++) {
    const c = layout[i]!;
    const ret = (std: string, len: number): [string, string, string] => [layout.slice(0, i), std, layout.slice(i + len)];
    switch (c) {
      case 'J':
        if (at(i, 'Jan')) {
          if (at(i, 'January')) return ret('January', 7);
          if (!lowerAt(i + 3)) return ret('Jan', 3);
        }
        break;
      case 'M':
        if (at(i, 'Mon')) {
          if (at(i, 'Monday')) return ret('Monday', 6);
          if (!lowerAt(i + 3)) return ret('Mon', 3);
        }
        if (at(i, 'MST')) return ret('MST', 3);
        break;
      case '0':
        if (i + 1 < layout.length && layout[i + 1]! >= '1' && layout[i + 1]! <= '6') return ret(layout.slice(i, i + 2), 2);
        if (at(i, '002')) return ret('002', 3);
        break;
      case '1':
        if (at(i, '15')) return ret('15', 2);
        return ret('1', 1);
      case '2':
        if (at(i, '2006')) return ret('2006', 4);
        return ret('2', 1);
      case '_':
        if (at(i, '_2')) {
          if (at(i + 1, '2006')) return [layout.slice(0, i + 1), '2006', layout.slice(i + 5)];
          return ret('_2', 2);
        }
        if (at(i, '__2')) return ret('__2', 3);
        break;
      case '3':
      case '4':
      case '5':
        return ret(c, 1);
      case 'P':
        if (at(i, 'PM')) return ret('PM', 2);
        break;
      case 'p':
        if (at(i, 'pm')) return ret('pm', 2);
        break;
      case '-':
      case 'Z':
        for (const s of ['070000', '07:00:00', '0700', '07:00', '07']) if (at(i + 1, s)) return ret(c + s, s.length + 1);
        break;
      case '.':
      case ',':
        if (i + 1 < layout.length && (layout[i + 1] === '0' || layout[i + 1] === '9')) {
          const ch = layout[i + 1]!;
          let j = i + 1;
          while (j < layout.length && layout[j] === ch) j++;
          if (!(j < layout.length && layout[j]! >= '0' && layout[j]! <= '9')) return ret(`${c}${ch}${j - (i + 1)}`, j - i);
        }
    }
  }
  return [layout, '', ''];
}
const isFrac = (std: string) => std.length > 2 && (std[0] === '.' || std[0] === ',') && (std[1] === '0' || std[1] === '9');
const pad = (n: number, w: number) => {
  const s = String(Math.abs(n)).padStart(w, '0');
  return n < 0 ? '-' + s : s;
};

/** Time.Format. */
function format(t: GoTime, layout: string): string {
  const f = fields(t);
  const { name, offset } = f.zone;
  let b = '';
  while (layout !== '') {
    const [prefix, std, suffix] = nextStdChunk(layout);
    b += prefix;
    if (std === '') break;
    layout = suffix;
    const hr12 = f.hour % 12 === 0 ? 12 : f.hour % 12;
    switch (std) {
      case '06':
        b += pad(Math.abs(f.year) % 100, 2);
        break;
      case '2006':
        b += pad(f.year, 4);
        break;
      case 'Jan':
        b += LONG_MONTHS[f.month - 1]!.slice(0, 3);
        break;
      case 'January':
        b += LONG_MONTHS[f.month - 1];
        break;
      case '1':
        b += f.month;
        break;
      case '01':
        b += pad(f.month, 2);
        break;
      case 'Mon':
        b += LONG_DAYS[f.weekday]!.slice(0, 3);
        break;
      case 'Monday':
        b += LONG_DAYS[f.weekday];
        break;
      case '2':
        b += f.day;
        break;
      case '_2':
        b += (f.day < 10 ? ' ' : '') + f.day;
        break;
      case '02':
        b += pad(f.day, 2);
        break;
      case '__2':
        b += (f.yday < 100 ? (f.yday < 10 ? '  ' : ' ') : '') + f.yday;
        break;
      case '002':
        b += pad(f.yday, 3);
        break;
      case '15':
        b += pad(f.hour, 2);
        break;
      case '3':
        b += hr12;
        break;
      case '03':
        b += pad(hr12, 2);
        break;
      case '4':
        b += f.min;
        break;
      case '04':
        b += pad(f.min, 2);
        break;
      case '5':
        b += f.sec;
        break;
      case '05':
        b += pad(f.sec, 2);
        break;
      case 'PM':
        b += f.hour >= 12 ? 'PM' : 'AM';
        break;
      case 'pm':
        b += f.hour >= 12 ? 'pm' : 'am';
        break;
      case 'MST':
        if (name !== '') b += name;
        else {
          const zone = Math.trunc(offset / 60);
          b += (zone < 0 ? '-' : '+') + pad(Math.trunc(Math.abs(zone) / 60), 2) + pad(Math.abs(zone) % 60, 2);
        }
        break;
      default:
        if (isFrac(std)) {
          let n = Math.min(Number(std.slice(2)), 9);
          const digits = String(t.nsec).padStart(9, '0');
          if (std[1] === '9') {
            while (n > 0 && digits[n - 1] === '0') n--;
            if (n === 0) break;
          }
          b += std[0] + digits.slice(0, n);
        } else {
          // zone offsets
          if (offset === 0 && std[0] === 'Z') {
            b += 'Z';
            break;
          }
          const zone = Math.trunc(offset / 60);
          const abs = Math.abs(offset);
          b += (zone < 0 ? '-' : '+') + pad(Math.trunc(Math.abs(zone) / 60), 2);
          const s = std.slice(1);
          if (s.includes(':')) b += ':';
          if (s !== '07') b += pad(Math.abs(zone) % 60, 2);
          if (s === '070000' || s === '07:00:00') b += (s === '07:00:00' ? ':' : '') + pad(abs % 60, 2);
        }
    }
  }
  return b;
}

/** time's own quote(), on a binary string (one char per UTF-8 byte): bytes outside printable ASCII as \\xNN. */
function tquote(b: string): string {
  let out = '"';
  for (const ch of b) {
    const c = ch.charCodeAt(0);
    if (c >= 0x80 || c < 0x20) out += '\\x' + c.toString(16).padStart(2, '0');
    else out += (ch === '"' || ch === '\\' ? '\\' : '') + ch;
  }
  return out + '"';
}
/** UTF-8 bytes as a binary string: Go's parser indexes bytes. */
const bin = (s: string) => Buffer.from(s, 'utf8').toString('latin1');

class ParseErr extends Error {}
const BAD = Symbol('bad');

function leadingInt(s: string): [bigint, string] | null {
  let i = 0;
  let x = 0n;
  for (; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 48 || c > 57) break;
    if (x > 2n ** 63n / 10n) return null;
    x = x * 10n + BigInt(c - 48);
    if (x > 2n ** 63n) return null;
  }
  return [x, s.slice(i)];
}
function atoi(s: string): number | typeof BAD {
  let neg = false;
  if (s !== '' && (s[0] === '-' || s[0] === '+')) {
    neg = s[0] === '-';
    s = s.slice(1);
  }
  const r = leadingInt(s);
  if (r === null || r[1] !== '') return BAD;
  return (neg ? -1 : 1) * Number(r[0]);
}
const isDigitAt = (s: string, i: number) => i < s.length && s[i]! >= '0' && s[i]! <= '9';
function getnum(s: string, fixed: boolean): [number, string] | typeof BAD {
  if (!isDigitAt(s, 0)) return BAD;
  if (!isDigitAt(s, 1)) return fixed ? BAD : [Number(s[0]), s.slice(1)];
  return [Number(s.slice(0, 2)), s.slice(2)];
}
function getnum3(s: string, fixed: boolean): [number, string] | typeof BAD {
  let i = 0;
  let n = 0;
  for (; i < 3 && isDigitAt(s, i); i++) n = n * 10 + Number(s[i]);
  if (i === 0 || (fixed && i !== 3)) return BAD;
  return [n, s.slice(i)];
}
function lookup(tab: string[], val: string): [number, string] | typeof BAD {
  for (let i = 0; i < tab.length; i++) {
    const v = tab[i]!;
    if (val.length >= v.length && val.slice(0, v.length).toLowerCase() === v.toLowerCase() && /^[\x00-\x7f]*$/.test(val.slice(0, v.length))) return [i, val.slice(v.length)];
  }
  return BAD;
}
/** Go's skip: [rest of value, ok]; on a mismatch the rest is what remained there (Go reports it). */
function skip(value: string, prefix: string): [string, boolean] {
  while (prefix.length > 0) {
    if (prefix[0] === ' ') {
      if (value.length > 0 && value[0] !== ' ') return [value, false];
      prefix = prefix.replace(/^ +/, '');
      value = value.replace(/^ +/, '');
      continue;
    }
    if (value.length === 0 || value[0] !== prefix[0]) return [value, false];
    prefix = prefix.slice(1);
    value = value.slice(1);
  }
  return [value, true];
}
function parseSignedOffset(value: string): number {
  if (value[0] !== '-' && value[0] !== '+') return 0;
  const r = leadingInt(value.slice(1));
  if (r === null || value.slice(1) === r[1] || r[0] > 23n) return 0;
  return value.length - r[1].length;
}
function parseTimeZone(value: string): number {
  if (value.length < 3) return 0;
  if (value.startsWith('ChST') || value.startsWith('MeST')) return 4;
  if (value.startsWith('GMT')) return value.length === 3 ? 3 : 3 + parseSignedOffset(value.slice(3));
  if (value[0] === '+' || value[0] === '-') return parseSignedOffset(value);
  let n = 0;
  while (n < 6 && n < value.length && value[n]! >= 'A' && value[n]! <= 'Z') n++;
  if (n === 5) return value[4] === 'T' ? 5 : 0;
  if (n === 4) return value[3] === 'T' || value.startsWith('WITA') ? 4 : 0;
  if (n === 3) return 3;
  return 0;
}
function parseNanoseconds(value: string, nbytes: number): [number, string] | typeof BAD {
  if (value[0] !== '.' && value[0] !== ',') return BAD;
  if (nbytes > 10) {
    value = value.slice(0, 10);
    nbytes = 10;
  }
  const ns = atoi(value.slice(1, nbytes));
  if (ns === BAD) return BAD;
  if (ns < 0) return [0, 'fractional second'];
  return [ns * 10 ** (10 - nbytes), ''];
}

/** time.ParseInLocation(layout, value, time.Local). Strings are handled as UTF-8 bytes in Go; here as UTF-16 (same for ASCII). */
function parseTime(textLayout: string, textValue: string): GoTime {
  const alayout = bin(textLayout);
  const avalue = bin(textValue);
  let layout = alayout;
  let value = avalue;
  let rangeErr = '';
  let amSet = false;
  let pmSet = false;
  let year = 0;
  let month = -1;
  let day = -1;
  let yday = -1;
  let hour = 0;
  let min = 0;
  let sec = 0;
  let nsec = 0;
  let z: Zone | null = null;
  let zoneOffset = -1;
  let zoneName = '';
  const perr = (valueElem: string, layoutElem: string, message: string) =>
    new ParseErr(
      message === ''
        ? `parsing time ${tquote(avalue)} as ${tquote(alayout)}: cannot parse ${tquote(valueElem)} as ${tquote(layoutElem)}`
        : `parsing time ${tquote(avalue)}${message}`,
    );
  for (;;) {
    const [prefix, std, suffix] = nextStdChunk(layout);
    const stdstr = layout.slice(prefix.length, layout.length - suffix.length);
    const [rest, ok] = skip(value, prefix);
    if (!ok) throw perr(rest, prefix, '');
    value = rest;
    if (std === '') {
      if (value.length !== 0) throw perr(value, '', ': extra text: ' + tquote(value));
      break;
    }
    layout = suffix;
    let bad = false;
    const num = (r: [number, string] | typeof BAD): number => {
      if (r === BAD) {
        bad = true;
        return 0;
      }
      value = r[1];
      return r[0];
    };
    switch (std) {
      case '06': {
        if (value.length < 2) {
          bad = true;
          break;
        }
        const y = atoi(value.slice(0, 2));
        if (y === BAD) bad = true;
        else {
          value = value.slice(2);
          year = y >= 69 ? y + 1900 : y + 2000;
        }
        break;
      }
      case '2006': {
        if (value.length < 4 || !isDigitAt(value, 0)) {
          bad = true;
          break;
        }
        const y = atoi(value.slice(0, 4));
        value = value.slice(4);
        if (y === BAD) bad = true;
        else year = y;
        break;
      }
      case 'Jan':
        month = num(lookup(SHORT(LONG_MONTHS), value)) + 1;
        break;
      case 'January':
        month = num(lookup(LONG_MONTHS, value)) + 1;
        break;
      case '1':
      case '01':
        month = num(getnum(value, std === '01'));
        // eslint-disable-next-line @typescript-eslint/no-unnecessary-condition -- num() sets bad in a closure TypeScript cannot see
        if (!bad && (month <= 0 || month > 12)) rangeErr = 'month';
        break;
      case 'Mon':
        num(lookup(SHORT(LONG_DAYS), value));
        break;
      case 'Monday':
        num(lookup(LONG_DAYS, value));
        break;
      case '2':
      case '_2':
      case '02':
        if (std === '_2' && value[0] === ' ') value = value.slice(1);
        day = num(getnum(value, std === '02'));
        break;
      case '__2':
      case '002':
        for (let i = 0; i < 2; i++) if (std === '__2' && value[0] === ' ') value = value.slice(1);
        yday = num(getnum3(value, std === '002'));
        break;
      case '15':
        hour = num(getnum(value, false));
        if (hour < 0 || hour >= 24) rangeErr = 'hour';
        break;
      case '3':
      case '03':
        hour = num(getnum(value, std === '03'));
        if (hour < 0 || hour > 12) rangeErr = 'hour';
        break;
      case '4':
      case '04':
        min = num(getnum(value, std === '04'));
        if (min < 0 || min >= 60) rangeErr = 'minute';
        break;
      case '5':
      case '05': {
        sec = num(getnum(value, std === '05'));
        if (sec < 0 || sec >= 60) {
          rangeErr = 'second';
          break;
        }
        // (as in Go, a parsed fraction clears an error from the seconds digits)
        if (value.length >= 2 && (value[0] === '.' || value[0] === ',') && isDigitAt(value, 1)) {
          const next = nextStdChunk(layout)[1];
          if (isFrac(next)) break;
          let n = 2;
          while (n < value.length && isDigitAt(value, n)) n++;
          const r = parseNanoseconds(value, n);
          bad = r === BAD;
          if (r !== BAD) [nsec, rangeErr] = r;
          value = value.slice(n);
        }
        break;
      }
      case 'PM':
      case 'pm': {
        if (value.length < 2) {
          bad = true;
          break;
        }
        const p = value.slice(0, 2);
        value = value.slice(2);
        if (p === (std === 'PM' ? 'PM' : 'pm')) pmSet = true;
        else if (p === (std === 'PM' ? 'AM' : 'am')) amSet = true;
        else bad = true;
        break;
      }
      case 'MST': {
        if (value.startsWith('UTC')) {
          z = UTC;
          value = value.slice(3);
          break;
        }
        const n = parseTimeZone(value);
        if (n === 0) {
          bad = true;
          break;
        }
        zoneName = value.slice(0, n);
        value = value.slice(n);
        break;
      }
      default:
        if (isFrac(std)) {
          if (std[1] === '0') {
            const ndigit = 1 + Number(std.slice(2));
            if (value.length < ndigit) {
              bad = true;
              break;
            }
            const r = parseNanoseconds(value, ndigit);
            if (r === BAD) bad = true;
            else [nsec, rangeErr] = r;
            value = value.slice(ndigit);
          } else {
            if (value.length < 2 || (value[0] !== '.' && value[0] !== ',') || !isDigitAt(value, 1)) break;
            let i = 0;
            while (i < 9 && i + 1 < value.length && isDigitAt(value, i + 1)) i++;
            const r = parseNanoseconds(value, 1 + i);
            if (r === BAD) bad = true;
            else [nsec, rangeErr] = r;
            value = value.slice(1 + i);
          }
          break;
        }
        {
          // numeric zones: -0700 Z07:00 ...
          const s = std.slice(1);
          if (std[0] === 'Z' && (s === '0700' || s === '07' || s === '07:00') && value[0] === 'Z') {
            value = value.slice(1);
            z = UTC;
            break;
          }
          let parts: [string, string, string, string];
          const need = { '07:00': 6, '07': 3, '07:00:00': 9, '070000': 7, '0700': 5 }[s]!;
          if (value.length < need) {
            bad = true;
            break;
          }
          if (s === '07:00') {
            if (value[3] !== ':') {
              bad = true;
              break;
            }
            parts = [value[0]!, value.slice(1, 3), value.slice(4, 6), '00'];
          } else if (s === '07') parts = [value[0]!, value.slice(1, 3), '00', '00'];
          else if (s === '07:00:00') {
            if (value[3] !== ':' || value[6] !== ':') {
              bad = true;
              break;
            }
            parts = [value[0]!, value.slice(1, 3), value.slice(4, 6), value.slice(7, 9)];
          } else if (s === '070000') parts = [value[0]!, value.slice(1, 3), value.slice(3, 5), value.slice(5, 7)];
          else parts = [value[0]!, value.slice(1, 3), value.slice(3, 5), '00'];
          value = value.slice(need);
          const hr = atoi(parts[1]);
          const mm = atoi(parts[2]);
          const ss = atoi(parts[3]);
          if (hr === BAD || mm === BAD || ss === BAD) bad = true;
          else zoneOffset = (hr * 60 + mm) * 60 + ss;
          if (parts[0] === '-') zoneOffset = -zoneOffset;
          else if (parts[0] !== '+') bad = true;
        }
    }
    if (rangeErr !== '') throw perr(value, stdstr, ': ' + rangeErr + ' out of range');
    if (bad) throw perr(value, stdstr, '');
  }
  if (pmSet && hour < 12) hour += 12;
  else if (amSet && hour === 12) hour = 0;
  if (yday >= 0) {
    let d = 0;
    let m = 0;
    if (isLeap(year)) {
      if (yday === 31 + 29) {
        m = 2;
        d = 29;
      } else if (yday > 31 + 29) yday--;
    }
    if (yday < 1 || yday > 365) throw perr(value, '', ': day-of-year out of range');
    if (m === 0) {
      m = Math.floor((yday - 1) / 31) + 1;
      if (DAYS_BEFORE[m]! < yday) m++;
      d = yday - DAYS_BEFORE[m - 1]!;
    }
    if (month >= 0 && month !== m) throw perr(value, '', ': day-of-year does not match month');
    month = m;
    if (day >= 0 && day !== d) throw perr(value, '', ': day-of-year does not match day');
    day = d;
  } else {
    if (month < 0) month = 1;
    if (day < 0) day = 1;
  }
  if (day < 1 || day > daysIn(month, year)) throw perr(value, '', ': day out of range');
  const wall = daysFromCivil(year, month, day) * 86400 + hour * 3600 + min * 60 + sec;
  if (z !== null) return { sec: wall, nsec, zone: z };
  if (zoneOffset !== -1) {
    const t = wall - zoneOffset;
    const l = zoneAt('Local', t);
    if (l.offset === zoneOffset && (zoneName === '' || l.name === zoneName)) return { sec: t, nsec, zone: 'Local' };
    return { sec: t, nsec, zone: { name: zoneName, offset: zoneOffset } };
  }
  if (zoneName !== '') {
    const l = zoneAt('Local', wall - zoneAt('Local', wall).offset);
    if (l.name === zoneName) return { sec: wall - l.offset, nsec, zone: 'Local' };
    let offset = 0;
    if (zoneName.length > 3 && zoneName.startsWith('GMT')) offset = (atoi(zoneName.slice(3)) as number) * 3600;
    // as Go does: the wall clock is read as UTC and only the zone is set (GMT+3 shifts the printed time)
    return { sec: wall, nsec, zone: { name: zoneName, offset } };
  }
  return { sec: wall - zoneAt('Local', wall - zoneAt('Local', wall).offset).offset, nsec, zone: 'Local' };
}

// keyed by UTF-8 bytes (binary strings), as parseDuration reads them
const UNITS: Record<string, bigint> = { ns: 1n, us: 1000n, [bin('µs')]: 1000n, [bin('μs')]: 1000n, ms: 1000000n, s: 1000000000n, m: 60000000000n, h: 3600000000000n };

/** time.ParseDuration, in nanoseconds. */
function parseDuration(text: string): bigint {
  const orig = bin(text);
  const invalid = () => new FuncError('time: invalid duration ' + tquote(orig));
  let s = orig;
  let d = 0n;
  let neg = false;
  if (s !== '' && (s[0] === '-' || s[0] === '+')) {
    neg = s[0] === '-';
    s = s.slice(1);
  }
  if (s === '0') return 0n;
  if (s === '') throw invalid();
  while (s !== '') {
    let f = 0n;
    let scale = 1;
    if (!(s[0] === '.' || isDigitAt(s, 0))) throw invalid();
    const pl = s.length;
    const r = leadingInt(s);
    if (r === null) throw invalid();
    const v0 = r[0];
    s = r[1];
    const pre = pl !== s.length;
    let post = false;
    if (s !== '' && s[0] === '.') {
      s = s.slice(1);
      const pl2 = s.length;
      let i = 0;
      let overflow = false;
      for (; i < s.length && isDigitAt(s, i); i++) {
        if (overflow) continue;
        if (f > (2n ** 63n - 1n) / 10n) {
          overflow = true;
          continue;
        }
        const y = f * 10n + BigInt(Number(s[i]));
        if (y > 2n ** 63n) {
          overflow = true;
          continue;
        }
        f = y;
        scale *= 10;
      }
      s = s.slice(i);
      post = pl2 !== s.length;
    }
    if (!pre && !post) throw invalid();
    let i = 0;
    while (i < s.length && !(s[i] === '.' || isDigitAt(s, i))) i++;
    if (i === 0) throw new FuncError('time: missing unit in duration ' + tquote(orig));
    const u = s.slice(0, i);
    s = s.slice(i);
    const unit = Object.hasOwn(UNITS, u) ? UNITS[u] : undefined;
    if (unit === undefined) throw new FuncError('time: unknown unit ' + tquote(u) + ' in duration ' + tquote(orig));
    if (v0 > 2n ** 63n / unit) throw invalid();
    let v = v0 * unit;
    if (f > 0n) {
      v += BigInt(Math.trunc(Number(f) * (Number(unit) / scale)));
      if (v > 2n ** 63n) throw invalid();
    }
    d += v;
    if (d > 2n ** 63n) throw invalid();
  }
  if (neg) return -d;
  if (d > 2n ** 63n - 1n) throw invalid();
  return d;
}

function addNanos(t: GoTime, d: bigint): GoTime {
  const total = BigInt(t.nsec) + d;
  let dsec = total / 1000000000n;
  let nsec = total % 1000000000n;
  if (nsec < 0n) {
    nsec += 1000000000n;
    dsec -= 1n;
  }
  return { sec: t.sec + Number(dsec), nsec: Number(nsec), zone: t.zone };
}

const TIMES = new WeakMap<GoObject, GoTime>();
const STRING_LAYOUT = '2006-01-02 15:04:05.999999999 -0700 MST';

function named(type: string, n: number, name: string): GoObject {
  return new GoObject(
    type,
    () => name,
    { String: gf([], () => name) },
    () => String(n),
    { eq: String(n), deep: String(n), int: n },
  );
}

const zoneIds = new WeakMap<object, number>();
const ZONE_COUNTER = {};
zoneIds.set(ZONE_COUNTER, 0);
/** == on time.Time compares the instant's wall/ext and the *Location pointer: Local and UTC are shared, each FixedZone is new. */
function timeKeys(t: GoTime): { eq: string; deep: string } {
  const zoneDeep = t.zone === 'Local' ? 'Local' : t.zone === UTC ? 'UTC' : `fixed:${t.zone.name}:${t.zone.offset}`;
  let id = t.zone === 'Local' ? 0 : zoneIds.get(t.zone);
  if (id === undefined) {
    id = zoneIds.get(ZONE_COUNTER)! + 1;
    zoneIds.set(t.zone as object, id);
    zoneIds.set(ZONE_COUNTER, id);
  }
  const zoneEq = t.zone === 'Local' || t.zone === UTC ? zoneDeep : `fixed#${id}`;
  return { eq: `${t.sec}:${t.nsec}:${zoneEq}`, deep: `${t.sec}:${t.nsec}:${zoneDeep}` };
}

/** A `time.Time` value. */
function timeObject(t: GoTime): GoObject {
  const f = () => fields(t);
  const i = (n: number) => n;
  const obj = new GoObject(
    'time.Time',
    () => format(t, STRING_LAYOUT),
    {
      String: gf([], () => format(t, STRING_LAYOUT)),
      Format: gf(['string'], (layout: string) => format(t, layout)),
      Unix: gf([], () => new GoNum('int64', t.sec)),
      UnixMilli: gf([], () => new GoNum('int64', t.sec * 1000 + Math.floor(t.nsec / 1e6))),
      UnixNano: gf([], () => new GoNum('int64', t.sec * 1e9 + t.nsec)),
      Year: gf([], () => i(f().year)),
      Month: gf([], () => named('time.Month', f().month, LONG_MONTHS[f().month - 1]!)),
      Day: gf([], () => i(f().day)),
      Weekday: gf([], () => named('time.Weekday', f().weekday, LONG_DAYS[f().weekday]!)),
      YearDay: gf([], () => i(f().yday)),
      Hour: gf([], () => i(f().hour)),
      Minute: gf([], () => i(f().min)),
      Second: gf([], () => i(f().sec)),
      Nanosecond: gf([], () => i(t.nsec)),
      IsZero: gf([], () => t.sec === ZERO.sec && t.nsec === 0),
      UTC: gf([], () => timeObject({ ...t, zone: UTC })),
    },
    () => {
      const y = f().year;
      if (y < 0 || y >= 10000) throw new Error('json: error calling MarshalJSON for type time.Time: Time.MarshalJSON: year outside of range [0,9999]');
      return '"' + format(t, '2006-01-02T15:04:05.999999999Z07:00') + '"';
    },
    timeKeys(t),
  );
  TIMES.set(obj, t);
  return obj;
}
const timeOf = (o: GoObject) => TIMES.get(o)!;

const I64_MIN = -(2n ** 63n);
const I64_MAX = 2n ** 63n - 1n;

/** time.Duration.String. */
function durationString(d: bigint): string {
  const neg = d < 0n;
  const u = neg ? -d : d;
  const frac = (v: bigint, prec: number): [string, bigint] => {
    const p = 10n ** BigInt(prec);
    const digits = (v % p).toString().padStart(prec, '0').replace(/0+$/, '');
    return [digits === '' ? '' : '.' + digits, v / p];
  };
  let out: string;
  if (u < 1000000000n) {
    if (u === 0n) return '0s';
    const [prec, unit] = u < 1000n ? [0, 'ns'] : u < 1000000n ? [3, 'µs'] : [6, 'ms'];
    const [f, int] = frac(u, prec);
    out = `${int}${f}${unit}`;
  } else {
    const [f, secs] = frac(u, 9);
    out = `${secs % 60n}${f}s`;
    const mins = secs / 60n;
    if (mins > 0n) {
      out = `${mins % 60n}m` + out;
      const hours = mins / 60n;
      if (hours > 0n) out = `${hours}h` + out;
    }
  }
  return neg ? '-' + out : out;
}

/** time.Since(t): now - t in nanoseconds, saturated to the int64 range as Time.Sub does. */
function since(t: GoTime): bigint {
  const nowMs = BigInt(Date.now());
  const d = nowMs * 1000000n - (BigInt(t.sec) * 1000000000n + BigInt(t.nsec));
  return d > I64_MAX ? I64_MAX : d < I64_MIN ? I64_MIN : d;
}

/** Duration.Round(time.Second). */
function roundSecond(d: bigint): bigint {
  const m = 1000000000n;
  let r = d % m;
  if (d < 0n) {
    r = -r;
    if (r + r < m) return d + r;
    const d1 = d - m + r;
    return d1 < I64_MIN ? I64_MIN : d1;
  }
  if (r + r < m) return d - r;
  const d1 = d + m - r;
  return d1 > I64_MAX ? I64_MAX : d1;
}

/** Go's strconv.ParseInt(s, 10, 64) with its error ignored: 0 on a syntax error, the clamped value out of range. */
function parseInt10(s: string): bigint {
  if (!/^[+-]?[0-9]+$/.test(s)) return 0n;
  const n = BigInt(s);
  return n > I64_MAX ? I64_MAX : n < I64_MIN ? I64_MIN : n;
}

const isInt64 = (v: unknown): v is GoNum => v instanceof GoNum && v.kind === 'int64';

/** Functions. */
export function dateFuncs(): FuncMap {
  const mustToDate = gf(['string', 'string'], (layout: string, s: string) => {
    try {
      return timeObject(parseTime(layout, s));
    } catch (e) {
      if (e instanceof ParseErr) throw new FuncError(e.message);
      throw e;
    }
  });
  const mustDateModify = gf(['string', 'time.Time'], (fmt: string, date: GoObject) => timeObject(addNanos(timeOf(date), parseDuration(fmt))));
  return {
    toDate: gf(['string', 'string'], (layout: string, s: string) => {
      try {
        return timeObject(parseTime(layout, s));
      } catch (e) {
        if (e instanceof ParseErr) return timeObject(ZERO);
        throw e;
      }
    }),
    mustToDate,
    unixEpoch: gf(['time.Time'], (date: GoObject) => String(timeOf(date).sec)),
    mustDateModify,
    must_date_modify: mustDateModify,
    duration: gf(['any'], (sec: unknown) => {
      const n = typeof sec === 'string' ? parseInt10(sec) : isInt64(sec) ? BigInt(sec.v) : 0n;
      return durationString(BigInt.asIntN(64, n * 1000000000n));
    }),
    durationRound: gf(['any'], (v: unknown) => {
      let d = 0n;
      if (typeof v === 'string') {
        try {
          d = parseDuration(v);
        } catch {
          d = 0n;
        }
      } else if (isInt64(v)) d = BigInt(v.v);
      else if (v instanceof GoObject && TIMES.has(v)) d = since(timeOf(v));
      const u = d < 0n ? -d : d;
      const units: [bigint, string][] = [
        [3600000000000n * 24n * 365n, 'y'],
        [3600000000000n * 24n * 30n, 'mo'],
        [3600000000000n * 24n, 'd'],
        [3600000000000n, 'h'],
        [60000000000n, 'm'],
        [1000000000n, 's'],
      ];
      for (const [size, name] of units) if (u > size) return `${u / size}${name}`;
      return '0s';
    }),
    ago: gf(['any'], (v: unknown) => {
      let t: GoTime;
      if (v instanceof GoObject && TIMES.has(v)) t = timeOf(v);
      else if (isInt64(v) || (typeof v === 'number' && Number.isSafeInteger(v))) t = { sec: typeof v === 'number' ? v : v.v, nsec: 0, zone: 'Local' };
      else return '0s';
      return durationString(roundSecond(since(t)));
    }),
  };
}
