/**
 * A whole Courier for one test file: an SMTP sink, an HTTP sink behind a Jsonnet
 * SMS channel, a private deployment, and the producer and a worker as child
 * processes, as a user runs them.
 */
import { spawnCourier, startHttpSink, startSmtpSink, type CourierProcess, type HttpSink, type SmtpSink } from '@courier/testkit';
import { createDeployment, type Deployment } from './deployment.js';

/** A running Courier and its peers. */
export interface RunningCourier {
  readonly smtp: SmtpSink;
  readonly http: HttpSink;
  readonly deployment: Deployment;
  readonly producer: CourierProcess;
  readonly worker: CourierProcess;
  /** The producer's base URL. */
  readonly api: string;
  stop(): Promise<void>;
}

/** The SMS channel's Jsonnet body: the recipient and the text. */
const SMS_BODY = Buffer.from('function(ctx) { to: ctx.recipient, text: ctx.body }').toString('base64');

/** Start everything; `apiKey` is the producer's only key (every scope). */
export async function startRunningCourier(apiKey: string): Promise<RunningCourier> {
  const smtp = await startSmtpSink({ tls: 'none' });
  const http = await startHttpSink();
  const deployment = await createDeployment({
    courier: {
      smtp: { connection_uri: `smtp://127.0.0.1:${smtp.port}/?disable_starttls=true`, from_address: 'courier@example.com' },
      channels: [{ id: 'sms', type: 'http', request_config: { url: `${http.url}/sms`, body: `base64://${SMS_BODY}` } }],
      message_retries: 0,
    },
    producer: { host: '127.0.0.1', port: 0, api_keys: [apiKey] },
  });
  const [producer, worker] = await Promise.all([spawnCourier('producer', deployment.configPath), spawnCourier('worker', deployment.configPath)]);
  return {
    smtp,
    http,
    deployment,
    producer,
    worker,
    api: `http://127.0.0.1:${String(producer.ready['port'])}`,
    async stop() {
      for (const p of [producer, worker]) {
        p.kill('SIGTERM');
        await p.exited;
      }
      await deployment.cleanup();
      await smtp.close();
      await http.close();
    },
  };
}
