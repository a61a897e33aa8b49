/**
 * Worker processes for tests: a thin wrapper over the testkit's process spawner.
 */
import { spawnCourier, type CourierProcess } from '@courier/testkit';

/** A worker child process with its health port. */
export interface WorkerProcess extends CourierProcess {
  readonly healthPort: number;
}

/** Start a worker with `COURIER_CONFIG=configPath`; resolves when it reports started. */
export async function spawnWorker(configPath: string, env: Record<string, string> = {}): Promise<WorkerProcess> {
  const p = await spawnCourier('worker', configPath, env);
  return Object.assign(p, { healthPort: Number(p.ready['health_port']) });
}
