// The official `openai` npm package talking to a running 429chain, driven by NodeOpenAiClientTest.
//
//   node chat-client.mjs <baseURL> <model> <stream|complete>
//
// Prints one JSON object per line on stdout:
//   stream:   {"t": <ms since request start>, "content": <delta content|null>, "finish": <finish_reason|null>, "model": ...}
//             per chunk, then {"done": true}
//   complete: {"content": ..., "model": ...}
//   on any error the SDK raises (including mid-stream):
//             {"error": "<error class name>", "message": "...", "status": <http status|null>, "code": <error code|null>}
//             and exit code 3.
// Exit code 2 means the script was called wrongly.
import OpenAI from 'openai';
import http from 'node:http';
import { performance } from 'node:perf_hooks';

function print(object) {
  process.stdout.write(JSON.stringify(object) + '\n');
}

function exit(code) {
  // exit once stdout is flushed, without waiting for idle keep-alive sockets
  process.stdout.write('', () => process.exit(code));
}

// a reader that stops reading (e.g. `| head -1`) is not an error of the client under test
process.stdout.on('error', (error) => process.exit(error.code === 'EPIPE' ? 0 : 1));

/**
 * One streamed request through the SDK to a throwaway server inside this process. Node loads its fetch implementation
 * (undici) and the SDK its request and streaming code lazily, on the first request; on a busy machine that costs a
 * few hundred ms. Paying it here, before the clock starts and without touching the proxy, makes "t" measure the proxy.
 */
async function warmUp() {
  const server = http.createServer((request, response) => {
    request.resume();
    request.on('end', () => {
      response.writeHead(200, { 'Content-Type': 'text/event-stream' });
      response.end('data: {"id":"warm-up","object":"chat.completion.chunk","created":0,"model":"warm-up","choices":[]}\n\n'
        + 'data: [DONE]\n\n');
    });
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  try {
    const local = new OpenAI({ baseURL: `http://127.0.0.1:${server.address().port}/v1`, apiKey: 'unused', maxRetries: 0, timeout: 5000 });
    const stream = await local.chat.completions.create({ model: 'warm-up', messages: [{ role: 'user', content: 'hi' }], stream: true });
    for await (const _ of stream) {
      // drain
    }
  } finally {
    server.closeAllConnections();
    server.close();
  }
}

const [baseURL, model, mode] = process.argv.slice(2);
if (!baseURL || !model || (mode !== 'stream' && mode !== 'complete')) {
  process.stderr.write('usage: node chat-client.mjs <baseURL> <model> <stream|complete>\n');
  exit(2);
} else {
  await warmUp().catch((error) => process.stderr.write(`warm-up failed (ignored): ${error}\n`));
  const client = new OpenAI({ baseURL, apiKey: 'unused', maxRetries: 0, timeout: 20000 });
  const messages = [{ role: 'user', content: 'hi' }];
  try {
    if (mode === 'stream') {
      const start = performance.now();
      const stream = await client.chat.completions.create({ model, messages, stream: true });
      for await (const chunk of stream) {
        const choice = chunk.choices?.[0];
        print({
          t: Math.round((performance.now() - start) * 10) / 10,
          content: choice?.delta?.content ?? null,
          finish: choice?.finish_reason ?? null,
          model: chunk.model ?? null,
        });
      }
      print({ done: true });
    } else {
      const completion = await client.chat.completions.create({ model, messages });
      print({ content: completion.choices?.[0]?.message?.content ?? null, model: completion.model ?? null });
    }
    exit(0);
  } catch (error) {
    print({
      error: error?.constructor?.name ?? typeof error,
      message: String(error?.message ?? error),
      status: error?.status ?? null,
      code: error?.code ?? null,
    });
    exit(3);
  }
}
