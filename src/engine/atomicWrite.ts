// Writing a file so that a reader never sees half of it: a temporary file in the same folder, flushed,
// then renamed over the target; a failed write leaves the old file as it was.

import * as crypto from 'crypto';
import * as fs from 'fs';
import * as path from 'path';

/**
 * Writes a file atomically: into a temporary file in the same folder, flushed, then renamed over the
 * target, so a reader never sees half a file and a failed write leaves the old file as it was.
 */
export async function writeFileAtomic(target: string, bytes: Uint8Array | string): Promise<void> {
  const dir = path.dirname(target);
  const tmp = path.join(dir, `.${path.basename(target)}.tmp-${process.pid}-${crypto.randomBytes(4).toString('hex')}`);
  const handle = await fs.promises.open(tmp, 'w');
  try {
    await handle.writeFile(bytes);
    await handle.sync();
  } finally {
    await handle.close();
  }
  try {
    await fs.promises.rename(tmp, target);
  } catch (error) {
    await fs.promises.rm(tmp, { force: true });
    throw error;
  }
}
