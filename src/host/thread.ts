// The script of a render worker thread (the bundle runs startWorker from its single file instead).
import { startWorker } from './entry.ts';

await startWorker();
