/**
 * examples/kubernetes/: every manifest validates against Kubernetes' own schema (the
 * kubernetes-models package, generated from Kubernetes' OpenAPI), the grace period covers the
 * demo's worst-case shutdown, and a real supd answers the manifest's probes exactly as the kubelet
 * runs them (HTTP GET on the probe's path, its timeoutSeconds, success on 200-399).
 */
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import { ConfigMap } from 'kubernetes-models/v1';
import { Deployment } from 'kubernetes-models/apps/v1';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { NODE, PUPPET, REPO, startSupd, statusServerPort, SUPD, waitForFileMatching, type RunningSupd } from '../../support/supd-harness.js';

const DIR = join(REPO, 'examples/kubernetes');
const MODELS: Record<string, new (data: never) => { validate(): void }> = {
  'v1/ConfigMap': ConfigMap as never,
  'apps/v1/Deployment': Deployment as never,
};

interface Doc {
  readonly apiVersion: string;
  readonly kind: string;
  readonly [key: string]: unknown;
}

function manifests(): { file: string; doc: Doc }[] {
  return readdirSync(DIR)
    .filter((f) => f.endsWith('.yaml'))
    .flatMap((file) => parseAllDocuments(readFileSync(join(DIR, file), 'utf8')).map((d) => ({ file, doc: d.toJS() as Doc })));
}

function validate(doc: Doc): void {
  const Model = MODELS[`${doc.apiVersion}/${doc.kind}`];
  if (Model === undefined) throw new Error(`no model for ${doc.apiVersion} ${doc.kind}: add it to MODELS`);
  new Model(doc as never).validate();
}

interface Probe {
  readonly httpGet: { readonly path: string; readonly port: string | number };
  readonly timeoutSeconds?: number;
}

function deployment(): { spec: { template: { spec: { terminationGracePeriodSeconds: number; containers: { readinessProbe: Probe; livenessProbe: Probe }[] } } } } {
  return manifests().find((m) => m.doc.kind === 'Deployment')!.doc as never;
}

/** The kubelet's httpGet probe (pkg/probe/http): GET, kube-probe User-Agent, the probe's timeout, success on 200-399. */
function kubeletProbe(port: number, probe: Probe): Promise<'success' | 'failure'> {
  return new Promise((resolve) => {
    const req = request(
      { host: '127.0.0.1', port, path: probe.httpGet.path, method: 'GET', headers: { 'user-agent': 'kube-probe/1.34', accept: '*/*' } },
      (res) => {
        res.resume();
        const status = res.statusCode ?? 0;
        resolve(status >= 200 && status < 400 ? 'success' : 'failure');
      },
    );
    req.setTimeout((probe.timeoutSeconds ?? 1) * 1000, () => req.destroy());
    req.on('error', () => resolve('failure'));
    req.end();
  });
}

let supd: RunningSupd | undefined;
afterEach(async () => {
  await supd?.stop();
  supd = undefined;
});

describe('examples/kubernetes', () => {
  it("validates against Kubernetes' schema (and the validation does reject a broken manifest)", () => {
    const all = manifests();
    expect(all.map((m) => `${m.file}: ${m.doc.kind}`)).toEqual(['supd-demo.yaml: ConfigMap', 'supd-demo.yaml: Deployment']);
    for (const { doc } of all) validate(doc);
    const broken = deployment() as unknown as Doc & { spec: object };
    expect(() => validate({ ...broken, spec: { ...broken.spec, replicas: 'one' } })).toThrow(/replicas must be integer/);
  });

  it("has a terminationGracePeriodSeconds covering the demo's worst-case shutdown (supd --check --grace)", () => {
    const grace = deployment().spec.template.spec.terminationGracePeriodSeconds;
    const r = spawnSync(NODE, [SUPD, '--check', '--grace', String(grace), '-c', join(REPO, 'conf.d/supd.conf')], { encoding: 'utf8' });
    expect({ code: r.status, stderr: r.stderr }).toEqual({ code: 0, stderr: '' });
    expect(r.stdout).toMatch(/^worst-case shutdown: \d+ s /m);
  });

  it('supd answers the probes as the kubelet runs them: readiness fails, then succeeds; liveness fails once supd shuts down', async () => {
    const status = (manifests().find((m) => m.doc.kind === 'ConfigMap')!.doc as unknown as { data: { 'status.conf': string } }).data['status.conf'];
    const { readinessProbe, livenessProbe } = deployment().spec.template.spec.containers[0]!;
    supd = await startSupd(
      (dir) => `${status.replace('*:8081', '127.0.0.1:0')}
[program:app]
command=${NODE} ${PUPPET} --ignore=TERM
stdout_logfile=${dir}/app.log
startsecs=2
stopwaitsecs=5
`,
    );
    const port = await statusServerPort(supd);
    expect(await kubeletProbe(port, livenessProbe)).toBe('success');
    expect(await kubeletProbe(port, readinessProbe)).toBe('failure'); // app is STARTING for 2 s
    await vi.waitFor(async () => expect(await kubeletProbe(port, readinessProbe)).toBe('success'), { timeout: 10_000, interval: 100 });
    await waitForFileMatching(join(supd.dir, 'app.log'), /^ready \d+/m);
    supd.signal('SIGTERM'); // app ignores TERM: supd stays up, shutting down, for up to 5 s
    await vi.waitFor(async () => expect(await kubeletProbe(port, livenessProbe)).toBe('failure'), { timeout: 4_000, interval: 50 });
    expect(await kubeletProbe(port, readinessProbe)).toBe('failure');
  });
});
