/**
 * Each script's call builder (src/lua/calls.ts) lays out as many KEYS and ARGV as the
 * script's header documents, in its order: checked against the `.lua` files themselves,
 * so a header, a script and its builder cannot drift apart unnoticed.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { MESSAGE_STATUSES } from '@courier/core';
import {
  beginCall,
  beginCreateCall,
  beginManyCall,
  channelSlotCall,
  createCall,
  createManyCall,
  finishCall,
  finishManyCall,
  recipientWindowCall,
  setStatusCall,
  settleOrphanCall,
  type NewRecord,
} from '../src/lua/calls.js';

/** The highest KEYS and ARGV positions a script's header names (`KEYS[2..7]` counts as 7). */
function documented(script: string): { keys: number; argv: number } {
  const source = readFileSync(new URL(`../src/lua/${script}.lua`, import.meta.url), 'utf8');
  const header = source.slice(0, source.indexOf(']]'));
  const highest = (re: RegExp) => Math.max(...[...header.matchAll(re)].map((m) => Number(m[2] ?? m[1])));
  return { keys: highest(/KEYS\[(\d+)(?:\.\.(\d+))?\]/g), argv: highest(/ARGV\[(\d+)(?:\.\.(\d+))?\]/g) };
}

const statusIndexes = MESSAGE_STATUSES.map((s) => `idx:${s}`);
const keys = { message: 'msg:1', statusIndexes };
const entryIndexes = ['idx:all', 'idx:rcpt', 'idx:tpl'] as const;
const record: NewRecord = { id: '1', content: '{"m":1}', summary: '{"s":1}', recipientTtl: '90', hasTemplate: true };

describe('Lua call builders', () => {
  it('lay out the documented KEYS and ARGV of each fixed-arity script', () => {
    const create = createCall({ message: 'msg:1', queuedIndex: 'idx:queued', entryIndexes }, record, 'now');
    expect(create.length).toBe(documented('create').keys + documented('create').argv);
    expect(create.slice(5)).toEqual(['1', '{"m":1}', '{"s":1}', 'now', '90', '1']);

    const finish = finishCall(statusIndexes, { message: 'msg:1', id: '1', at: 'at', status: 'sent', dispatch: '{}', owner: 'tok', counted: false }, '60');
    expect(finish.length).toBe(documented('finish').keys + documented('finish').argv);
    expect(finish.slice(-2)).toEqual(['tok', '0']);
    const setStatus = setStatusCall(keys, '1', 'now', 'cancelled', '60', ['queued', 'error']);
    expect(setStatus.length).toBe(documented('set-status').keys + documented('set-status').argv);
    expect(setStatus.at(-1)).toBe('queued,error');
    const settle = settleOrphanCall({ ...keys, job: 'job:1' }, '1', 'now', 'seen', '{}', '60');
    expect(settle.length).toBe(documented('settle-orphan').keys + documented('settle-orphan').argv);
    expect(settle[documented('settle-orphan').keys - 1]).toBe('job:1');
  });

  it('give begin.lua its key count first: 7 on the common path, 10 when re-creating, with the documented ARGV', () => {
    const { keys: maxKeys, argv: maxArgv } = documented('begin');
    const common = beginCall(keys, '1', 'now', 'tok');
    expect(Number(common[0])).toBe(1 + statusIndexes.length);
    expect(common.slice(1 + Number(common[0]))).toEqual(['1', 'now', 'tok']);
    const recreate = beginCreateCall({ ...keys, entryIndexes }, record, 'now', 'tok');
    expect(Number(recreate[0])).toBe(maxKeys);
    expect(recreate.length - 1 - maxKeys).toBe(maxArgv);
    expect(recreate.slice(1 + maxKeys)).toEqual(['1', 'now', 'tok', '{"m":1}', '90', '1', '{"s":1}']);
  });

  it('give the batched scripts their key count, the status indexes, one hash per item, then the per-item arguments', () => {
    const items = [
      { message: 'msg:1', id: '1', at: 'a1', status: 'sent', dispatch: '{}', owner: 't1', counted: true },
      { message: 'msg:2', id: '2', at: 'a2', status: 'error', dispatch: '{"x":1}', owner: '', counted: false },
    ];
    const created = createManyCall({ queuedIndex: 'idx:queued', allIndex: 'idx:all' }, [
      { message: 'msg:1', recipientIndex: 'idx:r1', templateIndexOrPlaceholder: 'idx:tpl', record, now: 'n1' },
      { message: 'msg:2', recipientIndex: 'idx:r2', templateIndexOrPlaceholder: 'noidx', record: { ...record, id: '2', hasTemplate: false }, now: 'n2' },
    ]);
    // create-many.lua's header: KEYS[1..2], then KEYS[3i..3i+2]; ARGV[1], then ARGV[5i-3..5i+1].
    expect(created).toEqual([
      '8',
      'idx:queued',
      'idx:all',
      'msg:1',
      'idx:r1',
      'idx:tpl',
      'msg:2',
      'idx:r2',
      'noidx',
      '90',
      '1',
      '{"m":1}',
      '{"s":1}',
      'n1',
      '1',
      '2',
      '{"m":1}',
      '{"s":1}',
      'n2',
      '0',
    ]);
    const args = finishManyCall(statusIndexes, items, '60');
    expect(args).toEqual([String(statusIndexes.length + 2), ...statusIndexes, 'msg:1', 'msg:2', '60', '1', 'a1', 'sent', '{}', 't1', '1', '2', 'a2', 'error', '{"x":1}', '', '0']);
    const begun = beginManyCall(
      statusIndexes,
      [
        { message: 'msg:1', id: '1', owner: 't1' },
        { message: 'msg:2', id: '2', owner: '' },
      ],
      'now',
    );
    expect(begun).toEqual([String(statusIndexes.length + 2), ...statusIndexes, 'msg:1', 'msg:2', 'now', '1', 't1', '2', '']);
  });

  it('lay out the rate limiters: channel-slot.lua as documented, recipient-window.lua with its per-window ARGV groups', () => {
    const slot = channelSlotCall({ tat: 'tat', reservations: 'held' }, 200_000.4, 1, 'job-1', undefined);
    expect(slot.length).toBe(documented('channel-slot').keys + documented('channel-slot').argv);
    expect(slot).toEqual(['tat', 'held', '200000', '1', 'job-1', '0']);
    const windows = recipientWindowCall([
      { key: 'w1', max: 3, windowMs: 60_000, ids: ['a', 'b'] },
      { key: 'w2', max: 1, windowMs: 1_000, ids: ['c'] },
    ]);
    expect(windows).toEqual(['2', 'w1', 'w2', '3', '60000', '2', 'a', 'b', '1', '1000', '1', 'c']);
  });
});
