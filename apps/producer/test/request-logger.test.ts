/**
 * Request loggers are made on first use: what is logged is unchanged (request id
 * bound, levels honoured), and at a level where a request logs nothing no child
 * logger is made at all.
 */
import { Writable } from 'node:stream';
import { describe, expect, it, vi } from 'vitest';
import { createLogger } from '@courier/core';
import type { FastifyBaseLogger } from 'fastify';
import { LazyRequestLogger, lazyChildLoggerFactory } from '../src/http/request-logger.js';

function capture(level: 'info' | 'warn') {
  const lines: Record<string, unknown>[] = [];
  const sink = new Writable({
    write(chunk, _enc, done) {
      lines.push(JSON.parse(String(chunk)) as Record<string, unknown>);
      done();
    },
  });
  return { lines, logger: createLogger({ level, app: 'test', destination: sink as never }) };
}

describe('lazy request loggers', () => {
  it('make no child for messages below the level, and log the rest with the request bindings', () => {
    const { lines, logger } = capture('warn');
    const child = vi.spyOn(logger, 'child');
    const log = lazyChildLoggerFactory(logger, { reqId: 'req-7' }, {});
    expect(log).toBeInstanceOf(LazyRequestLogger);
    log.info('incoming request');
    log.debug({ a: 1 }, 'detail');
    expect(child).not.toHaveBeenCalled();
    expect(log.level).toBe('warn');
    log.warn({ error: 'boom' }, 'redis unavailable');
    log.error('failed %s', 'twice');
    expect(child).toHaveBeenCalledTimes(1);
    expect(lines.map((l) => [l['level'], l['reqId'], l['msg']])).toEqual([
      ['warn', 'req-7', 'redis unavailable'],
      ['error', 'req-7', 'failed twice'],
    ]);
    expect(lines[0]?.['error']).toBe('boom');
  });

  it('logs every enabled level as an eager child would, redaction included', () => {
    const { lines, logger } = capture('info');
    const log = lazyChildLoggerFactory(logger, { reqId: 'req-8' }, {});
    log.info({ template_data: { recovery_code: '123456' } }, 'incoming request');
    log.child({ part: 'x' }).info('from a grandchild');
    expect(lines.map((l) => [l['reqId'], l['msg']])).toEqual([
      ['req-8', 'incoming request'],
      ['req-8', 'from a grandchild'],
    ]);
    expect(JSON.stringify(lines)).not.toContain('123456');
  });

  it('follows a level set on it, and makes eager children for route options', () => {
    const { lines, logger } = capture('warn');
    const log = lazyChildLoggerFactory(logger, { reqId: 'req-9' }, {});
    log.level = 'info';
    log.info('now logged');
    expect(lines.map((l) => l['msg'])).toEqual(['now logged']);
    expect(logger.level).toBe('warn');
    expect(lazyChildLoggerFactory(logger as unknown as FastifyBaseLogger, { reqId: 'r' }, { level: 'debug' })).not.toBeInstanceOf(LazyRequestLogger);
  });
});
