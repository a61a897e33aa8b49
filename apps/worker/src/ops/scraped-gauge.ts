/**
 * A gauge read at scrape time from Redis (queue depth by state, messages by status):
 * one reading per scrape, given at most SCRAPE_TIMEOUT_MS, so a slow or unreachable
 * Redis leaves the last values instead of holding /metrics.
 */
import { Gauge, type Registry } from 'prom-client';

const SCRAPE_TIMEOUT_MS = 1_000;

/** `p`'s value, or undefined when it fails or takes longer than a scrape may wait. */
export async function withScrapeTimeout<T>(p: Promise<T>): Promise<T | undefined> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<undefined>((resolve) => {
    timer = setTimeout(() => resolve(undefined), SCRAPE_TIMEOUT_MS);
  });
  try {
    return await Promise.race([p.catch(() => undefined), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** Register a gauge whose values, one per `label` value, are read by `read` at each scrape. */
export function registerScrapedGauge(registry: Registry, spec: { name: string; help: string; label: string; read: () => Promise<Record<string, number>> }): void {
  new Gauge({
    name: spec.name,
    help: spec.help,
    labelNames: [spec.label],
    registers: [registry],
    async collect() {
      const counts = await withScrapeTimeout(spec.read());
      if (counts === undefined) return;
      for (const [value, n] of Object.entries(counts)) this.set({ [spec.label]: value }, n);
    },
  });
}
