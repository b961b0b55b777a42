// The real mart binary (MART_BIN), started for a test on a free loopback port with its own data
// directory and an admin account, and stopped (by its PID) when the test ends.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const admin = { email: 'admin@mart.test', password: 'admin-password-1' };

// mart refuses MART_* variables it does not know (MART_BIN is the test's own).
const martless = (env) => Object.fromEntries(Object.entries(env).filter(([k]) => !k.startsWith('MART_')));

export async function startMart({ args = [] } = {}) {
  const binary = process.env.MART_BIN;
  if (!binary) throw new Error('MART_BIN names the mart binary to test');
  const dataDir = mkdtempSync(join(tmpdir(), 'mart-web-'));
  const child = spawn(binary, ['--host', '127.0.0.1', '--port', '0', '--data-dir', dataDir,
    '--log-format', 'json', ...args], {
    env: { ...martless(process.env), MART_ADMIN_EMAIL: admin.email, MART_ADMIN_PASSWORD: admin.password },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let log = '';
  const port = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`mart did not start:\n${log}`)), 15000);
    const read = (chunk) => {
      log += chunk;
      const found = /listening on [^"\s]*:(\d+)/.exec(log);
      if (found) {
        clearTimeout(timer);
        resolve(Number(found[1]));
      }
    };
    child.stdout.on('data', read);
    child.stderr.on('data', read);
    child.on('exit', (code) => reject(new Error(`mart exited with ${code}:\n${log}`)));
  });
  const base = `http://127.0.0.1:${port}`;
  return {
    base,
    log: () => log,
    async stop() {
      if (child.exitCode === null) {
        const exited = new Promise((resolve) => child.once('exit', resolve));
        child.kill('SIGTERM');
        await exited;
      }
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

// A JSON call to the API, for setting up what a test needs; throws on an unexpected status.
export async function call(base, method, path, { body, token, expect } = {}) {
  const headers = { Accept: 'application/json' };
  if (token) headers.Authorization = `Bearer ${token}`;
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  const response = await fetch(`${base}/api/v1${path}`, {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  const data = text ? JSON.parse(text) : null;
  const ok = expect ? response.status === expect : response.ok;
  if (!ok) throw new Error(`${method} ${path}: ${response.status} ${text}`);
  return data;
}

export async function tokenFor(base, { email, password }) {
  return (await call(base, 'POST', '/auth/login', { body: { email, password } })).access_token;
}

// A product with `stock` available, created as the admin.
export async function stockedProduct(base, adminToken, fields, stock = 100) {
  const product = await call(base, 'POST', '/products', {
    token: adminToken,
    body: { description: '', price_cents: 1000, ...fields },
  });
  if (stock) {
    // Inventory learns of the product from its product_created event, a moment after the 201:
    // until then it answers 404 for it.
    await eventually(
      async () => {
        try {
          await call(base, 'POST', `/inventory/${product.id}/adjustments`, {
            token: adminToken,
            body: { delta: stock, reason: 'restock' },
          });
          return true;
        } catch (error) {
          if (/: 404 /.test(error.message)) return false;
          throw error;
        }
      },
      10000,
      `inventory to know product ${product.id}`,
    );
  }
  return product;
}

// Waits until `check()` is truthy (polling), up to `ms`.
export async function eventually(check, ms = 10000, what = 'condition') {
  const until = Date.now() + ms;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
