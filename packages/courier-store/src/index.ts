/**
 * Public API of @courier/store: Courier's Redis side, shared by producer and worker.
 */
export * from './connection.js';
export * from './keys.js';
export * from './queue.js';
export * from './message-store.js';
export * from './message-list.js';
export * from './records.js';
export * from './janitor.js';
export * from './orphans.js';
export * from './enqueue.js';
export * from './idempotency.js';
