/**
 * The viewer's static files (viewer/index.html, viewer.js, viewer.css): plain
 * HTML, CSS and browser JavaScript, no framework and no build step, read once
 * when the catcher starts and served by path.
 */
import { readFileSync } from 'node:fs';

/** One static file. */
export interface ViewerAsset {
  readonly type: string;
  readonly body: Buffer;
}

/** URL path → file. */
export type ViewerAssets = ReadonlyMap<string, ViewerAsset>;

const FILES: readonly { path: string; file: string; type: string }[] = [
  { path: '/', file: 'index.html', type: 'text/html; charset=utf-8' },
  { path: '/viewer.js', file: 'viewer.js', type: 'text/javascript; charset=utf-8' },
  { path: '/viewer.css', file: 'viewer.css', type: 'text/css; charset=utf-8' },
];

/** Read the viewer's files. */
export function loadViewerAssets(dir: URL = new URL('./viewer/', import.meta.url)): ViewerAssets {
  return new Map(FILES.map((f) => [f.path, { type: f.type, body: readFileSync(new URL(f.file, dir)) }]));
}
