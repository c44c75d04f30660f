import { createExecutionContext } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { MAX_BODY_BYTES } from '../../src/http/body';
import { api, json } from '../helpers';

let ipSeq = 0;
const headers = (extra: Record<string, string> = {}) => ({ 'CF-Connecting-IP': `192.0.2.${200 + ++ipSeq}`, ...extra });

describe('request bodies on /v1', () => {
  it('answers 413 to a body over 1 MB announced by Content-Length', async () => {
    const res = await api('/v1/auth/login', {
      method: 'POST',
      headers: headers({ 'content-type': 'application/json' }),
      body: JSON.stringify({ email: 'a@example.com', password: 'x'.repeat(MAX_BODY_BYTES) }),
    });
    expect(res.status).toBe(413);
    expect(res.headers.get('content-type')).toBe('application/problem+json');
    expect(await json(res)).toMatchObject({ type: 'https://gpubroker.dev/problems/payload-too-large', status: 413 });
  });

  it('answers 413 to a streamed body without Content-Length once it passes 1 MB', async () => {
    const chunk = new TextEncoder().encode('x'.repeat(64 * 1024));
    let sent = 0;
    const body = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (sent > MAX_BODY_BYTES + chunk.length) return controller.close();
        sent += chunk.length;
        controller.enqueue(chunk);
      },
    });
    // Straight into the worker: through a socket, the abandoned upload would surface as a lost connection.
    const { default: worker } = await import('../../src/index');
    const request = new Request('http://gpubroker.test/v1/auth/login', { method: 'POST', headers: headers({ 'content-type': 'application/json' }), body });
    expect(request.headers.get('content-length')).toBeNull();
    const res = await worker.fetch!(request, env, createExecutionContext());
    expect(res.status).toBe(413);
    expect(await json(res)).toMatchObject({ status: 413 });
  });

  it('answers 415 to a POST body that is not JSON', async () => {
    for (const type of ['text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'application/jsonx']) {
      const res = await api('/v1/auth/login', { method: 'POST', headers: headers({ 'content-type': type }), body: 'email=a' });
      expect(res.status, type).toBe(415);
      expect(res.headers.get('content-type')).toBe('application/problem+json');
      expect(await json(res)).toMatchObject({ type: 'https://gpubroker.dev/problems/unsupported-media-type', status: 415 });
    }
  });

  it('answers 415 to a PATCH body without a content type', async () => {
    const res = await api('/v1/members/usr_x', { method: 'PATCH', headers: headers(), body: new Blob(['{"role":"admin"}']) });
    expect(res.status).toBe(415);
  });

  it('lets JSON bodies (with parameters or a +json type) and bodiless requests through to the route', async () => {
    for (const type of ['application/json', 'application/json; charset=utf-8', 'Application/JSON', 'application/merge-patch+json']) {
      const res = await api('/v1/plans', { method: 'POST', headers: headers({ 'content-type': type }), body: '{}' });
      expect(res.status, type).toBe(404); // no POST /v1/plans: the guard let it through
    }
    expect((await api('/v1/plans', { method: 'POST', headers: headers() })).status).toBe(404);
    expect((await api('/v1/plans', { headers: headers() })).status).toBe(200);
  });
});
