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

const [baseURL, model, mode] = process.argv.slice(2);
if (!baseURL || !model || (mode !== 'stream' && mode !== 'complete')) {
  process.stderr.write('usage: node chat-client.mjs <baseURL> <model> <stream|complete>\n');
  exit(2);
} else {
  // Node loads its fetch implementation (undici) lazily on the first call, which can take a few hundred ms on a busy
  // machine: load it first, without any network, so that "t" measures the proxy and not Node's start-up
  await (await fetch('data:,')).arrayBuffer();
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
