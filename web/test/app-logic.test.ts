import { describe, expect, it } from 'vitest';
import { deployBody, splitCommand, type DeployFormValues } from '../src/lib/deploy-form';
import { backoffMs, liveUrl } from '../src/lib/live';
import { allowedActions, nextPollDelay } from '../src/lib/poll';
import { isAppLink, matchRoute, type RouteDef } from '../src/lib/router';
import { ROUTES } from '../src/routes';

describe('router', () => {
  const find = (path: string) => {
    const m = matchRoute(ROUTES, path);
    return m && { tag: m.route.tag, params: m.params, auth: m.route.auth ?? false };
  };

  it('matches each page with its params, decoding them', () => {
    expect(find('/')).toEqual({ tag: 'landing-page', params: {}, auth: false });
    expect(find('/market/')).toEqual({ tag: 'market-page', params: {}, auth: false });
    expect(find('/gpus/H100%2080GB')).toEqual({ tag: 'gpu-page', params: { model: 'H100 80GB' }, auth: false });
    expect(find('/deploy/ofr_abc')).toEqual({ tag: 'deploy-page', params: { offerId: 'ofr_abc' }, auth: true });
    expect(find('/deployments/dep_1')).toEqual({ tag: 'deployment-page', params: { id: 'dep_1' }, auth: true });
    expect(find('/app')).toEqual({ tag: 'dashboard-page', params: { '*': '' }, auth: true });
    expect(find('/app/keys')).toEqual({ tag: 'dashboard-page', params: { '*': 'keys' }, auth: true });
    expect(find('/gpus')).toEqual({ tag: 'not-found-page', params: { '*': 'gpus' }, auth: false });
    // A malformed escape matches no page, not even the catch-all.
    expect(find('/gpus/%E0%A4%A')).toBeNull();
  });

  it('keeps plain left clicks on same-origin app links, and lets the API pages and new tabs go', () => {
    const origin = 'http://127.0.0.1:8787';
    const a = (href: string, attrs: Record<string, string> = {}) =>
      ({ href: new URL(href, origin).href, target: attrs.target ?? '', hasAttribute: (n: string) => n in attrs, getAttribute: (n: string) => attrs[n] ?? null }) as unknown as HTMLAnchorElement;
    const click = (extra: Partial<MouseEvent> = {}) => ({ defaultPrevented: false, button: 0, metaKey: false, ctrlKey: false, shiftKey: false, altKey: false, ...extra }) as MouseEvent;
    expect(isAppLink(a('/market'), click(), origin)).toBe(true);
    expect(isAppLink(a('/market'), click({ metaKey: true }), origin)).toBe(false);
    expect(isAppLink(a('/market', { target: '_blank' }), click(), origin)).toBe(false);
    expect(isAppLink(a('https://example.com/'), click(), origin)).toBe(false);
    expect(isAppLink(a('/docs'), click(), origin)).toBe(false);
    expect(isAppLink(a('/v1/offers'), click(), origin)).toBe(false);
  });

  it('takes `/*` as any deeper path', () => {
    const routes: RouteDef[] = [{ pattern: '/a/*', tag: 'x', title: '', load: async () => undefined }];
    expect(matchRoute(routes, '/a/b/c')?.params['*']).toBe('b/c');
    expect(matchRoute(routes, '/b')).toBeNull();
  });
});

describe('deployment polling', () => {
  it('polls fast while the status moves, backing off to 10 s, slowly when steady, never when final', () => {
    expect([0, 1, 2, 3, 4, 5, 9].map((n) => nextPollDelay('provisioning', n))).toEqual([1500, 2250, 3375, 5063, 7594, 10_000, 10_000]);
    expect(nextPollDelay('running', 0)).toBe(30_000);
    expect(nextPollDelay('pending', 0, true)).toBe(60_000);
    expect(nextPollDelay('terminated', 0)).toBeNull();
    expect(nextPollDelay('failed', 3)).toBeNull();
  });

  it('offers only the actions the lifecycle allows', () => {
    expect(allowedActions('running')).toEqual({ stop: true, start: false, terminate: true });
    expect(allowedActions('stopped')).toEqual({ stop: false, start: true, terminate: true });
    expect(allowedActions('terminating')).toEqual({ stop: false, start: false, terminate: false });
    expect(allowedActions('failed')).toEqual({ stop: false, start: false, terminate: false });
  });
});

describe('live socket', () => {
  it('puts channels, filter and the resume point in the URL on the ws scheme of the page', () => {
    expect(liveUrl('https://gpubroker.example', ['gpu:H100-80GB'], { maxPricePerGpuHour: 3 }, 42)).toBe(
      'wss://gpubroker.example/v1/live?channels=gpu%3AH100-80GB&maxPricePerGpuHour=3&lastSeq=42',
    );
    expect(liveUrl('http://127.0.0.1:8787', ['market'])).toBe('ws://127.0.0.1:8787/v1/live?channels=market');
  });

  it('backs off 1, 2, 4 … 30 s with ±30 % jitter', () => {
    expect([0, 1, 2, 5, 9].map((n) => backoffMs(n, () => 0.5))).toEqual([1000, 2000, 4000, 30_000, 30_000]);
    expect(backoffMs(0, () => 0)).toBe(700);
    expect(backoffMs(0, () => 0.999999)).toBe(1300);
  });
});

describe('deploy form', () => {
  const values = (over: Partial<DeployFormValues> = {}): DeployFormValues => ({
    name: 'train', image: 'pytorch/pytorch:2.4.0', command: '', env: [{ key: '', value: '' }], ports: '', sshPublicKey: '', diskGb: '', maxHours: '', maxSpendUsd: '', failover: false, ...over,
  });

  it('splits a command line, keeping quoted words together', () => {
    expect(splitCommand(`python train.py --name "my run" --tag '' -x`)).toEqual(['python', 'train.py', '--name', 'my run', '--tag', '', '-x']);
    expect(splitCommand('   ')).toEqual([]);
  });

  it('builds the POST /v1/deployments body, leaving out empty fields', () => {
    const r = deployBody('ofr_x', values({ command: 'python a.py', env: [{ key: 'HF_TOKEN', value: 's3cret' }, { key: '', value: '' }], ports: '8888, 22', maxHours: '2', failover: true }));
    expect(r).toEqual({
      errors: null,
      body: { offerId: 'ofr_x', name: 'train', image: 'pytorch/pytorch:2.4.0', command: ['python', 'a.py'], env: { HF_TOKEN: 's3cret' }, ports: [8888, 22], maxHours: 2, failover: { enabled: true } },
    });
  });

  it('names each bad field the way the API would refuse it', () => {
    const r = deployBody('ofr_x', values({ name: '', image: 'has space', env: [{ key: '1BAD', value: 'v' }, { key: 'A', value: '1' }, { key: 'A', value: '2' }], ports: '0,70000', sshPublicKey: 'not a key', diskGb: '1.5', maxHours: '-1', maxSpendUsd: 'x' }));
    expect(r.body).toBeNull();
    expect(Object.keys(r.errors!).sort()).toEqual(['diskGb', 'env.0.key', 'env.2.key', 'image', 'maxHours', 'maxSpendUsd', 'name', 'ports', 'sshPublicKey']);
  });
});
