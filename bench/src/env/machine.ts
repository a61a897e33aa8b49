/** A description of the machine a run was measured on, for the report. */
import { execFileSync } from 'node:child_process';
import { cpus, totalmem } from 'node:os';

/** What the report says about the machine. */
export interface MachineInfo {
  readonly nproc: number;
  readonly cpuModel: string;
  readonly memoryGiB: number;
  readonly node: string;
  readonly platform: string;
  readonly kernel: string;
}

/** Read the machine's description. */
export function describeMachine(): MachineInfo {
  let nproc = cpus().length;
  try {
    nproc = Number(execFileSync('nproc', { encoding: 'utf8' }).trim()) || nproc;
  } catch {
    // os.cpus() is close enough where nproc is missing.
  }
  let kernel = 'unknown';
  try {
    kernel = execFileSync('uname', ['-r'], { encoding: 'utf8' }).trim();
  } catch {
    // Informational only.
  }
  return {
    nproc,
    cpuModel: cpus()[0]?.model.trim() ?? 'unknown',
    memoryGiB: Math.round((totalmem() / 1024 ** 3) * 10) / 10,
    node: process.version,
    platform: `${process.platform}-${process.arch}`,
    kernel,
  };
}
