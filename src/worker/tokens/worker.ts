// The tokenizer worker: tokenizes large texts off the extension host's thread (see
// src/worker/tokens/client.ts, which starts it from dist/tokenWorker.js and falls back to inline work
// if it cannot). One request at a time; the token table's buffers are transferred, not copied.

import { parentPort } from 'worker_threads';
import { handleRequest, LoadedTokenizers } from './handleRequest';
import { transferList, type WorkerRequest, type WorkerResponse } from './protocol';

if (!parentPort) throw new Error('tokenWorker.js is a worker_threads entry; it cannot run on its own.');
const port = parentPort;
const tokenizers = new LoadedTokenizers();

port.on('message', (request: WorkerRequest) => {
  let response: WorkerResponse;
  try {
    response = handleRequest(request, tokenizers);
  } catch (error) {
    response = { seq: request.seq, ok: false, error: error instanceof Error ? error.message : String(error) };
  }
  port.postMessage(response, transferList(response));
});
