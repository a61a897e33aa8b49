export * from './redis.js';
export * from './tls.js';
export * from './smtp-sink.js';
export * from './http-sink.js';
export * from './processes.js';
export * from './slow-client.js';
export * from './scripted-smtp.js';
